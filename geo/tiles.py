"""Web Mercator XYZ tiles and what each zoom shows: pure arithmetic, no database, no HTTP.

Tiles are the Google/OSM scheme of EPSG:3857: zoom ``z`` cuts the square
``[-WORLD, WORLD]²`` (metres) into ``2**z × 2**z`` tiles, ``x`` from west to east, ``y``
from north to south. Coordinates of bounds are EPSG:3857 metres, ``(minx, miny, maxx,
maxy)``; longitudes and latitudes are EPSG:4326 degrees in (lon, lat) order.

The zoom rules say what a map at each zoom needs (:func:`street_classes`,
:func:`admin_levels`, :func:`places_mode`, :func:`simplify_band`) and how many features a
layer may carry (:data:`LAYERS`), so no tile grows past :data:`MAX_TILE_BYTES`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "AGGREGATE_BELOW",
    "BUFFER",
    "CELLS",
    "EXTENT",
    "LAYERS",
    "MAX_TILE_BYTES",
    "MAX_ZOOM",
    "VIETNAM_BOUNDS",
    "WORLD",
    "Bounds",
    "Layer",
    "Tile",
    "TileError",
    "admin_levels",
    "buffered_bounds",
    "covering",
    "lonlat_to_mercator",
    "mercator_to_lonlat",
    "parse_zoom_range",
    "places_mode",
    "point_cap",
    "simplify_band",
    "simplify_tolerance",
    "street_classes",
    "tile_bounds",
    "tile_of_lonlat",
    "tiles_in_lonlat_bbox",
]

WORLD = 20_037_508.342789244  # half the side of the Web Mercator square, metres
EXTENT = 4096  # MVT coordinates per tile side
BUFFER = 64  # MVT units around a tile kept when clipping (1/64 of the tile)
MAX_ZOOM = 22  # deepest zoom served (clients overzoom past a layer's maxzoom)
AGGREGATE_BELOW = 14  # below this zoom, places are a count per cell
CELLS = 32  # cells per tile side for the counts (8 px cells on a 256 px tile)
MAX_TILE_BYTES = 500_000  # no tile, basemap included, is larger
MAX_LATITUDE = 85.05112877980659  # where the Web Mercator square ends
# Everything the registry can hold: the code grid (5.5–25.5°N, 99.3–119.3°E) clipped to the
# land, Hoàng Sa and Trường Sa; lon/lat degrees (minlon, minlat, maxlon, maxlat).
VIETNAM_BOUNDS = (102.0, 6.0, 118.0, 23.5)

Bounds = tuple[float, float, float, float]


class TileError(ValueError):
    """A tile address that does not exist (zoom out of range, x or y outside the zoom)."""


@dataclass(frozen=True, slots=True, order=True)
class Tile:
    """One XYZ tile. Raises :class:`TileError` when it does not exist.

    >>> [round(v) for v in Tile(14, 13047, 7698).bounds()]
    [11875257, 1205871, 11877703, 1208317]
    """

    z: int
    x: int
    y: int

    def __post_init__(self) -> None:
        if not 0 <= self.z <= MAX_ZOOM:
            raise TileError(f"zoom {self.z} is outside 0–{MAX_ZOOM}")
        side = 1 << self.z
        if not (0 <= self.x < side and 0 <= self.y < side):
            raise TileError(f"tile {self.x}/{self.y} does not exist at zoom {self.z}")

    def bounds(self) -> Bounds:
        """EPSG:3857 bounds of the tile."""
        return tile_bounds(self.z, self.x, self.y)

    def buffered(self) -> Bounds:
        """EPSG:3857 bounds grown by the clip buffer: what the tile's content can touch."""
        return buffered_bounds(self.z, self.x, self.y)

    def __str__(self) -> str:
        return f"{self.z}/{self.x}/{self.y}"


def tile_size(z: int) -> float:
    """Side of a tile at zoom ``z`` in EPSG:3857 metres.

    >>> round(tile_size(0))
    40075017
    """
    return 2 * WORLD / (1 << z)


