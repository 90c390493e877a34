"""Places: propose, approve, update, retire, withdraw, merge, split; lookup and history.

Facts are never overwritten. Each change closes the record time of the
version it supersedes (the one UPDATE the schema allows) and writes new
versions: for a change effective on day D of a version valid [a, b), the old
facts are re-recorded for [a, D) and the new facts for [D, b). Valid time is
calendar dates (Asia/Ho_Chi_Minh), record time is the database transaction
time. Locations are EPSG:4326 points, (lon, lat).
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, text

from geo.house_number import parse_house_number
from geo.pluscode import encode as plus_code
from geo.text import clean
from registry import admin_units, issuance
from registry.changes import ChangeTx
from registry.codes import Code, zone_of
from registry.errors import FieldError, InvalidInput, NotFound
from registry.lifecycle import Operation, Status, next_status

FACT_FIELDS = (
    "kind",
    "unit_kind",
    "parent_place_id",
    "house_number",
    "street_name",
    "street_id",
    "hamlet",
    "accuracy_m",
    "location_method",
    "physical_state",
    "postcode",
    "vnpost_code",
    "parcel_sheet",
    "parcel_number",
    "osm_id",
    "source",
    "collected_by",
    "collected_at",
)
_COPIED = (
    *FACT_FIELDS,
    "status",
    "code",
    "house_number_parts",
    "commune_unit_id",
    "province_unit_id",
    "plus_code",
    "retire_reason",
)


@dataclass(frozen=True)
class Facts:
    """What a field team records about a place. ``lon``/``lat`` in EPSG:4326 degrees."""

    kind: str
    lon: float
    lat: float
    location_method: str
    source: str
    house_number: str | None = None
    street_name: str | None = None
    street_id: int | None = None
    hamlet: str | None = None
    unit_kind: str | None = None
    parent_place_id: int | None = None
    accuracy_m: float | None = None
    physical_state: str = "in_use"
    postcode: str | None = None
    vnpost_code: str | None = None
    parcel_sheet: str | None = None
    parcel_number: str | None = None
    osm_id: str | None = None
    collected_by: str | None = None
    collected_at: datetime | None = None


@dataclass(frozen=True)
class AdminRef:
    code: str
    name: str


@dataclass(frozen=True)
class PlaceVersion:
    """One version of a place's facts, with its valid and record time."""

    id: int
    place_id: int
    code: Code | None
    status: Status
    change: str
    valid_from: date
    valid_to: date | None
    recorded_from: datetime
    recorded_to: datetime | None
    tx_id: int
    kind: str
    unit_kind: str | None
    parent_place_id: int | None
    house_number: str | None
    house_number_parts: dict[str, Any] | None
    street_name: str | None
    street_id: int | None
    hamlet: str | None
    lon: float
    lat: float
    accuracy_m: float | None
    location_method: str
    physical_state: str
    commune: AdminRef | None
    province: AdminRef | None
    postcode: str | None
    vnpost_code: str | None
    parcel_sheet: str | None
    parcel_number: str | None
    osm_id: str | None
    plus_code: str | None
    source: str
    collected_by: str | None
    collected_at: datetime | None
    retire_reason: str | None


@dataclass(frozen=True)
class Lineage:
    """A link to another place: merge, split, duplicate or successor."""

    code: Code | None
    place_id: int
    kind: str


@dataclass(frozen=True)
class PlaceView:
    """A place as of a date: the version then in force and its lineage."""

    version: PlaceVersion
    successors: list[Lineage]
    predecessors: list[Lineage]


_VERSION_SQL = """
SELECT v.id, v.place_id, v.code, v.status, v.change, lower(v.valid) AS valid_from,
       upper(v.valid) AS valid_to, lower(v.recorded) AS recorded_from,
       upper(v.recorded) AS recorded_to, v.tx_id, v.kind, v.unit_kind, v.parent_place_id,
       v.house_number, v.house_number_parts, v.street_name, v.street_id, v.hamlet,
       ST_X(v.location) AS lon, ST_Y(v.location) AS lat, v.accuracy_m, v.location_method,
       v.physical_state, c.code AS commune_code, c.name AS commune_name,
       p.code AS province_code, p.name AS province_name, v.postcode, v.vnpost_code,
       v.parcel_sheet, v.parcel_number, v.osm_id, v.plus_code, v.source, v.collected_by,
       v.collected_at, v.retire_reason
FROM place_version v
LEFT JOIN admin_unit c ON c.id = v.commune_unit_id
LEFT JOIN admin_unit p ON p.id = v.province_unit_id
"""


