"""Engine and transactions.

One transaction per request or command: callers use :meth:`Database.transaction`
(or :meth:`Database.read`) and only that context commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine

from registry import cluster
from registry.config import Settings


def resolve_database_url(settings: Settings) -> str:
    """The URL to use: ``DIACHI_DATABASE_URL`` if set, else the private cluster's.

    Raises :class:`registry.cluster.ClusterError` when neither is available.
    """
    if settings.database_url:
        return settings.database_url
    paths = cluster.ClusterPaths(settings.state_dir)
    if not paths.password_file.exists():
        raise cluster.ClusterError(
            "no database: set DIACHI_DATABASE_URL or run `diachi db start` (or `make run`)"
        )
    return cluster.database_url(paths)


def make_engine(settings: Settings, url: str | None = None) -> Engine:
    """A pooled engine; every connection runs in UTC with the configured statement timeout."""
    return create_engine(
        url or resolve_database_url(settings),
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        pool_pre_ping=True,
        connect_args={
            "options": f"-c timezone=UTC -c statement_timeout={settings.statement_timeout_ms}"
        },
    )


class Database:
    """The registry's handle on PostGIS."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A read-write transaction committed on success, rolled back on any exception."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (``BEGIN READ ONLY``: one statement, not two)."""
        with (
            self.engine.connect().execution_options(postgresql_readonly=True) as conn,
            conn.begin(),
        ):
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()
