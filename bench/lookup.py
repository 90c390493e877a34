"""Lookup by code over HTTP: ``python -m bench.lookup [--requests 20000] [--concurrency 8]``.

Against the scratch database filled by ``python -m bench.synthetic --load`` (300,000
places), starts two servers on the same stack, one worker each:

* **app**: ``diachi serve`` (``GET /places/{code}``, the real lookup);
* **floor**: ``bench/floor_app.py`` (``GET /floor/{code}``: FastAPI, uvicorn, the same
  engine settings, one ``SELECT … WHERE code = $1``);

then drives both with the same keep-alive load generator, ``wrk`` (Debian package), whose
Lua script cycles through a random sample of issued codes written in groups
("7123 4567 8943"). Rounds alternate floor and app; each target's figures are the median
round. Prints a table (requests/s, p50, p99, server CPU per request) and the app/floor
throughput ratio against the target (70 %), writes ``bench/out/lookup-<timestamp>.json``,
and, when the target is missed or with ``--profile``, samples both servers with py-spy
(``pip install py-spy``) to say where the app's time goes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import Connection, Engine, event, text

from bench.common import OUT_DIR, machine, write_json
from bench.scratch import SCRATCH, scratch_url
from bench.wrk import WRK_SCRIPT, Server, wrk
from registry import migrations
from registry.codes import format_code
from registry.config import PROJECT_ROOT, Settings
from registry.database import Database, make_engine

TARGET_RATIO = 0.70
EXPECTED_PLACES = 300_000
SERVER_START_TIMEOUT_S = 60.0
WARMUP_REQUESTS = 2_000
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Run:
    """One wrk run against one server."""

    target: str
    round: int
    requests: int
    seconds: float
    per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: int
    server_cpu_ms_per_request: float | None


# ---------------------------------------------------------------- setup


def sample_codes(conn: Connection, count: int, seed: int) -> list[str]:
    """``count`` issued codes of current places, in a seeded random order, grouped."""
    rows = conn.execute(
        text(
            "SELECT code FROM code_issuance WHERE status = 'issued' AND place_id IS NOT NULL"
            " ORDER BY md5(code::text || :seed) LIMIT :n"
        ),
        {"seed": str(seed), "n": count},
    ).scalars()
    return [format_code(code) for code in rows]


def issued_places(conn: Connection) -> int:
    return int(
        conn.execute(
            text("SELECT count(*) FROM code_issuance WHERE status = 'issued'")
        ).scalar_one()
    )


def statements_per_request(settings: Settings, url: str, code: str) -> dict[str, float]:
    """SQL statements (as SQLAlchemy sends them) per lookup, app and floor, in-process."""
    from fastapi.testclient import TestClient

    from bench.floor_app import create_floor_app
    from web.app import create_app

    counted = settings.model_copy(update={"database_url": url})
    counts: dict[str, float] = {}
    for name, path in (("app", "/places/"), ("floor", "/floor/")):
        seen = [0]

        def count(*_: Any, seen: list[int] = seen) -> None:
            seen[0] += 1

        event.listen(Engine, "before_cursor_execute", count)
        try:
            if name == "app":
                engine = make_engine(counted)
                app = create_app(counted, database=Database(engine))
            else:
                app = create_floor_app(counted)
            with TestClient(app) as client:
                client.get(path + quote(code))  # warm: first request may load more
                seen[0] = 0
                for _ in range(10):
                    if client.get(path + quote(code)).status_code != 200:
                        raise RuntimeError(f"{name}: lookup of {code} failed")
            counts[name] = seen[0] / 10
        finally:
            event.remove(Engine, "before_cursor_execute", count)
    return counts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _commands(port: int) -> dict[str, tuple[list[str], str]]:
    """The command line and the path prefix of each server."""
    return {
        "app": (
            [str(BIN / "diachi"), "serve", "--port", str(port), "--workers", "1"],
            "/places/",
        ),
        "floor": (
            [
                *(str(BIN / "python"), "-m", "uvicorn", "bench.floor_app:create_floor_app"),
                *("--factory", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
                *("--log-level", "warning", "--no-access-log"),
            ],
            "/floor/",
        ),
    }


@contextmanager
def serving(name: str, url: str, probe: str) -> Iterator[Server]:
    """Start server ``name`` on the database ``url``; yield it once it answers ``probe``."""
    port = _free_port()
    command, prefix = _commands(port)[name]
    env = os.environ | {"DIACHI_DATABASE_URL": url}
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    server = Server(name, f"http://127.0.0.1:{port}", prefix, process.pid)
    try:
        _wait_ready(server, process, probe)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(server: Server, process: subprocess.Popen[bytes], probe: str) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"{server.name} exited with {process.returncode}: {err}")
        try:
            response = httpx.get(server.base + server.prefix + quote(probe), timeout=2.0)
            if response.status_code == 200:
                return
            raise RuntimeError(f"{server.name}: {probe} answered {response.status_code}")
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{server.name} not ready after {SERVER_START_TIMEOUT_S:.0f} s")


# ---------------------------------------------------------------- load


def _run(target: str, round_: int, summary: dict[str, Any]) -> Run:
    seconds = summary["duration_us"] / 1e6
    cpu = summary.get("server_cpu_s")
    return Run(
        target=target,
        round=round_,
        requests=summary["requests"],
        seconds=round(seconds, 2),
        per_second=round(summary["requests"] / seconds, 1),
        p50_ms=round(summary["p50_us"] / 1000, 2),
        p90_ms=round(summary["p90_us"] / 1000, 2),
        p99_ms=round(summary["p99_us"] / 1000, 2),
        mean_ms=round(summary["mean_us"] / 1000, 2),
        max_ms=round(summary["max_us"] / 1000, 2),
        errors=summary["non_2xx"] + summary["socket_errors"],
        server_cpu_ms_per_request=None
        if cpu is None
        else round(cpu / summary["requests"] * 1e3, 3),
    )


def median_run(runs: list[Run]) -> Run:
    """The round with the median throughput (the middle one of an odd number)."""
    ordered = sorted(runs, key=lambda r: r.per_second)
    return ordered[(len(ordered) - 1) // 2]


# ---------------------------------------------------------------- profile


def profile(
    server: Server, script: Path, codes: Path, concurrency: int, seconds: int, out: Path
) -> Path:
    """Sample ``server`` with py-spy (GIL holder only: the Python CPU of a one-worker
    server) while wrk drives it; the raw collapsed stacks go to ``out``."""
    spy = BIN / "py-spy" if (BIN / "py-spy").exists() else shutil.which("py-spy")
    if spy is None:
        raise RuntimeError("py-spy is not installed (.venv/bin/pip install py-spy)")
    recorder = subprocess.Popen(
        [
            *(str(spy), "record", "--pid", str(server.pid), "--duration", str(seconds)),
            *("--rate", "200", "--gil", "--format", "raw", "--output", str(out)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    wrk_env = os.environ | {"BENCH_PATHS": str(codes), "BENCH_DONE": "/nonexistent"}
    subprocess.run(
        [
            *("wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "-s", str(script)),
            *(server.base, "--", server.prefix, "0"),
        ],
        capture_output=True,
        check=True,
        env=wrk_env,
    )
    recorder.wait(timeout=seconds + 30)
    return out


# Where a frame's file (py-spy writes "function (package/module.py:line)") puts it: the
# first match of these fragments names the layer.
LAYERS = (
    ("(registry/", "registry"),
    ("(geo/", "geo"),
    ("(web/", "web"),
    ("(bench/", "floor app"),
    ("(sqlalchemy/", "SQLAlchemy"),
    ("(psycopg", "psycopg"),
    ("(pydantic", "pydantic"),
    ("(fastapi/", "FastAPI"),
    ("(starlette/", "Starlette"),
    ("(anyio/", "anyio (thread pool)"),
    ("(uvicorn/", "uvicorn"),
    ("(asyncio/", "asyncio"),
    ("(json/", "json"),
    ("(threading.py", "threading"),
)
PROJECT = ("(registry/", "(geo/", "(web/", "(bench/")


def _layer(frame: str) -> str:
    for fragment, name in LAYERS:
        if fragment in frame:
            return name
    return "other"


def _function(frame: str) -> str:
    """``name (path.py:12)`` → ``name (path.py)``: samples of one function, any line."""
    head, _, line = frame.rpartition(":")
    return f"{head})" if line.rstrip(")").isdigit() else frame


def summarise_profile(raw: Path, top: int = 12) -> dict[str, Any]:
    """Shares of the samples: self time by layer (the library of the innermost frame),
    the functions with most self time, and the project's functions with their callees."""
    self_layer: Counter[str] = Counter()
    self_function: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_function(f) for f in stack.split(";")]
        self_layer[_layer(frames[-1])] += count
        self_function[frames[-1]] += count
        for frame in {f for f in frames if any(p in f for p in PROJECT) and "(web/cli" not in f}:
            inclusive[frame] += count

    def shares(counter: Counter[str], n: int | None = None) -> dict[str, float]:
        return {k: round(v / max(total, 1), 3) for k, v in counter.most_common(n)}

    return {
        "samples": total,
        "self_by_layer": shares(self_layer),
        "self_by_function": shares(self_function, top),
        "project_functions_inclusive": shares(inclusive, top),
    }