def tile_bounds(z: int, x: int, y: int) -> Bounds:
    """EPSG:3857 bounds of tile ``z/x/y`` (same as PostGIS ``ST_TileEnvelope``)."""
    size = tile_size(z)
    minx = -WORLD + x * size
    maxy = WORLD - y * size
    return (minx, maxy - size, minx + size, maxy)


def buffered_bounds(z: int, x: int, y: int, buffer: int = BUFFER) -> Bounds:
    """Tile bounds grown by ``buffer`` MVT units on each side.

    >>> b = buffered_bounds(1, 0, 0)
    >>> round(b[2] - b[0]) == round(tile_size(1) * (1 + 2 * BUFFER / EXTENT))
    True
    """
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    margin = tile_size(z) * buffer / EXTENT
    return (minx - margin, miny - margin, maxx + margin, maxy + margin)


def lonlat_to_mercator(lon: float, lat: float) -> tuple[float, float]:
    """EPSG:4326 (lon, lat) degrees → EPSG:3857 (x, y) metres; latitude clamped to the square.

    >>> x, y = lonlat_to_mercator(180.0, 0.0)
    >>> round(x), round(y)
    (20037508, 0)
    """
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    x = lon * WORLD / 180.0
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * WORLD / math.pi
    return (x, y)


def mercator_to_lonlat(x: float, y: float) -> tuple[float, float]:
    """EPSG:3857 (x, y) metres → EPSG:4326 (lon, lat) degrees.

    >>> lon, lat = mercator_to_lonlat(*lonlat_to_mercator(106.7, 10.78))
    >>> round(lon, 9), round(lat, 9)
    (106.7, 10.78)
    """
    lon = x * 180.0 / WORLD
    lat = math.degrees(2 * math.atan(math.exp(y * math.pi / WORLD)) - math.pi / 2)
    return (lon, lat)


def tile_of_lonlat(lon: float, lat: float, z: int) -> Tile:
    """The tile at zoom ``z`` containing the point (lon, lat) in EPSG:4326 degrees.

    >>> tile_of_lonlat(106.68957, 10.784813, 14)
    Tile(z=14, x=13047, y=7698)
    """
    x, y = lonlat_to_mercator(lon, lat)
    side = 1 << z
    size = tile_size(z)
    tx = min(side - 1, max(0, math.floor((x + WORLD) / size)))
    ty = min(side - 1, max(0, math.floor((WORLD - y) / size)))
    return Tile(z, tx, ty)


def covering(bounds: Bounds, z: int, buffer: int = BUFFER) -> tuple[int, int, int, int]:
    """The tiles at zoom ``z`` whose buffered bounds touch ``bounds`` (EPSG:3857):
    ``(x0, y0, x1, y1)``, inclusive. A point exactly on a tile edge touches both tiles.

    >>> covering((0.0, 0.0, 0.0, 0.0), 1, buffer=0)
    (0, 0, 1, 1)
    """
    minx, miny, maxx, maxy = bounds
    size = tile_size(z)
    margin = size * buffer / EXTENT
    side = 1 << z
    x0 = max(0, math.ceil((minx - margin + WORLD) / size) - 1)
    x1 = min(side - 1, math.floor((maxx + margin + WORLD) / size))
    y0 = max(0, math.ceil((WORLD - maxy - margin) / size) - 1)
    y1 = min(side - 1, math.floor((WORLD - miny + margin) / size))
    return (x0, y0, x1, y1)


def tiles_in_lonlat_bbox(bbox: Bounds, zooms: range) -> Iterator[Tile]:
    """Every tile of ``zooms`` touching the EPSG:4326 box ``(minlon, minlat, maxlon, maxlat)``,
    zoom by zoom, rows north to south.

    >>> [str(t) for t in tiles_in_lonlat_bbox((106.68, 10.78, 106.69, 10.79), range(10, 12))]
    ['10/815/481', '11/1630/962']
    """
    minx, miny = lonlat_to_mercator(bbox[0], bbox[1])
    maxx, maxy = lonlat_to_mercator(bbox[2], bbox[3])
    for z in zooms:
        x0, y0, x1, y1 = covering((minx, miny, maxx, maxy), z, buffer=0)
        for y in range(y0, y1 + 1):
            for x in range(x0, x1 + 1):
                yield Tile(z, x, y)


