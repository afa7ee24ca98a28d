"""Engines and migrations for the product's own database (SQLite by default, PostgreSQL in production)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.orm import sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> sa.engine.Engine:
    """An engine; SQLite files get WAL and a busy timeout, as several processes share them."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # A pool of open connections (SQLAlchemy 1.4 would open a new file connection for every session).
        engine = sa.create_engine(url, connect_args={"timeout": 15, "check_same_thread": False}, future=True,
                                  poolclass=sa.pool.QueuePool, pool_size=5, max_overflow=10)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True, future=True)


def autocommit_reads(engine: sa.engine.Engine, **kwargs: Any) -> sa.engine.Engine:
    """The engine for single-statement reads on a hot path. On PostgreSQL: connections of their own,
    always in autocommit, which saves the BEGIN and ROLLBACK round trips psycopg2 puts around each
    read (a pool shared with writers would also reset the isolation level on every return). Other
    databases: the engine itself."""
    if engine.dialect.name != "postgresql":
        return engine
    return sa.create_engine(engine.url, isolation_level="AUTOCOMMIT", **kwargs)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Brings the database to `revision` (run at start-up and by `madoguchi db upgrade`)."""
    command.upgrade(alembic_config(url), revision)


def session_factory(engine: sa.engine.Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False, future=True)


def current_revision(url: str) -> Optional[str]:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
