"""Read an OpenStreetMap extract (.osm, .osm.gz, .osm.bz2, .pbf) into typed records.

Pure: no database. pyosmium (libosmium) reads every format, caches node locations for way
geometries and assembles areas from closed ways and multipolygon relations. Geometries are
hex WKB in EPSG:4326, (lon, lat). What is kept:

* :class:`Street` — a way with ``highway=*`` and a ``name`` (a line; streets and alleys:
  đường, phố, hẻm, ngõ, ngách, kiệt), with ``alt_name``, ``old_name`` and ``ref``.
* :class:`Building` — an area with ``building=*`` (footprint, MultiPolygon).
* :class:`Poi` — a node or area with ``amenity``, ``shop``, ``office`` or ``tourism`` and a
  ``name``.
* :class:`Hamlet` — a node or area with ``place=hamlet|quarter|neighbourhood|
  isolated_dwelling``, or ``landuse=residential``, with a ``name``.
* :class:`Address` — a node or area with ``addr:housenumber`` and ``addr:street`` or
  ``addr:place``.

Everything else that carries those tags is counted in :attr:`Extract.skipped` by reason.
Text is in display form (:func:`geo.text.clean`); ``a;b`` lists are split.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import osmium
from osmium.geom import WKBFactory
from osmium.osm import Area, Node, Relation, TagList, Way

from geo.text import clean

__all__ = [
    "SUFFIXES",
    "Address",
    "Bounds",
    "Building",
    "Extract",
    "Hamlet",
    "Poi",
    "Street",
    "read_extract",
]

SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf")
POI_KEYS = ("amenity", "shop", "office", "tourism")
HAMLET_PLACES = frozenset({"hamlet", "quarter", "neighbourhood", "isolated_dwelling"})
# highway values that are not a street or alley anyone lives on
NOT_STREETS = frozenset(
    {"proposed", "abandoned", "razed", "platform", "bus_stop", "corridor", "elevator"}
    | {"services", "rest_area", "emergency_bay", "disused"}
)
# the POI tags worth keeping (the rest of the object's tags stay in OSM)
POI_TAGS = (
    "name:vi",
    "name:en",
    "alt_name",
    "brand",
    "operator",
    "cuisine",
    "religion",
    "denomination",
    "healthcare",
    "opening_hours",
    "phone",
    "website",
    "wheelchair",
    "addr:housenumber",
    "addr:street",
)
PROGRESS_EVERY = 5_000


@dataclass(frozen=True, slots=True)
class Bounds:
    """A lon/lat box in EPSG:4326 degrees."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True, slots=True)
class Street:
    osm_id: str
    name: str
    alt_names: tuple[str, ...]
    old_names: tuple[str, ...]
    ref: str | None
    highway: str
    wkb: str


@dataclass(frozen=True, slots=True)
class Building:
    osm_id: str
    name: str | None
    building: str
    levels: int | None
    wkb: str


@dataclass(frozen=True, slots=True)
class Poi:
    """``wkb`` is a point (node) or a multipolygon (area): the loader takes a point on it."""

    osm_id: str
    name: str
    category: str
    subtype: str
    tags: dict[str, str]
    wkb: str


@dataclass(frozen=True, slots=True)
class Hamlet:
    osm_id: str
    name: str
    kind: str
    wkb: str


@dataclass(frozen=True, slots=True)
class Address:
    """An addressed object. ``kind`` is the place kind (``entrance`` for a node tagged
    ``entrance=*``, else ``building``); ``in_area`` says ``wkb`` is a multipolygon."""

    osm_id: str
    house_number: str
    street: str | None
    place: str | None
    postcode: str | None
    kind: str
    physical_state: str
    in_area: bool
    wkb: str


@dataclass
class Extract:
    """What a file holds. ``bounds`` is the header's box (``<bounds>`` / PBF header bbox),
    None when the file has none; ``data_bounds`` the box of its node locations."""

    bounds: Bounds | None = None
    data_bounds: Bounds | None = None
    newest_edit: datetime | None = None
    read: Counter[str] = field(default_factory=Counter)
    streets: list[Street] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    pois: list[Poi] = field(default_factory=list)
    hamlets: list[Hamlet] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def is_supported(path: Path) -> bool:
    """Whether the file name ends in a format pyosmium reads.

    >>> is_supported(Path("hcmc.osm.gz")), is_supported(Path("hcmc.geojson"))
    (True, False)
    """
    return path.name.lower().endswith(SUFFIXES)


def read_extract(path: Path, progress: Callable[[int], None] | None = None) -> Extract:
    """Read ``path``; ``progress`` is called with the number of objects read so far.

    Raises :class:`ValueError` for a name that is not .osm, .osm.gz, .osm.bz2 or .pbf, and
    :class:`RuntimeError` (from libosmium) for a file it cannot parse.
    """
    if not is_supported(path):
        raise ValueError(f"{path.name}: expected one of {', '.join(SUFFIXES)}")
    processor = osmium.FileProcessor(str(path)).with_locations().with_areas()
    reader = _Reader(_header_bounds(processor))
    count = 0
    for obj in processor:
        reader.dispatch(obj)
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    if progress is not None:
        progress(count)
    return reader.finish()


