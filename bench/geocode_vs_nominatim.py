"""Geocoding accuracy and throughput, diachi beside Nominatim, on the development set
under every noise kind of :mod:`bench.noise`.

``python -m bench.geocode_vs_nominatim [--nominatim URL] [--diachi-url URL] [--limit N]
[--kinds K,K]``

Queries: the commune seat addresses (``address_with_province`` of
ward_hq_addresses_dev.csv) and the OSM address points (``address_2025`` and
``address_as_tagged`` of osm_address_points_dev.csv), each in every noise kind.

Accuracy — diachi in-process (``geo.geocode.forward.geocode``, best candidate);
Nominatim over HTTP (``/search?q=…&format=jsonv2&addressdetails=1&countrycodes=vn``,
first result), its commune being the 2025 commune whose polygon contains its point
(``registry.admin_units.locate``). Per kind: commune right; for the seat addresses also
on the subsets that name their commune (by its 2025 or a former name, still legible in
the variant) and that name only a former district; for the OSM points the exact place
(a house-level answer within 30 m), also on the points whose address is in the
registry; for diachi the share of queries at confidence >= 0.9 and the precision there.

Throughput — both over HTTP with the same client and ``--concurrency`` keep-alive
connections, on a seeded sample of the queries both answer, alternating rounds: wrk
(``--client wrk``, the default: two threads of C, so the client does not take the CPUs
from the servers it measures) or Python threads with httpx (``--client httpx``); diachi
is a ``diachi serve --workers N`` started here unless ``--diachi-url``
is given. Nominatim must be running (``bench/peer_nominatim.sh``).

Writes bench/out/geocode-vs-nominatim-<UTC>.json (figures, misses, the machine).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from sqlalchemy import Connection

from bench.common import OUT_DIR, Latency, latency_table, machine
from bench.geocode_queries import (
    CONFIDENT,
    DEFAULT_DATA,
    HQ_FILE,
    OSM_FILE,
    Answer,
    Query,
    Scores,
    Tally,
    code_state,
    commune_right,
    diachi_answers,
    hq_queries,
    osm_queries,
    parse_kinds,
    place_right,
    read_rows,
    right,
)
from bench.noise import KINDS, OldNames
from bench.wrk import WRK_SCRIPT, Server, wrk
from registry.admin_units import locate, today
from registry.config import PROJECT_ROOT, Settings
from registry.database import make_engine
from registry.errors import OutsideTerritory


def _nominatim_params(q: str) -> dict[str, str]:
    return {"q": q, "format": "jsonv2", "addressdetails": "1", "countrycodes": "vn"}


def nominatim_answers(base_url: str, queries: list[Query], concurrency: int) -> list[Answer]:
    local = threading.local()

    def ask(q: Query) -> Answer:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base_url, timeout=60)
        try:
            params = _nominatim_params(q.text) | {"namedetails": "1"}
            r = local.client.get("/search", params=params)
            r.raise_for_status()
            results = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            return Answer(False, error=f"{type(exc).__name__}: {exc}"[:300])
        if not results:
            return Answer(False)
        first = results[0]
        house = int(first.get("place_rank", 0)) >= 30 or "house_number" in first.get("address", {})
        ref = (first.get("namedetails") or {}).get("ref")
        synthetic = first.get("osm_type") == "relation" and int(first["osm_id"]) >= 1_000_000_000
        return Answer(
            True,
            None,
            float(first["lon"]),
            float(first["lat"]),
            house,
            level=f"{first.get('category')}/{first.get('type')}/{first.get('place_rank')}",
            detail=first.get("display_name", ""),
            ref=ref if synthetic and ref and len(ref) == 5 else None,
        )

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(ask, queries))


def attach_communes(conn: Connection, answers: list[Answer], at: date) -> None:
    """Nominatim's commune: the 2025 commune whose polygon contains its point."""
    cache: dict[tuple[float, float], str | None] = {}
    for a in answers:
        if a.lon is None or a.lat is None:
            continue
        key = (a.lon, a.lat)
        if key not in cache:
            try:
                where = locate(conn, a.lon, a.lat, at)
                cache[key] = where.commune.code if where.commune else None
            except OutsideTerritory:
                cache[key] = None
        a.commune = cache[key]
        a.communes = [a.commune] if a.commune else []


# ---------------------------------------------------------------- scoring


