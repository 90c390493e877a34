"""The feature collections of OGC API – Features: places, streets, buildings, admin units.

Geometries are GeoJSON in EPSG:4326 (lon, lat), 7 decimals (about 1 cm). ``places`` are the
public facts only: active places with a code, as recorded now and valid on the date asked
(never proposals, never occupancy). ``admin-units`` are the unit versions in force on that
date. Streets and buildings are the current base map and have no time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from registry.codes import CodeError, format_code, parse_code
from registry.errors import NotFound

__all__ = ["COLLECTIONS", "Collection", "Feature", "When", "feature", "features"]

Bbox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Collection:
    """A collection: id, titles, geometry type, whether ``datetime`` selects its features."""

    id: str
    title: str
    description: str
    geometry: str
    temporal: bool
    properties: dict[str, str]


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            "places",
            "Địa điểm có mã / Addressed places",
            "Places with a digital address code, active on the date asked (default today)",
            "point",
            True,
            {
                "code": "string",
                "kind": "string",
                "house_number": "string",
                "street": "string",
                "hamlet": "string",
                "commune": "string",
                "commune_code": "string",
                "province": "string",
                "province_code": "string",
                "postcode": "string",
                "plus_code": "string",
                "valid_from": "date",
            },
        ),
        Collection(
            "streets",
            "Đường phố / Streets",
            "Named streets and alleys of the base map (OpenStreetMap, ODbL)",
            "linestring",
            False,
            {"name": "string", "highway": "string", "ref": "string", "osm_id": "string"},
        ),
        Collection(
            "buildings",
            "Nhà / Buildings",
            "Building footprints of the base map (OpenStreetMap, ODbL)",
            "polygon",
            False,
            {"name": "string", "building": "string", "levels": "integer", "osm_id": "string"},
        ),
        Collection(
            "admin-units",
            "Đơn vị hành chính / Administrative units",
            "Provinces and communes (and before 2025-07-01 districts) in force on the date"
            " asked (default today)",
            "polygon",
            True,
            {
                "code": "string",
                "name": "string",
                "level": "string",
                "unit_type": "string",
                "parent_code": "string",
                "valid_from": "date",
                "valid_to": "date",
            },
        ),
    )
}


@dataclass(frozen=True)
class When:
    """The valid time asked: an instant (``start == end``) or a closed interval; ``None`` is
    open. Features valid at some time in it; for a place or unit, its latest such version."""

    start: date | None
    end: date | None


@dataclass(frozen=True)
class Feature:
    """One feature: its id, GeoJSON geometry (or ``None``), properties."""

    id: str
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


def _collection(collection_id: str) -> Collection:
    found = COLLECTIONS.get(collection_id)
    if found is None:
        raise NotFound(f"no collection '{collection_id}'")
    return found


_PLACES = """
SELECT DISTINCT ON (v.place_id) v.code, v.kind, v.house_number, v.street_name AS street,
       v.hamlet, c.name AS commune, c.code AS commune_code, p.name AS province,
       p.code AS province_code, v.postcode, v.plus_code, lower(v.valid) AS valid_from,
       ST_AsGeoJSON(v.location, 7)::json AS geometry, v.place_id
FROM place_version v
LEFT JOIN admin_unit c ON c.id = v.commune_unit_id
LEFT JOIN admin_unit p ON p.id = v.province_unit_id
WHERE upper_inf(v.recorded) AND NOT isempty(v.recorded) AND v.status = 'active'
  AND v.code IS NOT NULL AND v.valid && daterange(:start, :end, '[]')
  AND (CAST(:minx AS float8) IS NULL
       OR v.location && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))
  AND (CAST(:code AS bigint) IS NULL
       OR (v.place_id = (SELECT ci.place_id FROM code_issuance ci WHERE ci.code = :code)
           AND v.code = :code))
ORDER BY v.place_id, lower(v.valid) DESC NULLS LAST
LIMIT :limit OFFSET :offset
"""

_STREETS = """
SELECT s.id, s.name, s.highway, s.ref, s.osm_id, ST_AsGeoJSON(s.geom, 7)::json AS geometry
FROM street s
WHERE (CAST(:minx AS float8) IS NULL OR (s.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy,
       4326) AND ST_Intersects(s.geom, ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))))
  AND (CAST(:id AS bigint) IS NULL OR s.id = :id)
