"""Reverse geocoding: what is at (lon, lat)?

One statement answers a point on a date from the 2025 reform on: the commune polygon
containing it and its province, the nearest named street, and the nearest active places —
read in order of distance from the partial GiST index on current locations (KNN ``<->``),
so a point among 300,000 places costs a few index pages. Before the reform the units come
from :func:`registry.admin_units.locate` (old communes through the succession table) and
the same statement, without its unit part, gives the street and the places.

The statement runs its generic plan (psycopg prepares it from the sixth execution; see
``_FORCE_GENERIC_SQL``), written so that the generic plan is a good one: the date test on a
version is not offered to the bitemporal exclusion index, whose ``valid @> $date`` matches
every current row — a generic plan that ANDed that bitmap with the location's took 130 ms
instead of 0.3 ms. Two round trips in all, with 300,000 places p50 about 1.3 ms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from registry import admin_units

# The column lists and row reader of the registry's own queries, so that a reverse answer
# is built exactly as a unit or a place read any other way.
from registry.admin_units import _COMMUNE_AND_PROVINCE_SQL as _UNITS_SQL
from registry.admin_units import AdminUnit, Location
from registry.errors import OutsideTerritory
from registry.places import _VERSION_SQL, PlaceVersion, _version

__all__ = ["ReverseResult", "StreetHit", "nearest_street", "reverse"]


@dataclass(frozen=True)
class StreetHit:
    """The nearest named street and how far it is (metres)."""

    id: int
    name: str
    highway: str
    distance_m: float


@dataclass(frozen=True)
class ReverseResult:
    """Nearest active places (with distance in metres), nearest street, and units."""

    places: list[tuple[PlaceVersion, float]]
    street: StreetHit | None
    location: Location


_STREET = """
SELECT s.id AS st_id, s.name AS st_name, s.highway AS st_highway,
       ST_Distance(s.geom::geography, pt.g::geography) AS st_distance_m
FROM street s
WHERE ST_DWithin(s.geom, pt.g, :deg)
ORDER BY s.geom <-> pt.g
LIMIT 1
"""

# Current active places within :radius metres, nearest first (planar distance in degrees,
# then id: a building's flats share its point). ``IS TRUE`` keeps ``valid @> :at`` a filter.
_PLACES = (
    _VERSION_SQL.replace(
        "FROM place_version v",
        ", ST_Distance(v.location::geography, pt.g::geography) AS distance_m,"
        " v.location <-> pt.g AS knn FROM place_version v",
    )
    + """
WHERE upper_inf(v.recorded) AND (v.valid @> CAST(:at AS date)) IS TRUE
  AND v.status = 'active'
  AND ST_DWithin(v.location, pt.g, :deg)
  AND ST_DWithin(v.location::geography, pt.g::geography, :radius)
ORDER BY v.location <-> pt.g, v.id
LIMIT :limit
"""
)


def _statement(with_units: bool) -> str:
    units = f"LEFT JOIN LATERAL ({_UNITS_SQL}) u ON true" if with_units else ""
    return f"""
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g)
SELECT set_config('plan_cache_mode', :previous, true) AS restored,
       n.*, s.*{", u.*" if with_units else ""}
FROM pt
{units}
LEFT JOIN LATERAL ({_STREET}) s ON true
LEFT JOIN LATERAL ({_PLACES}) n ON true
ORDER BY n.knn, n.id
"""


_WITH_UNITS_SQL = _statement(with_units=True)
_WITHOUT_UNITS_SQL = _statement(with_units=False)
_STREET_SQL = f"WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g) {_STREET}"


def nearest_street(conn: Connection, lon: float, lat: float, radius_m: float) -> StreetHit | None:
    """The named street nearest to (lon, lat) within ``radius_m`` metres, if any."""
    row = conn.execute(text(_STREET_SQL), _params(lon, lat, radius_m)).mappings().first()
    return _street(row, radius_m) if row is not None else None


def reverse(
    conn: Connection, lon: float, lat: float, *, radius_m: float, at: date, limit: int
) -> ReverseResult:
    """The active places nearest to (lon, lat) within ``radius_m``, nearest first.

    Raises :class:`registry.errors.OutsideTerritory` when no commune contains the
    point and :class:`registry.errors.InvalidInput` for an impossible coordinate.
    """
    admin_units.check_coordinates(lon, lat)
    current = at >= admin_units.REFORM_DATE
    location = None if current else admin_units.locate(conn, lon, lat, at)
    params = _params(lon, lat, radius_m) | {"at": at, "limit": limit, "level": "commune"}
    params["previous"] = conn.execute(text(_FORCE_GENERIC_SQL)).scalar_one()
    result = conn.execute(text(_WITH_UNITS_SQL if current else _WITHOUT_UNITS_SQL), params)
    keys, rows = list(result.keys()), result.all()
    street_at, units_at = keys.index("st_id"), keys.index("st_distance_m") + 1
    places = []
    for row in rows:
        place = _segment(keys, row, 1, street_at)  # after ``restored``
        distance, knn = place.pop("distance_m"), place.pop("knn")
        if knn is not None:
            places.append((_version(place), float(distance)))
    street = _street(_segment(keys, rows[0], street_at, units_at), radius_m)
    if location is None:
        location = _location(_segment(keys, rows[0], units_at, len(keys)), lon, lat, at)
    return ReverseResult(places, street, location)


# PostgreSQL costs the statement's generic plan above a custom one (it cannot estimate the
# point's selectivity without the values), so, left to choose, it plans every execution
# again: about 1.5 ms, more than running it (0.3-1 ms). The generic plan is the same index
# walk. So the statement runs with ``plan_cache_mode`` forced for the transaction by the
# round trip before it, and restores the caller's setting itself once it is running.
_FORCE_GENERIC_SQL = """
SELECT current_setting('plan_cache_mode'),
       set_config('plan_cache_mode', 'force_generic_plan', true)
"""


def _location(units: dict[str, Any], lon: float, lat: float, at: date) -> Location:
    """The commune and province columns of the statement (those of
    :func:`registry.admin_units.locate`, the province's prefixed ``p_``)."""
    if units["version_id"] is None:
        raise OutsideTerritory(
            f"no commune of Vietnam contains lon={lon}, lat={lat} on {at.isoformat()} "
            "(at sea, abroad, or outside the boundary data)"
        )
    fields = AdminUnit.__dataclass_fields__
    commune = AdminUnit(**{k: units[k] for k in fields})
    province = (
        AdminUnit(**{k: units[f"p_{k}"] for k in fields})
        if units["p_version_id"] is not None
        else None
    )
    exact = {"commune": True, "province": True}
    return Location(at=at, commune=commune, province=province, exact=exact)


def _params(lon: float, lat: float, radius_m: float) -> dict[str, Any]:
    return {"lon": lon, "lat": lat, "deg": radius_m / 100_000.0, "radius": radius_m}


def _segment(keys: list[str], row: Sequence[Any], start: int, end: int) -> dict[str, Any]:
    return dict(zip(keys[start:end], row[start:end], strict=True))


def _street(row: Any, radius_m: float) -> StreetHit | None:
    if row["st_id"] is None or row["st_distance_m"] > radius_m:
        return None
    return StreetHit(
        row["st_id"], row["st_name"], row["st_highway"], round(float(row["st_distance_m"]), 2)
    )