def score(queries: list[Query], answers: dict[str, list[Answer]]) -> dict[str, Scores]:
    out: dict[str, Scores] = {}
    for system, system_answers in answers.items():
        s = Scores()
        for q, a in zip(queries, system_answers, strict=True):
            prefix = f"{q.source}|{q.kind}"
            s.add(f"{prefix}|commune", commune_right(q, a))
            s.add(f"{prefix}|answered", a.answered)
            if q.source == "hq":
                s.add(f"{prefix}|{q.subset}", commune_right(q, a))
                s.add(f"{prefix}|{q.subset}|in_candidates", q.commune in a.communes)
                s.add(f"{prefix}|{q.subset}|confident", (a.confidence or 0.0) >= CONFIDENT)
                if q.still_named:
                    s.add(f"{prefix}|named", commune_right(q, a))
            else:
                s.add(f"{prefix}|place", place_right(q, a))
                s.add(f"{prefix}|place_{q.subset}", place_right(q, a))
            if a.ref is not None:
                s.add("relation_ref_agrees_with_locate", a.ref == a.commune)
            if system == "diachi":  # the share counts every query, answered or not
                sure = (a.confidence or 0.0) >= CONFIDENT
                for scope in (f"conf|{q.kind}", "conf|all"):
                    s.add(f"{scope}|share", sure)
                    if sure:
                        s.add(f"{scope}|precision", right(q, a))
        out[system] = s
    return out