ORDER BY s.id
LIMIT :limit OFFSET :offset
"""

_BUILDINGS = """
SELECT b.id, b.name, b.building, b.levels, b.osm_id, ST_AsGeoJSON(b.geom, 7)::json AS geometry
FROM building b
WHERE (CAST(:minx AS float8) IS NULL OR (b.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy,
       4326) AND ST_Intersects(b.geom, ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))))
  AND (CAST(:id AS bigint) IS NULL OR b.id = :id)
ORDER BY b.id
LIMIT :limit OFFSET :offset
"""

_ADMIN = """
SELECT DISTINCT ON (u.level, u.code) u.code, u.name, u.level, u.unit_type, u.parent_code,
       lower(u.valid) AS valid_from, upper(u.valid) AS valid_to,
       ST_AsGeoJSON(u.boundary, 7)::json AS geometry
FROM admin_unit u
WHERE u.valid && daterange(:start, :end, '[]')
  AND (CAST(:minx AS float8) IS NULL OR (u.boundary && ST_MakeEnvelope(:minx, :miny, :maxx,
       :maxy, 4326) AND ST_Intersects(u.boundary, ST_MakeEnvelope(:minx, :miny, :maxx, :maxy,
       4326))))
  AND (CAST(:code AS text) IS NULL OR u.code = :code)
ORDER BY u.level DESC, u.code, lower(u.valid) DESC NULLS LAST
LIMIT :limit OFFSET :offset
"""


def _params(bbox: Bbox | None, when: When, limit: int, offset: int) -> dict[str, Any]:
    minx, miny, maxx, maxy = bbox if bbox is not None else (None, None, None, None)
    return {
        "minx": minx,
        "miny": miny,
        "maxx": maxx,
        "maxy": maxy,
        "start": when.start,
        "end": when.end,
        "limit": limit,
        "offset": offset,
        "code": None,
        "id": None,
    }


def features(
    conn: Connection,
    collection_id: str,
    *,
    bbox: Bbox | None,
    when: When,
    limit: int,
    offset: int = 0,
) -> list[Feature]:
    """Features of a collection in ``bbox`` (EPSG:4326 minlon, minlat, maxlon, maxlat),
    valid in ``when`` (temporal collections), ``limit`` from ``offset`` in a stable order.
    Raises :class:`NotFound` for an unknown collection."""
    collection = _collection(collection_id)
    return _query(conn, collection, _params(bbox, when, limit, offset))


def feature(conn: Connection, collection_id: str, feature_id: str, when: When) -> Feature:
    """One feature by id: a place by its code (any written form), a unit by its code, a
    street or building by its number. Raises :class:`NotFound`."""
    collection = _collection(collection_id)
    params = _params(None, when, 1, 0)
    missing = NotFound(f"no feature '{feature_id}' in '{collection_id}'")
    if collection.id == "places":
        try:
            params["code"] = parse_code(feature_id).value
        except CodeError as exc:
            raise missing from exc
    elif collection.id == "admin-units":
        params["code"] = feature_id
    elif feature_id.isdigit() and len(feature_id) <= 18:
        params["id"] = int(feature_id)
    else:
        raise missing
    found = _query(conn, collection, params)
    if not found:
        raise missing
    return found[0]


def _query(conn: Connection, collection: Collection, params: dict[str, Any]) -> list[Feature]:
    statement = {
        "places": _PLACES,
        "streets": _STREETS,
        "buildings": _BUILDINGS,
        "admin-units": _ADMIN,
    }[collection.id]
    rows = conn.execute(text(statement), params).mappings()
    out = []
    for row in rows:
        values = dict(row)
        geometry = values.pop("geometry")
        if collection.id == "places":
            values.pop("place_id")
            fid = f"{values['code']:012d}"
            values["code"] = format_code(values["code"])
        elif collection.id == "admin-units":
            fid = str(values["code"])
        else:
            fid = str(values.pop("id"))
        for key in ("valid_from", "valid_to"):
            if isinstance(values.get(key), date):
                values[key] = values[key].isoformat()
        out.append(Feature(fid, geometry, values))
    return out