def _header_bounds(processor: osmium.FileProcessor) -> Bounds | None:
    box = processor.header.box()
    if not box.valid():
        return None
    low, high = box.bottom_left, box.top_right
    return Bounds(low.lon, low.lat, high.lon, high.lat)


def _first(value: str | None) -> str | None:
    """The first of a ``;`` list, in display form; None when empty.

    >>> _first("Hẻm 373 Hai Bà Trưng;Hai Bà Trưng"), _first(" ")
    ('Hẻm 373 Hai Bà Trưng', None)
    """
    if value is None:
        return None
    head = clean(value.split(";")[0])
    return head or None


def _all(value: str | None) -> tuple[str, ...]:
    """Every item of a ``;`` list, in display form.

    >>> _all("Phố Hàng Bột; Đường Tôn Đức Thắng")
    ('Phố Hàng Bột', 'Đường Tôn Đức Thắng')
    """
    if value is None:
        return ()
    return tuple(item for item in (clean(v) for v in value.split(";")) if item)


def _levels(value: str | None) -> int | None:
    """``building:levels`` as a whole number; None when absent, odd or implausible.

    >>> _levels("3"), _levels("2.5"), _levels("3;4"), _levels("many")
    (3, 2, 3, None)
    """
    first = (value or "").split(";")[0].strip()
    try:
        levels = int(float(first))
    except ValueError:
        return None
    return levels if 0 <= levels <= 200 else None


def _osm_id(obj: Node | Way | Relation | Area) -> str:
    if isinstance(obj, Area):
        return f"{'w' if obj.from_way() else 'r'}{obj.orig_id()}"
    return f"{obj.type_str()}{obj.id}"


def _tags(tags: TagList) -> dict[str, str]:
    return {tag.k: tag.v for tag in tags}


def _poi_category(tags: dict[str, str]) -> tuple[str, str] | None:
    for key in POI_KEYS:
        value = tags.get(key)
        if value and value != "no":
            return key, value
    return None


def _hamlet_kind(tags: dict[str, str]) -> str | None:
    if tags.get("place") in HAMLET_PLACES:
        return tags["place"]
    if tags.get("landuse") == "residential":
        return "residential"
    return None


def _has_address(tags: dict[str, str]) -> bool:
    return any(k.startswith("addr:") for k in tags)


def _area_wanted(tags: dict[str, str]) -> list[str]:
    """The record kinds an area with ``tags`` would give (a building may also be a POI)."""
    wanted = []
    if tags.get("building", "no") != "no":
        wanted.append("building")
    if _poi_category(tags):
        wanted.append("poi")
    if _hamlet_kind(tags):
        wanted.append("hamlet")
    if _has_address(tags):
        wanted.append("address")
    return wanted