# ---------------------------------------------------------------- throughput


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_diachi(workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(PROJECT_ROOT / ".venv/bin/diachi"),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("diachi serve did not come up")


Request = Callable[[httpx.Client, str], httpx.Response]


def drive(name: str, base_url: str, request: Request, texts: list[str], threads: int) -> Latency:
    """Send every text once from ``threads`` threads, each with its own keep-alive client."""
    counter = itertools.count()
    seconds: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def worker() -> None:
        mine: list[float] = []
        bad = 0
        with httpx.Client(base_url=base_url, timeout=60) as client:
            while (i := next(counter)) < len(texts):
                t0 = time.perf_counter()
                try:
                    ok = request(client, texts[i]).status_code == 200
                except httpx.HTTPError:
                    ok = False
                mine.append(time.perf_counter() - t0)
                bad += not ok
        with lock:
            seconds.extend(mine)
            failures[0] += bad

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return Latency.of(name, seconds, time.perf_counter() - started, failures[0])


def diachi_request(client: httpx.Client, q: str) -> httpx.Response:
    return client.get("/geocode", params={"q": q})


def nominatim_request(client: httpx.Client, q: str) -> httpx.Response:
    return client.get("/search", params=_nominatim_params(q))


def throughput(
    texts: list[str], diachi_url: str, nominatim_url: str, threads: int, rounds: int
) -> list[Latency]:
    """The httpx client: ``threads`` Python threads, each text once per round."""
    warm = texts[:200]
    drive("warm-up", diachi_url, diachi_request, warm, threads)
    drive("warm-up", nominatim_url, nominatim_request, warm, threads)
    runs = []
    for r in range(rounds):
        runs.append(drive(f"diachi r{r + 1}", diachi_url, diachi_request, texts, threads))
        runs.append(drive(f"nominatim r{r + 1}", nominatim_url, nominatim_request, texts, threads))
    return runs


NOMINATIM_PREFIX = (
    "/search?" + urlencode({k: v for k, v in _nominatim_params("").items() if k != "q"}) + "&q="
)


def throughput_wrk(
    texts: list[str], diachi_url: str, nominatim_url: str, connections: int, rounds: int
) -> list[Latency]:
    """wrk (two threads, ``connections`` keep-alive connections), ``len(texts)`` requests
    per round going round the texts: the same requests as the httpx client's, from a
    client that leaves the CPUs to the servers."""
    servers = (
        Server("diachi", diachi_url, "/geocode?q=", None),
        Server("nominatim", nominatim_url, NOMINATIM_PREFIX, None),
    )
    with tempfile.TemporaryDirectory(prefix="diachi-vs-nominatim-") as work:
        paths, script = Path(work) / "texts.txt", Path(work) / "geocode.lua"
        paths.write_text("".join(quote(t) + "\n" for t in texts))
        script.write_text(WRK_SCRIPT)
        for server in servers:
            wrk(server, script, paths, min(200, len(texts)), connections, 2)
        runs = []
        for r in range(rounds):
            for server in servers:
                summary = wrk(server, script, paths, len(texts), connections, 2)
                runs.append(_latency(f"{server.name} r{r + 1}", summary))
    return runs


def _latency(name: str, summary: dict[str, Any]) -> Latency:
    seconds = summary["duration_us"] / 1e6
    return Latency(
        name=name,
        count=summary["requests"],
        failures=summary["non_2xx"] + summary["socket_errors"],
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        max_ms=summary["max_us"] / 1000,
        mean_ms=summary["mean_us"] / 1000,
        per_second=summary["requests"] / seconds,
    )


# ---------------------------------------------------------------- report


def _cell(t: Tally) -> str:
    return f"{t.pct:6.1f}" if t.pct is not None else "     -"


def _pair(scores: dict[str, Scores], key: str) -> str:
    d, n = scores["diachi"].get(key), scores["nominatim"].get(key)
    return f"{_cell(d)} {_cell(n)} {d.n:>6}"


_PAIR_HEAD = " diachi   Nomi      n |"


def hq_table(scores: dict[str, Scores]) -> str:
    head = (
        f"{'seat addresses':26s} | {'names its commune':^21s} | {'(by a former name)':^21s} | "
        f"{'all':^21s}\n{'noise kind':26s} |" + _PAIR_HEAD * 3
    )
    lines = [head, "-" * len(head.splitlines()[1])]
    for kind in KINDS:
        p = f"hq|{kind}|"
        lines.append(
            f"{kind:26s} | {_pair(scores, p + 'named')} | "
            f"{_pair(scores, p + 'named_old_whole')} | {_pair(scores, p + 'commune')}"
        )
    return "\n".join(lines)


def succession_table(scores: dict[str, Scores]) -> str:
    """Seat addresses only the succession table can place: a former district named alone,
    or a former commune that was split among several new ones."""
    head = (
        f"{'as far as succession allows':48s} | {'top answer right':^21s} | "
        f"{'diachi: in cands':>16s} | {'diachi: conf>=0.9':>17s}"
    )
    lines = [head, "-" * len(head)]
    for subset, label in (
        ("district_only", "district seat only"),
        ("named_old_split", "former commune, split"),
    ):
        for kind in KINDS:
            p = f"hq|{kind}|{subset}"
            d = scores["diachi"]
            if not d.get(p).n:
                continue
            lines.append(
                f"{label + ' ' + kind:48s} | {_pair(scores, p)} | "
                f"{_cell(d.get(p + '|in_candidates')):>16s} | "
                f"{_cell(d.get(p + '|confident')):>17s}"
            )
    return "\n".join(lines)


def osm_table(scores: dict[str, Scores]) -> str:
    head = (
        f"{'OSM points':36s} | {'commune right':^21s} | {'place within 30 m':^21s} | "
        f"{'place, in registry':^21s}\n{'query / noise kind':36s} |" + _PAIR_HEAD * 3
    )
    lines = [head, "-" * len(head.splitlines()[1])]
    for source in ("osm_2025", "osm_tagged"):
        for kind in KINDS:
            p = f"{source}|{kind}|"
            if not scores["diachi"].get(p + "commune").n:
                continue
            lines.append(
                f"{source + ' ' + kind:36s} | {_pair(scores, p + 'commune')} | "
                f"{_pair(scores, p + 'place')} | {_pair(scores, p + 'place_in_registry')}"
            )
    return "\n".join(lines)


def confidence_table(scores: dict[str, Scores]) -> str:
    s = scores["diachi"]
    lines = [f"{'diachi, confidence >= 0.9':28s} | {'share':>6s} | {'precision':>9s} | {'n':>6s}"]
    for kind in (*KINDS, "all"):
        share, prec = s.get(f"conf|{kind}|share"), s.get(f"conf|{kind}|precision")
        lines.append(f"{kind:28s} | {_cell(share):>6s} | {_cell(prec):>9s} | {share.n:>6d}")
    return "\n".join(lines)


def misses(
    queries: list[Query], answers: dict[str, list[Answer]], per_kind: int
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i, q in enumerate(queries):
        a = answers["diachi"][i]
        wrong = not commune_right(q, a) or (
            q.source != "hq" and q.subset == "in_registry" and not place_right(q, a)
        )
        named = q.still_named or q.source != "hq" or q.subset == "district_only"
        key = f"{q.source}|{q.kind}"
        if wrong and named and len(out[key]) < per_kind:
            out[key].append(
                {
                    "query": q.text,
                    "want": q.commune,
                    "subset": q.subset,
                    "diachi": asdict(a),
                    "nominatim": asdict(answers["nominatim"][i]),
                }
            )
    return dict(out)


def confident_wrong(
    queries: list[Query], answers: list[Answer], limit: int
) -> list[dict[str, Any]]:
    """diachi's answers at confidence >= 0.9 that are wrong (what costs precision)."""
    out: list[dict[str, Any]] = []
    for q, a in zip(queries, answers, strict=True):
        if (a.confidence or 0.0) >= CONFIDENT and not right(q, a) and len(out) < limit:
            out.append({"query": q.text, "kind": q.kind, "want": q.commune, "diachi": asdict(a)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="rows per CSV (a quick run)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", type=parse_kinds, default=list(KINDS), help="comma-separated")
    parser.add_argument("--nominatim", default="http://127.0.0.1:8088")
    parser.add_argument("--diachi-url", default=None, help="a running diachi serve")
    parser.add_argument("--workers", type=int, default=2, help="for the diachi serve started")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--client",
        choices=("wrk", "httpx"),
        default="wrk",
        help="throughput client: wrk (default; Debian package wrk) or Python httpx threads",
    )
    parser.add_argument("--throughput-queries", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--misses", type=int, default=40, help="examples kept per kind")
    args = parser.parse_args()

    engine = make_engine(Settings())
    at = today()
    t0 = time.perf_counter()
    code = code_state()  # at the start: others edit the geocoder while this runs
    loads: dict[str, list[float]] = {}

    def load(phase: str) -> None:
        loads[phase] = [round(x, 2) for x in os.getloadavg()]

    load("start")
    with engine.connect() as conn:
        host = machine(conn)
        olds = OldNames(conn)
        hq_rows = read_rows(args.data / HQ_FILE, args.limit)
        queries = hq_queries(hq_rows, olds, args.seed, args.kinds)
        osm_rows = read_rows(args.data / OSM_FILE, args.limit)
        queries += osm_queries(conn, osm_rows, olds, args.seed, at, args.kinds)
        print(f"{len(queries)} queries ({Counter(q.source for q in queries)})")
        t1 = time.perf_counter()
        answers = {"diachi": diachi_answers(conn, queries, at)}
        t2 = time.perf_counter()
        answers["nominatim"] = nominatim_answers(args.nominatim, queries, args.concurrency)
        t3 = time.perf_counter()
        attach_communes(conn, answers["nominatim"], at)
    load("after accuracy")
    print(f"diachi in-process {t2 - t1:.1f} s; Nominatim over HTTP {t3 - t2:.1f} s")
    scores = score(queries, answers)
    report = [
        hq_table(scores),
        succession_table(scores),
        osm_table(scores),
        confidence_table(scores),
    ]

    both = [
        q.text
        for q, a, b in zip(queries, answers["diachi"], answers["nominatim"], strict=True)
        if a.answered and b.answered
    ]
    sample = random.Random(args.seed).sample(both, min(len(both), args.throughput_queries))
    proc = None
    diachi_url = args.diachi_url
    if diachi_url is None:
        proc, diachi_url = start_diachi(args.workers)
    try:
        drive_with = throughput_wrk if args.client == "wrk" else throughput
        runs = drive_with(sample, diachi_url, args.nominatim, args.concurrency, args.rounds)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    load("after throughput")
    best = {
        name: max((r for r in runs if r.name.startswith(name)), key=lambda r: r.per_second)
        for name in ("diachi", "nominatim")
    }
    ratio = best["diachi"].per_second / best["nominatim"].per_second
    report.append(
        f"throughput on {len(sample)} of the {len(both)} queries both answer, "
        f"{args.concurrency} keep-alive connections ({args.client}), "
        f"diachi {args.workers} workers, "
        f"Nominatim 2 workers:\n{latency_table(runs)}\n"
        f"best round: diachi {best['diachi'].per_second:.0f}/s, Nominatim "
        f"{best['nominatim'].per_second:.0f}/s, ratio {ratio:.1f}x\n"
        "load average (1, 5, 15 min): "
        + "; ".join(f"{phase} {' '.join(map(str, v))}" for phase, v in loads.items())
    )
    print("\n\n".join(report))

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"geocode-vs-nominatim-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "date": stamp,
                "code": code,
                "machine": host,
                "load_average_1_5_15": loads,
                "args": {k: str(v) for k, v in vars(args).items()},
                "queries": len(queries),
                "seconds": round(time.perf_counter() - t0, 1),
                "scores": {
                    system: {k: asdict(t) for k, t in sorted(s.tallies.items())}
                    for system, s in scores.items()
                },
                "throughput": [asdict(r) for r in runs],
                "ratio": ratio,
                "tables": report,
                "misses": misses(queries, answers, args.misses),
                "confident_wrong": confident_wrong(queries, answers["diachi"], 300),
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
