"""``diachi import osm FILE`` and ``diachi import demo``: the OpenStreetMap base map.

Reads: an OSM extract (.osm, .osm.gz, .osm.bz2, .pbf) through :mod:`importers.osm_reader`.
Writes: ``street``, ``building``, ``poi``, ``hamlet`` (source ``osm``, licence ODbL-1.0),
places (source ``osm``, ``osm_id`` n123 / w456 / r789, status proposed), ``review_flag``
and ``osm_dataset``.

An extract speaks for its bounds (the file's ``<bounds>`` or PBF header box; the box of its
nodes when it has none) and nothing else. A line or polygon belongs to the bounds when one
of its vertices lies inside (that is what an openstreetmap.org export contains), a point
when it lies inside; anything in the file outside them is skipped.

One transaction under an advisory lock: the records are staged with COPY into temporary
tables, diffed against what is there, and only the difference is applied, as one change
transaction (source ``import:osm``):

* base-map rows are keyed by (source, OSM id): new rows are inserted, changed ones updated
  in place (ids stay stable), and rows inside the bounds that the file no longer has are
  deleted;
* an address becomes a proposed place; a node address inside an area (a building) with the
  same house number and street is merged into that area's place. A place whose OSM facts
  changed gets a new version carrying only the facts OSM changed since the previous import
  (corrections made since by others are kept). A place whose object is gone is withdrawn
  while still proposed, and flagged for review (``review_flag``, reason ``osm-gone``) once
  it is active: an import never retires a place that has a code.

A file whose digest was imported under the same dataset name is not read again; when the
diff finds nothing, no change transaction is written.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.progress import Progress, TaskID
from sqlalchemy import Connection, RowMapping, text

from geo.text import fold
from importers.osm_reader import SUFFIXES, Bounds, Extract, is_supported, read_extract
from registry import admin_units, changes, issuance, places
from registry.database import Database
from registry.errors import InvalidInput

__all__ = [
    "LICENCE",
    "SOURCE",
    "DemoReport",
    "OsmImportReport",
    "bundled_extracts",
    "dataset_name",
    "run",
    "run_demo",
]

IMPORTER_VERSION = "1"
SOURCE = "osm"
LICENCE = "ODbL-1.0"
ATTRIBUTION = "© OpenStreetMap contributors"
TX_SOURCE = "import:osm"
GONE = "osm-gone"
ACTOR = changes.Actor(organisation="diachi", source=TX_SOURCE)
DEMO_ACTOR = changes.Actor(organisation="diachi", source="demo")
DEMO_REASON = "demo approval"
LOCK = "SELECT pg_advisory_xact_lock(hashtext('diachi-import-osm'))"
STREET_SEARCH_DEGREES = 0.004  # about 440 m: how far an address looks for its named street

# Facts an OSM address gives a place (besides its location).
PLACE_FACTS = (
    "kind",
    "house_number",
    "street_name",
    "street_id",
    "hamlet",
    "postcode",
    "physical_state",
)


@dataclass
class OsmImportReport:
    """What an import did; ``render()`` gives the text the CLI prints.

    ``extract`` counts the records of the file inside its bounds; ``basemap`` the rows
    new / changed / gone per table; ``places`` what happened to places (new, changed,
    unchanged, withdrawn, flagged, already_flagged, kept, unflagged); ``skipped`` what was
    not loaded, by reason.
    """

    dataset: str
    path: str
    unchanged: bool = False
    changed: bool = False
    seconds: float = 0.0
    bounds: tuple[float, float, float, float] | None = None
    bounds_source: str = "header"
    newest_edit: str | None = None
    tx_id: int | None = None
    seq: int | None = None
    read: dict[str, int] = field(default_factory=dict)
    extract: dict[str, int] = field(default_factory=dict)
    merged_addresses: int = 0
    basemap: dict[str, dict[str, int]] = field(default_factory=dict)
    places: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    def render(self) -> str:
        head = f"OSM {self.dataset} ({Path(self.path).name})"
        if self.unchanged:
            return f"{head}: file already imported, nothing to do ({self.seconds:.1f} s)"
        lines = [f"{head} in {self.seconds:.1f} s — {LICENCE}, {ATTRIBUTION}"]
        if self.bounds:
            box = ", ".join(f"{v:.5f}" for v in self.bounds)
            lines.append(f"  bounds ({self.bounds_source}): {box}; newest edit {self.newest_edit}")
        lines.append("  read: " + _counts(self.read))
        lines.append("  in the extract: " + _counts(self.extract))
        lines.append(f"  node addresses merged into their building: {self.merged_addresses}")
        if not self.changed:
            lines.append("  no difference with the registry: nothing changed")
        else:
            lines.append(f"  change transaction {self.tx_id} (feed {self.seq})")
        for table, counts in self.basemap.items():
            lines.append(f"  {table}: " + _counts(counts))
        lines.append("  places: " + _counts(self.places))
        lines += [f"  skipped {v} × {k}" for k, v in sorted(self.skipped.items())]
        return "\n".join(lines)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing"


@dataclass
class DemoReport:
    """The bundled extracts' imports, then the demo approval of their proposed places."""

    imports: list[OsmImportReport]
    approved: int = 0
    tx_id: int | None = None
    seconds: float = 0.0

    def render(self) -> str:
        lines = [r.render() for r in self.imports]
        if self.approved:
            lines.append(
                f"demo approval: {self.approved} proposed OSM places approved with codes"
                f" (change transaction {self.tx_id}, {self.seconds:.1f} s)"
            )
        else:
            lines.append("demo approval: no proposed OSM places left, nothing to do")
        return "\n".join(lines)


