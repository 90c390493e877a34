"""Choose the origin of the 2°×2° zone grid of the digital address code.

A band line (``lat = lat0 + 2k`` or ``lon = lon0 + 2k``) that runs through a
ward gives that ward's places two different zone digits. No origin avoids all
wards, so this picks the one that cuts the fewest 2025 *phường* (urban wards)
of the five centrally-run cities — Hà Nội (01), Hải Phòng (31), Đà Nẵng (48),
Thành phố Hồ Chí Minh (79), Cần Thơ (92) — measured against the bundled ward
polygons (``data/vn-admin-2025``; full resolution for Hồ Chí Minh City).

Only ``lat0 mod 2`` and ``lon0 mod 2`` change which wards are cut; both are
searched on a 0.01° grid. A ward is cut when it has area on both sides of a
line, i.e. its bounding box straddles the line strictly (for a multipart ward
the line may pass between the parts: the ward still spans two zones, and the
report says so). Ties go to the roundest origin. Each offset is then placed so
that the 10×10 bands hold the whole territory (``lat0 ≤ 6.0``,
``lat0 + 20 ≥ 23.5``, ``lon0 ≤ 102.1``, ``lon0 + 20 ≥ 118.0``), as centred as
it can be.

Run: ``.venv/bin/python -m bench.zone_grid``. The result is recorded in
``registry/codes.py`` (``GRID_ORIGIN_LAT``, ``GRID_ORIGIN_LON``).
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from shapely.geometry import LineString, shape
from shapely.geometry.base import BaseGeometry

from registry import codes
from registry.config import PROJECT_ROOT

DATA = PROJECT_ROOT / "data" / "vn-admin-2025"
WARDS = DATA / "wards_2025_simplified10m.geojson.gz"
WARDS_HCM = DATA / "wards_2025_hcm_fullres.geojson.gz"
CITIES = {
    "01": "Hà Nội",
    "31": "Hải Phòng",
    "48": "Đà Nẵng",
    "79": "TP Hồ Chí Minh",
    "92": "Cần Thơ",
}

# Everything below is in hundredths of a degree, so that offsets and lines are exact.
BAND = 200
LAT0_RANGE = (350, 600)  # lat0 ≤ 6.0 and lat0 + 20 ≥ 23.5
LON0_RANGE = (9800, 10210)  # lon0 ≤ 102.1 and lon0 + 20 ≥ 118.0
NAIVE = (550, 10150)  # 5.5°N, 101.5°E: the round figures of the design note


@dataclass(frozen=True)
class Ward:
    """One ward and its bounding box in hundredths of a degree (exact decimals)."""

    code: str
    name: str
    province_code: str
    geometry: BaseGeometry
    x: tuple[Decimal, Decimal]
    y: tuple[Decimal, Decimal]


def _hundredths(value: float) -> Decimal:
    return Decimal(repr(value)) * 100


def _features(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        features: list[dict[str, Any]] = json.load(f)["features"]
    return features


def city_phuong() -> list[Ward]:
    """The phường of the five cities, Hồ Chí Minh City's at full resolution."""
    by_code = {f["properties"]["ward_code"]: f for f in _features(WARDS)}
    by_code.update({f["properties"]["ward_code"]: f for f in _features(WARDS_HCM)})
    wards = []
    for code, f in sorted(by_code.items()):
        p = f["properties"]
        if p["province_code"] not in CITIES or not p["name"].startswith("Phường"):
            continue
        geometry = shape(f["geometry"])
        x0, y0, x1, y1 = geometry.bounds
        wards.append(
            Ward(
                code=code,
                name=p["name"],
                province_code=p["province_code"],
                geometry=geometry,
                x=(_hundredths(x0), _hundredths(x1)),
                y=(_hundredths(y0), _hundredths(y1)),
            )
        )
    return wards


def line_through(span: tuple[Decimal, Decimal], offset: int) -> int | None:
    """The band line ``offset + 200k`` strictly inside ``span``, or None.

    >>> line_through((Decimal("2199.5"), Decimal("2200.5")), 0)
    2200
    >>> line_through((Decimal("2200"), Decimal("2350")), 0) is None
    True
    """
    low, high = span
    k = math.floor((low - offset) / BAND) + 1
    line = offset + BAND * k
    return line if line < high else None


def cut_masks(spans: list[tuple[Decimal, Decimal]]) -> list[int]:
    """For each offset 0..199, the bit set of the spans a line at that offset cuts."""
    masks = []
    for offset in range(BAND):
        mask = 0
        for i, span in enumerate(spans):
            if line_through(span, offset) is not None:
                mask |= 1 << i
        masks.append(mask)
    return masks


def roundness(h: int) -> int:
    """0 for whole degrees, then halves, tenths, twentieths; 4 for anything else."""
    return next((cost for cost, unit in enumerate((100, 50, 10, 5)) if h % unit == 0), 4)


