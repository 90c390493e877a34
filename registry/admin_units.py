"""Administrative units: versions, parents, successions, search and point location.

A unit is keyed by its official code *and* its version: the same code can name
different units in different periods (most 2025 commune codes were codes of
pre-2025 communes, often of a different one). Every result carries the
version's validity. Dates are calendar dates in Asia/Ho_Chi_Minh; geometry is
EPSG:4326 with (lon, lat) axis order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, RowMapping, text

from geo.text import diacritic_similarity, expand
from registry.errors import InvalidInput, NotFound, OutsideTerritory

Level = Literal["province", "district", "commune"]
REFORM_DATE = date(2025, 7, 1)
VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LEVEL_BY_CODE_LENGTH: dict[int, Level] = {2: "province", 3: "district", 5: "commune"}
LEVEL_RANK = {"province": 0, "district": 1, "commune": 2}


def today() -> date:
    """Today's calendar date in Asia/Ho_Chi_Minh."""
    return datetime.now(VIETNAM_TZ).date()


def level_of_code(code: str) -> Level:
    """The level a GSO code names, from its length (2 province, 3 district, 5 commune).

    >>> level_of_code("27139")
    'commune'

    Raises :class:`InvalidInput` for anything else.
    """
    level = LEVEL_BY_CODE_LENGTH.get(len(code)) if code.isascii() and code.isdigit() else None
    if level is None:
        raise InvalidInput(
            f"'{code}' is not an administrative unit code "
            "(2 digits province, 3 district, 5 commune)"
        )
    return level


@dataclass(frozen=True)
class AdminUnit:
    """One version of an administrative unit."""

    version_id: int
    code: str
    level: Level
    name: str
    unit_type: str
    parent_code: str | None
    valid_from: date | None
    valid_to: date | None
    valid_from_known: bool
    source: str
    has_boundary: bool

    def in_force(self, at: date) -> bool:
        """True when this version is valid on ``at``."""
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_to is None or at < self.valid_to
        )

    @property
    def last_day(self) -> date | None:
        """A date on which this version was in force (its last day, or None if current)."""
        return None if self.valid_to is None else date.fromordinal(self.valid_to.toordinal() - 1)


@dataclass(frozen=True)
class Succession:
    """A link between an old unit version and a new one; ``whole`` False = partial."""

    unit: AdminUnit
    whole: bool


@dataclass(frozen=True)
class UnitDetail:
    """A unit with its parent chain (nearest first) and its successions."""

    unit: AdminUnit
    parents: list[AdminUnit]
    successors: list[Succession]
    predecessors: list[Succession]
    aliases: list[tuple[str, str]]


@dataclass(frozen=True)
class SearchHit:
    """A unit found by ``q``: which key matched, and whether it was a former name."""

    unit: AdminUnit
    matched_name: str
    matched_kind: str
    in_force: bool
    score: float


@dataclass(frozen=True)
class OldCommuneCandidate:
    """A pre-2025 commune a point may have belonged to."""

    unit: AdminUnit
    whole: bool
    in_district_polygon: bool | None