def dataset_name(path: Path) -> str:
    """The default dataset name: the file name without its OSM suffix.

    >>> dataset_name(Path("data/osm-hcmc/hcmc_xuanhoa_2026-01.osm.gz"))
    'hcmc_xuanhoa_2026-01'
    """
    name = path.name
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def file_digest(path: Path) -> str:
    """SHA-256 over the importer version and the file's bytes."""
    h = hashlib.sha256(IMPORTER_VERSION.encode())
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def bundled_extracts(data_dir: Path) -> list[Path]:
    """The OSM extracts bundled under ``data_dir/osm-*/``."""
    return sorted(
        p for folder in sorted(data_dir.glob("osm-*")) for p in folder.iterdir() if is_supported(p)
    )


def run(
    database: Database,
    path: Path,
    *,
    dataset: str | None = None,
    force: bool = False,
    console: Console | None = None,
) -> OsmImportReport:
    """Import the extract at ``path`` as ``dataset`` (default: :func:`dataset_name`).

    ``force`` diffs even a file already imported. Raises :class:`InvalidInput` for a file
    that is missing, of another format, unreadable, or without nodes.
    """
    started = time.monotonic()
    if not is_supported(path):
        raise InvalidInput(f"{path}: not an OSM file ({', '.join(SUFFIXES)})")
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    report = OsmImportReport(dataset=dataset or dataset_name(path), path=str(path))
    digest = file_digest(path)
    with database.transaction() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))  # bulk work, not a request
        conn.execute(text(LOCK))
        previous = conn.execute(
            text("SELECT digest FROM osm_dataset WHERE name = :n"), {"n": report.dataset}
        ).scalar()
        if previous == digest and not force:
            report.unchanged = True
        else:
            with _progress(console) as progress:
                _import(conn, path, digest, report, progress)
    report.seconds = round(time.monotonic() - started, 2)
    return report


