"""``diachi import admin-units``: load the versioned administrative units.

Reads: the bundled ``data/vn-admin-2025``, ``vn-admin-pre2025``,
``vn-admin-mapping-2025`` and ``postcodes`` (see their SOURCE.md).
Writes: ``admin_unit`` (+ subdivided ``admin_unit_part``), ``admin_unit_alias``,
``admin_unit_key``, ``admin_succession``, ``admin_succession_disagreement``,
``dataset_import``.

One transaction: the records are staged into a temporary table, diffed against
what is there by (level, code, first day), and only the difference is applied;
unit ids therefore stay stable across re-imports. A second run of the same
input changes nothing and says so.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import Connection, text

from geo.text import clean, name_keys
from importers.admin_sources import AdminDataset, UnitVersion, read_admin_dataset
from registry import changes, places
from registry.admin_units import REFORM_DATE
from registry.database import Database

DATASET = "admin-units"
IMPORTER_VERSION = "2"
SOURCE_FOLDERS = ("vn-admin-2025", "vn-admin-pre2025", "vn-admin-mapping-2025", "postcodes")
SUBDIVIDE_VERTICES = 256  # bench.admin_import: same answers, 4.5x fewer parts


@dataclass
class ImportReport:
    """What an import did; ``render()`` gives the text the CLI prints."""

    unchanged: bool = False
    seconds: float = 0.0
    units_by_level_period: dict[str, int] = field(default_factory=dict)
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    repaired_geometries: int = 0
    successions: dict[str, int] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    disagreements: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    places_realigned: int = 0

    def render(self) -> str:
        if self.unchanged:
            return f"admin units: input unchanged, nothing to do ({self.seconds:.1f} s)"
        lines = [f"admin units imported in {self.seconds:.1f} s"]
        lines.append(
            f"  versions: {self.inserted} inserted, {self.updated} updated, {self.deleted} deleted"
        )
        lines += [f"  {k}: {v}" for k, v in sorted(self.units_by_level_period.items())]
        lines.append(f"  geometries repaired (ST_MakeValid): {self.repaired_geometries}")
        lines += [f"  successions {k}: {v}" for k, v in sorted(self.successions.items())]
        lines += [f"  former names ({k}): {v}" for k, v in sorted(self.aliases.items())]
        lines += [
            f"  succession disagreements with {k} (official table kept): {v}"
            for k, v in sorted(self.disagreements.items())
        ]
        lines += [f"  skipped: {v} × {k}" for k, v in sorted(self.skipped.items())]
        lines.append("  disagreements listed in table admin_succession_disagreement")
        lines.append(f"  place versions split at a unit change: {self.places_realigned}")
        return "\n".join(lines)


def input_digest(data_dir: Path) -> str:
    """SHA-256 over the importer version and every input file's name and bytes."""
    h = hashlib.sha256(IMPORTER_VERSION.encode())
    for folder in SOURCE_FOLDERS:
        for path in sorted((data_dir / folder).rglob("*")):
            if path.is_file():
                h.update(str(path.relative_to(data_dir)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def run(
    database: Database, data_dir: Path, *, force: bool = False, console: Console | None = None
) -> ImportReport:
    """Import the administrative data in ``data_dir`` in one transaction."""
    started = time.monotonic()
    digest = input_digest(data_dir)
    with database.transaction() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))  # bulk work, not a request
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('diachi-import-admin-units'))"))
        previous = conn.execute(
            text("SELECT digest FROM dataset_import WHERE dataset = :d"), {"d": DATASET}
        ).scalar()
        if previous == digest and not force:
            return ImportReport(unchanged=True, seconds=time.monotonic() - started)
        report = _import(conn, data_dir, console)
        report.seconds = time.monotonic() - started
        _record(conn, digest, report)
    return report