def _version(r: RowMapping | dict[str, Any]) -> PlaceVersion:
    values = dict(r)
    values["code"] = Code(r["code"]) if r["code"] is not None else None
    values["commune"] = (
        AdminRef(values.pop("commune_code"), values.pop("commune_name"))
        if r["commune_code"]
        else None
    )
    values["province"] = (
        AdminRef(values.pop("province_code"), values.pop("province_name"))
        if r["province_code"]
        else None
    )
    for key in ("commune_code", "commune_name", "province_code", "province_name"):
        values.pop(key, None)
    return PlaceVersion(**values)


def versions_by_id(conn: Connection, ids: list[int]) -> dict[int, PlaceVersion]:
    """Versions by id (for the change feed)."""
    rows = conn.execute(text(_VERSION_SQL + " WHERE v.id = ANY(:ids)"), {"ids": ids}).mappings()
    return {r["id"]: _version(r) for r in rows}


def place_id_of_code(conn: Connection, code: Code) -> int:
    """The place a code was issued to. Raises :class:`NotFound` for an unissued code."""
    place_id = conn.execute(
        text("SELECT place_id FROM code_issuance WHERE code = :c AND place_id IS NOT NULL"),
        {"c": code.value},
    ).scalar()
    if place_id is None:
        raise NotFound(f"mã {code} chưa được cấp / code {code} has not been issued")
    return int(place_id)


def version_at(
    conn: Connection, place_id: int, at: date, known_at: datetime | None = None
) -> PlaceVersion:
    """The version valid on ``at`` as recorded at ``known_at`` (default: now).

    Raises :class:`NotFound` when the place had no facts then.
    """
    row = (
        conn.execute(
            text(
                _VERSION_SQL + " WHERE v.place_id = :p AND v.valid @> CAST(:at AS date)"
                " AND CASE WHEN CAST(:known AS timestamptz) IS NULL THEN upper_inf(v.recorded)"
                " ELSE v.recorded @> CAST(:known AS timestamptz) END"
            ),
            {"p": place_id, "at": at, "known": known_at},
        )
        .mappings()
        .first()
    )
    if row is None:
        when = f"{at.isoformat()}" + (f" as known at {known_at.isoformat()}" if known_at else "")
        raise NotFound(f"the place has no recorded facts for {when}")
    return _version(row)


def current(
    conn: Connection, place_id: int, at: date | None = None, *, lock: bool = False
) -> PlaceVersion:
    """The open-record version valid on ``at`` (default: the latest valid range)."""
    sql = _VERSION_SQL + " WHERE v.place_id = :p AND upper_inf(v.recorded)"
    sql += " AND v.valid @> CAST(:at AS date)" if at else " AND upper_inf(v.valid)"
    if lock:
        conn.execute(text("SELECT 1 FROM place WHERE id = :p FOR UPDATE"), {"p": place_id})
    row = conn.execute(text(sql), {"p": place_id, "at": at}).mappings().first()
    if row is None:
        raise NotFound(f"place {place_id} has no current facts")
    return _version(row)


def history(conn: Connection, place_id: int) -> list[PlaceVersion]:
    """Every version ever recorded, in record then valid order."""
    rows = conn.execute(
        text(
            _VERSION_SQL + " WHERE v.place_id = :p AND NOT isempty(v.recorded)"
            " ORDER BY lower(v.recorded), lower(v.valid)"
        ),
        {"p": place_id},
    ).mappings()
    return [_version(r) for r in rows]


