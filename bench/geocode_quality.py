"""Geocoding quality on the development ground truth.

``python -m bench.geocode_quality [--data DIR] [--limit N]``

- commune accuracy on the commune seat addresses (ward_hq_addresses_dev.csv),
  by address kind, for the raw text and the text with the province appended;
- exact place on the OSM address points (osm_address_points_dev.csv);
- precision at confidence >= 0.9 and the share of queries that reach it.

Runs against the database in DIACHI_DATABASE_URL or the private cluster.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import Connection, text

from geo.geocode.forward import geocode
from geo.text import expand, strip_unit_type
from registry.admin_units import today
from registry.config import Settings
from registry.database import make_engine

DEFAULT_DATA = Path("/work/shared/data/geocode-groundtruth-dev")


def _rows(path: Path, limit: int | None) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows[:limit] if limit else rows


def _commune_names(conn: Connection) -> dict[str, set[str]]:
    """2025 commune code → folded bare names of it and of its predecessors."""
    rows = conn.execute(
        text(
            "SELECT n.code, n.name FROM admin_unit n WHERE n.level = 'commune'"
            " AND lower(n.valid) >= DATE '2025-07-01' UNION"
            " SELECT n.code, o.name FROM admin_succession s"
            " JOIN admin_unit n ON n.id = s.new_unit_id JOIN admin_unit o ON o.id = s.old_unit_id"
            " WHERE n.level = 'commune'"
        )
    ).all()
    names: dict[str, set[str]] = {}
    for code, name in rows:
        names.setdefault(code, set()).add(strip_unit_type(expand(name))[1])
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--show-misses", type=int, default=0)
    args = parser.parse_args()
    engine = make_engine(Settings())
    at = today()
    stats: Counter[str] = Counter()
    confident: Counter[str] = Counter()
    misses: list[str] = []
    started = time.perf_counter()
    with engine.connect() as conn:
        names = _commune_names(conn)
        for row in _rows(args.data / "ward_hq_addresses_dev.csv", args.limit):
            for column in ("address_raw", "address_with_province"):
                result = geocode(conn, row[column], at)
                best = result.candidates[0] if result.candidates else None
                right = (
                    best is not None
                    and best.commune is not None
                    and (best.commune.code == row["ward_code"])
                )
                key = f"hq {column} {row['address_kind']}"
                stats[key + " total"] += 1
                stats[key + " right"] += right
                mention = result.parsed.commune
                if mention is not None and mention.key in names.get(row["ward_code"], set()):
                    named = f"hq {column} names its commune (new or old name)"
                    stats[named + " total"] += 1
                    stats[named + " right"] += right
                if best is not None and best.confidence >= 0.9:
                    confident["total"] += 1
                    confident["right"] += right
                confident["queries"] += 1
                if not right and len(misses) < args.show_misses and column != "address_raw":
                    got = best.commune.name if best and best.commune else None
                    misses.append(f"{row[column]!r} want {row['ward_name']} got {got}")
        for row in _rows(args.data / "osm_address_points_dev.csv", args.limit):
            result = geocode(conn, row["address_2025"], at)
            best = result.candidates[0] if result.candidates else None
            stats["osm total"] += 1
            stats["osm commune right"] += bool(
                best and best.commune and best.commune.code == row["ward_code_2025"]
            )
            stats["osm place level"] += bool(best and best.level == "place")
            if best is not None and best.confidence >= 0.9:
                confident["total"] += 1
                confident["right"] += bool(
                    best.commune and best.commune.code == row["ward_code_2025"]
                )
            confident["queries"] += 1
    elapsed = time.perf_counter() - started
    report = dict(sorted(stats.items()))
    for key in sorted({k.rsplit(" ", 1)[0] for k in stats if k.endswith(" total")}):
        total = stats[key + " total"]
        right = stats.get(key + " right", stats.get(key + " commune right", 0))
        print(f"{key:55s} {right:5d}/{total:<5d} {100 * right / max(total, 1):6.1f}%")
    print(f"osm place level: {stats['osm place level']}/{stats['osm total']}")
    print(
        f"confidence>=0.9: {confident['total']}/{confident['queries']} queries "
        f"({100 * confident['total'] / max(confident['queries'], 1):.1f}%), precision "
        f"{100 * confident['right'] / max(confident['total'], 1):.2f}%"
    )
    print(f"{confident['queries']} queries in {elapsed:.1f} s")
    for m in misses:
        print("  miss:", m)
    out = Path("bench/out")
    out.mkdir(parents=True, exist_ok=True)
    (out / "geocode-quality.json").write_text(json.dumps({"stats": report, "confident": confident}))


if __name__ == "__main__":
    main()