class _Steps:
    """The progress bar: one task for reading, one for the places."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID = progress.add_task("đọc OSM / reading OSM", total=None)

    def objects(self, count: int) -> None:
        self.progress.update(self.task, completed=count)

    def step(self, label: str, total: int | None = None) -> None:
        self.progress.update(self.task, description=label, total=total, completed=0)

    def advance(self) -> None:
        self.progress.advance(self.task)


@contextmanager
def _progress(console: Console | None) -> Iterator[_Steps]:
    with Progress(console=console, transient=True) as progress:
        yield _Steps(progress)


def _import(
    conn: Connection, path: Path, digest: str, report: OsmImportReport, steps: _Steps
) -> None:
    try:
        extract = read_extract(path, progress=steps.objects)
    except (RuntimeError, ValueError) as exc:  # libosmium's parse errors are RuntimeErrors
        raise InvalidInput(f"{path.name}: cannot be read as OSM data ({exc})") from exc
    bounds = _bounds(extract, report)
    report.read = dict(extract.read)
    report.newest_edit = extract.newest_edit.isoformat() if extract.newest_edit else None
    skipped: Counter[str] = Counter(extract.skipped)
    steps.step("chuẩn bị / staging")
    _stage(conn, extract)
    _prepare(conn, _box(bounds), skipped, report)
    report.skipped = dict(sorted(skipped.items()))
    _apply(conn, digest, bounds, report, steps)


def _apply(
    conn: Connection, digest: str, bounds: Bounds, report: OsmImportReport, steps: _Steps
) -> None:
    """Apply the difference as one change transaction, or leave no trace when there is none
    (the work runs in a savepoint, rolled back then)."""
    box = _box(bounds)
    savepoint = conn.begin_nested()
    tx = changes.begin(conn, ACTOR, f"OpenStreetMap {report.dataset} ({LICENCE})")
    for table, columns in _BASEMAP.items():
        report.basemap[table] = _apply_table(conn, table, columns, box, report.dataset, tx.id)
    _link_streets(conn)
    _apply_places(conn, tx, box, report, steps)
    report.changed = any(n for c in report.basemap.values() for n in c.values()) or any(
        n for k, n in report.places.items() if k not in ("unchanged", "already_flagged", "kept")
    )
    if report.changed:
        report.tx_id = tx.id
        _record(conn, report, digest, bounds, tx.id)
        report.seq = changes.seal(conn, tx)
        savepoint.commit()
    else:
        savepoint.rollback()
        _record(conn, report, digest, bounds, None)


def _bounds(extract: Extract, report: OsmImportReport) -> Bounds:
    bounds = extract.bounds
    if bounds is None:
        report.bounds_source = "data"
        bounds = extract.data_bounds
    if bounds is None:
        raise InvalidInput(f"{report.path}: the file has no nodes")
    report.bounds = (bounds.min_lon, bounds.min_lat, bounds.max_lon, bounds.max_lat)
    return bounds


def _box(bounds: Bounds) -> dict[str, float]:
    return {"w": bounds.min_lon, "s": bounds.min_lat, "e": bounds.max_lon, "n": bounds.max_lat}


_BOX = "ST_MakeEnvelope(:w, :s, :e, :n, 4326)"


def _inside(geom: str) -> str:
    """SQL: ``geom`` belongs to the bounds (a vertex of it lies in the box)."""
    return f"({geom} && {_BOX} AND ST_Intersects({_BOX}, ST_Points({geom})))"


# ---------------------------------------------------------------- staging

_BASEMAP: dict[str, tuple[str, ...]] = {
    "street": ("name", "name_folded", "alt_names", "old_names", "ref", "highway", "geom"),
    "building": ("name", "building", "levels", "geom"),
    "poi": ("name", "name_folded", "category", "subtype", "tags", "geom"),
    "hamlet": ("name", "name_folded", "kind", "geom"),
}

_STAGE_SQL = """
CREATE TEMP TABLE stage_street (osm_id text, name text, name_folded text, alt_names text[],
    old_names text[], ref text, highway text, geom geometry) ON COMMIT DROP;
