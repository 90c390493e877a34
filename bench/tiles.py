"""Vector tile speed: ``python -m bench.tiles [--database-url URL] [--repeats 3]``.

Against the scratch database ``diachi_bench`` (``python -m bench.synthetic --places 300000
--province 79 --load``, then ``DIACHI_DATABASE_URL=<its URL> diachi import demo`` for the
real streets; the admin polygons are there already), on one machine, in one run:

* **ours, cold**: ``python -m web.server --workers 1`` with ``DIACHI_TILES__CACHE=false``
  (every request draws the tile);
* **ours, warm**: the same with the caches on, after one pass over the list (memory hits,
  each behind the listener's barrier round trip);
* **tipg** (Development Seed's PostGIS tile server, the pinned venv that
  ``/work/shared/peers/tipg/tiles-peer-setup.sh install`` makes) over the view
  ``bench_tipg_places`` of the current public places (its defaults: every column, at most
  10,000 features a tile, no aggregation);
* **SQL floor**: our places statement alone (exactly what the server sends), under pgbench
  with the prepared protocol and the same concurrency, random tiles of the same list.

Tile lists (fixed, seeded): every z10 and z14 tile holding places; at z17,
``--z17-count`` tiles, 90 % under random places (where people look) and 10 % anywhere in
the extent. wrk (``--conns`` keep-alive connections, one thread) walks each list; requests/s
and p50/p99 per zoom come from wrk, the floor from pgbench's per-transaction log. Targets
runs are interleaved per repeat; the best of ``--repeats`` (highest requests/s) is shown.
Results go to ``bench/out/tiles-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, make_url, text

from bench.common import machine, percentile, write_json
from bench.scratch import scratch_url
from geo.tiles import WORLD, Tile, tile_of_lonlat
from registry import admin_units
from registry.config import PROJECT_ROOT, Settings
from registry.tile_cache import TILE_OPTIONS
from registry.vector_tiles import _with_snapshot, layer_statement

console = Console()
TIPG_PYTHON = Path("/tmp/tiles_peer/venv/bin/python")
VIEW = "bench_tipg_places"
TARGETS = {  # name → path template
    "ours-cold": "/tiles/places/{z}/{x}/{y}.mvt",
    "ours-warm": "/tiles/places/{z}/{x}/{y}.mvt",
    "tipg": f"/collections/public.{VIEW}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}",
}
GOALS = (
    "cold ≥ 2× tipg at z14, z17; cold ≥ floor / 1.5 at z10, z14; z10 p99 < 50 ms; warm ≥ 10× tipg"
)

WRK_SCRIPT = r"""
local counter = 0
function setup(thread) thread:set("tid", counter); counter = counter + 1 end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    local z, x, y = line:match("(%d+)/(%d+)/(%d+)")
    if z then paths[#paths + 1] = args[2]:gsub("{z}", z):gsub("{x}", x):gsub("{y}", y) end
  end
  idx = ((tid or 0) * 7919) % #paths
end
function request() idx = idx % #paths + 1; return wrk.format("GET", paths[idx]) end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('JSON:{"requests":%d,"seconds":%.3f,"bytes":%d,"errors":%d,' ..
    '"non2xx":%d,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n', summary.requests,
    summary.duration / 1e6, summary.bytes, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
"""


HZ = os.sysconf("SC_CLK_TCK")


def _ticks(pid: int) -> int:
    """User + system CPU ticks of a process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12])


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle, sum(values))


def busy_cores(seconds: float = 1.0) -> float:
    """How many cores the machine kept busy over ``seconds``."""
    a = _machine_ticks()
    time.sleep(seconds)
    b = _machine_ticks()
    return (b[0] - a[0]) / max(1, b[1] - a[1]) * (os.cpu_count() or 1)


def wait_quiet(limit: float, longest_s: float) -> float:
    """Wait up to ``longest_s`` for the machine to be below ``limit`` busy cores; the last
    reading (others share this machine: their load is recorded, not removed)."""
    deadline = time.monotonic() + longest_s
    while True:
        busy = busy_cores()
        if busy <= limit or time.monotonic() > deadline:
            return busy


def backends(url: str) -> list[int]:
    """Process ids of the server backends connected to the database of ``url``."""
    engine = create_engine(url)
    with engine.connect() as conn:
        pids = list(
            conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid()"
                )
            ).scalars()
        )
    engine.dispose()
    return pids


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- tile lists -------------------------------------------------------------------------------