def count_in_lonlat_bbox(bbox: Bounds, zooms: range) -> int:
    """How many tiles :func:`tiles_in_lonlat_bbox` yields."""
    minx, miny = lonlat_to_mercator(bbox[0], bbox[1])
    maxx, maxy = lonlat_to_mercator(bbox[2], bbox[3])
    total = 0
    for z in zooms:
        x0, y0, x1, y1 = covering((minx, miny, maxx, maxy), z, buffer=0)
        total += (x1 - x0 + 1) * (y1 - y0 + 1)
    return total


def parse_zoom_range(text: str) -> range:
    """``"10-16"`` → ``range(10, 17)``; ``"14"`` → ``range(14, 15)``. Raises :class:`TileError`.

    >>> parse_zoom_range("10-16")
    range(10, 17)
    """
    low, _, high = text.partition("-")
    try:
        first, last = int(low), int(high or low)
    except ValueError:
        raise TileError(f"{text!r} is not a zoom or a range like 10-16") from None
    if not 0 <= first <= last <= MAX_ZOOM:
        raise TileError(f"zoom range {text!r} must lie within 0–{MAX_ZOOM}, low to high")
    return range(first, last + 1)


# --- what each zoom shows ---------------------------------------------------------------

# OSM highway values by the zoom from which a street of that class is drawn: main roads from
# the country view, ordinary streets once a town fills the screen, alleys (hẻm, ngõ, kiệt,
# mostly `service`/`footway` or unnamed `residential`) only where their names are legible.
STREET_MINZOOM: dict[str, int] = {
    "motorway": 5,
    "trunk": 5,
    "primary": 8,
    "secondary": 10,
    "tertiary": 11,
    "motorway_link": 12,
    "trunk_link": 12,
    "primary_link": 12,
    "secondary_link": 13,
    "tertiary_link": 13,
    "residential": 13,
    "unclassified": 13,
    "living_street": 14,
    "road": 14,
    "pedestrian": 15,
    "service": 15,
    "track": 15,
}
MINOR_STREET_MINZOOM = 16  # every other highway value (footway, path, steps, construction…)


def street_classes(z: int) -> tuple[list[str], bool]:
    """The highway values drawn at zoom ``z``, and whether every other value is drawn too.

    >>> street_classes(10)
    (['motorway', 'primary', 'secondary', 'trunk'], False)
    """
    shown = sorted(k for k, minzoom in STREET_MINZOOM.items() if z >= minzoom)
    return (shown, z >= MINOR_STREET_MINZOOM)


def street_rank(highway: str) -> int:
    """Priority of a street class when a tile is full: lower draws first."""
    return STREET_MINZOOM.get(highway, MINOR_STREET_MINZOOM)


# Administrative units: provinces at every zoom, pre-2025 districts from z6, communes (a few
# km² to a few hundred) from z8, where the smallest city wards are a few pixels across.
ADMIN_MINZOOM = {"province": 0, "district": 6, "commune": 8}


def admin_levels(z: int) -> list[str]:
    """The unit levels drawn at zoom ``z`` (districts exist only before 2025-07-01).

    >>> admin_levels(7)
    ['district', 'province']
    """
    return sorted(level for level, minzoom in ADMIN_MINZOOM.items() if z >= minzoom)


RAW_FROM_ZOOM = 14  # from here boundaries are clipped as stored (simplified only to the grid)


def simplify_band(z: int) -> int | None:
    """The generalisation band of boundaries at zoom ``z``: even zooms 0–12 (band ``b`` serves
    ``b`` and ``b + 1``), ``None`` from :data:`RAW_FROM_ZOOM` (no generalisation).

    >>> simplify_band(9), simplify_band(14)
    (8, None)
    """
    if z >= RAW_FROM_ZOOM:
        return None
    return z - z % 2