CREATE TEMP TABLE stage_building (osm_id text, name text, building text, levels smallint,
    geom geometry) ON COMMIT DROP;
CREATE TEMP TABLE stage_poi (osm_id text, name text, name_folded text, category text,
    subtype text, tags jsonb, geom geometry) ON COMMIT DROP;
CREATE TEMP TABLE stage_hamlet (osm_id text, name text, name_folded text, kind text,
    geom geometry) ON COMMIT DROP;
CREATE TEMP TABLE stage_address (osm_id text, house_number text, street_name text,
    hamlet text, postcode text, kind text, physical_state text, in_area boolean,
    key text, street_folded text, geom geometry, point geometry, street_id bigint)
    ON COMMIT DROP;
"""


def _stage(conn: Connection, extract: Extract) -> None:
    conn.execute(
        text(
            "DROP TABLE IF EXISTS pg_temp.stage_street, pg_temp.stage_building,"
            " pg_temp.stage_poi, pg_temp.stage_hamlet, pg_temp.stage_address"
        )
    )
    for statement in _STAGE_SQL.split(";"):
        if statement.strip():
            conn.execute(text(statement))
    streets = (
        (s.osm_id, s.name, fold(s.name), [*s.alt_names], [*s.old_names], s.ref, s.highway, s.wkb)
        for s in extract.streets
    )
    _copy(conn, "stage_street", _BASEMAP["street"], streets)
    buildings = ((b.osm_id, b.name, b.building, b.levels, b.wkb) for b in extract.buildings)
    _copy(conn, "stage_building", _BASEMAP["building"], buildings)
    pois = (
        (p.osm_id, p.name, fold(p.name), p.category, p.subtype, json.dumps(p.tags), p.wkb)
        for p in extract.pois
    )
    _copy(conn, "stage_poi", _BASEMAP["poi"], pois)
    hamlets = ((h.osm_id, h.name, fold(h.name), h.kind, h.wkb) for h in extract.hamlets)
    _copy(conn, "stage_hamlet", _BASEMAP["hamlet"], hamlets)
    addresses = (
        (
            a.osm_id,
            a.house_number,
            a.street,
            a.place,
            a.postcode,
            a.kind,
            a.physical_state,
            a.in_area,
            _address_key(a.house_number, a.street or a.place),
            fold(a.street or ""),
            a.wkb,
        )
        for a in extract.addresses
    )
    columns = (
        "house_number",
        "street_name",
        "hamlet",
        "postcode",
        "kind",
        "physical_state",
        "in_area",
        "key",
        "street_folded",
        "geom",
    )
    _copy(conn, "stage_address", columns, addresses)


def _address_key(house_number: str, street: str | None) -> str:
    """What two objects must share to be the same address.

    >>> _address_key("12/3A", "Phố Quốc Tử Giám")
    '12 3a|pho quoc tu giam'
    """
    return f"{fold(house_number)}|{fold(street or '')}"


def _copy(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    statement = f"COPY {table} (osm_id, {', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


_PLURAL = {
    "stage_street": "streets",
    "stage_building": "buildings",
    "stage_poi": "pois",
    "stage_hamlet": "hamlets",
    "stage_address": "addresses",
}


def _prepare(
    conn: Connection, box: dict[str, float], skipped: Counter[str], report: OsmImportReport
) -> None:
    """Set SRIDs, repair polygons, place points; drop what lies outside the bounds; merge
    node addresses into their area; drop addresses outside every commune."""
    for table in ("stage_street", "stage_building", "stage_poi", "stage_hamlet"):
        conn.execute(text(f"UPDATE {table} SET geom = ST_SetSRID(geom, 4326)"))
    conn.execute(
        text(
            "UPDATE stage_building SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3))"
            " WHERE NOT ST_IsValid(geom)"
        )
    )
    conn.execute(text("DELETE FROM stage_building WHERE ST_IsEmpty(geom)"))
    conn.execute(
        text(
            "UPDATE stage_poi SET geom = CASE GeometryType(geom) WHEN 'POINT' THEN geom"
            " ELSE ST_PointOnSurface(geom) END"
        )
    )
    conn.execute(
        text(
            "UPDATE stage_address SET geom = ST_SetSRID(geom, 4326),"
            " point = ST_SetSRID(CASE WHEN in_area THEN ST_PointOnSurface(geom) ELSE geom END,"
            " 4326)"
        )
    )
    for kind, table, geom in (
        ("street", "stage_street", "geom"),
        ("building", "stage_building", "geom"),
        ("poi", "stage_poi", "geom"),
        ("hamlet", "stage_hamlet", "geom"),
        ("address", "stage_address", "geom"),  # a building across the edge is in the file
    ):
        outside = conn.execute(text(f"DELETE FROM {table} WHERE NOT {_inside(geom)}"), box)
        if outside.rowcount:
            skipped[f"{kind}: outside the extract's bounds"] += outside.rowcount
    report.merged_addresses = conn.execute(
        text(
            "DELETE FROM stage_address n USING stage_address a"
            " WHERE NOT n.in_area AND a.in_area AND a.key = n.key AND a.geom && n.geom"
            " AND ST_Intersects(a.geom, n.geom)"
        )
    ).rowcount
    outside_communes = conn.execute(
        text(
            "DELETE FROM stage_address s WHERE NOT EXISTS (SELECT 1 FROM admin_unit_part p"
            " WHERE p.level = 'commune' AND p.valid @> CAST(:at AS date)"
            " AND ST_Intersects(p.geom, s.point))"
        ),
        {"at": max(admin_units.today(), admin_units.REFORM_DATE)},
    ).rowcount
    if outside_communes:
        skipped["address: outside every commune"] += outside_communes
    for table in _PLURAL:
        report.extract[_PLURAL[table]] = conn.execute(
            text(f"SELECT count(*) FROM {table}")
        ).scalar_one()
        conn.execute(text(f"ANALYZE {table}"))


# ---------------------------------------------------------------- the base map


def _apply_table(
    conn: Connection,
    table: str,
    columns: tuple[str, ...],
    box: dict[str, float],
    dataset: str,
    tx_id: int,
) -> dict[str, int]:
    """Delete, update and insert ``table``'s OSM rows by OSM id; {new, changed, gone}."""
    params = box | {"dataset": dataset, "tx": tx_id, "source": SOURCE, "licence": LICENCE}
    compared = [f"ST_AsBinary({{t}}.{c})" if c == "geom" else f"{{t}}.{c}" for c in columns]
    mine = ", ".join(compared).format(t="t")
    theirs = ", ".join(compared).format(t="s")
    listed = ", ".join(columns)
    gone = conn.execute(
        text(
            f"DELETE FROM {table} t WHERE t.source = :source AND {_inside('t.geom')}"
            f" AND NOT EXISTS (SELECT 1 FROM stage_{table} s WHERE s.osm_id = t.osm_id)"
        ),
        params,
    ).rowcount
    changed = conn.execute(
        text(
            f"UPDATE {table} t SET ({listed}, dataset, tx_id)"
            f" = ({', '.join(f's.{c}' for c in columns)}, :dataset, :tx)"
            f" FROM stage_{table} s WHERE t.source = :source AND t.osm_id = s.osm_id"
            f" AND ({mine}) IS DISTINCT FROM ({theirs})"
        ),
        params,
    ).rowcount
    new = conn.execute(
        text(
            f"INSERT INTO {table} (osm_id, {listed}, source, licence, dataset, tx_id)"
            f" SELECT s.osm_id, {', '.join(f's.{c}' for c in columns)}, :source, :licence,"
            f" :dataset, :tx FROM stage_{table} s WHERE NOT EXISTS"
            f" (SELECT 1 FROM {table} t WHERE t.source = :source AND t.osm_id = s.osm_id)"
        ),
        params,
    ).rowcount
    return {"new": new, "changed": changed, "gone": gone}