def margin(spans: list[tuple[Decimal, Decimal]], offset: int) -> Decimal:
    """How far (hundredths) a line at ``offset`` can move before its cuts change.

    >>> margin([(Decimal("2196"), Decimal("2199.5"))], 0)
    Decimal('0.5')
    """
    gaps = [abs(edge - offset) % BAND for span in spans for edge in span]
    return min(min(gap, BAND - gap) for gap in gaps)


def place(offset: int, allowed: tuple[int, int]) -> int:
    """The origin ≡ ``offset`` (mod 2°) inside ``allowed``, closest to its middle."""
    low, high = allowed
    middle = (low + high) / 2
    candidates = [h for h in range(low, high + 1) if (h - offset) % BAND == 0]
    return min(candidates, key=lambda h: (abs(h - middle), h))


@dataclass(frozen=True)
class Choice:
    lat0: int
    lon0: int
    cut: list[int]


def choose(wards: list[Ward]) -> tuple[Choice, list[tuple[int, int]]]:
    """The best origin, and every (lat, lon) offset pair that ties on the count."""
    ys, xs = [w.y for w in wards], [w.x for w in wards]
    lat_masks, lon_masks = cut_masks(ys), cut_masks(xs)
    counts = {
        (a, b): (lat_masks[a] | lon_masks[b]).bit_count() for a in range(BAND) for b in range(BAND)
    }
    best = min(counts.values())
    ties = sorted(k for k, n in counts.items() if n == best)

    def preference(ab: tuple[int, int]) -> tuple[int, Decimal, Decimal, tuple[int, int]]:
        margins = sorted((margin(ys, ab[0]), margin(xs, ab[1])))
        return roundness(ab[0]) + roundness(ab[1]), -margins[0], -margins[1], ab

    a, b = min(ties, key=preference)
    lat0, lon0 = place(a, LAT0_RANGE), place(b, LON0_RANGE)
    return Choice(lat0, lon0, cut_at(wards, lat0, lon0)), ties


def cut_at(wards: list[Ward], lat0: int, lon0: int) -> list[int]:
    """Indexes of the wards that a band line of the grid at (lat0, lon0) cuts."""
    return [
        i
        for i, w in enumerate(wards)
        if line_through(w.y, lat0 % BAND) is not None or line_through(w.x, lon0 % BAND) is not None
    ]


def describe(ward: Ward, lat0: int, lon0: int) -> str:
    """``ward``, its city, the line(s) through it, and whether a line misses its parts."""
    lines: list[tuple[str, LineString]] = []
    if (y := line_through(ward.y, lat0 % BAND)) is not None:
        lines.append((f"lat {y / 100:.2f}", LineString([(-180, y / 100), (180, y / 100)])))
    if (x := line_through(ward.x, lon0 % BAND)) is not None:
        lines.append((f"lon {x / 100:.2f}", LineString([(x / 100, -90), (x / 100, 90)])))
    parts = []
    for label, line in lines:
        between = "" if line.intersects(ward.geometry) else " (passes between its parts)"
        parts.append(label + between)
    return f"{ward.name} ({CITIES[ward.province_code]}, {ward.code}): {', '.join(parts)}"


def deg(h: int) -> str:
    return f"{h / 100:.2f}"


def main() -> None:
    wards = city_phuong()
    choice, ties = choose(wards)
    naive = cut_at(wards, *NAIVE)
    print(f"{len(wards)} phường in the five cities ({', '.join(CITIES.values())})")
    print(f"offset pairs (lat0 mod 2, lon0 mod 2) tying at the minimum: {len(ties)}")
    print(
        f"chosen origin: {deg(choice.lat0)}°N, {deg(choice.lon0)}°E -> {len(choice.cut)} phường cut"
    )
    print(f"naive origin:  {deg(NAIVE[0])}°N, {deg(NAIVE[1])}°E -> {len(naive)} phường cut")
    lat_margin = margin([w.y for w in wards], choice.lat0 % BAND) / 100
    lon_margin = margin([w.x for w in wards], choice.lon0 % BAND) / 100
    print(f"its lines clear every bounding-box edge by {lat_margin}° (lat), {lon_margin}° (lon)")
    for label, (lat0, lon0), cut in (
        ("chosen", (choice.lat0, choice.lon0), choice.cut),
        ("naive", NAIVE, naive),
    ):
        print(f"cut at the {label} origin:")
        for i in cut:
            print("  " + describe(wards[i], lat0, lon0))
    recorded = (round(codes.GRID_ORIGIN_LAT * 100), round(codes.GRID_ORIGIN_LON * 100))
    same = recorded == (choice.lat0, choice.lon0)
    print(
        f"registry/codes.py has {codes.GRID_ORIGIN_LAT}°N, {codes.GRID_ORIGIN_LON}°E: "
        + ("the same" if same else "DIFFERENT from this choice")
    )


if __name__ == "__main__":
    main()
