"""The bulk path: many places in one change transaction, with set-based SQL.

:func:`load_places` writes the same rows as :func:`registry.places.propose` (and, with
``approve``, :func:`registry.places.approve`) would one at a time, but stages the batch with
COPY and derives everything else in a few statements over the whole batch:

1. Python (:mod:`registry.bulk_rows`, in worker processes for large batches), while
   streaming COPY into a temporary table: each row is checked (kind, state, method,
   coordinates, parent reference), its house number cleaned and parsed
   (:func:`geo.house_number.parse_house_number`, as JSON), its Plus Code and code zone
   computed (:func:`geo.pluscode.encode`, :func:`registry.codes.zone_of`), its serial
   drawn.
2. One statement: the commune whose subdivided polygon contains each point on
   ``max(valid_from, 2025-07-01)`` (the lower code on a shared edge) and the top of its
   parent chain on that day, exactly as :func:`registry.places._derive` does it; a place
   id for each row that has both. Where that commune or province version ends later, the
   facts are cut there and the point located again for the next segment, as
   :func:`registry.places.align_admin` does (Đồng Nai became a city on 2026-04-30).
3. Units whose parent was not loaded are not loaded either; ``place`` rows.
4. With ``approve``: the serials drawn while staging (``secrets``, as
   :func:`registry.issuance.draw` does) inserted ``ON CONFLICT DO NOTHING``; the few that
   collided are drawn again in SQL.
5. ``place_version`` rows: change ``propose`` (status proposed; ``admin-boundary`` for
   the segments after a cut) or ``approve`` (status active, with the code), valid
   ``[valid_from, ∞)`` or its segments, recorded from the change transaction's time
   (``change_transaction.created_at``) on.

Rows that cannot be loaded are reported with a reason, not loaded: the rest of the batch
goes in. Coordinates are EPSG:4326 degrees, (lon, lat).
"""

from __future__ import annotations

import functools
import importlib.resources
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import psycopg
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from registry import admin_units, changes, issuance
from registry.bulk_rows import STAGE_COLUMNS, BulkPlace, Rejection, pieces

__all__ = ["BulkPlace", "BulkReport", "Rejection", "load_places"]

WORK_MEM = "64MB"
TEMP_BUFFERS = "256MB"  # local memory a session keeps once it has used it
MAX_SEGMENT_ROUNDS = 100
BY_POINT_BELOW = 0.5  # a point probe costs about twice a part probe


@dataclass(frozen=True)
class BulkReport:
    """What a load did. ``place_ids[ref]`` is the id of the place made of row ``ref``, or
    None when it was rejected; ``versions`` is one per place plus ``admin_splits`` (facts
    cut where a commune or province changes); ``phases`` are wall seconds per step."""

    tx_id: int
    seq: int | None
    read: int
    loaded: int
    issued: int
    redraws: int
    versions: int
    admin_splits: int
    rejected: tuple[Rejection, ...]
    seconds: float
    phases: dict[str, float]
    place_ids: tuple[int | None, ...] = field(repr=False)


_CREATE_STAGE = """
CREATE TEMP TABLE bulk_place_stage (
    ref integer NOT NULL, kind text NOT NULL, lon float8 NOT NULL, lat float8 NOT NULL,
    zone smallint, house_number text, house_number_parts jsonb, street_name text, hamlet text,
    unit_kind text, parent_ref integer, source text NOT NULL, location_method text NOT NULL,
    accuracy_m real, physical_state text NOT NULL, plus_code text NOT NULL, serial integer
) ON COMMIT DROP
"""

_POINT = "ST_SetSRID(ST_MakePoint({t}.lon, {t}.lat), 4326)"

_INDEX_STAGE = """
CREATE INDEX bulk_place_stage_point ON bulk_place_stage
USING gist ((ST_SetSRID(ST_MakePoint(lon, lat), 4326)))
"""