# "Đường Pasteur" and "Pasteur", "Phố Huế" and "Huế" name one street; "Ngõ Huế" does not.
_BARE = "regexp_replace({}, '^(duong|pho|dai lo) ', '')"


def _link_streets(conn: Connection) -> None:
    """Each address's street: the nearest street nearby with the same folded name, the
    leading "đường", "phố" or "đại lộ" aside."""
    conn.execute(
        text(
            "UPDATE stage_address a SET street_id = (SELECT s.id FROM street s"
            " WHERE s.source = :source AND s.geom && ST_Expand(a.point, :d)"
            f" AND {_BARE.format('s.name_folded')} = {_BARE.format('a.street_folded')}"
            " ORDER BY s.geom <-> a.point, s.id LIMIT 1)"
            " WHERE a.street_folded <> ''"
        ),
        {"source": SOURCE, "d": STREET_SEARCH_DEGREES},
    )


# ---------------------------------------------------------------- places

_STAGED_SQL = """
SELECT osm_id, kind, house_number, street_name, street_id, hamlet, postcode, physical_state,
       ST_X(point) AS lon, ST_Y(point) AS lat
FROM stage_address ORDER BY osm_id
"""

_FACTS = (
    "v.kind, v.house_number, v.street_name, v.street_id, v.hamlet, v.postcode,"
    " v.physical_state, ST_X(v.location) AS lon, ST_Y(v.location) AS lat"
)

