"""`madoguchi retrain` and `madoguchi rollback`: a candidate model goes live only through the frozen evaluation's gate."""