def lineage(conn: Connection, place_id: int) -> tuple[list[Lineage], list[Lineage]]:
    """(successors, predecessors) of a place."""
    rows = conn.execute(
        text(
            "SELECT l.to_place_id AS other, l.kind, 'succ' AS dir FROM place_lineage l"
            " WHERE l.from_place_id = :p UNION ALL"
            " SELECT l.from_place_id, l.kind, 'pred' FROM place_lineage l WHERE l.to_place_id = :p"
        ),
        {"p": place_id},
    ).all()
    code_rows = conn.execute(
        text("SELECT place_id, code FROM code_issuance WHERE place_id = ANY(:ids)"),
        {"ids": [r.other for r in rows]},
    ).all()
    codes: dict[int, int] = {r.place_id: r.code for r in code_rows}
    out: dict[str, list[Lineage]] = {"succ": [], "pred": []}
    for r in rows:
        code = codes.get(r.other)
        out[r.dir].append(Lineage(Code(code) if code else None, r.other, r.kind))
    return out["succ"], out["pred"]


_LOOKUP_SQL = text(
    importlib.resources.files("registry.sql").joinpath("place_lookup.sql").read_text("utf-8")
)


def lookup_json(conn: Connection, code: Code, at: date, known_at: datetime | None) -> str:
    """The public JSON of a place by code as of (``at``, ``known_at``), built in one
    statement. Raises :class:`NotFound` (via :func:`view`) when there is none."""
    body = conn.execute(_LOOKUP_SQL, {"code": code.value, "at": at, "known": known_at}).scalar()
    if body is None:
        view(conn, code, at, known_at)  # raises the precise NotFound
        raise NotFound(f"no facts for {code} on {at}")  # pragma: no cover - view raised
    return str(body)


def view(conn: Connection, code: Code, at: date, known_at: datetime | None) -> PlaceView:
    """A place by code as of (``at``, ``known_at``), with successors and predecessors."""
    place_id = place_id_of_code(conn, code)
    successors, predecessors = lineage(conn, place_id)
    return PlaceView(version_at(conn, place_id, at, known_at), successors, predecessors)


# ---------------------------------------------------------------- writes


def _derive(conn: Connection, lon: float, lat: float, day: date) -> dict[str, Any]:
    """Commune and province (the versions in force on ``day``) and the Plus Code."""
    admin_units.check_coordinates(lon, lat)
    when = max(day, admin_units.REFORM_DATE)
    commune = admin_units.containing(conn, "commune", lon, lat, when)
    if commune is None:
        raise InvalidInput(
            "vị trí không nằm trong xã/phường nào / the location is in no commune of Vietnam",
            errors=[FieldError(("body", "location"), "outside every commune")],
        )
    province = admin_units.parent_chain(conn, commune, when)[-1]
    return {
        "commune_unit_id": commune.version_id,
        "province_unit_id": province.version_id,
        "plus_code": plus_code(lon, lat),
    }


def _parts(house_number: str | None) -> str | None:
    if not house_number:
        return None
    parsed = parse_house_number(house_number)
    return json.dumps(dataclasses.asdict(parsed), ensure_ascii=False)


def _insert_version(
    conn: Connection,
    tx: ChangeTx,
    place_id: int,
    values: dict[str, Any],
    valid_from: date,
    valid_to: date | None,
    change: str,
) -> int:
    columns = ", ".join(_COPIED)
    params = ", ".join(f":{c}" for c in _COPIED)
    version_id: int = conn.execute(
        text(
            f"INSERT INTO place_version (place_id, valid, recorded, tx_id, change, location,"
            f" {columns}) VALUES (:place_id, daterange(:vf, :vt), tstzrange(:rec, NULL),"
            f" :tx, :change, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), {params})"
            " RETURNING id"
        ),
        {
            **{c: values.get(c) for c in _COPIED},
            "place_id": place_id,
            "vf": valid_from,
            "vt": valid_to,
            "tx": tx.id,
            "rec": tx.recorded_at,
            "change": change,
            "lon": values["lon"],
            "lat": values["lat"],
        },
    ).scalar_one()
    return version_id


def _values_of(version: PlaceVersion) -> dict[str, Any]:
    values = {c: getattr(version, c, None) for c in _COPIED}
    values["code"] = version.code.value if version.code else None
    values["house_number_parts"] = (
        json.dumps(version.house_number_parts, ensure_ascii=False)
        if version.house_number_parts is not None
        else None
    )
    values["lon"], values["lat"] = version.lon, version.lat
    row_ids = {"commune_unit_id": None, "province_unit_id": None}
    values.update(row_ids)
    return values


