"""Admin-unit import benchmark: ``python -m bench.admin_import``.

Creates a scratch database on the same server, migrates it, times a first
``importers.admin_units.run`` into the empty schema (with the time of each of
its steps), times a second run (which must find the input unchanged), then
drops the database. Prints the figures and writes
``bench/out/admin-import-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL

from bench.common import machine, write_json
from importers import admin_units as importer
from registry import migrations
from registry.config import PROJECT_ROOT, Settings
from registry.database import Database, make_engine, resolve_database_url

TARGET_FIRST_IMPORT_S = 120.0

# Module-level functions of the importer timed one by one, in the order run() calls them.
# They are private names: a step that no longer exists is skipped, not an error.
STEPS = (
    "input_digest",
    "read_admin_dataset",
    "_stage_units",
    "_repair",
    "_apply_units",
    "_rebuild_parts",
    "_load_aliases_and_keys",
    "_load_successions",
    "_record",
)

TABLES = (
    "admin_unit",
    "admin_unit_part",
    "admin_unit_alias",
    "admin_unit_key",
    "admin_succession",
    "admin_succession_disagreement",
)


@contextmanager
def timed_steps() -> Iterator[dict[str, float]]:
    """Accumulate the seconds spent in each of the importer's ``STEPS`` while inside."""
    spent: dict[str, float] = {}
    originals: dict[str, Callable[..., Any]] = {}
    for name in STEPS:
        original = getattr(importer, name, None)
        if callable(original):
            originals[name] = original
            setattr(importer, name, _timer(name, original, spent))
    try:
        yield spent
    finally:
        for name, original in originals.items():
            setattr(importer, name, original)


def _timer(name: str, function: Callable[..., Any], spent: dict[str, float]) -> Callable[..., Any]:
    @wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

    return timed


@contextmanager
def slowest_statements(engine: Engine, keep: int = 6) -> Iterator[list[tuple[float, str]]]:
    """Collect the ``keep`` slowest SQL statements run through ``engine`` while inside.

    Yields a list filled on exit with (seconds, statement text shortened to one line).
    COPY through the raw psycopg cursor is not seen.
    """
    seen: list[tuple[float, str]] = []
    started: dict[int, float] = {}

    def before(_conn: Any, cursor: Any, *_: Any) -> None:
        started[id(cursor)] = time.perf_counter()

    def after(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        seconds = time.perf_counter() - started.pop(id(cursor), time.perf_counter())
        seen.append((seconds, " ".join(statement.split())[:110]))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    slowest: list[tuple[float, str]] = []
    try:
        yield slowest
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
        slowest += sorted(seen, reverse=True)[:keep]


@contextmanager
def scratch_database(base: URL, name: str) -> Iterator[str]:
    """A new, empty database ``name`` on the server of ``base``; dropped afterwards."""
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _timed_run(database: Database, settings: Settings) -> tuple[importer.ImportReport, float]:
    started = time.perf_counter()
    report = importer.run(database, settings.data_dir, force=False)
    return report, time.perf_counter() - started


def _table_sizes(engine: Engine) -> dict[str, dict[str, Any]]:
    sizes: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for table in TABLES:
            rows = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            size = conn.execute(
                text("SELECT pg_size_pretty(pg_total_relation_size(CAST(:t AS regclass)))"),
                {"t": table},
            ).scalar_one()
            sizes[table] = {"rows": rows, "size": size}
    return sizes


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.admin_import", description=__doc__)
    parser.add_argument(
        "--database-name",
        default=f"diachi_bench_import_{os.getpid()}",
        help="scratch database to create and drop (default: diachi_bench_import_<pid>)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 1 when the first import misses the target or the
    second run changes something."""
    args = _arguments(argv)
    settings = Settings()
    base = make_url(resolve_database_url(settings))
    with scratch_database(base, args.database_name) as url:
        started = time.perf_counter()
        migrations.upgrade(url)
        migrate_s = time.perf_counter() - started
        database = Database(make_engine(settings, url))
        try:
            with database.engine.connect() as conn:
                env = machine(conn)
            print("first import into the empty schema ...", file=sys.stderr)
            with timed_steps() as steps, slowest_statements(database.engine) as slowest:
                first, first_s = _timed_run(database, settings)
            print("second import of the same input ...", file=sys.stderr)
            second, second_s = _timed_run(database, settings)
            sizes = _table_sizes(database.engine)
        finally:
            database.dispose()
    other = first_s - sum(steps.values())
    met = first_s < TARGET_FIRST_IMPORT_S
    lines = [
        f"migrate empty database        {migrate_s:8.2f} s",
        f"first import (run)            {first_s:8.2f} s   target < {TARGET_FIRST_IMPORT_S:.0f} s: "
        + ("met" if met else "MISSED"),
        *(f"  {name:<27} {seconds:8.2f} s" for name, seconds in steps.items()),
        f"  {'commit and the rest':<27} {other:8.2f} s",
        f"second import (unchanged={second.unchanged}) {second_s:8.2f} s",
        f"  versions: {first.inserted} inserted, {first.updated} updated, "
        f"{first.deleted} deleted; {first.repaired_geometries} geometries repaired",
        *(f"  {t}: {s['rows']} rows, {s['size']}" for t, s in sizes.items()),
        f"slowest statements of the first import (statement_timeout "
        f"{settings.statement_timeout_ms / 1000:.0f} s):",
        *(f"  {seconds:7.2f} s  {sql}" for seconds, sql in slowest),
    ]
    print("\n".join(lines))
    path = write_json(
        "admin-import",
        {
            "benchmark": "admin_import",
            "machine": env,
            "target": {"first_import_s": TARGET_FIRST_IMPORT_S, "met": met},
            "migrate_s": round(migrate_s, 3),
            "first_import_s": round(first_s, 3),
            "first_import_steps_s": {k: round(v, 3) for k, v in steps.items()},
            "first_import_other_s": round(other, 3),
            "first_import_slowest_statements": [
                {"seconds": round(seconds, 3), "sql": sql} for seconds, sql in slowest
            ],
            "statement_timeout_ms": settings.statement_timeout_ms,
            "first_report": first.__dict__,
            "second_import_s": round(second_s, 3),
            "second_unchanged": second.unchanged,
            "tables": sizes,
        },
    )
    print(f"written {path.relative_to(PROJECT_ROOT)}", file=sys.stderr)
    return 0 if met and second.unchanged else 1


if __name__ == "__main__":
    sys.exit(main())
