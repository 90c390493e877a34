"""The scratch database benchmarks load places into, so they never touch the demo database.

Place versions can never be deleted (the schema refuses), so a benchmark that loads places
starts from a fresh database: a copy of the test template (``diachi_test_template``, made
by the test suite: migrated, administrative units imported) when one is complete and
unused, else an empty database migrated and imported from the bundled data.
"""

from __future__ import annotations

import time

from rich.console import Console
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from registry import migrations
from registry.config import Settings
from registry.database import Database, resolve_database_url

SCRATCH = "diachi_bench"
TEMPLATE = "diachi_test_template"


def scratch_url(settings: Settings, name: str = SCRATCH) -> str:
    """The URL of the scratch database ``name`` on the configured server."""
    url = make_url(resolve_database_url(settings)).set(database=name)
    return url.render_as_string(hide_password=False)


def _admin(settings: Settings) -> Engine:
    url = make_url(resolve_database_url(settings)).set(database="postgres")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _template_ready(admin: Engine) -> bool:
    """The test template exists, was completed (its digest comment is set) and is unused."""
    with admin.connect() as conn:
        row = conn.execute(
            text(
                "SELECT shobj_description(d.oid, 'pg_database') AS digest,"
                " (SELECT count(*) FROM pg_stat_activity a WHERE a.datname = d.datname) AS users"
                " FROM pg_database d WHERE d.datname = :n"
            ),
            {"n": TEMPLATE},
        ).first()
    return row is not None and row.digest is not None and row.users == 0


def recreate(settings: Settings, console: Console, name: str = SCRATCH) -> str:
    """Drop and create the scratch database ``name`` with admin units loaded; its URL."""
    if not name.startswith("diachi_bench"):
        raise ValueError(f"refusing to drop {name!r}: scratch databases are diachi_bench*")
    started = time.perf_counter()
    admin = _admin(settings)
    copied = False
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if _template_ready(admin):
                try:
                    conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"'))
                    copied = True
                except DBAPIError:  # someone connected to the template meanwhile
                    copied = False
            if not copied:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    url = scratch_url(settings, name)
    migrations.upgrade(url)
    if not copied:
        _import_admin_units(url, settings)
    how = f"copy of {TEMPLATE}" if copied else "migrated and admin units imported"
    console.print(f"scratch database {name}: {how} ({time.perf_counter() - started:.1f} s)")
    return url


def _import_admin_units(url: str, settings: Settings) -> None:
    from importers.admin_units import run

    engine = create_engine(url)
    try:
        run(Database(engine), settings.data_dir)
    finally:
        engine.dispose()
