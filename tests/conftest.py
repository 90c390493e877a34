"""Test database: built and loaded once, each test isolated.

A template database (migrated, admin units imported) is built once and reused
while its inputs (migrations, importer and registry code, bundled data) are
unchanged; each pytest worker copies it (``CREATE DATABASE … TEMPLATE …``).
Each test runs inside a transaction that is rolled back; tests that need real
commits use ``fresh_database_url``, their own copy of the template.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.engine import URL

from registry import migrations
from registry.config import PROJECT_ROOT, Settings
from registry.database import Database, resolve_database_url

TEMPLATE = "diachi_test_template"


def _inputs_digest() -> str:
    h = hashlib.sha256()
    # What the template's contents depend on: the schema, the importer and its inputs.
    inputs = ("alembic", "importers", "data", "geo/text.py")
    for folder in inputs:
        root = PROJECT_ROOT / folder
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path).encode())
                h.update(path.read_bytes())
    return h.hexdigest()[:32]


def _drop(admin: Engine, name: str) -> None:
    """Best-effort drop: an autovacuum worker (not ours to terminate) may hold it a moment."""
    for attempt in range(5):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except Exception:  # retried, then left for the next run to drop
            time.sleep(0.5 * (attempt + 1))


def _admin_engine(base: URL) -> Engine:
    return create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _recreate(admin: Engine, name: str, template: str | None = None) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        clause = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))


def _build_template(base: URL, settings: Settings) -> None:
    from importers.admin_units import run

    admin = _admin_engine(base)
    digest = _inputs_digest()
    with admin.connect() as conn:
        current = conn.execute(
            text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"
            ),
            {"n": TEMPLATE},
        ).scalar()
    if current != digest:
        _recreate(admin, TEMPLATE)
        url = base.set(database=TEMPLATE).render_as_string(hide_password=False)
        migrations.upgrade(url)
        engine = create_engine(url)
        run(Database(engine), settings.data_dir)
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"COMMENT ON DATABASE \"{TEMPLATE}\" IS '{digest}'"))
    admin.dispose()


@contextmanager
def _lock(settings: Settings) -> Iterator[None]:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    with (settings.state_dir / "test-template.lock").open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def base_url(settings: Settings) -> URL:
    return make_url(resolve_database_url(settings))


@pytest.fixture(scope="session")
def test_database_url(base_url: URL, settings: Settings) -> Iterator[str]:
    """A worker-private copy of the loaded template."""
    with _lock(settings):
        _build_template(base_url, settings)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"diachi_test_{worker}_{os.getpid()}"
    admin = _admin_engine(base_url)
    _recreate(admin, name, TEMPLATE)
    yield base_url.set(database=name).render_as_string(hide_password=False)
    _drop(admin, name)
    admin.dispose()


@pytest.fixture(scope="session")
def engine(test_database_url: str) -> Iterator[Engine]:
    eng = create_engine(test_database_url, pool_size=2, max_overflow=2)
    yield eng
    eng.dispose()


@pytest.fixture
def fresh_database_url(base_url: URL, test_database_url: str) -> Iterator[str]:
    """A database of the test's own (a template copy), for tests that need real commits."""
    name = f"diachi_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(base_url)
    _recreate(admin, name, TEMPLATE)
    yield base_url.set(database=name).render_as_string(hide_password=False)
    _drop(admin, name)
    admin.dispose()


class RollbackDatabase(Database):
    """A Database whose transactions are savepoints inside one test's transaction."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn.engine)
        self.conn = conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.conn.begin_nested():
            yield self.conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.conn.begin_nested():
            yield self.conn

    def dispose(self) -> None:
        pass


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction rolled back after the test."""
    with engine.connect() as connection:
        outer = connection.begin()
        yield connection
        outer.rollback()


@pytest.fixture
def database(conn: Connection) -> Database:
    return RollbackDatabase(conn)


@pytest.fixture
def client(database: Database, settings: Settings) -> Iterator[TestClient]:
    from web.app import create_app

    app = create_app(settings, database=database)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def data_dir(settings: Settings) -> Path:
    return settings.data_dir