def _admin_ids(conn: Connection, version_id: int) -> dict[str, Any]:
    row = conn.execute(
        text("SELECT commune_unit_id, province_unit_id FROM place_version WHERE id = :id"),
        {"id": version_id},
    ).one()
    return {"commune_unit_id": row.commune_unit_id, "province_unit_id": row.province_unit_id}


def propose(conn: Connection, tx: ChangeTx, facts: Facts, valid_from: date) -> PlaceVersion:
    """A new place, status proposed, no public code yet."""
    _check_facts(conn, facts)
    place_id = conn.execute(
        text("INSERT INTO place (created_tx) VALUES (:tx) RETURNING id"), {"tx": tx.id}
    ).scalar_one()
    values = {f.name: getattr(facts, f.name) for f in dataclasses.fields(facts)}
    values["house_number"] = clean(facts.house_number) if facts.house_number else None
    values.update(status="proposed", code=None, house_number_parts=_parts(facts.house_number))
    values.update(_derive(conn, facts.lon, facts.lat, valid_from))
    _insert_version(conn, tx, place_id, values, valid_from, None, "propose")
    align_admin(conn, tx, [place_id])
    return current(conn, place_id, valid_from)


def _check_facts(conn: Connection, facts: Facts) -> None:
    if facts.kind == "unit" and facts.parent_place_id is None:
        raise InvalidInput(
            "a unit (flat, room, kiosk, office) needs the building or entrance it is in",
            errors=[FieldError(("body", "parent"), "required for kind 'unit'")],
        )
    if facts.parent_place_id is not None:
        exists = conn.execute(
            text("SELECT 1 FROM place WHERE id = :p"), {"p": facts.parent_place_id}
        ).scalar()
        if exists is None:
            raise InvalidInput(
                f"parent place {facts.parent_place_id} does not exist",
                errors=[FieldError(("body", "parent"), "unknown place")],
            )


def supersede(
    conn: Connection,
    tx: ChangeTx,
    place_id: int,
    changes: dict[str, Any],
    valid_from: date,
    operation: Operation,
) -> PlaceVersion:
    """Write ``changes`` effective from ``valid_from`` as new versions of the place.

    Every current version valid on or after ``valid_from`` is superseded (the
    facts before ``valid_from`` are re-recorded unchanged). The lifecycle is
    checked against the latest status. Locks the place row, so concurrent
    changes to one place serialise. Raises :class:`Conflict` when the lifecycle
    forbids ``operation`` and :class:`InvalidInput` when ``valid_from`` precedes
    the place's first recorded day.
    """
    current(conn, place_id, lock=True)
    heads = _open_versions_from(conn, place_id, valid_from)
    status = next_status(operation, heads[-1].status)
    if valid_from < heads[0].valid_from:
        raise InvalidInput(
            f"valid_from {valid_from} is before the place's first day {heads[0].valid_from}",
            errors=[FieldError(("body", "valid_from"), "too early")],
        )
    for head in heads:
        _supersede_one(conn, tx, head, changes | {"status": status}, valid_from, operation)
    align_admin(conn, tx, [place_id])
    return current(conn, place_id, valid_from)


def _open_versions_from(conn: Connection, place_id: int, day: date) -> list[PlaceVersion]:
    rows = conn.execute(
        text(
            _VERSION_SQL + " WHERE v.place_id = :p AND upper_inf(v.recorded)"
            " AND (upper_inf(v.valid) OR upper(v.valid) > :day) ORDER BY lower(v.valid)"
        ),
        {"p": place_id, "day": day},
    ).mappings()
    versions = [_version(r) for r in rows]
    if not versions:
        raise NotFound(f"place {place_id} has no facts on or after {day}")
    return versions


def _supersede_one(
    conn: Connection,
    tx: ChangeTx,
    head: PlaceVersion,
    changes: dict[str, Any],
    valid_from: date,
    operation: str,
) -> None:
    old = _values_of(head) | _admin_ids(conn, head.id)
    conn.execute(
        text("UPDATE place_version SET recorded = tstzrange(lower(recorded), :rec) WHERE id = :id"),
        {"id": head.id, "rec": tx.recorded_at},
    )
    start = max(head.valid_from, valid_from)
    if start > head.valid_from:
        _insert_version(conn, tx, head.place_id, old, head.valid_from, start, head.change)
    new = old | changes
    if "house_number" in changes:
        new["house_number_parts"] = _parts(changes["house_number"])
    if "lon" in changes or "lat" in changes:
        new.update(_derive(conn, new["lon"], new["lat"], start))
    _insert_version(conn, tx, head.place_id, new, start, head.valid_to, operation)


