"""Reverse geocoding: what is at (lon, lat)?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, text

from registry import admin_units, places
from registry.admin_units import Location
from registry.places import PlaceVersion


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


_STREET_SQL = """
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g)
SELECT s.id, s.name, s.highway,
       ST_Distance(s.geom::geography, pt.g::geography) AS distance_m
FROM pt, street s
WHERE ST_DWithin(s.geom, pt.g, :deg)
ORDER BY s.geom <-> pt.g
LIMIT 1
"""


def nearest_street(conn: Connection, lon: float, lat: float, radius_m: float) -> StreetHit | None:
    """The named street nearest to (lon, lat) within ``radius_m`` metres, if any."""
    row = conn.execute(
        text(_STREET_SQL), {"lon": lon, "lat": lat, "deg": radius_m / 100_000.0}
    ).first()
    if row is None or row.distance_m > radius_m:
        return None
    return StreetHit(row.id, row.name, row.highway, round(float(row.distance_m), 2))


def reverse(
    conn: Connection, lon: float, lat: float, *, radius_m: float, at: date, limit: int
) -> ReverseResult:
    """The active places nearest to (lon, lat) within ``radius_m``, nearest first.

    Raises :class:`registry.errors.OutsideTerritory` when no commune contains the
    point and :class:`registry.errors.InvalidInput` for an impossible coordinate.
    """
    location = admin_units.locate(conn, lon, lat, at)
    found = places.near(
        conn,
        lon,
        lat,
        radius_m,
        at=at,
        kind=None,
        status="active",
        include_proposed=False,
        limit=limit,
        offset=0,
    )
    return ReverseResult(found, nearest_street(conn, lon, lat, radius_m), location)