# The parent of a unit version, as registry.admin_units.unit_at finds it: the version of
# the code's level (from its length) in force on the day.
_PARENT = """
    SELECT u.id, u.parent_code FROM admin_unit u
    WHERE u.code = {child}.parent_code
      AND u.level = CASE length({child}.parent_code)
                      WHEN 2 THEN 'province' WHEN 3 THEN 'district' WHEN 5 THEN 'commune' END
      AND u.valid @> CAST(:at AS date)
    ORDER BY lower(u.valid) NULLS FIRST LIMIT 1
"""

_EXTENT = f"""
    SELECT ST_SetSRID(CAST(ST_Extent({_POINT.format(t="s")}) AS geometry), 4326)
    FROM bulk_place_stage s WHERE {{among}}"""

_PARTS_IN_EXTENT = f"""
SELECT count(*) FROM admin_unit_part p
WHERE p.level = 'commune' AND p.valid @> CAST(:at AS date) AND p.geom && ({_EXTENT})
"""

# The commune of each staged point ``{among}`` on :at, as registry.admin_units.containing
# finds it (the lowest code among the parts that intersect the point). Many points: part
# by part, each commune part in the points' extent probes the index on the staged points,
# so PostGIS prepares each polygon once for all its points. Few points: point by point.
_HIT_BY_PART = f"""
    SELECT DISTINCT ON (s.ref) s.ref, u.id, u.parent_code
    FROM admin_unit_part p
    JOIN admin_unit u ON u.id = p.unit_id
    CROSS JOIN LATERAL (
        SELECT s.ref FROM bulk_place_stage s
        WHERE ST_Intersects(p.geom, {_POINT.format(t="s")}) AND {{among}}
    ) s
    WHERE p.level = 'commune' AND p.valid @> CAST(:at AS date) AND p.geom && ({_EXTENT})
    ORDER BY s.ref, u.code"""

_HIT_BY_POINT = f"""
    SELECT s.ref, c.id, c.parent_code
    FROM bulk_place_stage s
    CROSS JOIN LATERAL (
        SELECT u.id, u.parent_code
        FROM admin_unit_part p JOIN admin_unit u ON u.id = p.unit_id
        WHERE p.level = 'commune' AND p.valid @> CAST(:at AS date)
          AND ST_Intersects(p.geom, {_POINT.format(t="s")})
        ORDER BY u.code LIMIT 1
    ) c
    WHERE {{among}}"""

# registry.places._derive for those points: the commune, then the top of its parent
# chain on :at (registry.admin_units.parent_chain), followed once per commune.
_LOCATE = f"""
hit AS MATERIALIZED ({{hit}}
), commune AS (
    SELECT c.id,
           CASE WHEN p1.parent_code IS NULL THEN p1.id WHEN p2.parent_code IS NULL THEN p2.id
           END AS province_id
    FROM (SELECT DISTINCT id, parent_code FROM hit) c
    LEFT JOIN LATERAL ({_PARENT.format(child="c")}) p1 ON c.parent_code IS NOT NULL
    LEFT JOIN LATERAL ({_PARENT.format(child="p1")}) p2 ON p1.parent_code IS NOT NULL
), located AS (
    SELECT hit.ref, hit.id AS commune_unit_id, commune.province_id AS province_unit_id
    FROM hit LEFT JOIN commune ON commune.id = hit.id
)"""

# Step 2: every staged row with its commune and province on the first day; the rows
# that have both get a place id.
_DERIVE = """
CREATE TEMP TABLE bulk_place_derived ON COMMIT DROP AS
WITH {locate}
SELECT s.*, l.commune_unit_id, l.province_unit_id,
       CASE WHEN l.commune_unit_id IS NULL THEN 'outside-commune'
            WHEN l.province_unit_id IS NULL THEN 'no-province' END AS reject,
       CASE WHEN l.province_unit_id IS NOT NULL
            THEN nextval(CAST({place_sequence} AS regclass)) END AS place_id
FROM bulk_place_stage s
LEFT JOIN located l ON l.ref = s.ref
"""

