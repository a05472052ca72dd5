"""The shared database: SQLite by default, PostgreSQL when ``ASSISTANT_DATABASE_URL`` is set.

One :class:`Database` per process (engine + session factory). The schema is
owned by Alembic (``migrations/``): :meth:`Database.migrate` brings any database
to the latest revision, and on PostgreSQL it holds an advisory lock while it
does, so that several replicas starting at once migrate exactly once.

Why a database and not files: feedback, tickets and the question log must be
shared by every replica (``assistant serve`` on several machines) and survive
the loss of any one of them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.settings import Settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: Key of the PostgreSQL advisory lock taken while migrating (any constant will do).
MIGRATION_LOCK_KEY = 7_150_015


class DatabaseUnavailable(AssistantError):
    """The database cannot be reached (or refused the write): say so, do not crash."""


def database_url(settings: Settings) -> str:
    """``ASSISTANT_DATABASE_URL``, else the embedded SQLite file ``ASSISTANT_FEEDBACK_DB``."""
    if settings.database_url:
        return normalise_url(settings.database_url)
    return f"sqlite:///{Path(settings.feedback_db).resolve()}"


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3 (the driver the project installs)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """Engine and sessions of one database URL."""

    def __init__(self, url: str, *, connect_timeout: int = 3) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
        elif self.dialect == "postgresql":
            # a database that is down must fail fast: the public chat keeps answering
            kwargs["connect_args"] = {"connect_timeout": connect_timeout}
            kwargs["pool_size"] = 5
            kwargs["max_overflow"] = 10
            kwargs["pool_timeout"] = connect_timeout
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, migrate: bool = True) -> Database:
        db = cls(database_url(settings))
        if migrate:
            db.migrate()
        return db

    @property
    def safe_url(self) -> str:
        """The URL without its password (for logs and ``/readyz``)."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed at the end of the block (rolled back on error)."""
        with self._sessions() as session, session.begin():
            yield session

    def ping(self) -> bool:
        """The database answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def migrate(self) -> None:
        """Upgrade to the latest Alembic revision (under an advisory lock on PostgreSQL)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
                conn.commit()
            try:
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
                conn.commit()
            finally:
                if self.dialect == "postgresql":
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                    conn.commit()

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()
