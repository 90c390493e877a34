"""Reverse geocoding latency: ``python -m bench.reverse [--points 10000] [--seed 1]
[--database diachi_bench_geo] [--rounds 2] [--http] [--create]``.

**Data.** The database ``--database`` (default ``diachi_bench_geo``) on the configured server:
300,000 synthetic places of Thành phố Hồ Chí Minh (province 79) and every administrative
unit. It is its own scratch database, so that nothing reloading ``diachi_bench`` meanwhile
disturbs it; ``--create`` makes it (``bench.scratch.recreate``, then ``python -m
bench.synthetic --places 300000 --seed 42 --province 79 --load --database-url …``) and is
needed once.

**Points.** ``--points`` points, seeded (``--seed``): half of them within 30 m of a
synthetic place (places sampled by ``md5(id || seed)``, moved by a seeded random offset),
half anywhere in the communes of the province (each commune polygon gets a share
proportional to its area, ``ST_GeneratePoints`` seeded from ``--seed``), shuffled. The same
seed and data give the same points (their digest is printed).

**What is timed.** :func:`geo.geocode.reverse.reverse` (what ``GET /reverse`` runs) with the
default radius (100 m) and limit (10), from Python, one call after another on one connection,
each in its own read transaction as a request is: round trips included. Two dates: today
(``/reverse`` without ``at=``) and ``at=2025-06-30`` (before the 2025 reform: the old commune
and district are found through the succession table; no synthetic place was in force then).
500 untimed calls warm each case up. ``--rounds`` repeats the cases, interleaved, and shows
the round with the lowest p99 (noise on a shared machine only adds time); the JSON keeps
every round. ``--http`` also times ``GET /reverse`` against ``diachi serve`` started on a
free port on the same database (one keep-alive connection). ``fail`` counts points with no
commune (``OutsideTerritory``; none expected) or, over HTTP, a status other than 200.

Target: p99 under 10 ms at the database without ``at=``; the exit status is 1 when missed.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Any

import httpx
from rich.console import Console
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text

from bench.common import Latency, as_dict, latency_table, machine, write_json
from bench.locate import _free_port, _wait_healthy
from bench.points import Point, allocate, digest
from bench.scratch import recreate
from geo.geocode.reverse import reverse
from registry.admin_units import today
from registry.config import PROJECT_ROOT, Settings
from registry.database import make_engine, resolve_database_url
from registry.errors import OutsideTerritory

DATABASE = "diachi_bench_geo"
PROVINCE = "79"
BEFORE_REFORM = date(2025, 6, 30)
RADIUS_M = 100.0
LIMIT = 10
TARGET_P99_MS = 10.0
WARM_UP = 500

_PLACES_SQL = """
SELECT ST_X(location), ST_Y(location) FROM place_version
WHERE upper_inf(recorded) AND status = 'active'
ORDER BY md5(id::text || :seed) LIMIT :n
"""

_POLYGONS_SQL = """
SELECT u.code, d.path[1] AS part, ST_Area(d.geom::geography) AS area_m2
FROM admin_unit u CROSS JOIN LATERAL ST_Dump(u.boundary) AS d
WHERE u.level = 'commune' AND u.parent_code = :province AND u.valid @> CAST(:at AS date)
  AND u.boundary IS NOT NULL
ORDER BY u.code, d.path[1]
"""

_GENERATE_SQL = """
SELECT ST_X(d.geom), ST_Y(d.geom)
FROM unnest(CAST(:codes AS text[]), CAST(:parts AS int[]), CAST(:counts AS int[]))
    AS w(code, part, n)
