"""The product's own database: SQLAlchemy models (handoffs, staff, audit) and their Alembic migrations."""