# The latest version of every live place with an OSM id that the file has, or that lies
# inside the bounds; with who created it. Places made by this importer come first.
_CURRENT_SQL = f"""
SELECT DISTINCT ON (v.osm_id) v.place_id, v.osm_id, v.status, v.source, {_FACTS},
       t.source = :tx_source AS made_by_osm,
       EXISTS (SELECT 1 FROM stage_address s WHERE s.osm_id = v.osm_id) AS in_file
FROM place_version v
JOIN place p ON p.id = v.place_id
JOIN change_transaction t ON t.id = p.created_tx
WHERE upper_inf(v.recorded) AND upper_inf(v.valid) AND v.osm_id IS NOT NULL
  AND v.status IN ('proposed', 'active')
  AND (v.osm_id IN (SELECT osm_id FROM stage_address) OR {_inside("v.location")})
ORDER BY v.osm_id, t.source = :tx_source DESC, v.place_id
"""

# What the last OSM import said about each place.
_PREVIOUS_SQL = f"""
SELECT DISTINCT ON (v.place_id) v.place_id, {_FACTS}
FROM place_version v JOIN change_transaction t ON t.id = v.tx_id
WHERE v.place_id = ANY(:ids) AND t.source = :tx_source AND NOT isempty(v.recorded)
ORDER BY v.place_id, v.id DESC
"""


@dataclass(frozen=True)
class _PlaceOps:
    new: list[RowMapping]
    changed: list[tuple[int, dict[str, Any]]]
    withdraw: list[int]
    flag: list[tuple[int, str]]
    back: list[int]
    counts: Counter[str]


def _apply_places(
    conn: Connection,
    tx: changes.ChangeTx,
    box: dict[str, float],
    report: OsmImportReport,
    steps: _Steps,
) -> None:
    ops = _place_ops(conn, box)
    today = admin_units.today()
    steps.step("địa chỉ / places", total=len(ops.new) + len(ops.changed) + len(ops.withdraw))
    for row in ops.new:
        places.propose(conn, tx, _facts(row), today)
        steps.advance()
    for place_id, facts in ops.changed:
        places.supersede(conn, tx, place_id, facts, today, "update")
        steps.advance()
    for place_id in ops.withdraw:
        places.withdraw(conn, tx, place_id, today)
        steps.advance()
    counts = ops.counts
    counts["flagged"] = _flag(conn, tx, ops.flag)
    counts["already_flagged"] = len(ops.flag) - counts["flagged"]
    counts["unflagged"] = _unflag(conn, tx, ops.back)
    order = ("new", "changed", "unchanged", "withdrawn", "flagged", "already_flagged")
    report.places = {k: counts[k] for k in (*order, "kept", "unflagged")}