JOIN admin_unit u ON u.level = 'commune' AND u.code = w.code AND u.valid @> CAST(:at AS date)
CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(ST_GeometryN(u.boundary, w.part), w.n, :seed)) d
ORDER BY w.code, w.part, d.path
"""


def database_url(settings: Settings, name: str) -> str:
    """The URL of the database ``name`` on the configured server."""
    url = make_url(resolve_database_url(settings)).set(database=name)
    return url.render_as_string(hide_password=False)


def create(settings: Settings, name: str) -> None:
    """Make ``name`` afresh: admin units, then 300,000 synthetic places (seed 42, province
    79) loaded by ``bench.synthetic``."""
    url = recreate(settings, Console(), name)
    load = ["--places", "300000", "--seed", "42", "--province", PROVINCE, "--show", "0"]
    subprocess.run(
        [sys.executable, "-m", "bench.synthetic", *load, "--load", "--database-url", url],
        cwd=PROJECT_ROOT,
        check=True,
    )


def _exists(settings: Settings, name: str) -> bool:
    admin = create_engine(make_url(resolve_database_url(settings)).set(database="postgres"))
    try:
        with admin.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            return found.first() is not None
    finally:
        admin.dispose()


def make_points(conn: Connection, n: int, seed: int) -> list[tuple[Point, str]]:
    """``n`` (point, source) pairs, source "near place" or "in commune"; see the module
    documentation."""
    rng = random.Random(seed)
    near = [
        (lon + rng.uniform(-0.00027, 0.00027), lat + rng.uniform(-0.00027, 0.00027))
        for lon, lat in conn.execute(text(_PLACES_SQL), {"seed": str(seed), "n": n // 2}).all()
    ]
    polygons = conn.execute(text(_POLYGONS_SQL), {"province": PROVINCE, "at": today()}).all()
    if not polygons:
        raise SystemExit(f"no commune of province {PROVINCE}: is this a diachi database?")
    counts = allocate(n - len(near), [r.area_m2 for r in polygons])
    chosen = [(r, c) for r, c in zip(polygons, counts, strict=True) if c > 0]
    anywhere = conn.execute(
        text(_GENERATE_SQL),
        {
            "codes": [r.code for r, _ in chosen],
            "parts": [r.part for r, _ in chosen],
            "counts": [c for _, c in chosen],
            "at": today(),
            "seed": seed,
        },
    ).all()
    points = [(p, "near place") for p in near] + [((x, y), "in commune") for x, y in anywhere]
    rng.shuffle(points)
    return points


def _time_each(
    points: list[Point], call: Callable[[Point], tuple[bool, bool]]
) -> tuple[list[float], int, int, float]:
    """Per-call seconds, failures, calls that found a place, and the wall time."""
    seconds: list[float] = []
    failures = found = 0
    started = time.perf_counter()
    for point in points:
        t0 = time.perf_counter()
        ok, hit = call(point)
        seconds.append(time.perf_counter() - t0)
        failures += not ok
        found += hit
    return seconds, failures, found, time.perf_counter() - started


def _reverse(conn: Connection, at: date) -> Callable[[Point], tuple[bool, bool]]:
    def call(point: Point) -> tuple[bool, bool]:
        try:
            with conn.begin():
                result = reverse(conn, point[0], point[1], radius_m=RADIUS_M, at=at, limit=LIMIT)
        except OutsideTerritory:
            return False, False
        return True, bool(result.places)

    return call


def _statements_per_call(conn: Connection, points: list[Point], at: date) -> float:
    counter = [0]

    def count(*_: Any) -> None:
        counter[0] += 1

    event.listen(conn, "before_cursor_execute", count)
    try:
        call = _reverse(conn, at)
        for point in points:
            call(point)
    finally:
        event.remove(conn, "before_cursor_execute", count)
    return counter[0] / len(points)


Round = tuple[Latency, list[float]]


def database_cases(
    engine: Engine, points: list[Point], rounds: int
) -> tuple[dict[str, list[Round]], dict[str, float], dict[str, int]]:
    """Every case ``rounds`` times (interleaved): latencies with the seconds of each call,
    statements per call, and how many points found at least one place."""
    cases = {f"db: reverse(), at={d}": d for d in (today(), BEFORE_REFORM)}
    runs: dict[str, list[Round]] = {name: [] for name in cases}
    statements: dict[str, float] = {}
    found: dict[str, int] = {}
    with engine.connect() as conn:
        for name, at in cases.items():
            _time_each(points[:WARM_UP], _reverse(conn, at))
            statements[name] = _statements_per_call(conn, points[:200], at)
        for _ in range(rounds):
            for name, at in cases.items():
                seconds, failures, found[name], wall = _time_each(points, _reverse(conn, at))
                runs[name].append((Latency.of(name, seconds, wall, failures), seconds))
    return runs, statements, found


@contextmanager
def running_server(url: str) -> Iterator[str]:
    """``diachi serve`` on a free port against ``url``; its base URL while the block runs."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DIACHI_DATABASE_URL": url, "DIACHI_BATCH__WORKERS": "0"}
    server = subprocess.Popen(
        [str(PROJECT_ROOT / ".venv" / "bin" / "diachi"), "serve", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_healthy(base, server)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def http_case(base: str, points: list[Point], at: date | None) -> Latency:
    """``GET /reverse`` one request at a time on one keep-alive connection."""

    with httpx.Client(base_url=base, timeout=30.0) as client:

        def call(point: Point) -> tuple[bool, bool]:
            params = {"lon": repr(point[0]), "lat": repr(point[1])}
            if at is not None:
                params["at"] = at.isoformat()
            response = client.get("/reverse", params=params)
            ok = response.status_code == 200
            return ok, ok and bool(response.json()["items"])

        _time_each(points[:WARM_UP], call)
        seconds, failures, _, wall = _time_each(points, call)
    name = f"http: GET /reverse{'' if at is None else f'?at={at}'}"
    return Latency.of(name, seconds, wall, failures)


def best(runs: list[Round], sources: list[str]) -> list[Latency]:
    """The round with the lowest p99 (the one least disturbed by the rest of the machine),
    then the same round split by where the points come from."""
    chosen, seconds = min(runs, key=lambda r: r[0].p99_ms)
    out = [chosen if len(runs) == 1 else replace(chosen, name=f"{chosen.name} [best]")]
    for source in sorted(set(sources)):
        part = [s for s, src in zip(seconds, sources, strict=True) if src == source]
        wall = len(part) / chosen.per_second
        out.append(Latency.of(f"  {source}", part, wall))
    return out


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reverse", description=__doc__)
    parser.add_argument("--points", type=int, default=10_000, help="points to query (10000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the points (1)")
    parser.add_argument(
        "--database", default=DATABASE, help=f"database with the places ({DATABASE})"
    )
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each case (2)")
    parser.add_argument("--http", action="store_true", help="also time GET /reverse")
    parser.add_argument(
        "--create", action="store_true", help="make --database afresh first (a few minutes)"
    )
    return parser.parse_args()


def main() -> int:
    """Run the benchmark; exit status 1 when the p99 without ``at=`` misses the target."""
    args = _arguments()
    settings = Settings()
    if not args.database.startswith("diachi_bench"):
        raise SystemExit("--database must be a scratch database (diachi_bench*)")
    if args.create:
        create(settings, args.database)
    elif not _exists(settings, args.database):
        raise SystemExit(f"no database {args.database}: run again with --create")
    url = database_url(settings, args.database)
    engine = make_engine(settings, url)
    with engine.connect() as conn:
        env = machine(conn)
        places = conn.execute(
            text("SELECT count(*) FROM place_version WHERE upper_inf(recorded)")
        ).scalar_one()
        pairs = make_points(conn, args.points, args.seed)
    points, sources = [p for p, _ in pairs], [s for _, s in pairs]
    print(
        f"{args.database}: {places} current place versions; {len(points)} points"
        f" (seed {args.seed}, digest {digest(points)}); load {env['load_average_1_5_15']}",
        file=sys.stderr,
    )
    runs, statements, found = database_cases(engine, points, args.rounds)
    engine.dispose()
    results = [row for r in runs.values() for row in best(r, sources)]
    if args.http:
        with running_server(url) as base:
            results += [http_case(base, points, None), http_case(base, points, BEFORE_REFORM)]
    load_after = [round(x, 2) for x in os.getloadavg()]
    print(latency_table(results))
    print("statements per call: " + ", ".join(f"{k}: {v:.2f}" for k, v in statements.items()))
    print("points with a place within 100 m: " + ", ".join(f"{k}: {v}" for k, v in found.items()))
    for name, rounds in runs.items():
        p99s = ", ".join(f"{r.p99_ms:.2f}" for r, _ in rounds)
        print(f"p99 ms of each round, {name}: {p99s}")
    print(
        f"load average (1, 5, 15 min) before {env['load_average_1_5_15']}, after {load_after}"
        f" on {env['cpus']} CPUs"
    )
    p99 = results[0].p99_ms
    verdict = "met" if p99 < TARGET_P99_MS else "MISSED"
    path = write_json(
        "reverse",
        {
            "machine": {**env, "load_average_after": load_after},
            "args": vars(args),
            "places": places,
            "points_digest": digest(points),
            "statements_per_call": statements,
            "found_places": found,
            "results": [as_dict(r) for r in results],
            "database_rounds": {k: [as_dict(r) for r, _ in v] for k, v in runs.items()},
        },
    )
    print(f"p99 {p99:.2f} ms without at= (target {TARGET_P99_MS:.0f} ms: {verdict}); {path}")
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    sys.exit(main())