@dataclass
class Location:
    """Where a point is at a date. ``exact`` says which answers come from polygons."""

    at: date
    commune: AdminUnit | None = None
    district: AdminUnit | None = None
    province: AdminUnit | None = None
    exact: dict[str, bool] = field(default_factory=dict)
    old_commune_candidates: list[OldCommuneCandidate] = field(default_factory=list)
    district_candidates: list[AdminUnit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


_UNIT_COLUMNS = """
    u.id AS version_id, u.code, u.level, u.name, u.unit_type, u.parent_code,
    lower(u.valid) AS valid_from, upper(u.valid) AS valid_to, u.valid_from_known,
    u.source, u.boundary IS NOT NULL AS has_boundary
"""


def _unit(row: RowMapping) -> AdminUnit:
    return AdminUnit(**{k: row[k] for k in AdminUnit.__dataclass_fields__})


def _units(conn: Connection, sql: str, **params: Any) -> list[AdminUnit]:
    return [_unit(r) for r in conn.execute(text(sql), params).mappings()]


def versions(conn: Connection, code: str) -> list[AdminUnit]:
    """Every version of the unit with ``code``, oldest first."""
    return _units(
        conn,
        f"SELECT {_UNIT_COLUMNS} FROM admin_unit u WHERE u.level = :level AND u.code = :code "
        "ORDER BY lower(u.valid) NULLS FIRST",
        level=level_of_code(code),
        code=code,
    )


def unit_at(conn: Connection, code: str, at: date | None) -> AdminUnit:
    """The version of ``code`` in force on ``at``.

    With ``at`` None: the version in force today, else the most recent one.
    Raises :class:`NotFound` (listing the periods that exist) or
    :class:`InvalidInput` for a malformed code.
    """
    all_versions = versions(conn, code)
    if not all_versions:
        raise NotFound(f"no administrative unit has code {code}")
    day = at or today()
    for unit in all_versions:
        if unit.in_force(day):
            return unit
    if at is None:
        return all_versions[-1]
    periods = ", ".join(
        f"{u.name} [{u.valid_from or '…'}, {u.valid_to or '…'})" for u in all_versions
    )
    raise NotFound(f"code {code} names no unit on {day.isoformat()}; it names: {periods}")


def parent_chain(conn: Connection, unit: AdminUnit, at: date | None = None) -> list[AdminUnit]:
    """The unit's parents, nearest first, each the version in force on ``at`` (when
    ``unit`` is in force then), else on the last day ``unit`` was in force."""
    day = at if at is not None and unit.in_force(at) else (unit.last_day or today())
    chain: list[AdminUnit] = []
    current = unit
    while current.parent_code:
        current = unit_at(conn, current.parent_code, day)
        chain.append(current)
    return chain


def successors(conn: Connection, unit: AdminUnit) -> list[Succession]:
    """The new units that took over (all or part of) ``unit``."""
    return _linked(conn, unit, "old_unit_id", "new_unit_id")


def predecessors(conn: Connection, unit: AdminUnit) -> list[Succession]:
    """The old units ``unit`` was formed from (whole or partial)."""
    return _linked(conn, unit, "new_unit_id", "old_unit_id")


def _linked(conn: Connection, unit: AdminUnit, this: str, other: str) -> list[Succession]:
    rows = conn.execute(
        text(
            f"SELECT {_UNIT_COLUMNS}, s.whole FROM admin_succession s "
            f"JOIN admin_unit u ON u.id = s.{other} WHERE s.{this} = :id ORDER BY u.code"
        ),
        {"id": unit.version_id},
    ).mappings()
    return [Succession(_unit(r), r["whole"]) for r in rows]


def aliases(conn: Connection, unit: AdminUnit) -> list[tuple[str, str]]:
    """Former names of the unit, as (name, kind)."""
    rows = conn.execute(
        text("SELECT name, kind FROM admin_unit_alias WHERE unit_id = :id ORDER BY name"),
        {"id": unit.version_id},
    )
    return [(r.name, r.kind) for r in rows]


def detail(conn: Connection, code: str, at: date | None) -> UnitDetail:
    """A unit version with its parent chain, successions and former names."""
    unit = unit_at(conn, code, at)
    return UnitDetail(
        unit=unit,
        parents=parent_chain(conn, unit, at),
        successors=successors(conn, unit),
        predecessors=predecessors(conn, unit),
        aliases=aliases(conn, unit),
    )


def list_units(
    conn: Connection,
    *,
    level: Level | None,
    parent: str | None,
    at: date,
    limit: int,
    offset: int,
) -> list[AdminUnit]:
    """Units in force on ``at``, filtered, ordered by level then code."""
    return _units(
        conn,
        f"SELECT {_UNIT_COLUMNS} FROM admin_unit u WHERE u.valid @> :at "
        "AND (CAST(:level AS text) IS NULL OR u.level = :level) "
        "AND (CAST(:parent AS text) IS NULL OR u.parent_code = :parent) "
        "ORDER BY array_position(ARRAY['province','district','commune'], u.level), u.code "
        "LIMIT :limit OFFSET :offset",
        at=at,
        level=level,
        parent=parent,
        limit=limit,
        offset=offset,
    )


_SEARCH_SQL = f"""
SELECT {_UNIT_COLUMNS}, k.key, coalesce(a.name, u.name) AS matched_name,
       coalesce(a.kind, 'name') AS matched_kind, u.valid @> CAST(:day AS date) AS in_force,
       k.key = :q AS exact
FROM admin_unit_key k
JOIN admin_unit u ON u.id = k.unit_id
LEFT JOIN admin_unit_alias a ON a.id = k.alias_id
WHERE (k.key LIKE :prefix OR k.key LIKE :inner)
  AND (CAST(:at AS date) IS NULL OR u.valid @> CAST(:at AS date))
  AND (CAST(:level AS text) IS NULL OR u.level = :level)
  AND (CAST(:parent AS text) IS NULL OR u.parent_code = :parent)
"""


def search(
    conn: Connection,
    q: str,
    *,
    level: Level | None,
    parent: str | None,
    at: date | None,
    limit: int,
    offset: int,
) -> list[SearchHit]:
    """Units whose name, short name or a former name matches ``q``.

    Matching is accent-, case- and abbreviation-insensitive (``geo.text.expand``):
    every word of ``q`` must match at a word start, in order. With ``at`` only
    versions in force then; without, every period, current versions first.
    Ranking: exact key, in force, diacritics agreeing with what was typed,
    higher level first, then code.
    """
    key = expand(q)
    if not key:
        raise InvalidInput("q is empty after normalisation", errors=[])
    rows = conn.execute(
        text(_SEARCH_SQL),
        {
            "q": key,
            "prefix": f"{_escape_like(key)}%",
            "inner": f"% {_escape_like(key)}%",
            "at": at,
            "day": at or today(),
            "level": level,
            "parent": parent,
        },
    ).mappings()
    best: dict[int, SearchHit] = {}
    for row in rows:
        hit = _hit(row, q)
        seen = best.get(hit.unit.version_id)
        if seen is None or hit.score > seen.score:
            best[hit.unit.version_id] = hit
    ranked = sorted(
        best.values(),
        key=lambda h: (
            -h.score,
            LEVEL_RANK[h.unit.level],
            h.unit.code,
            h.unit.valid_from or date.min,
        ),
    )
    return ranked[offset : offset + limit]


def _hit(row: RowMapping, typed: str) -> SearchHit:
    score = (
        4.0 * bool(row["exact"])
        + 2.0 * bool(row["in_force"])
        + 1.0 * (row["matched_kind"] == "name")
        + diacritic_similarity(typed, row["matched_name"])
    )
    return SearchHit(
        unit=_unit(row),
        matched_name=row["matched_name"],
        matched_kind=row["matched_kind"],
        in_force=row["in_force"],
        score=score,
    )


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def check_coordinates(lon: float, lat: float) -> None:
    """Raise :class:`InvalidInput` for an impossible WGS84 coordinate (degrees)."""
    errors = []
    if not -180.0 <= lon <= 180.0:
        errors.append(("lon", "longitude must be within [-180, 180] degrees"))
    if not -90.0 <= lat <= 90.0:
        errors.append(("lat", "latitude must be within [-90, 90] degrees"))
    if errors:
        from registry.errors import FieldError

        raise InvalidInput(
            "impossible coordinate",
            errors=[FieldError(("query", name), msg) for name, msg in errors],
        )


_LOCATE_SQL = f"""
SELECT {_UNIT_COLUMNS}
FROM admin_unit_part p JOIN admin_unit u ON u.id = p.unit_id
WHERE p.level = :level AND p.valid @> CAST(:at AS date)
  AND ST_Intersects(p.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
ORDER BY u.code LIMIT 1
"""


def containing(
    conn: Connection, level: Level, lon: float, lat: float, at: date
) -> AdminUnit | None:
    """The unit of ``level`` in force on ``at`` whose polygon contains (lon, lat), if any.

    Uses the subdivided parts (``admin_unit_part``), so a query costs a few index probes.
    A point on a shared edge belongs to the unit with the lower code.
    """
    rows = _units(conn, _LOCATE_SQL, level=level, lon=lon, lat=lat, at=at)
    return rows[0] if rows else None


def locate(conn: Connection, lon: float, lat: float, at: date) -> Location:
    """The units containing (lon, lat) (EPSG:4326 degrees) on ``at``.

    From 2025-07-01: commune and province from the polygons (exact).
    Before: the 2025 commune containing the point gives, through the official
    succession table, the old communes it may have belonged to (a candidate
    list: old communes have no polygons); their parents give the old district,
    cross-checked against the ~2023 district polygons; the province is the
    district's parent. Raises :class:`OutsideTerritory` when no unit contains
    the point, :class:`InvalidInput` for an impossible coordinate.
    """
    check_coordinates(lon, lat)
    if at >= REFORM_DATE:
        return _locate_current(conn, lon, lat, at)
    return _locate_before_reform(conn, lon, lat, at)


_PROVINCE_COLUMNS = ", ".join(
    f"{expr} AS p_{name}"
    for name, expr in {
        "version_id": "pr.id",
        "code": "pr.code",
        "level": "pr.level",
        "name": "pr.name",
        "unit_type": "pr.unit_type",
        "parent_code": "pr.parent_code",
        "valid_from": "lower(pr.valid)",
        "valid_to": "upper(pr.valid)",
        "valid_from_known": "pr.valid_from_known",
        "source": "pr.source",
        "has_boundary": "pr.boundary IS NOT NULL",
    }.items()
)
_COMMUNE_AND_PROVINCE_SQL = f"""
WITH c AS ({_LOCATE_SQL})
SELECT c.*, {_PROVINCE_COLUMNS}
FROM c LEFT JOIN admin_unit pr
  ON pr.level = 'province' AND pr.code = c.parent_code AND pr.valid @> CAST(:at AS date)
"""


def _split_row(row: RowMapping) -> tuple[AdminUnit, AdminUnit | None]:
    commune = _unit(row)
    if row["p_version_id"] is None:
        return commune, None
    fields = AdminUnit.__dataclass_fields__
    return commune, AdminUnit(**{k: row[f"p_{k}"] for k in fields})


def _locate_current(conn: Connection, lon: float, lat: float, at: date) -> Location:
    """One statement: the commune polygon containing the point and its province."""
    row = (
        conn.execute(
            text(_COMMUNE_AND_PROVINCE_SQL),
            {"level": "commune", "lon": lon, "lat": lat, "at": at},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise OutsideTerritory(
            f"no commune of Vietnam contains lon={lon}, lat={lat} on {at.isoformat()} "
            "(at sea, abroad, or outside the boundary data)"
        )
    commune, province = _split_row(row)
    return Location(
        at=at, commune=commune, province=province, exact={"commune": True, "province": True}
    )


def _locate_before_reform(conn: Connection, lon: float, lat: float, at: date) -> Location:
    new_commune = containing(conn, "commune", lon, lat, REFORM_DATE)
    if new_commune is None:
        raise OutsideTerritory(
            f"no commune of Vietnam contains lon={lon}, lat={lat} (at sea, abroad, "
            "or outside the boundary data)"
        )
    polygon_district = containing(conn, "district", lon, lat, at)
    candidates = [
        OldCommuneCandidate(
            unit=s.unit,
            whole=s.whole,
            in_district_polygon=None
            if polygon_district is None
            else s.unit.parent_code == polygon_district.code,
        )
        for s in predecessors(conn, new_commune)
        if s.unit.in_force(at)
    ]
    location = Location(at=at, old_commune_candidates=candidates)
    location.notes.append(
        f"pre-2025 communes have no polygons: old_commune_candidates are the predecessors "
        f"of {new_commune.name} ({new_commune.code}) in the official succession table"
    )
    _choose_district(conn, location, polygon_district, at)
    return location


def _choose_district(
    conn: Connection, location: Location, polygon_district: AdminUnit | None, at: date
) -> None:
    codes = sorted(
        {c.unit.parent_code for c in location.old_commune_candidates if c.unit.parent_code}
    )
    districts = [unit_at(conn, code, at) for code in codes]
    location.district_candidates = districts
    if not districts and polygon_district is not None:
        # Côn Đảo, Hoàng Sa: districts without communes, absent from the commune table.
        location.district = polygon_district
        location.exact["district"] = False
        location.notes.append("no old commune is recorded here; district from its polygon")
    elif len(districts) == 1:
        location.district = districts[0]
        agrees = polygon_district is None or polygon_district.code == districts[0].code
        location.exact["district"] = True
        if not agrees and polygon_district is not None:
            location.notes.append(
                f"the ~2023 district polygon says {polygon_district.name}; the succession "
                f"table says {districts[0].name} (the table wins)"
            )
    elif polygon_district is not None and polygon_district.code in codes:
        location.district = polygon_district
        location.exact["district"] = False
        location.notes.append("several old districts possible; chosen by the ~2023 polygon")
    elif districts:
        location.district = districts[0]
        location.exact["district"] = False
        location.notes.append("several old districts possible; see district_candidates")
    if location.district is not None:
        location.province = parent_chain(conn, location.district, at)[-1]
        location.exact["province"] = (
            location.exact["district"] or len({d.parent_code for d in districts}) == 1
        )


def boundary_geojson(
    conn: Connection, code: str, at: date | None, simplify_m: float | None
) -> tuple[AdminUnit, dict[str, Any] | None]:
    """The unit version and its boundary as a GeoJSON geometry (EPSG:4326, lon/lat).

    ``simplify_m`` is a tolerance in metres, applied as degrees at 111,320 m per
    degree (topology-preserving). Raises :class:`NotFound` when the version has no
    polygon in the data.
    """
    unit = unit_at(conn, code, at)
    tolerance = (simplify_m or 0.0) / 111_320.0
    geometry = conn.execute(
        text(
            "SELECT ST_AsGeoJSON(CASE WHEN :tol > 0 "
            "THEN ST_SimplifyPreserveTopology(boundary, :tol) ELSE boundary END, 6)::json "
            "FROM admin_unit WHERE id = :id"
        ),
        {"id": unit.version_id, "tol": tolerance},
    ).scalar_one()
    if geometry is None:
        raise NotFound(f"{unit.name} ({code}) has no boundary polygon in the data")
    return unit, geometry


@dataclass(frozen=True)
class Disagreement:
    """Where another source disagrees with the official succession table (which wins)."""

    old_code: str
    old_name: str
    official: list[str]
    other_source: str
    other: list[str]
    detail: str


def disagreements(conn: Connection, *, limit: int, offset: int) -> list[Disagreement]:
    """The recorded disagreements between the succession sources, by old code."""
    rows = conn.execute(
        text(
            "SELECT old_code, old_name, official, other_source, other, detail"
            " FROM admin_succession_disagreement ORDER BY old_code, other_source"
            " LIMIT :limit OFFSET :offset"
        ),
        {"limit": limit, "offset": offset},
    ).mappings()
    return [Disagreement(**r) for r in rows]