def tile_lists(url: str, zooms: list[int], z17_count: int, seed: int) -> dict[int, list[Tile]]:
    """Fixed, shuffled lists of tiles over the places (see the module's docstring)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        minx, miny, maxx, maxy = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT"
                " ST_Extent(location)::geometry AS e FROM place_version"
                " WHERE upper_inf(recorded) AND status = 'active') s"
            )
        ).one()
        sample = conn.execute(
            text(
                "SELECT ST_X(location), ST_Y(location) FROM place_version"
                " WHERE upper_inf(recorded) AND status = 'active'"
                " ORDER BY md5(place_id::text) LIMIT :n"
            ),
            {"n": z17_count * 3},
        ).all()
        covering = {
            z: conn.execute(
                text(
                    "SELECT DISTINCT floor((ST_X(p) + :w) / :size)::int,"
                    " floor((:w - ST_Y(p)) / :size)::int FROM (SELECT ST_Transform(location, 3857)"
                    " AS p FROM place_version WHERE upper_inf(recorded) AND status = 'active') s"
                ),
                {"w": WORLD, "size": 2 * WORLD / (1 << z)},
            ).all()
            for z in zooms
            if z <= 15
        }
    engine.dispose()
    rng = random.Random(seed)
    lists: dict[int, list[Tile]] = {}
    for z in zooms:
        if z <= 15:
            tiles = sorted(Tile(z, x, y) for x, y in covering[z])
        else:
            seen: dict[Tile, None] = {}
            for lon, lat in sample:
                seen.setdefault(tile_of_lonlat(lon, lat, z))
                if len(seen) >= int(z17_count * 0.9):
                    break
            while len(seen) < z17_count:
                lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                seen.setdefault(tile_of_lonlat(lon, lat, z))
            tiles = list(seen)
        rng.shuffle(tiles)
        lists[z] = tiles
    return lists


# --- servers ------------------------------------------------------------------------------------


@contextmanager
def server(
    name: str, command: list[str], env: dict[str, str], port: int
) -> Iterator[tuple[str, int]]:
    """Start a server on ``port`` (its own process group), wait for it, stop it after; its
    base URL and process id."""
    log = Path(tempfile.gettempdir()) / f"bench-tiles-{name}-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            command,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited: {log.read_text()[-2000:]}")
            try:
                httpx.get(base + "/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise SystemExit(f"{name} did not start; see {log}")
        console.print(f"{name} up on {base} (pid {proc.pid})")
        yield base, proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def ours(port: int) -> list[str]:
    """Our server, one worker (``web.server`` sets TCP_NODELAY)."""
    return [sys.executable, "-m", "web.server", "--port", str(port), "--workers", "1"]


def _asyncpg_url(url: str) -> str:
    u = make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


# --- measuring ------------------------------------------------------------------------------------


def wrk(
    base: str,
    template: str,
    tiles: Path,
    conns: int,
    seconds: float,
    server_pid: int | None = None,
    pg_pids: list[int] | None = None,
) -> dict[str, Any]:
    """One wrk run over the list: requests/s, p50/p99 (ms), errors; with the pids, the CPU
    per request of the server, of PostgreSQL and of wrk, and the foreign busy cores."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT)
    pids = pg_pids or []
    before = (_ticks(server_pid) if server_pid else 0, {p: _ticks(p) for p in pids})
    machine_before, wrk_before, started = _machine_ticks(), os.times(), time.monotonic()
    try:
        done = subprocess.run(
            ["wrk", "-t1", f"-c{conns}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
             "--latency", "-s", f.name, base, "--", str(tiles), template],
            capture_output=True, text=True, timeout=seconds + 60, check=False,
        )  # fmt: skip
    finally:
        Path(f.name).unlink()
    lines = [line for line in done.stdout.splitlines() if line.startswith("JSON:")]
    if not lines:
        raise SystemExit(f"wrk failed: {done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(lines[0][5:])
    result["rps"] = result["requests"] / result["seconds"]
    elapsed = time.monotonic() - started
    machine_after, wrk_after = _machine_ticks(), os.times()
    server_s = (_ticks(server_pid) - before[0]) / HZ if server_pid else 0.0
    pg_s = sum(_ticks(p) - before[1][p] for p in pids) / HZ
    wrk_s = (
        wrk_after.children_user
        + wrk_after.children_system
        - wrk_before.children_user
        - wrk_before.children_system
    )
    busy_s = (machine_after[0] - machine_before[0]) / HZ
    n = max(1, result["requests"])
    result.update(
        server_ms_per_req=server_s / n * 1000,
        pg_ms_per_req=pg_s / n * 1000,
        wrk_ms_per_req=wrk_s / n * 1000,
        foreign_cores=max(0.0, busy_s - server_s - pg_s - wrk_s) / elapsed,
    )
    return result


def pgbench_floor(url: str, z: int, tiles: list[Tile], conns: int, seconds: int) -> dict[str, Any]:
    """Our places statement for zoom ``z`` alone, under pgbench: transactions/s and the
    latency percentiles of its per-transaction log."""
    statement, params = layer_statement(
        "places", Tile(z, 0, 0), today=admin_units.today(), at=None, cap=6000
    )
    statement = _with_snapshot(
        "\n".join(line for line in statement.splitlines() if not line.strip().startswith("--"))
    )
    for name, value in params.items():
        if name in ("z", "x", "y"):
            statement = statement.replace(f"%({name})s", f":{name}")
        else:
            literal = f"'{value.isoformat()}'" if isinstance(value, date) else repr(value)
            statement = statement.replace(f"%({name})s", literal.lower())
    u = make_url(url)
    env = {
        **os.environ,
        "PGHOST": u.host or "",
        "PGPORT": str(u.port or 5432),
        "PGUSER": u.username or "",
        "PGPASSWORD": u.password or "",
        "PGDATABASE": u.database or "",
        "PGOPTIONS": TILE_OPTIONS,  # as the server's tile connections
    }
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "tiles.txt"
        listing.write_text("".join(f"{t.x} {t.y}\n" for t in tiles))
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS bench_tile_list"))
            conn.execute(text("CREATE TABLE bench_tile_list (i int PRIMARY KEY, x int, y int)"))
            conn.execute(
                text("INSERT INTO bench_tile_list SELECT i, x, y FROM unnest(:xs, :ys)"
                     " WITH ORDINALITY AS u(x, y, i)"),
                {"xs": [t.x for t in tiles], "ys": [t.y for t in tiles]},
            )  # fmt: skip
        script = Path(tmp) / "tile.sql"
        script.write_text(
            f"\\set i random(1, {len(tiles)})\n\\set z {z}\n"
            "SELECT x, y FROM bench_tile_list WHERE i = :i \\gset\n"
            + " ".join(statement.split())
            + ";\n"
        )
        done = subprocess.run(
            ["pgbench", "-n", "-M", "prepared", "-c", str(conns), "-j", str(min(conns, 2)),
             "-T", str(seconds), "-f", str(script), "-l", "--log-prefix", f"{tmp}/log"],
            capture_output=True, text=True, env=env, timeout=seconds + 60, check=False,
        )  # fmt: skip
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE bench_tile_list"))
        engine.dispose()
        if done.returncode != 0:
            raise SystemExit(f"pgbench failed: {done.stderr}")
        ms = sorted(
            int(line.split()[2]) / 1000
            for log in Path(tmp).glob("log*")
            for line in log.read_text().splitlines()
        )
    tps = next(
        float(line.split("=")[1].split()[0])
        for line in done.stdout.splitlines()
        if line.startswith("tps")
    )
    # each transaction is the lookup of the tile and the tile statement: time both, report
    # the rate of tile statements
    return {"rps": tps, "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99)}


def sizes(base: str, template: str, tiles: list[Tile], sample: int) -> dict[str, Any]:
    """Bytes of a sample of tiles: mean and largest."""
    got = []
    with httpx.Client(base_url=base, timeout=60) as c:
        for t in tiles[:sample]:
            r = c.get(template.format(z=t.z, x=t.x, y=t.y))
            r.raise_for_status()
            got.append(len(r.content))
    return {"mean_bytes": sum(got) / len(got), "max_bytes": max(got), "tiles": len(got)}


def warm_pass(base: str, template: str, tiles: list[Tile], conns: int) -> None:
    """Request every tile once, ``conns`` at a time (fills the caches)."""
    import asyncio

    async def run() -> None:
        queue = list(tiles)
        async with httpx.AsyncClient(base_url=base, timeout=60) as c:

            async def worker() -> None:
                while queue:
                    t = queue.pop()
                    (await c.get(template.format(z=t.z, x=t.x, y=t.y))).raise_for_status()

            await asyncio.gather(*(worker() for _ in range(conns)))

    asyncio.run(run())


def verify(ours_base: str, tipg_base: str, tiles: list[Tile]) -> dict[str, int]:
    """At z17 every place tipg draws is on our tile too (ours adds the clip buffer)."""
    from tests.web.mvt import decode

    missing = compared = 0
    with httpx.Client(timeout=60) as c:
        for t in tiles:
            a = decode(c.get(ours_base + TARGETS["ours-cold"].format(z=t.z, x=t.x, y=t.y)).content)
            b = decode(c.get(tipg_base + TARGETS["tipg"].format(z=t.z, x=t.x, y=t.y)).content)
            mine = (
                {f.properties.get("code") for f in a["places"].features} if "places" in a else set()
            )
            theirs = {f.properties.get("code") for layer in b.values() for f in layer.features}
            compared += len(theirs)
            missing += len(theirs - mine)
    return {"tipg_features": compared, "missing_from_ours": missing}


# --- the run ------------------------------------------------------------------------------


def _tipg(port: int, url: str) -> tuple[list[str], dict[str, str]]:
    command = [
        str(TIPG_PYTHON), "-m", "uvicorn", "tipg.main:app", "--host", "127.0.0.1",
        "--port", str(port), "--workers", "1", "--loop", "uvloop", "--http", "httptools",
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    env = {
        "DATABASE_URL": _asyncpg_url(url),
        "TIPG_CATALOG_TTL": "86400",
        "TIPG_SET_MVT_LAYERNAME": "true",
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": f'["public.{VIEW}"]',
    }
    return command, env


def _prepare(url: str) -> tuple[dict[str, Any], int]:
    """The view tipg reads; the machine's description; how many places are public."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE OR REPLACE VIEW {VIEW} AS SELECT v.place_id AS id,"
                " to_char(v.code, 'FM0000 0000 0000') AS code, v.house_number,"
                " v.street_name AS street, v.kind, v.location AS geom FROM place_version v"
                " WHERE upper_inf(v.recorded) AND v.status = 'active'"
                " AND v.valid @> (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
            )
        )
        conn.execute(text("ANALYZE tile_place_cell"))
        info = machine(conn)
        places: int = conn.execute(text(f"SELECT count(*) FROM {VIEW}")).scalar_one()
    engine.dispose()
    return info, places


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tiles", description=__doc__)
    parser.add_argument("--database-url", help="default: the scratch database diachi_bench")
    parser.add_argument("--zooms", default="10,14,17")
    parser.add_argument("--z17-count", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--conns", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quiet-cores", type=float, default=0.7)
    parser.add_argument("--quiet-wait", type=float, default=15.0)
    parser.add_argument("--no-tipg", action="store_true")
    args = parser.parse_args()

    url = args.database_url or scratch_url(Settings())
    zooms = [int(z) for z in args.zooms.split(",")]
    info, places = _prepare(url)
    console.print(f"{places:,} current public places in {make_url(url).database}")
    lists = tile_lists(url, zooms, args.z17_count, args.seed)
    work = Path(tempfile.mkdtemp(prefix="bench-tiles-"))
    files = {}
    for z, tiles in lists.items():
        files[z] = work / f"tiles_z{z}.txt"
        files[z].write_text("".join(f"{t}\n" for t in tiles))
        console.print(f"z{z}: {len(tiles)} tiles")

    env = {"DIACHI_DATABASE_URL": url, "PYTHONPATH": str(PROJECT_ROOT)}
    ports = {name: _free_port() for name in TARGETS}
    commands = {
        "ours-cold": (ours(ports["ours-cold"]), {**env, "DIACHI_TILES__CACHE": "false"}),
        "ours-warm": (ours(ports["ours-warm"]), {**env, "DIACHI_TILES__CACHE": "true"}),
    }
    if not args.no_tipg and TIPG_PYTHON.exists():
        commands["tipg"] = _tipg(ports["tipg"], url)
    results: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}
    with ExitStack() as stack:
        running = {
            name: stack.enter_context(server(name, command, own_env, ports[name]))
            for name, (command, own_env) in commands.items()
        }
        bases = {name: base for name, (base, _) in running.items()}
        if "tipg" in bases:
            extra["verify_z17"] = verify(bases["ours-cold"], bases["tipg"], lists[max(zooms)][:50])
            console.print(f"verify: {extra['verify_z17']}")
        for z in zooms:
            console.print(f"warming the caches at z{z} ({len(lists[z])} tiles)")
            warm_pass(bases["ours-warm"], TARGETS["ours-warm"], lists[z], args.conns)
        extra["sizes"] = {
            name: {z: sizes(bases[name], TARGETS[name], lists[z], 200) for z in zooms}
            for name in bases
            if name != "ours-warm"
        }
        for rep in range(args.repeats):
            for z in zooms:
                names = list(bases)
                for name in names[rep % len(names) :] + names[: rep % len(names)]:
                    base, pid = running[name]
                    wrk(base, TARGETS[name], files[z], args.conns, args.warmup)
                    busy = wait_quiet(args.quiet_cores, args.quiet_wait)
                    r = wrk(base, TARGETS[name], files[z], args.conns, args.duration,
                            pid, backends(url))  # fmt: skip
                    r.update(target=name, zoom=z, repeat=rep, busy_before=busy)
                    results.append(r)
                    _line(r)
                busy = wait_quiet(args.quiet_cores, args.quiet_wait)
                floor = pgbench_floor(url, z, lists[z], args.conns, args.duration)
                floor.update(target="sql-floor", zoom=z, repeat=rep, busy_before=busy)
                results.append(floor)
                _line(floor)
    shutil.rmtree(work)
    best = _best(results)
    _print(best, zooms, extra)
    path = write_json(
        "tiles",
        {
            "benchmark": "tiles",
            "machine": info,
            "parameters": vars(args) | {"places": places, "database": make_url(url).database},
            "tile_lists": {z: len(t) for z, t in lists.items()},
            "runs": results,
            "best": best,
            **extra,
        },
    )
    console.print(f"wrote {path}")


def _line(r: dict[str, Any]) -> None:
    cpu = ""
    if "server_ms_per_req" in r:
        cpu = (
            f"  cpu/req server {r['server_ms_per_req']:.3f} pg {r['pg_ms_per_req']:.3f} ms"
            f"  foreign {r['foreign_cores']:.2f} cores"
        )
    console.print(
        f"rep {r['repeat']} z{r['zoom']:<2} {r['target']:<10} {r['rps']:8.0f}/s"
        f"  p50 {r['p50_ms']:7.2f}  p99 {r['p99_ms']:7.2f} ms{cpu}"
    )


def _best(results: list[dict[str, Any]]) -> dict[str, dict[int, dict[str, Any]]]:
    best: dict[str, dict[int, dict[str, Any]]] = {}
    for r in results:
        current = best.setdefault(r["target"], {}).get(r["zoom"])
        if current is None or r["rps"] > current["rps"]:
            best[r["target"]][r["zoom"]] = r
    return best


def _print(
    best: dict[str, dict[int, dict[str, Any]]], zooms: list[int], extra: dict[str, Any]
) -> None:
    table = Table("target", *[f"z{z} req/s · p50 · p99 ms" for z in zooms])
    for name, per_zoom in best.items():
        cells = []
        for z in zooms:
            r = per_zoom.get(z)
            cells.append(f"{r['rps']:,.0f} · {r['p50_ms']:.2f} · {r['p99_ms']:.2f}" if r else "-")
        table.add_row(name, *cells)
    console.print(table)
    for name, per_zoom in extra.get("sizes", {}).items():
        text_sizes = ", ".join(
            f"z{z} mean {v['mean_bytes']:,.0f} max {v['max_bytes']:,.0f}"
            for z, v in per_zoom.items()
        )
        console.print(f"{name} tile bytes: {text_sizes}")
    console.print(f"goals: {GOALS}")
    cold, warm, tipg, floor = (
        best.get(k, {}) for k in ("ours-cold", "ours-warm", "tipg", "sql-floor")
    )
    for z in zooms:
        notes = []
        if z in tipg and z in cold:
            notes.append(f"cold/tipg {cold[z]['rps'] / tipg[z]['rps']:.1f}×")
        if z in tipg and z in warm:
            notes.append(f"warm/tipg {warm[z]['rps'] / tipg[z]['rps']:.1f}×")
        if z in floor and z in cold:
            notes.append(f"floor/cold {floor[z]['rps'] / cold[z]['rps']:.2f}×")
        console.print(f"z{z}: " + ", ".join(notes))


if __name__ == "__main__":
    main()