def _place_ops(conn: Connection, box: dict[str, float]) -> _PlaceOps:
    """Compare the staged addresses with the places: what to propose, change, withdraw
    and flag."""
    staged = {r["osm_id"]: r for r in conn.execute(text(_STAGED_SQL)).mappings()}
    current = list(conn.execute(text(_CURRENT_SQL), box | {"tx_source": TX_SOURCE}).mappings())
    previous = {
        r["place_id"]: r
        for r in conn.execute(
            text(_PREVIOUS_SQL),
            {"ids": [r["place_id"] for r in current], "tx_source": TX_SOURCE},
        ).mappings()
    }
    matched = {r["osm_id"] for r in current}
    ops = _PlaceOps(
        new=[r for osm_id, r in staged.items() if osm_id not in matched],
        changed=[],
        withdraw=[],
        flag=[],
        back=[],
        counts=Counter(),
    )
    ops.counts["new"] = len(ops.new)
    for row in current:
        if row["in_file"]:
            _compare(row, staged[row["osm_id"]], previous.get(row["place_id"]), ops)
        elif row["status"] == "proposed" and row["made_by_osm"] and row["source"] == SOURCE:
            ops.withdraw.append(row["place_id"])
            ops.counts["withdrawn"] += 1
        else:
            detail = f"OSM object {row['osm_id']} is no longer in the extract"
            ops.flag.append((row["place_id"], detail))
    return ops


def _compare(
    current: RowMapping, staged: RowMapping, previous: RowMapping | None, ops: _PlaceOps
) -> None:
    """Change only the facts OSM changed since the last import; keep others' edits."""
    ops.back.append(current["place_id"])
    if previous is None:  # a place recorded by someone else that cites this OSM object
        ops.counts["kept"] += 1
        return
    changed = {
        f: staged[f] for f in PLACE_FACTS if staged[f] != previous[f] and staged[f] != current[f]
    }
    location = (staged["lon"], staged["lat"])
    if location not in ((previous["lon"], previous["lat"]), (current["lon"], current["lat"])):
        changed.update(lon=staged["lon"], lat=staged["lat"])
    if changed:
        ops.changed.append((current["place_id"], changed))
        ops.counts["changed"] += 1
    else:
        same = all(staged[f] == current[f] for f in (*PLACE_FACTS, "lon", "lat"))
        ops.counts["unchanged" if same else "kept"] += 1


def _facts(row: RowMapping) -> places.Facts:
    return places.Facts(
        kind=row["kind"],
        lon=row["lon"],
        lat=row["lat"],
        location_method="imported",
        source=SOURCE,
        house_number=row["house_number"],
        street_name=row["street_name"],
        street_id=row["street_id"],
        hamlet=row["hamlet"],
        postcode=row["postcode"],
        physical_state=row["physical_state"],
        osm_id=row["osm_id"],
        collected_by=ATTRIBUTION,
    )


def _flag(conn: Connection, tx: changes.ChangeTx, flags: list[tuple[int, str]]) -> int:
    """Flag places for review (once: an open flag is not raised again); how many."""
    raised = 0
    for place_id, detail in flags:
        raised += conn.execute(
            text(
                "INSERT INTO review_flag (place_id, reason, detail, created_tx)"
                " SELECT :p, :reason, :detail, :tx WHERE NOT EXISTS (SELECT 1 FROM review_flag"
                " WHERE place_id = :p AND reason = :reason AND resolved_tx IS NULL)"
            ),
            {"p": place_id, "reason": GONE, "detail": detail, "tx": tx.id},
        ).rowcount
    return raised