def approve(
    conn: Connection,
    tx: ChangeTx,
    place_id: int,
    valid_from: date,
    *,
    leased_code: Code | None = None,
    serial_space: int = issuance.SERIAL_SPACE,
) -> PlaceVersion:
    """Approve a proposal: issue its code (a fresh random one, or a leased one)."""
    head = current(conn, place_id, lock=True)
    next_status("approve", head.status)
    if leased_code is not None:
        issuance.assign_leased(conn, leased_code, place_id)
        code = leased_code
    else:
        zone = zone_of(head.lon, head.lat)
        code = issuance.draw(conn, tx, zone, place_id=place_id, serial_space=serial_space)
    return supersede(conn, tx, place_id, {"code": code.value}, valid_from, "approve")


def retire(
    conn: Connection,
    tx: ChangeTx,
    place_id: int,
    reason: str,
    successors: list[int],
    valid_from: date,
    *,
    operation: Operation = "retire",
    lineage_kind: str = "successor",
) -> PlaceVersion:
    """Retire an active place from ``valid_from`` with a reason; link its successors."""
    version = supersede(conn, tx, place_id, {"retire_reason": reason}, valid_from, operation)
    for successor in successors:
        if successor == place_id:
            raise InvalidInput("a place cannot succeed itself")
        conn.execute(
            text(
                "INSERT INTO place_lineage (from_place_id, to_place_id, kind, tx_id)"
                " VALUES (:f, :t, :k, :tx) ON CONFLICT DO NOTHING"
            ),
            {"f": place_id, "t": successor, "k": lineage_kind, "tx": tx.id},
        )
    if version.code is not None:
        issuance.burn(conn, version.code.value)
    return version


def withdraw(conn: Connection, tx: ChangeTx, place_id: int, valid_from: date) -> PlaceVersion:
    """Withdraw a proposal (it never got a public code)."""
    return supersede(conn, tx, place_id, {}, valid_from, "withdraw")


def create_active(
    conn: Connection,
    tx: ChangeTx,
    facts: Facts,
    valid_from: date,
    *,
    serial_space: int = issuance.SERIAL_SPACE,
) -> PlaceVersion:
    """A new place approved at once (a merge or split result, reviewed by the caller)."""
    proposed = propose(conn, tx, facts, valid_from)
    return approve(conn, tx, proposed.place_id, valid_from, serial_space=serial_space)


def merge(
    conn: Connection,
    tx: ChangeTx,
    place_ids: list[int],
    valid_from: date,
    *,
    survivor: int | None,
    facts: Facts | None,
    reason: str,
    serial_space: int = issuance.SERIAL_SPACE,
) -> PlaceVersion:
    """n → 1. ``survivor`` given: the records were duplicates; the survivor keeps its
    code and the others retire pointing to it. Else the places physically merged:
    a new place (``facts``) gets a new code and all of them retire with it as successor.
    """
    if len(set(place_ids)) < 2:
        raise InvalidInput("a merge needs at least two different places")
    if survivor is not None:
        if survivor not in place_ids:
            raise InvalidInput("the survivor must be one of the merged places")
        for pid in place_ids:
            if pid != survivor:
                retire(
                    conn,
                    tx,
                    pid,
                    reason,
                    [survivor],
                    valid_from,
                    operation="merge",
                    lineage_kind="duplicate",
                )
        return current(conn, survivor)
    if facts is None:
        raise InvalidInput("a physical merge needs the facts of the merged place")
    merged = create_active(conn, tx, facts, valid_from, serial_space=serial_space)
    for pid in place_ids:
        retire(
            conn,
            tx,
            pid,
            reason,
            [merged.place_id],
            valid_from,
            operation="merge",
            lineage_kind="merge",
        )
    return merged