# The valid-time segments of each place's facts, as registry.places.align_admin cuts
# them: a segment ends where its commune or province version ends, and the next one
# carries the units in force from that day.
_SEGMENTS = """
CREATE TEMP TABLE bulk_place_segment ON COMMIT DROP AS
SELECT ref, CAST(:valid_from AS date) AS valid_from, CAST(NULL AS date) AS valid_to,
       commune_unit_id, province_unit_id
FROM bulk_place_derived WHERE reject IS NULL
"""

_CREATE_SPLIT = "CREATE TEMP TABLE bulk_place_split (ref integer, day date) ON COMMIT DROP"

_SPLIT = """
WITH ending AS (
    SELECT g.ref, least(upper(c.valid), upper(p.valid)) AS day
    FROM bulk_place_segment g
    JOIN admin_unit c ON c.id = g.commune_unit_id
    JOIN admin_unit p ON p.id = g.province_unit_id
    WHERE g.valid_to IS NULL AND least(upper(c.valid), upper(p.valid)) > g.valid_from
), cut AS (
    UPDATE bulk_place_segment g SET valid_to = e.day FROM ending e
    WHERE g.ref = e.ref AND g.valid_to IS NULL
    RETURNING g.ref, e.day
)
INSERT INTO bulk_place_split SELECT ref, day FROM cut
"""

_SPLIT_IN = "EXISTS (SELECT 1 FROM bulk_place_split x WHERE x.ref = s.ref AND x.day = :day)"
_NEXT_SEGMENT = """
INSERT INTO bulk_place_segment
WITH {locate}
SELECT x.ref, x.day, CAST(NULL AS date), l.commune_unit_id, l.province_unit_id
FROM bulk_place_split x LEFT JOIN located l ON l.ref = x.ref
WHERE x.day = :day
"""

# A place whose later segment lies in no commune cannot be loaded (the one-at-a-time
# path fails on it).
_REJECT_UNLOCATED = """
UPDATE bulk_place_derived d
SET reject = CASE WHEN g.commune_unit_id IS NULL THEN 'outside-commune' ELSE 'no-province' END
FROM bulk_place_segment g
WHERE g.ref = d.ref AND d.reject IS NULL
  AND (g.commune_unit_id IS NULL OR g.province_unit_id IS NULL)
"""

# A unit whose parent is missing or rejected is rejected too; parents come first, so a
# chain of rejections needs as many passes as it is long. (Its place id stays unused.)
_REJECT_ORPHANS = """
UPDATE bulk_place_derived d SET reject = 'parent-not-loaded'
WHERE d.reject IS NULL AND d.parent_ref IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM bulk_place_derived p
                  WHERE p.ref = d.parent_ref AND p.reject IS NULL)
"""

_INSERT_PLACES = """
INSERT INTO place (id, created_tx)
SELECT place_id, :tx FROM bulk_place_derived WHERE reject IS NULL
"""

# registry.codes.make_code in SQL: first10 = zone·10⁸ + serial; code = first10·100 + the
# MOD 97-10 check digits 98 - (first10·100 mod 97). The first serial of each place was
# drawn in Python while staging (``secrets``, as registry.issuance.draw); a serial drawn
# again is 48 strong random bits from the server modulo the serial space (bias below
# 4·10⁻⁷ for 10⁸).
_DRAWN = "SELECT place_id, zone, serial FROM bulk_place_derived WHERE reject IS NULL"
_REDRAWN = """
SELECT place_id, zone,
       CAST(CAST(CAST('x' || left(replace(CAST(gen_random_uuid() AS text), '-', ''), 12)
                      AS bit(48)) AS bigint) % :space AS integer) AS serial
FROM bulk_code_pending"""
_ISSUE = """
INSERT INTO code_issuance (code, zone, serial, status, place_id, tx_id)
SELECT (CAST(zone AS bigint) * 100000000 + serial) * 100
       + 98 - (CAST(zone AS bigint) * 100000000 + serial) * 100 % 97,
       zone, serial, 'issued', place_id, :tx
FROM ({source}) drawn
ON CONFLICT DO NOTHING
"""