def _unflag(conn: Connection, tx: changes.ChangeTx, place_ids: list[int]) -> int:
    """Resolve the ``osm-gone`` flags of places whose object is back; how many."""
    return conn.execute(
        text(
            "UPDATE review_flag SET resolved_tx = :tx WHERE place_id = ANY(:ids)"
            " AND reason = :reason AND resolved_tx IS NULL"
        ),
        {"tx": tx.id, "ids": place_ids, "reason": GONE},
    ).rowcount


def _record(
    conn: Connection,
    report: OsmImportReport,
    digest: str,
    bounds: Bounds,
    tx_id: int | None,
) -> None:
    conn.execute(
        text(
            "INSERT INTO osm_dataset (name, bbox, bbox_source, source_file, digest, newest_edit,"
            " licence, imported_at, tx_id, report)"
            f" VALUES (:name, {_BOX}, :bbox_source, :file, :digest, :newest, :licence, now(),"
            " :tx, CAST(:report AS jsonb))"
            " ON CONFLICT (name) DO UPDATE SET bbox = excluded.bbox,"
            " bbox_source = excluded.bbox_source, source_file = excluded.source_file,"
            " digest = excluded.digest, newest_edit = excluded.newest_edit,"
            " licence = excluded.licence, imported_at = excluded.imported_at,"
            " tx_id = coalesce(excluded.tx_id, osm_dataset.tx_id), report = excluded.report"
        ),
        _box(bounds)
        | {
            "name": report.dataset,
            "bbox_source": report.bounds_source,
            "file": Path(report.path).name,
            "digest": digest,
            "newest": report.newest_edit,
            "licence": LICENCE,
            "tx": tx_id,
            "report": json.dumps(asdict(report), ensure_ascii=False),
        },
    )


# ---------------------------------------------------------------- the demo

_DEMO_PROPOSED_SQL = """
SELECT v.place_id FROM place_version v
WHERE upper_inf(v.recorded) AND upper_inf(v.valid) AND v.status = 'proposed'
  AND v.source = :source AND v.osm_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM osm_dataset d WHERE d.name = ANY(:names)
              AND (v.tx_id = d.tx_id  -- written by its import, maybe just across the edge
                   OR d.bbox && v.location AND ST_Intersects(d.bbox, v.location)))
ORDER BY v.place_id
"""


def run_demo(
    database: Database,
    data_dir: Path,
    *,
    console: Console | None = None,
    serial_space: int = issuance.SERIAL_SPACE,
) -> DemoReport:
    """Import the bundled extracts, then approve their proposed places (a demo approval,
    source ``demo``), so the map shows active places with codes. A second run does nothing.
    """
    extracts = bundled_extracts(data_dir)
    report = DemoReport(imports=[run(database, p, console=console) for p in extracts])
    started = time.monotonic()
    with database.transaction() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(text(LOCK))
        names = [dataset_name(p) for p in extracts]
        ids = list(
            conn.execute(text(_DEMO_PROPOSED_SQL), {"source": SOURCE, "names": names}).scalars()
        )
        if ids:
            with (
                _progress(console) as steps,
                changes.recording(conn, DEMO_ACTOR, DEMO_REASON) as tx,
            ):
                steps.step("duyệt thử / demo approval", total=len(ids))
                _approve_all(conn, tx, ids, serial_space, steps)
            report.approved, report.tx_id = len(ids), tx.id
    report.seconds = round(time.monotonic() - started, 2)
    return report


def _approve_all(
    conn: Connection, tx: changes.ChangeTx, ids: list[int], serial_space: int, steps: _Steps
) -> None:
    day: date = admin_units.today()
    for place_id in ids:
        places.approve(conn, tx, place_id, day, serial_space=serial_space)
        steps.advance()