class _Reader:
    """Turns each object into records as it streams by (objects are views: copy now)."""

    def __init__(self, bounds: Bounds | None) -> None:
        self.extract = Extract(bounds=bounds)
        self.wkb = WKBFactory()
        self.lon = [180.0, -180.0]
        self.lat = [90.0, -90.0]
        # areas libosmium should build, by OSM id, with what they would give
        self.expected_areas: dict[str, list[str]] = {}

    def dispatch(self, obj: object) -> None:
        if isinstance(obj, Node):
            self._stamp(obj, "nodes")
            self.node(obj)
        elif isinstance(obj, Way):
            self._stamp(obj, "ways")
            self.way(obj)
        elif isinstance(obj, Relation):
            self._stamp(obj, "relations")
            self.relation(obj)
        elif isinstance(obj, Area):
            self.extract.read["areas"] += 1
            self.area(obj)

    def _stamp(self, obj: Node | Way | Relation, kind: str) -> None:
        self.extract.read[kind] += 1
        stamp = obj.timestamp
        if self.extract.newest_edit is None or stamp > self.extract.newest_edit:
            self.extract.newest_edit = stamp

    def node(self, node: Node) -> None:
        location = node.location
        if not location.valid():
            return
        self.lon = [min(self.lon[0], location.lon), max(self.lon[1], location.lon)]
        self.lat = [min(self.lat[0], location.lat), max(self.lat[1], location.lat)]
        if len(node.tags) == 0:
            return
        tags = _tags(node.tags)
        point = self.wkb.create_point(node)
        osm_id = _osm_id(node)
        self._poi(osm_id, tags, point)
        self._hamlet(osm_id, tags, point)
        if _has_address(tags):
            kind = "entrance" if tags.get("entrance", "no") != "no" else "building"
            self._address(osm_id, tags, point, kind=kind, in_area=False)

    def way(self, way: Way) -> None:
        tags = _tags(way.tags)
        if not tags:
            return
        osm_id = _osm_id(way)
        if "highway" in tags:
            self._street(way, osm_id, tags)
        wanted = _area_wanted(tags)
        if not wanted:
            return
        if way.is_closed():
            self.expected_areas[osm_id] = wanted
            return
        for kind in wanted:
            if kind == "address" and "addr:interpolation" in tags:
                self._skip("address", "address interpolation line")
            else:
                self._skip(kind, "on an open way (not an area)")

    def relation(self, relation: Relation) -> None:
        tags = _tags(relation.tags)
        wanted = _area_wanted(tags)
        if not wanted:
            return
        if tags.get("type") == "multipolygon":
            self.expected_areas[_osm_id(relation)] = wanted
            return
        for kind in wanted:
            self._skip(kind, f"on a relation of type={tags.get('type', '')} (not a multipolygon)")

    def area(self, area: Area) -> None:
        osm_id = _osm_id(area)
        wanted = self.expected_areas.pop(osm_id, None)
        if not wanted:
            return
        tags = _tags(area.tags)
        try:
            polygon = self.wkb.create_multipolygon(area)
        except RuntimeError:
            for kind in wanted:
                self._skip(kind, "polygon could not be built")
            return
        if "building" in wanted:
            self.extract.buildings.append(
                Building(
                    osm_id=osm_id,
                    name=_first(tags.get("name")),
                    building=tags["building"],
                    levels=_levels(tags.get("building:levels")),
                    wkb=polygon,
                )
            )
        self._poi(osm_id, tags, polygon)
        self._hamlet(osm_id, tags, polygon)
        if "address" in wanted:
            self._address(osm_id, tags, polygon, kind="building", in_area=True)

    def _street(self, way: Way, osm_id: str, tags: dict[str, str]) -> None:
        highway = tags["highway"]
        name = _first(tags.get("name"))
        if highway in NOT_STREETS:
            if name:
                self._skip("street", f"highway={highway} is not a street")
            return
        if name is None:
            self._skip("street", "no name")
            return
        try:
            line = self.wkb.create_linestring(way)
        except (RuntimeError, osmium.InvalidLocationError):
            self._skip("street", "nodes missing from the file or fewer than two")
            return
        self.extract.streets.append(
            Street(
                osm_id=osm_id,
                name=name,
                alt_names=_all(tags.get("alt_name")),
                old_names=_all(tags.get("old_name")),
                ref=_first(tags.get("ref")),
                highway=highway,
                wkb=line,
            )
        )

    def _poi(self, osm_id: str, tags: dict[str, str], geometry: str) -> None:
        category = _poi_category(tags)
        if category is None:
            return
        name = _first(tags.get("name"))
        if name is None:
            self._skip("poi", "no name")
            return
        kept = {k: clean(tags[k]) for k in POI_TAGS if tags.get(k)}
        self.extract.pois.append(
            Poi(
                osm_id=osm_id,
                name=name,
                category=category[0],
                subtype=category[1],
                tags=kept,
                wkb=geometry,
            )
        )

    def _hamlet(self, osm_id: str, tags: dict[str, str], geometry: str) -> None:
        kind = _hamlet_kind(tags)
        if kind is None:
            return
        name = _first(tags.get("name"))
        if name is None:
            self._skip("hamlet", "no name")
            return
        self.extract.hamlets.append(Hamlet(osm_id=osm_id, name=name, kind=kind, wkb=geometry))

    def _address(
        self, osm_id: str, tags: dict[str, str], geometry: str, *, kind: str, in_area: bool
    ) -> None:
        number = _first(tags.get("addr:housenumber"))
        street = _first(tags.get("addr:street"))
        place = _first(tags.get("addr:place") or tags.get("addr:hamlet"))
        if number is None:
            self._skip("address", "addr:* without addr:housenumber")
            return
        if street is None and place is None:
            self._skip("address", "addr:housenumber without addr:street or addr:place")
            return
        postcode = (tags.get("addr:postcode") or "").strip()
        building = tags.get("building", "")
        self.extract.addresses.append(
            Address(
                osm_id=osm_id,
                house_number=number,
                street=street,
                place=place,
                postcode=postcode if postcode.isdigit() and len(postcode) in (5, 6) else None,
                kind=kind,
                physical_state="under_construction" if building == "construction" else "in_use",
                in_area=in_area,
                wkb=geometry,
            )
        )

    def _skip(self, kind: str, reason: str) -> None:
        self.extract.skipped[f"{kind}: {reason}"] += 1

    def finish(self) -> Extract:
        for wanted in self.expected_areas.values():
            for kind in wanted:
                self._skip(kind, "polygon could not be built (broken ring or missing members)")
        self.expected_areas.clear()
        if self.lon[0] <= self.lon[1]:
            self.extract.data_bounds = Bounds(self.lon[0], self.lat[0], self.lon[1], self.lat[1])
        return self.extract