_PENDING = """
CREATE TEMP TABLE bulk_code_pending ON COMMIT DROP AS
SELECT d.place_id, d.zone FROM bulk_place_derived d
WHERE d.reject IS NULL
  AND NOT EXISTS (SELECT 1 FROM code_issuance c WHERE c.place_id = d.place_id)
"""

_DONE_PENDING = """
DELETE FROM bulk_code_pending p USING code_issuance c WHERE c.place_id = p.place_id
"""

# Demand per zone against the serials still free in it (``code_issuance`` holds every code
# ever reserved, leased or issued): a zone that cannot hold its places fails at once.
_ZONE_SHORTFALL = """
SELECT d.zone, count(*) AS wanted,
       :space - (SELECT count(*) FROM code_issuance c
                 WHERE c.zone = d.zone AND c.serial < :space) AS free
FROM bulk_place_derived d WHERE d.reject IS NULL GROUP BY d.zone
HAVING count(*) > :space - (SELECT count(*) FROM code_issuance c
                            WHERE c.zone = d.zone AND c.serial < :space)
"""

_INSERT_VERSIONS = """
INSERT INTO place_version (
    place_id, valid, recorded, tx_id, change, code, status, physical_state, kind, unit_kind,
    parent_place_id, house_number, house_number_parts, street_name, hamlet, location,
    accuracy_m, location_method, commune_unit_id, province_unit_id, plus_code, source)
SELECT d.place_id, daterange(g.valid_from, g.valid_to), tstzrange(t.created_at, NULL), t.id,
       CASE WHEN :approve OR g.valid_from = CAST(:valid_from AS date) THEN :change
            ELSE 'admin-boundary' END,
       c.code, :status, d.physical_state, d.kind, d.unit_kind, parent.place_id,
       d.house_number, d.house_number_parts, d.street_name, d.hamlet,
       ST_SetSRID(ST_MakePoint(d.lon, d.lat), 4326), d.accuracy_m, d.location_method,
       g.commune_unit_id, g.province_unit_id, d.plus_code, d.source
FROM change_transaction t
CROSS JOIN bulk_place_segment g
JOIN bulk_place_derived d ON d.ref = g.ref
LEFT JOIN bulk_place_derived parent ON parent.ref = d.parent_ref
LEFT JOIN code_issuance c ON :approve AND c.place_id = d.place_id
WHERE t.id = :tx AND d.reject IS NULL
"""