def _import(conn: Connection, data_dir: Path, console: Console | None) -> ImportReport:
    report = ImportReport()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("đọc dữ liệu / reading sources", total=8)
        dataset = read_admin_dataset(data_dir)
        steps: list[tuple[str, Callable[[], None]]] = [
            ("stage units", lambda: _stage_units(conn, dataset.units)),
            ("repair geometry", lambda: _repair(conn, report)),
            ("apply difference", lambda: _apply_units(conn, report)),
            ("subdivide polygons", lambda: _rebuild_parts(conn)),
            ("former names and search keys", lambda: _load_aliases_and_keys(conn, dataset, report)),
            ("successions", lambda: _load_successions(conn, dataset, report)),
            ("places on changed units", lambda: _realign_places(conn, report)),
        ]
        progress.advance(task)
        for label, step in steps:
            progress.update(task, description=label)
            step()
            progress.advance(task)
    _summarise(dataset, report)
    return report


def _ewkb(geometry: Any) -> str | None:
    if geometry is None:
        return None
    return str(shapely.to_wkb(shapely.set_srid(geometry, 4326), hex=True, include_srid=True))


def _daterange(unit: UnitVersion) -> str:
    lower = unit.valid_from.isoformat() if unit.valid_from else ""
    upper = unit.valid_to.isoformat() if unit.valid_to else ""
    return f"[{lower},{upper})"