def simplify_tolerance(z: int) -> float:
    """One pixel of a 512-px (high-density) tile at zoom ``z`` in EPSG:3857 metres: the
    finest detail a screen shows. A band uses the tolerance of its deeper zoom.

    >>> round(simplify_tolerance(10), 1)
    76.4
    """
    return tile_size(z) / 512


def places_mode(z: int) -> Literal["cells", "buildings", "all"]:
    """How places are drawn at zoom ``z``: a count per cell below :data:`AGGREGATE_BELOW`;
    then buildings and entrances; from z17 units too (flats, kiosks, offices at their
    building's point, for a click to list them).

    >>> places_mode(13), places_mode(14), places_mode(17)
    ('cells', 'buildings', 'all')
    """
    if z < AGGREGATE_BELOW:
        return "cells"
    return "buildings" if z < 17 else "all"


POINTS_AT_Z14 = 2000  # places a z14 tile shows at most; twice as many each zoom deeper


def point_cap(z: int, cap: int) -> int:
    """The most place points a tile at zoom ``z`` carries: a z14 tile covers the area of
    four z15 tiles on the same screen space, so it gets a quarter of the detail, up to
    the layer's ``cap``.

    >>> point_cap(14, 6000), point_cap(15, 6000), point_cap(17, 6000)
    (2000, 4000, 6000)
    """
    return min(cap, POINTS_AT_Z14 << max(0, z - AGGREGATE_BELOW))


@dataclass(frozen=True)
class Layer:
    """A tile layer: its name, zooms, the attributes a map labels, and a feature cap.

    ``cap`` is the most features one tile of the layer carries (kept by a stable priority),
    ``budget`` the most bytes: a tile over its budget is drawn again with half the cap.
    The budgets of the four public layers add up to :data:`MAX_TILE_BYTES`, so a basemap
    tile stays under it too.
    """

    name: str
    description: str
    fields: dict[str, str]
    minzoom: int = 0
    maxzoom: int = 18
    cap: int = 5000
    budget: int = 100_000
    dated: bool = False
    private: bool = False
    parts: tuple[str, ...] = field(default=())


_PLACE_FIELDS = {
    "code": "String: the 12-digit address code in groups of four (points, z14+)",
    "house_number": "String: house number as written (points)",
    "street": "String: street name (points)",
    "kind": "String: building, entrance or unit (units from z17)",
    "count": "Number: places in the cell (below z14, where places are counted per cell)",
}

LAYERS: dict[str, Layer] = {
    "places": Layer(
        "places",
        "Địa điểm có mã / addressed places: counts per cell below z14, points from z14",
        _PLACE_FIELDS,
        cap=6000,
        budget=220_000,
    ),
    "buildings": Layer(
        "buildings",
        "Nhà / building footprints (OpenStreetMap), from z14",
        {"name": "String: building name, where it has one"},
        minzoom=14,
        cap=5000,
        budget=150_000,
    ),
    "streets": Layer(
        "streets",
        "Đường, phố, hẻm, ngõ / streets: main roads from z5, alleys from z15",
        {"name": "String: street name", "class": "String: OSM highway value"},
        minzoom=5,
        cap=3000,
        budget=90_000,
    ),
    "admin": Layer(
        "admin",
        "Đơn vị hành chính / provinces (and pre-2025 districts from z6), communes from z8",
        {
            "code": "String: official (GSO) code",
            "name": "String: unit name",
            "level": "String: province, district or commune",
        },
        maxzoom=16,
        cap=1500,
        budget=40_000,
        dated=True,
    ),
    "basemap": Layer(
        "basemap",
        "admin, streets, buildings and places in one tile",
        {},
        cap=0,
        budget=MAX_TILE_BYTES,
        dated=True,
        parts=("admin", "streets", "buildings", "places"),
    ),
    "review": Layer(
        "review",
        "Địa điểm kể cả đề xuất / places including proposals (review keys only)",
        {**_PLACE_FIELDS, "status": "String: proposed or active"},
        cap=6000,
        budget=250_000,
        private=True,
    ),
}