class _Phases:
    """Wall time per named step."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 3)


def load_places(
    conn: Connection,
    actor: changes.Actor,
    rows: Iterable[BulkPlace],
    *,
    approve: bool,
    valid_from: date,
    reason: str,
    progress: Callable[[int], None] | None = None,
    serial_space: int = issuance.SERIAL_SPACE,
) -> BulkReport:
    """Load ``rows`` as new places in one change transaction, valid from ``valid_from``.

    With ``approve`` every place loaded is active with a fresh random code of its zone;
    otherwise it is a proposal without code. ``progress`` is called with the number of
    rows read so far, every :data:`registry.bulk_rows.PIECE_ROWS` rows and at the end.
    Rows that cannot be loaded are in :attr:`BulkReport.rejected`. Raises
    :class:`registry.issuance.ZoneFull` when a zone has fewer unused serials than places.

    The change transaction is sealed (the feed lock taken) when the load ends: call this
    last in the database transaction and commit right after. Lifts the statement timeout
    and raises ``work_mem`` for the rest of the transaction, and the session's
    ``temp_buffers`` if it has not used temporary tables yet. A load that approves more
    places than there are autocomplete entries rebuilds the autocomplete indexes: from
    then until it commits, autocomplete waits for it.
    """
    started = time.perf_counter()
    phase = _Phases()
    _configure(conn)
    with changes.recording(conn, actor, reason) as tx:
        with phase("stage"):
            space = serial_space if approve else None
            read, rejected = _stage(conn, rows, serial_space=space, progress=progress)
        with phase("derive"):
            conn.execute(text(_INDEX_STAGE))
            at = {"at": _locate_day(valid_from)}
            locate = _locate(conn, "true", read - len(rejected), at)
            derive = _DERIVE.format(locate=locate, place_sequence=_place_sequence(conn))
            conn.execute(text(derive), at)
            conn.execute(text("ANALYZE bulk_place_derived"))
            splits = _segment(conn, valid_from)
        with phase("places"):
            rejected += _reject_orphans(conn)
            loaded = conn.execute(text(_INSERT_PLACES), {"tx": tx.id}).rowcount
        issued = redraws = 0
        if approve:
            with phase("codes"):
                issued, redraws = _issue_codes(conn, tx.id, serial_space)
        with phase("versions"), _search_sync_off(conn) as search_was_on:
            params = _version_params(tx.id, approve, valid_from)
            with _indexes_rebuilt(conn, "place_version", loaded):
                versions = conn.execute(text(_INSERT_VERSIONS), params).rowcount
        with phase("analyze"):
            place_ids = _place_ids(conn, read)
            _drop_temporaries(conn)
            conn.execute(text("ANALYZE code_issuance, place_version"))
        if search_was_on:  # after ANALYZE: the statement's joins are planned on its counts
            with phase("search"):
                _write_search_entries(conn, tx.id, loaded if approve else 0)
    seq = conn.execute(
        text("SELECT seq FROM change_transaction WHERE id = :id"), {"id": tx.id}
    ).scalar()
    return BulkReport(
        tx_id=tx.id,
        seq=seq,
        read=read,
        loaded=loaded,
        issued=issued,
        redraws=redraws,
        versions=versions,
        admin_splits=splits,
        rejected=tuple(sorted(rejected, key=lambda r: r.ref)),
        seconds=round(time.perf_counter() - started, 3),
        phases=phase.seconds,
        place_ids=place_ids,
    )


def _configure(conn: Connection) -> None:
    """No statement timeout, more memory for sorts and hashes, and room for the staging
    tables in memory (256 MB of local buffers rather than 8 MB: a third less time). The
    last can only be set before the session first touches a temporary table; otherwise
    the load goes on with the buffers the session has."""
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    conn.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    try:
        with conn.begin_nested():
            conn.execute(text(f"SET LOCAL temp_buffers = '{TEMP_BUFFERS}'"))
    except DBAPIError:
        pass  # "cannot change after temporary tables have been accessed in the session"


# A table's secondary indexes: neither its primary key nor a constraint's index (for
# place_version the exclusion constraint's GiST: built whole it costs as much as maintained
# row by row, and dropping it would leave the table unguarded within the transaction).
_SECONDARY_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = CAST(:table AS regclass) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1
"""


@contextmanager
def _indexes_rebuilt(conn: Connection, table: str, rows: int) -> Iterator[bool]:
    """Within the block, ``table`` without its secondary indexes when the block writes more
    rows (about ``rows``) than the table holds; they are made again, from their own
    definitions, when it ends. Yields whether they were. Building a btree, GIN or point
    GiST over the whole table at once costs a fifth of maintaining it row by row (6.5 s
    less for 300,000 place versions, 2 s for their autocomplete entries). DROP INDEX holds
    the table in ACCESS EXCLUSIVE mode until the transaction ends: its readers wait for
    such a load to commit, which only happens while the table holds fewer rows than the
    load brings (a registry's first phase)."""
    existing = conn.execute(
        text(f"SELECT count(*) FROM (SELECT FROM {table} LIMIT :n) s"), {"n": rows}
    ).scalar_one()
    rebuild = rows > 0 and existing < rows
    indexes = conn.execute(text(_SECONDARY_INDEXES), {"table": table}).all() if rebuild else []
    for name, _ in indexes:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    yield rebuild
    for _, definition in indexes:
        conn.exec_driver_sql(definition)