def _stage_units(conn: Connection, units: list[UnitVersion]) -> None:
    conn.execute(
        text(
            "CREATE TEMP TABLE stage_unit ("
            " code text, level text, name text, unit_type text, parent_code text,"
            " valid daterange, valid_from_known boolean, source text,"
            " boundary geometry, boundary_source text, boundary_repaired boolean DEFAULT false"
            ") ON COMMIT DROP"
        )
    )
    raw = conn.connection.dbapi_connection
    assert raw is not None
    columns = (
        "code, level, name, unit_type, parent_code, valid, valid_from_known, source,"
        " boundary, boundary_source"
    )
    with raw.cursor() as cur, cur.copy(f"COPY stage_unit ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]  # psycopg 3 cursor
        for u in units:
            copy.write_row(
                (
                    u.code,
                    u.level,
                    clean(u.name),
                    u.unit_type,
                    u.parent_code,
                    _daterange(u),
                    u.valid_from_known,
                    u.source,
                    _ewkb(u.boundary),
                    u.boundary_source,
                )
            )


def _repair(conn: Connection, report: ImportReport) -> None:
    """Make every boundary a valid MultiPolygon, keeping only the polygonal part."""
    result = conn.execute(
        text(
            "UPDATE stage_unit SET boundary_repaired = true,"
            " boundary = ST_Multi(ST_CollectionExtract(ST_MakeValid(boundary), 3))"
            " WHERE boundary IS NOT NULL AND NOT ST_IsValid(boundary)"
        )
    )
    report.repaired_geometries = result.rowcount
    conn.execute(
        text(
            "UPDATE stage_unit SET boundary = ST_Multi(boundary)"
            " WHERE boundary IS NOT NULL AND ST_GeometryType(boundary) = 'ST_Polygon'"
        )
    )


_DIFFERS = """
    (u.name, u.unit_type, u.parent_code, u.valid, u.valid_from_known, u.source,
     u.boundary_source, u.boundary_repaired)
    IS DISTINCT FROM
    (s.name, s.unit_type, s.parent_code, s.valid, s.valid_from_known, s.source,
     s.boundary_source, s.boundary_repaired)
    OR ST_AsBinary(u.boundary) IS DISTINCT FROM ST_AsBinary(s.boundary)
"""


def _apply_units(conn: Connection, report: ImportReport) -> None:
    """Delete, update and insert versions keyed by (level, code, first day)."""
    conn.execute(text("SET CONSTRAINTS ex_admin_unit_version DEFERRED"))
    conn.execute(text("CREATE TEMP TABLE touched_unit (id bigint) ON COMMIT DROP"))
    report.deleted = conn.execute(
        text(
            "DELETE FROM admin_unit u WHERE NOT EXISTS (SELECT 1 FROM stage_unit s"
            " WHERE s.level = u.level AND s.code = u.code"
            " AND lower(s.valid) IS NOT DISTINCT FROM lower(u.valid))"
        )
    ).rowcount
    report.updated = conn.execute(
        text(
            "WITH changed AS ("
            " UPDATE admin_unit u SET name = s.name, unit_type = s.unit_type,"
            " parent_code = s.parent_code, valid = s.valid,"
            " valid_from_known = s.valid_from_known, source = s.source,"
            " boundary = s.boundary, boundary_source = s.boundary_source,"
            " boundary_repaired = s.boundary_repaired"
            " FROM stage_unit s WHERE s.level = u.level AND s.code = u.code"
            " AND lower(s.valid) IS NOT DISTINCT FROM lower(u.valid) AND (" + _DIFFERS + ")"
            " RETURNING u.id)"
            " INSERT INTO touched_unit SELECT id FROM changed"
        )
    ).rowcount
    report.inserted = conn.execute(
        text(
            "WITH added AS ("
            " INSERT INTO admin_unit (code, level, name, unit_type, parent_code, valid,"
            " valid_from_known, source, boundary, boundary_source, boundary_repaired)"
            " SELECT s.code, s.level, s.name, s.unit_type, s.parent_code, s.valid,"
            " s.valid_from_known, s.source, s.boundary, s.boundary_source, s.boundary_repaired"
            " FROM stage_unit s WHERE NOT EXISTS (SELECT 1 FROM admin_unit u"
            " WHERE s.level = u.level AND s.code = u.code"
            " AND lower(s.valid) IS NOT DISTINCT FROM lower(u.valid))"
            " RETURNING id)"
            " INSERT INTO touched_unit SELECT id FROM added"
        )
    ).rowcount
    conn.execute(text("SET CONSTRAINTS ex_admin_unit_version IMMEDIATE"))


def _rebuild_parts(conn: Connection) -> None:
    """Subdivide the boundaries of touched versions (point lookups stay a few probes)."""
    conn.execute(text("DELETE FROM admin_unit_part WHERE unit_id IN (SELECT id FROM touched_unit)"))
    # CREATE TABLE AS may run in parallel where INSERT … SELECT may not (PostgreSQL 15);
    # provinces are never located by polygon (a commune's parent gives them).
    conn.execute(
        text(
            "CREATE TEMP TABLE new_part ON COMMIT DROP AS"
            " SELECT u.id AS unit_id, u.level, u.valid, d.geom FROM admin_unit u"
            " CROSS JOIN LATERAL ST_Subdivide(u.boundary, :n) AS d(geom)"
            " WHERE u.id IN (SELECT id FROM touched_unit) AND u.boundary IS NOT NULL"
            " AND u.level IN ('commune', 'district')"
            " AND ST_GeometryType(d.geom) = 'ST_Polygon'"
        ),
        {"n": SUBDIVIDE_VERTICES},
    )
    conn.execute(
        text(
            "INSERT INTO admin_unit_part (unit_id, level, valid, geom)"
            " SELECT unit_id, level, valid, geom FROM new_part"
        )
    )
    conn.execute(text("ANALYZE admin_unit_part"))
    conn.execute(text("ANALYZE admin_unit"))


def _version_ids(conn: Connection) -> dict[tuple[str, str, str], list[int]]:
    """(level, code, period) → version ids; period 'pre2025' or '2025'."""
    rows = conn.execute(
        text(
            "SELECT id, level, code, CASE WHEN upper(valid) <= :reform THEN 'pre2025'"
            " ELSE '2025' END AS period FROM admin_unit ORDER BY lower(valid) NULLS FIRST"
        ),
        {"reform": REFORM_DATE},
    )
    ids: dict[tuple[str, str, str], list[int]] = {}
    for r in rows:
        ids.setdefault((r.level, r.code, r.period), []).append(r.id)
    return ids


def _copy(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    raw = conn.connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[attr-defined]  # psycopg 3 cursor
        for row in rows:
            copy.write_row(row)


def _load_aliases_and_keys(conn: Connection, dataset: AdminDataset, report: ImportReport) -> None:
    """Rebuild former names and the search keys (derived from names, cheap to redo)."""
    conn.execute(text("DELETE FROM admin_unit_key"))
    conn.execute(text("DELETE FROM admin_unit_alias"))
    ids = _version_ids(conn)
    alias_rows = []
    for a in dataset.aliases:
        for unit_id in ids.get((a.level, a.code, a.period), []):
            alias_rows.append((unit_id, clean(a.name), a.kind, a.source))
    _copy(conn, "COPY admin_unit_alias (unit_id, name, kind, source) FROM STDIN", alias_rows)
    report.aliases = dict(Counter(a.kind for a in dataset.aliases))
    key_rows: list[tuple[Any, ...]] = []
    for r in conn.execute(text("SELECT id, name FROM admin_unit")):
        key_rows += [(r.id, key, None) for key in name_keys(r.name)]
    for r in conn.execute(text("SELECT id, unit_id, name FROM admin_unit_alias")):
        key_rows += [(r.unit_id, key, r.id) for key in name_keys(r.name)]
    _copy(conn, "COPY admin_unit_key (unit_id, key, alias_id) FROM STDIN", key_rows)
    conn.execute(text("ANALYZE admin_unit_key"))


def _load_successions(conn: Connection, dataset: AdminDataset, report: ImportReport) -> None:
    """Rebuild successions (old pre-2025 version → first 2025 version) and disagreements."""
    ids = _version_ids(conn)
    rows: dict[tuple[int, int], tuple[int, int, bool, str]] = {}
    for s in dataset.successions:
        level = "province" if len(s.old_code) == 2 else "commune"
        old = ids.get((level, s.old_code, "pre2025"))
        new = ids.get((level, s.new_code, "2025"))
        if old and new:
            rows[(old[-1], new[0])] = (old[-1], new[0], s.whole, s.source)
        else:
            report.skipped["succession whose unit is missing"] = (
                report.skipped.get("succession whose unit is missing", 0) + 1
            )
    conn.execute(text("DELETE FROM admin_succession"))
    _copy(
        conn,
        "COPY admin_succession (old_unit_id, new_unit_id, whole, source) FROM STDIN",
        list(rows.values()),
    )
    report.successions = dict(Counter("whole" if r[2] else "partial" for r in rows.values()))
    conn.execute(text("DELETE FROM admin_succession_disagreement"))
    _copy(
        conn,
        "COPY admin_succession_disagreement (old_code, old_name, official, other_source,"
        " other, detail) FROM STDIN",
        [
            (d.old_code, d.old_name, list(d.official), d.other_source, list(d.other), d.detail)
            for d in dataset.disagreements
        ],
    )
    report.disagreements = dict(Counter(d.other_source for d in dataset.disagreements))


def _realign_places(conn: Connection, report: ImportReport) -> None:
    """Give places new attribute versions where a unit version now ends inside theirs."""
    actor = changes.Actor(organisation="diachi", source="import:admin-units")
    with changes.recording(conn, actor, "administrative units changed") as tx:
        report.places_realigned = places.align_admin(conn, tx)


def _summarise(dataset: AdminDataset, report: ImportReport) -> None:
    for u in dataset.units:
        period = "pre-2025" if u.valid_to is not None and u.valid_to <= REFORM_DATE else "2025+"
        key = f"{u.level} versions {period}"
        report.units_by_level_period[key] = report.units_by_level_period.get(key, 0) + 1
    for reason in dataset.skipped:
        short = reason.split(":")[0][:80]
        report.skipped[short] = report.skipped.get(short, 0) + 1


def _record(conn: Connection, digest: str, report: ImportReport) -> None:
    conn.execute(
        text(
            "INSERT INTO dataset_import (dataset, digest, imported_at, report)"
            " VALUES (:d, :digest, now(), CAST(:report AS jsonb))"
            " ON CONFLICT (dataset) DO UPDATE SET digest = excluded.digest,"
            " imported_at = excluded.imported_at, report = excluded.report"
        ),
        {"d": DATASET, "digest": digest, "report": json.dumps(report.__dict__, default=str)},
    )