def split(
    conn: Connection,
    tx: ChangeTx,
    place_id: int,
    parts: list[Facts],
    valid_from: date,
    *,
    reason: str,
    serial_space: int = issuance.SERIAL_SPACE,
) -> list[PlaceVersion]:
    """1 → n: new places with new codes; the old one retires with them as successors."""
    if len(parts) < 2:
        raise InvalidInput("a split makes at least two places")
    created = [create_active(conn, tx, f, valid_from, serial_space=serial_space) for f in parts]
    retire(
        conn,
        tx,
        place_id,
        reason,
        [c.place_id for c in created],
        valid_from,
        operation="split",
        lineage_kind="split",
    )
    return created


_MISALIGNED_SQL = """
SELECT v.id, v.place_id, lower(v.valid) AS valid_from,
       least(upper(c.valid), upper(p.valid)) AS boundary_change
FROM place_version v
JOIN admin_unit c ON c.id = v.commune_unit_id
JOIN admin_unit p ON p.id = v.province_unit_id
WHERE upper_inf(v.recorded) AND NOT isempty(v.recorded)
  AND (CAST(:ids AS bigint[]) IS NULL OR v.place_id = ANY(CAST(:ids AS bigint[])))
  AND least(upper(c.valid), upper(p.valid)) < coalesce(upper(v.valid), 'infinity'::date)
  AND least(upper(c.valid), upper(p.valid)) > lower(v.valid)
ORDER BY v.place_id, lower(v.valid)
"""


def align_admin(conn: Connection, tx: ChangeTx, place_ids: list[int] | None = None) -> int:
    """Split current versions whose commune or province version ends inside their
    valid range (a boundary or type change, e.g. Đồng Nai becoming a city on
    2026-04-30): the facts before stay as they were, a new version from that day
    carries the units then in force. Returns the number of versions split.
    """
    split_count = 0
    while True:
        rows = conn.execute(text(_MISALIGNED_SQL), {"ids": place_ids}).all()
        if not rows:
            return split_count
        for row in rows:
            _split_at(conn, tx, row.id, row.boundary_change)
            split_count += 1


def _split_at(conn: Connection, tx: ChangeTx, version_id: int, day: date) -> None:
    version = versions_by_id(conn, [version_id])[version_id]
    old = _values_of(version) | _admin_ids(conn, version_id)
    conn.execute(
        text("UPDATE place_version SET recorded = tstzrange(lower(recorded), :rec) WHERE id = :id"),
        {"id": version_id, "rec": tx.recorded_at},
    )
    _insert_version(conn, tx, version.place_id, old, version.valid_from, day, version.change)
    new = old | _derive(conn, version.lon, version.lat, day)
    _insert_version(conn, tx, version.place_id, new, day, version.valid_to, "admin-boundary")


# ---------------------------------------------------------------- queries


def near(
    conn: Connection,
    lon: float,
    lat: float,
    radius_m: float,
    *,
    at: date,
    kind: str | None,
    status: str | None,
    include_proposed: bool,
    limit: int,
    offset: int,
) -> list[tuple[PlaceVersion, float]]:
    """Current places within ``radius_m`` metres of (lon, lat), nearest first, with distance."""
    admin_units.check_coordinates(lon, lat)
    rows = conn.execute(
        text(
            "WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g) "
            + _VERSION_SQL.replace(
                "FROM place_version v",
                ", ST_Distance(v.location::geography, pt.g::geography) AS distance_m"
                " FROM pt, place_version v",
            )
            + " WHERE upper_inf(v.recorded) AND v.valid @> CAST(:at AS date)"
            " AND ST_DWithin(v.location, pt.g, :deg)"
            " AND ST_DWithin(v.location::geography, pt.g::geography, :radius)"
            " AND (CAST(:kind AS text) IS NULL OR v.kind = :kind)"
            " AND (CAST(:status AS text) IS NULL OR v.status = :status)"
            " AND (:proposed OR v.status NOT IN ('proposed', 'withdrawn'))"
            " ORDER BY v.location <-> pt.g, v.id LIMIT :limit OFFSET :offset"
        ),
        {
            "lon": lon,
            "lat": lat,
            "deg": radius_m / 100_000.0,
            "radius": radius_m,
            "at": at,
            "kind": kind,
            "status": status,
            "proposed": include_proposed,
            "limit": limit,
            "offset": offset,
        },
    ).mappings()
    out = []
    for r in rows:
        values = dict(r)
        distance = float(values.pop("distance_m"))
        out.append((_version(values), distance))
    return out