def _write_search_entries(conn: Connection, tx_id: int, entries: int) -> None:
    """The autocomplete entries of the load's places (``bulk_search_entries.sql``), about
    ``entries`` of them, with ``search_entry``'s indexes rebuilt when they outnumber the
    entries already there (:func:`_indexes_rebuilt`)."""
    with _indexes_rebuilt(conn, "search_entry", entries) as rebuilt:
        conn.execute(text(_sql("bulk_search_entries")), {"tx": tx_id})
    if rebuilt:
        conn.execute(text("ANALYZE search_entry"))


@contextmanager
def _search_sync_off(conn: Connection) -> Iterator[bool]:
    """Turn the per-statement autocomplete trigger off (``diachi.search_sync``, migration
    0004) for the block, then back to what it was; yields whether it was on. With 300,000
    versions the trigger looks each place up again by an array of ids and folds each whole
    text; ``bulk_search_entries.sql`` writes the same entries from the load's rows at a
    third of the cost."""
    before = conn.execute(
        text("SELECT coalesce(current_setting('diachi.search_sync', true), '')")
    ).scalar_one()
    conn.execute(text("SELECT set_config('diachi.search_sync', 'off', true)"))
    yield before != "off"
    conn.execute(text("SELECT set_config('diachi.search_sync', :v, true)"), {"v": before})


@functools.cache
def _sql(name: str) -> str:
    return importlib.resources.files("registry.sql").joinpath(f"{name}.sql").read_text("utf-8")


def _place_sequence(conn: Connection) -> int:
    """The oid of the sequence behind ``place.id``, written into the statement as a
    constant: ``pg_get_serial_sequence`` per row would cost a catalog lookup each."""
    oid: int = conn.execute(
        text("SELECT CAST(CAST(pg_get_serial_sequence('place', 'id') AS regclass) AS oid)")
    ).scalar_one()
    return oid


def _locate_day(valid_from: date) -> date:
    return max(valid_from, admin_units.REFORM_DATE)


def _version_params(tx_id: int, approve: bool, valid_from: date) -> dict[str, Any]:
    return {
        "tx": tx_id,
        "valid_from": valid_from,
        "approve": approve,
        "change": "approve" if approve else "propose",
        "status": "active" if approve else "proposed",
    }


# ---------------------------------------------------------------- staging


def _stage(
    conn: Connection,
    rows: Iterable[BulkPlace],
    *,
    serial_space: int | None,
    progress: Callable[[int], None] | None,
) -> tuple[int, list[Rejection]]:
    """COPY the checked rows into ``bulk_place_stage``, each with a random serial below
    ``serial_space`` when codes are to be issued (None: not); (rows read, rows rejected).
    The rows are converted by :func:`registry.bulk_rows.pieces`, in worker processes
    when there are many."""
    _drop_temporaries(conn)
    conn.execute(text(_CREATE_STAGE))
    rejected: list[Rejection] = []
    read = 0
    driver = cast(psycopg.Connection[Any], conn.connection.driver_connection)
    statement = f"COPY bulk_place_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for piece in pieces(rows, serial_space):
            for staged in piece.rows:
                copy.write_row(staged)
            rejected += piece.rejected
            read += piece.count
            if progress is not None:
                progress(read)
    if progress is not None and read == 0:
        progress(read)
    return read, rejected


# ---------------------------------------------------------------- derived steps


