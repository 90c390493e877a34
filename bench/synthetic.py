"""Synthetic places: ``python -m bench.synthetic --places N --seed S [--province 79] [--load]``.

Makes N realistic places inside the real 2025 commune polygons (``admin_unit`` communes in
force on ``--at``, default today; optionally of one province):

* communes are weighted by their kind and area, ``density × √area``, so a small city ward
  (phường) gets far more buildings per km² than a rural commune (xã);
* buildings stand on random points inside the commune (``ST_GeneratePoints`` with a seed);
  some have units at the same point with the building as parent: flats in apartment
  blocks, kiosks in markets, offices, rented rooms (mostly in wards);
* house numbers as written in each region: southern slash forms ("12/3A", "45/12/7"),
  Hanoi's "số 7 ngõ 12 ngách 5", Đà Nẵng's "K24/5", plain numbers with letters, "bis" and
  ranges; rural houses often have none;
* common street names (and "Đường số 5" in the south, national and provincial roads in
  the countryside), hamlets ("Tổ dân phố 3", "Khu phố 2", "Ấp 4", "Thôn Đông").

The same ``--seed`` (and the same admin data) gives the same places; the digest printed
says so. ``--load`` creates the scratch database ``diachi_bench`` afresh (see
``bench/scratch.py``; ``--database-url`` loads into another, never dropped) and loads the
places with :func:`registry.bulk.load_places` (approved, with codes), printing the wall
time, the rate and the report, and writing ``bench/out/synthetic-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Connection, text

from bench.common import machine, write_json
from bench.scratch import SCRATCH, recreate
from geo.house_number import parse_house_number
from registry import admin_units, changes
from registry.bulk import BulkPlace, BulkReport, load_places
from registry.config import Settings
from registry.database import make_engine, resolve_database_url

TARGET_LOAD_S = 60.0
SOURCE = "synthetic"
NORTH_FROM_LAT = 17.0  # Quảng Trị and north: Hanoi's ngõ/ngách, "Thôn", "Tổ dân phố"
SOUTH_BELOW_LAT = 11.6  # Lâm Đồng's south and below: slash numbers, "Ấp", "Khu phố"

# Buildings per unit of √(km²): a 2 km² ward gets ~40 weight, a 150 km² commune ~25.
DENSITY = {"Phường": 30.0, "Xã": 2.0, "Đặc khu": 1.0}

STREETS = (
    "Nguyễn Trãi", "Lê Lợi", "Trần Hưng Đạo", "Hai Bà Trưng", "Lý Thường Kiệt", "Nguyễn Huệ",
    "Lê Duẩn", "Điện Biên Phủ", "Cách Mạng Tháng Tám", "Nguyễn Văn Cừ", "Phan Đình Phùng",
    "Quang Trung", "Nguyễn Du", "Bà Triệu", "Hùng Vương", "Trần Phú", "Lê Hồng Phong",
    "Nguyễn Thị Minh Khai", "Võ Văn Tần", "Pasteur", "Nam Kỳ Khởi Nghĩa", "Phan Chu Trinh",
    "Ngô Quyền", "Lê Thánh Tông", "Nguyễn Chí Thanh", "Tôn Đức Thắng", "Nguyễn Văn Linh",
    "Võ Nguyên Giáp", "Phạm Văn Đồng", "Lạc Long Quân", "Âu Cơ", "Nguyễn Đình Chiểu",
    "Lý Tự Trọng", "Hoàng Diệu", "Hoàng Văn Thụ", "Nguyễn Thái Học", "Trần Quốc Toản",
    "Lê Văn Sỹ", "Bạch Đằng", "Chu Văn An", "Phan Bội Châu", "Lê Quý Đôn", "Huỳnh Thúc Kháng",
    "Nguyễn Trung Trực", "Đinh Tiên Hoàng", "Lê Lai", "Nguyễn Văn Trỗi", "Hoàng Hoa Thám",
    "Trường Chinh", "Giải Phóng", "Kim Mã", "Láng Hạ", "Tô Hiến Thành", "Xô Viết Nghệ Tĩnh",
    "Ngô Gia Tự", "Lê Văn Việt", "Phạm Ngũ Lão", "Yersin", "Minh Khai", "Trần Nhân Tông",
)  # fmt: skip
RURAL_ROADS = ("Quốc lộ 1A", "Quốc lộ 14", "Quốc lộ 51", "Tỉnh lộ 8", "Tỉnh lộ 10", "Đường liên xã")
VILLAGE_NAMES = ("Đông", "Đoài", "Thượng", "Hạ", "Trung", "Nam", "Bắc", "Tiền", "Hậu", "Tân Lập")

# Share of buildings with units, and how many: (kind, probability, fewest, most).
UNITS_URBAN = (("flat", 0.004, 20, 80), ("kiosk", 0.02, 2, 6), ("office", 0.008, 2, 6),
               ("room", 0.015, 3, 9))  # fmt: skip
UNITS_RURAL = (("kiosk", 0.008, 2, 5), ("room", 0.012, 3, 8))


@dataclass(frozen=True)
class Commune:
    """A 2025 commune the places are spread over."""

    code: str
    name: str
    unit_type: str
    province_code: str
    area_km2: float
    lat: float

    @property
    def urban(self) -> bool:
        return self.unit_type == "Phường"

    @property
    def region(self) -> str:
        if self.lat >= NORTH_FROM_LAT:
            return "north"
        return "south" if self.lat < SOUTH_BELOW_LAT else "centre"

    @property
    def weight(self) -> float:
        return DENSITY.get(self.unit_type, 2.0) * math.sqrt(max(self.area_km2, 0.1))


@dataclass(frozen=True)
class Building:
    """A building to make: its commune and the units in it, (kind, count) each."""

    commune: Commune
    units: tuple[tuple[str, int], ...]

    @property
    def places(self) -> int:
        return 1 + sum(count for _, count in self.units)


def communes(conn: Connection, at: date, province: str | None) -> list[Commune]:
    """The communes in force on ``at`` (of ``province`` if given), by code."""
    rows = conn.execute(
        text(
            "SELECT code, name, unit_type, parent_code AS province_code,"
            " ST_Area(boundary::geography) / 1e6 AS area_km2, ST_Y(ST_Centroid(boundary)) AS lat"
            " FROM admin_unit WHERE level = 'commune' AND valid @> CAST(:at AS date)"
            " AND boundary IS NOT NULL AND (CAST(:p AS text) IS NULL OR parent_code = :p)"
            " ORDER BY code"
        ),
        {"at": at, "p": province},
    ).mappings()
    found = [Commune(**r) for r in rows]
    if not found:
        raise SystemExit(f"no commune in force on {at} (province {province or 'any'})")
    return found


def _units(rng: random.Random, commune: Commune) -> tuple[tuple[str, int], ...]:
    roll = rng.random()
    for kind, share, fewest, most in UNITS_URBAN if commune.urban else UNITS_RURAL:
        if roll < share:
            return ((kind, rng.randint(fewest, most)),)
        roll -= share
    return ()


def plan(all_communes: list[Commune], places: int, rng: random.Random) -> list[Building]:
    """Buildings (with their units) adding up to exactly ``places`` places."""
    cumulative: list[float] = []
    total = 0.0
    for commune in all_communes:
        total += commune.weight
        cumulative.append(total)
    buildings: list[Building] = []
    made = 0
    while made < places:
        (commune,) = rng.choices(all_communes, cum_weights=cumulative)
        units = _units(rng, commune)
        room = places - made - 1
        units = tuple((kind, min(count, room)) for kind, count in units if room > 0)
        building = Building(commune, units)
        buildings.append(building)
        made += building.places
    return buildings


def points(
    conn: Connection, counts: Counter[str], seed: int, at: date
) -> dict[str, list[tuple[float, float]]]:
    """``counts[code]`` random points inside each commune, reproducible by ``seed``."""
    codes = sorted(counts)
    rows = conn.execute(
        text(
            "SELECT c.code, ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat"
            " FROM unnest(CAST(:codes AS text[]), CAST(:counts AS int[]), CAST(:seeds AS int[]))"
            "   WITH ORDINALITY AS c(code, n, seed, i)"
            " JOIN admin_unit u ON u.level = 'commune' AND u.code = c.code"
            "   AND u.valid @> CAST(:at AS date)"
            " CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(u.boundary, c.n, c.seed)) d"
            " ORDER BY c.i, d.path"
        ),
        {
            "codes": codes,
            # ST_GeneratePoints shares n among a multipolygon's parts by area, rounded:
            # ask for a few more and keep the first n.
            "counts": [counts[c] + 2 + counts[c] // 100 for c in codes],
            "seeds": [(seed * 100_003 + int(c)) % 2_000_000_000 + 1 for c in codes],
            "at": at,
        },
    )
    found: dict[str, list[tuple[float, float]]] = {code: [] for code in codes}
    for code, lon, lat in rows:
        if len(found[code]) < counts[code]:
            found[code].append((round(lon, 7), round(lat, 7)))
    short = [code for code in codes if len(found[code]) < counts[code]]
    if short:
        raise RuntimeError(f"too few random points in communes {short}")
    return found


# ---------------------------------------------------------------- addresses


def _number(rng: random.Random, mean: float, most: int = 999) -> int:
    return min(most, 1 + int(rng.expovariate(1.0 / mean)))


def _suffix(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.06:
        return rng.choice("AAAABBC")
    return "bis" if roll < 0.07 else ""


def _house_number(rng: random.Random, commune: Commune) -> str | None:
    """A building's house number as people write it in the commune's region."""
    roll = rng.random()
    n = f"{_number(rng, 60)}{_suffix(rng)}"
    if not commune.urban:
        if roll < 0.4:
            return None
        if commune.region == "south" and roll < 0.5:
            return f"{_number(rng, 40)}/{_number(rng, 10)}"
        return n
    alley, inner, house = _number(rng, 50), _number(rng, 12), f"{_number(rng, 20)}{_suffix(rng)}"
    if commune.region == "south":
        if roll < 0.45:
            return n
        if roll < 0.78:
            return f"{alley}/{house}"
        if roll < 0.93:
            return f"{alley}/{inner}/{house}"
        first = _number(rng, 60)
        return f"{first}-{first + 2}"
    if commune.region == "north":
        if roll < 0.45:
            return n if roll < 0.4 else f"số nhà {n}"
        if roll < 0.75:
            return f"số {house} ngõ {alley}"
        return f"số {house} ngõ {alley} ngách {inner}"
    if roll < 0.6:
        return n
    if roll < 0.85:
        return f"K{alley}/{house}"
    return f"K{alley}/{inner}/{house}" if roll < 0.9 else f"{alley}/{house}"


def _unit_number(kind: str, i: int, count: int) -> str:
    """The designation of unit ``i`` of ``count`` of ``kind`` in one building."""
    if kind == "flat":
        per_floor = max(4, min(10, count // 6))
        return f"P.{2 + i // per_floor}{i % per_floor + 1:02d}"
    if kind == "kiosk":
        return f"Kiot {i + 1}"
    if kind == "office":
        return f"Tầng {i + 2}"
    return f"Phòng {i + 1}"


@dataclass(frozen=True)
class _Locality:
    """The streets and hamlets of one commune, the first ones commoner."""

    streets: tuple[str, ...]
    hamlets: tuple[str, ...]

    @classmethod
    def of(cls, rng: random.Random, commune: Commune) -> _Locality:
        if commune.urban:
            streets = rng.sample(STREETS, rng.randint(6, 18))
            if commune.region == "south":
                streets += [f"Đường số {n}" for n in rng.sample(range(1, 40), rng.randint(1, 6))]
        else:
            streets = rng.sample(RURAL_ROADS, rng.randint(1, 2)) + rng.sample(STREETS, 1)
        return cls(tuple(streets), tuple(_hamlets(rng, commune)))

    def street(self, rng: random.Random, commune: Commune) -> str | None:
        if not commune.urban and rng.random() < 0.5:
            return None
        weights = [1.0 / (i + 1) for i in range(len(self.streets))]
        return rng.choices(self.streets, weights=weights)[0]


def _hamlets(rng: random.Random, commune: Commune) -> list[str]:
    count = rng.randint(4, 16)
    if commune.urban:
        word = "Khu phố" if commune.region == "south" else "Tổ dân phố"
        return [f"{word} {n}" for n in range(1, count + 1)]
    if commune.region == "south":
        return [f"Ấp {n}" for n in range(1, count + 1)]
    if commune.region == "north":
        named = [f"Thôn {name}" for name in VILLAGE_NAMES]
        return named + [f"Xóm {n}" for n in range(1, count + 1)]
    return [f"Thôn {n}" for n in range(1, count + 1)]


def _building_places(
    rng: random.Random,
    building: Building,
    where: tuple[float, float],
    locality: _Locality,
    ref: int,
) -> Iterator[BulkPlace]:
    """The building (row ``ref`` of the batch) and its units."""
    commune = building.commune
    gnss = rng.random() < 0.4
    common: dict[str, Any] = {
        "lon": where[0],
        "lat": where[1],
        "source": SOURCE,
        "location_method": "gnss" if gnss else "imagery",
        "accuracy_m": round(rng.uniform(2.0, 8.0) if gnss else rng.uniform(0.5, 3.0), 1),
        "street_name": locality.street(rng, commune),
        "hamlet": rng.choice(locality.hamlets),
        "physical_state": rng.choices(
            ("in_use", "under_construction", "vacant", "planned"), weights=(94, 3, 2, 1)
        )[0],
    }
    yield BulkPlace(kind="building", house_number=_house_number(rng, commune), **common)
    for kind, count in building.units:
        for i in range(count):
            number = _unit_number(kind, i, count)
            yield BulkPlace(
                kind="unit", unit_kind=kind, parent_ref=ref, house_number=number, **common
            )


@dataclass(frozen=True)
class Synthetic:
    """The places made, and how they spread over the communes."""

    rows: list[BulkPlace]
    buildings: list[Building]
    communes: list[Commune]

    def summary(self) -> dict[str, Any]:
        """Counts by kind, places per km² by kind of commune, the digest."""
        kinds = Counter(row.unit_kind or row.kind for row in self.rows)
        numbered = sum(1 for row in self.rows if row.kind == "building" and row.house_number)
        places = Counter[str]()
        for building in self.buildings:
            places[building.commune.unit_type] += building.places
        area: dict[str, float] = {}
        for commune in self.communes:
            area[commune.unit_type] = area.get(commune.unit_type, 0.0) + commune.area_km2
        return {
            "places": len(self.rows),
            "by_kind": dict(sorted(kinds.items())),
            "buildings_with_house_number": round(numbered / max(kinds["building"], 1), 3),
            "communes": len(self.communes),
            "communes_with_places": len({b.commune.code for b in self.buildings}),
            "places_per_km2": {t: round(places[t] / area[t], 1) for t in sorted(area)},
            "digest": digest(self.rows),
        }


def generate(
    conn: Connection, *, places: int, seed: int, province: str | None, at: date
) -> Synthetic:
    """``places`` synthetic places, buildings each followed by their units."""
    rng = random.Random(seed)
    found = communes(conn, at, province)
    buildings = plan(found, places, rng)
    spots = points(conn, Counter(b.commune.code for b in buildings), seed, at)
    localities = {c.code: _Locality.of(random.Random(f"{seed}:{c.code}"), c) for c in found}
    used = Counter[str]()
    rows: list[BulkPlace] = []
    for building in sorted(buildings, key=lambda b: b.commune.code):
        code = building.commune.code
        where = spots[code][used[code]]
        used[code] += 1
        rows.extend(_building_places(rng, building, where, localities[code], len(rows)))
    return Synthetic(rows, buildings, found)


def digest(rows: list[BulkPlace]) -> str:
    """A short fingerprint of the rows, to show a seed gives the same places."""
    h = hashlib.sha256()
    for row in rows:
        h.update(repr(row).encode())
    return h.hexdigest()[:16]


# ---------------------------------------------------------------- the command


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.synthetic", description=__doc__)
    parser.add_argument("--places", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--province", help="2-digit province code, e.g. 79 (default: all)")
    parser.add_argument(
        "--at", type=date.fromisoformat, help="communes in force on (default today)"
    )
    parser.add_argument("--load", action="store_true", help="load into the scratch database")
    parser.add_argument(
        "--database-url", help=f"load into this database instead of a fresh {SCRATCH}"
    )
    parser.add_argument(
        "--database-name",
        default=SCRATCH,
        help=f"the scratch database to recreate (default {SCRATCH}; must start with {SCRATCH})",
    )
    parser.add_argument("--show", type=int, default=12, help="example rows to print")
    return parser.parse_args()


def _examples(console: Console, rows: list[BulkPlace], count: int) -> None:
    table = Table("ref", "kind", "house number", "street", "hamlet", "lon, lat", "parent")
    step = max(1, len(rows) // max(count, 1))
    for ref in range(0, len(rows), step)[:count]:
        row = rows[ref]
        table.add_row(
            str(ref),
            row.unit_kind or row.kind,
            row.house_number or "",
            row.street_name or "",
            row.hamlet or "",
            f"{row.lon:.5f}, {row.lat:.5f}",
            "" if row.parent_ref is None else str(row.parent_ref),
        )
    console.print(table)


def _load(conn: Connection, rows: list[BulkPlace], at: date, console: Console) -> BulkReport:
    actor = changes.Actor(organisation="bench", source=SOURCE, person="bench.synthetic")
    columns = (
        TextColumn("staging"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("stage", total=len(rows))
        return load_places(
            conn,
            actor,
            rows,
            approve=True,
            valid_from=at,
            reason=f"bench.synthetic: {len(rows)} places",
            progress=lambda n: bar.update(task, completed=n),
        )


def _report_table(report: BulkReport, wall: float) -> Table:
    table = Table("", "value")
    table.add_row("wall time (load + commit)", f"{wall:.1f} s")
    table.add_row("rate", f"{report.loaded / wall:,.0f} places/s")
    table.add_row("read / loaded / codes", f"{report.read} / {report.loaded} / {report.issued}")
    table.add_row("serials drawn again", str(report.redraws))
    reasons = Counter(r.reason for r in report.rejected)
    table.add_row("rejected", ", ".join(f"{k}: {v}" for k, v in reasons.items()) or "none")
    for name, seconds in report.phases.items():
        table.add_row(f"  {name}", f"{seconds:.1f} s")
    table.add_row("change transaction", f"id {report.tx_id}, feed number {report.seq}")
    return table


def cpu_probe() -> float:
    """Microseconds per house number for 20,000 alley addresses ("số 7 ngõ 12 ngách 5")
    through :func:`geo.house_number.parse_house_number`: a fixed piece of pure Python that
    says how fast the machine's CPU is just then, to compare runs on a shared host."""
    texts = [f"số {i % 97} ngõ {i % 300} ngách {i % 50}" for i in range(20_000)]
    started = time.perf_counter()
    for written in texts:
        parse_house_number(written)
    return (time.perf_counter() - started) / len(texts) * 1e6


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` (a local database backend), if readable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _elapsed(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else round(after - before, 1)


def main() -> None:
    args = _arguments()
    settings = Settings()
    console = Console()
    at = args.at or admin_units.today()
    if args.load:
        url = args.database_url or recreate(settings, console, args.database_name)
    else:
        url = args.database_url or resolve_database_url(settings)
    engine = make_engine(settings, url)
    with engine.connect() as conn:
        started = time.perf_counter()
        made = generate(conn, places=args.places, seed=args.seed, province=args.province, at=at)
        generated_s = time.perf_counter() - started
        machine_info = machine(conn)
    rows, facts = made.rows, made.summary()
    console.print(f"generated {len(rows):,} places in {generated_s:.1f} s: {facts}")
    _examples(console, rows, args.show)
    payload: dict[str, Any] = {
        "benchmark": "synthetic",
        "machine": machine_info,
        "parameters": {
            "places": args.places,
            "seed": args.seed,
            "province": args.province,
            "at": at.isoformat(),
        },
        "generated": facts | {"seconds": round(generated_s, 2)},
    }
    if args.load:
        probe = cpu_probe()
        console.print(
            f"CPU probe: {probe:.1f} µs per alley house number (pure Python, no database;"
            " higher means a slower CPU just now: compare runs by it)"
        )
        payload["cpu_probe_us"] = probe
        started, python_cpu = time.perf_counter(), time.process_time()
        with engine.begin() as conn:
            backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            backend_cpu = _cpu_seconds(backend)
            report = _load(conn, rows, at, console)
        wall = time.perf_counter() - started
        cpu = {
            "python_s": round(time.process_time() - python_cpu, 1),
            "database_backend_s": _elapsed(backend_cpu, _cpu_seconds(backend)),
        }
        console.print(_report_table(report, wall))
        console.print(f"CPU time: {cpu} (load average {os.getloadavg()[0]:.1f})")
        verdict = "met" if wall < TARGET_LOAD_S else "NOT met"
        console.print(f"target: {len(rows):,} places in under {TARGET_LOAD_S:.0f} s — {verdict}")
        payload["load"] = {
            "wall_s": round(wall, 2),
            "places_per_s": round(report.loaded / wall),
            "target_s": TARGET_LOAD_S,
            "met": wall < TARGET_LOAD_S,
            "read": report.read,
            "loaded": report.loaded,
            "issued": report.issued,
            "redraws": report.redraws,
            "rejected": dict(Counter(r.reason for r in report.rejected)),
            "phases_s": report.phases,
            "cpu_s": cpu,
            "tx_id": report.tx_id,
            "seq": report.seq,
        }
    engine.dispose()
    console.print(f"wrote {write_json('synthetic', payload)}")


if __name__ == "__main__":
    main()