# ---------------------------------------------------------------- the command


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.lookup", description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000, help="per run (20000)")
    parser.add_argument("--concurrency", type=int, default=8, help="connections (8)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per server, alternating (3)")
    parser.add_argument("--codes", type=int, default=10_000, help="codes sampled (10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help=f"default: the scratch database {SCRATCH}")
    parser.add_argument("--profile", action="store_true", help="py-spy both servers anyway")
    parser.add_argument("--profile-seconds", type=int, default=20)
    return parser.parse_args()


def _table(results: dict[str, Run]) -> str:
    header = (
        f"{'':<6} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}"
        f" {'errors':>7} {'CPU ms/req':>11}"
    )
    lines = [header, "-" * len(header)]
    for name, r in results.items():
        cpu = "" if r.server_cpu_ms_per_request is None else f"{r.server_cpu_ms_per_request:.3f}"
        lines.append(
            f"{name:<6} {r.requests:>9} {r.per_second:>9.0f} {r.p50_ms:>8.2f} {r.p90_ms:>8.2f}"
            f" {r.p99_ms:>8.2f} {r.errors:>7} {cpu:>11}"
        )
    return "\n".join(lines)


def main() -> int:
    """Run the benchmark; exit status 1 when the app is below 70 % of the floor."""
    args = _arguments()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    settings = Settings()
    url = args.database_url or scratch_url(settings)
    engine = make_engine(settings, url)
    with engine.connect() as conn:
        places = issued_places(conn)
        codes = sample_codes(conn, args.codes, args.seed)
        env = machine(conn)
    engine.dispose()
    if places < EXPECTED_PLACES:
        print(f"warning: {places} issued codes, fewer than {EXPECTED_PLACES}", file=sys.stderr)
    migrations.upgrade(url)  # the app's newer tables, if the scratch database predates them
    statements = statements_per_request(settings, url, codes[0])
    work = Path(tempfile.mkdtemp(prefix="diachi-lookup-"))
    codes_file, script = work / "codes.txt", work / "lookup.lua"
    codes_file.write_text("".join(quote(c) + "\n" for c in codes))
    script.write_text(WRK_SCRIPT)
    runs: list[Run] = []
    profiles: dict[str, Any] = {}
    with serving("app", url, codes[0]) as app, serving("floor", url, codes[0]) as floor:
        servers = {"floor": floor, "app": app}
        for server in servers.values():
            wrk(server, script, codes_file, WARMUP_REQUESTS, args.concurrency, args.threads)
        for round_ in range(args.rounds):
            order = ["floor", "app"] if round_ % 2 == 0 else ["app", "floor"]
            for name in order:
                summary = wrk(
                    servers[name], script, codes_file, args.requests, args.concurrency, args.threads
                )
                runs.append(_run(name, round_, summary))
                print(
                    f"round {round_ + 1} {name}: {runs[-1].per_second:.0f} req/s", file=sys.stderr
                )
        results = {name: median_run([r for r in runs if r.target == name]) for name in servers}
        ratio = results["app"].per_second / results["floor"].per_second
        if ratio < TARGET_RATIO or args.profile:
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            OUT_DIR.mkdir(parents=True, exist_ok=True)
            for name, server in servers.items():
                raw = OUT_DIR / f"lookup-{stamp}-{name}.pyspy.txt"
                profile(server, script, codes_file, args.concurrency, args.profile_seconds, raw)
                profiles[name] = summarise_profile(raw) | {
                    "raw": str(raw.relative_to(PROJECT_ROOT))
                }
    shutil.rmtree(work)
    load_after = [round(x, 2) for x in os.getloadavg()]
    print(_table({"floor": results["floor"], "app": results["app"]}))
    print(f"SQL statements per request (SQLAlchemy): {statements}")
    verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
    print(f"app / floor throughput: {ratio:.1%} (target ≥ {TARGET_RATIO:.0%}): {verdict}")
    print(
        f"load average before {env['load_average_1_5_15']}, after {load_after}"
        f" on {env['cpus']} CPUs; {places} issued codes, {len(codes)} sampled"
    )
    for name, found in profiles.items():
        print(f"py-spy {name}: self time by layer {found['self_by_layer']}")
        print(f"py-spy {name}: most self time {found['self_by_function']}")
        print(f"py-spy {name}: project functions {found['project_functions_inclusive']}")
    path = write_json(
        "lookup",
        {
            "benchmark": "lookup",
            "machine": env,
            "load_average_after": load_after,
            "parameters": vars(args) | {"issued_codes": places, "sampled_codes": len(codes)},
            "statements_per_request": statements,
            "target": {
                "ratio": TARGET_RATIO,
                "measured": round(ratio, 3),
                "met": ratio >= TARGET_RATIO,
            },
            "results": {name: asdict(run) for name, run in results.items()},
            "rounds": [asdict(run) for run in runs],
            "profiles": profiles,
        },
    )
    print(f"wrote {path}")
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