def _locate(conn: Connection, among: str, points: int, params: dict[str, Any]) -> str:
    """The ``located`` query for the staged points ``among``: point by point when they
    are fewer than :data:`BY_POINT_BELOW` times the commune parts in their extent, else
    part by part."""
    parts = conn.execute(text(_PARTS_IN_EXTENT.format(among=among)), params).scalar_one()
    hit = _HIT_BY_POINT if points < parts * BY_POINT_BELOW else _HIT_BY_PART
    return _LOCATE.format(hit=hit.format(among=among))


def _segment(conn: Connection, valid_from: date) -> int:
    """Cut the facts where a commune or province version ends (as
    :func:`registry.places.align_admin` does), locating the points again on each such day;
    reject the places that fall outside every commune then. Returns the cuts made."""
    conn.execute(text(_SEGMENTS), {"valid_from": valid_from})
    conn.execute(text(_CREATE_SPLIT))
    cuts = 0
    for _ in range(MAX_SEGMENT_ROUNDS):
        conn.execute(text("TRUNCATE bulk_place_split"))
        made = conn.execute(text(_SPLIT)).rowcount
        if made == 0:
            break
        cuts += made
        days = conn.execute(
            text("SELECT day, count(*) FROM bulk_place_split GROUP BY day ORDER BY day")
        )
        for day, points in days.all():
            params = {"day": day, "at": _locate_day(day)}
            locate = _locate(conn, _SPLIT_IN, points, params)
            conn.execute(text(_NEXT_SEGMENT.format(locate=locate)), params)
    else:
        raise RuntimeError(f"more than {MAX_SEGMENT_ROUNDS} administrative changes in a row")
    if cuts:
        conn.execute(text(_REJECT_UNLOCATED))
    return cuts


def _reject_orphans(conn: Connection) -> list[Rejection]:
    """Reject units whose parent is not loaded (until no more are); the rows rejected by
    SQL, including those without a commune, as :class:`Rejection`."""
    while conn.execute(text(_REJECT_ORPHANS)).rowcount:
        pass
    rows = conn.execute(text("SELECT ref, reject FROM bulk_place_derived WHERE reject IS NOT NULL"))
    return [Rejection(ref, reason) for ref, reason in rows]


def _issue_codes(conn: Connection, tx_id: int, serial_space: int) -> tuple[int, int]:
    """Issue a random code to every loaded place; (codes issued, serials drawn again)."""
    short = conn.execute(text(_ZONE_SHORTFALL), {"space": serial_space}).first()
    if short is not None:
        raise issuance.ZoneFull(
            f"zone {short.zone:02d} has {short.free} unused serials for {short.wanted} places"
        )
    params = {"tx": tx_id, "space": serial_space}
    first = _ISSUE.format(source=_DRAWN)
    issued = conn.execute(text(first), params).rowcount
    conn.execute(text(_PENDING))
    redraws = 0
    for _ in range(issuance.MAX_DRAWS):
        pending = conn.execute(text("SELECT count(*) FROM bulk_code_pending")).scalar_one()
        if pending == 0:
            return issued, redraws
        redraws += pending
        issued += conn.execute(text(_ISSUE.format(source=_REDRAWN)), params).rowcount
        conn.execute(text(_DONE_PENDING))
    raise issuance.ZoneFull(f"no unused serials found after {issuance.MAX_DRAWS} rounds")


def _place_ids(conn: Connection, read: int) -> tuple[int | None, ...]:
    ids: list[int | None] = [None] * read
    rows = conn.execute(text("SELECT ref, place_id FROM bulk_place_derived WHERE reject IS NULL"))
    for ref, place_id in rows:
        ids[ref] = place_id
    return tuple(ids)


def _drop_temporaries(conn: Connection) -> None:
    conn.execute(
        text(
            "DROP TABLE IF EXISTS pg_temp.bulk_code_pending, pg_temp.bulk_place_split,"
            " pg_temp.bulk_place_segment, pg_temp.bulk_place_derived, pg_temp.bulk_place_stage"
        )
    )
