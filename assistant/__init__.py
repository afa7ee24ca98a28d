"""まどぐちナビ: the Python package around the Rasa assistant (settings, NLU components, knowledge, channels, CLI)."""
