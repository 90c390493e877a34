"""Geocoding accuracy and throughput, diachi beside Nominatim, on the development set
under every noise kind of :mod:`bench.noise`.

``python -m bench.geocode_vs_nominatim [--nominatim URL] [--diachi-url URL] [--limit N]``

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

Throughput — both over HTTP with the same client (``--concurrency`` threads, one
keep-alive httpx client each) on a seeded sample of the queries both answer, alternating
rounds; diachi is a ``diachi serve --workers N`` started here unless ``--diachi-url``
is given. Nominatim must be running (``bench/peer_nominatim.sh``).

Writes bench/out/geocode-vs-nominatim-<UTC>.json (figures, misses, the machine).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import random
import re
import socket
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, text

from bench.common import OUT_DIR, Latency, latency_table
from bench.noise import KINDS, OldNames, bare_name, commune_mention, fold_chars, variant
from geo.geocode.forward import geocode, street_key
from geo.house_number import parse_house_number
from registry.admin_units import locate, today
from registry.config import PROJECT_ROOT, Settings
from registry.database import make_engine
from registry.errors import OutsideTerritory

DEFAULT_DATA = Path("/work/shared/data/geocode-groundtruth-dev")
PLACE_RADIUS_M = 30.0
CONFIDENT = 0.9


@dataclass
class Query:
    """One query text and what it should give."""

    qid: str
    source: str  # hq | osm_2025 | osm_tagged
    kind: str
    text: str
    commune: str  # 2025 commune code
    lon: float | None = None
    lat: float | None = None
    # hq: named_new | named_old_whole | named_old_split | district_only | other;
    # osm: in_registry | not_in_registry
    subset: str = ""
    still_named: bool = False  # the variant still names the commune unambiguously (hq)
    old_whole: bool | None = None  # old_names: the former unit went whole into the commune


@dataclass
class Answer:
    """A system's best answer to one query."""

    answered: bool
    commune: str | None = None
    lon: float | None = None
    lat: float | None = None
    house_level: bool = False
    confidence: float | None = None
    level: str | None = None
    error: str | None = None
    detail: str = ""
    communes: list[str] = field(default_factory=list)  # every candidate's commune
    ref: str | None = None  # Nominatim: the ref of a 2025 commune relation it answered


# ---------------------------------------------------------------- queries


def _rows(path: Path, limit: int | None) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows[:limit] if limit else rows


_COMMUNE_WORD = "(?<!thi )\\b(?:phuong|xa|thi tran|dac khu)\\b"
_DISTRICT_WORD = "\\b(?:huyen|quan|thi xa)\\b"


def _hq_subset(address: str, new_name: str, old_names: dict[str, bool]) -> tuple[str, str | None]:
    """How a clean seat address names its commune, and the bare name it uses."""
    if commune_mention(address, [new_name]):
        return "named_new", new_name
    for old, whole in old_names.items():
        if commune_mention(address, [old]):
            return ("named_old_whole" if whole else "named_old_split"), old
    folded = fold_chars(address)
    if re.search(_DISTRICT_WORD, folded) and not re.search(_COMMUNE_WORD, folded):
        return "district_only", None
    return "other", None


def _names_still(variant_text: str, bare: str | None) -> bool:
    if bare is None:
        return False
    words = " ".join("".join(c if c.isalnum() else " " for c in fold_chars(variant_text)).split())
    return f" {bare} " in f" {words} "


def hq_queries(rows: list[dict[str, str]], olds: OldNames, seed: int) -> list[Query]:
    out: list[Query] = []
    for row in rows:
        new_bare = bare_name(row["ward_name"])
        clean = row["address_with_province"]
        subset, used = _hq_subset(clean, new_bare, olds.names(row["ward_code"]))
        old = olds.choose(row["ward_code"], row["ward_name"], random.Random(f"{seed}|{row['id']}"))
        for kind in KINDS:
            if kind == "old_names":
                if subset != "named_new" or old is None:
                    continue
                text_ = variant(clean, kind, seed, old, [new_bare])
                if text_ is None:
                    continue
                out.append(
                    Query(
                        row["id"],
                        "hq",
                        kind,
                        text_,
                        row["ward_code"],
                        subset="named_old_whole" if old.whole else "named_old_split",
                        still_named=old.whole,
                        old_whole=old.whole,
                    )
                )
                continue
            text_ = variant(clean, kind, seed)
            assert text_ is not None
            named = subset in ("named_new", "named_old_whole") and _names_still(text_, used)
            out.append(
                Query(
                    row["id"],
                    "hq",
                    kind,
                    text_,
                    row["ward_code"],
                    subset=subset,
                    still_named=named,
                )
            )
    return out


def _in_registry(conn: Connection, row: dict[str, str], at: date) -> bool:
    rows = conn.execute(
        text(
            "SELECT v.street_name FROM place_version v JOIN admin_unit a"
            " ON a.id = v.commune_unit_id AND a.code = :code"
            " WHERE upper_inf(v.recorded) AND v.status = 'active'"
            " AND v.valid @> CAST(:at AS date)"
            " AND v.house_number_parts->>'normalized' = :hn"
        ),
        {
            "code": row["ward_code_2025"],
            "at": at,
            "hn": parse_house_number(row["housenumber"]).normalized,
        },
    ).scalars()
    wanted = street_key(row["street"])
    return any(name and street_key(name) == wanted for name in rows)


def osm_queries(
    conn: Connection, rows: list[dict[str, str]], olds: OldNames, seed: int, at: date
) -> list[Query]:
    out: list[Query] = []
    for row in rows:
        subset = "in_registry" if _in_registry(conn, row, at) else "not_in_registry"
        code = row["ward_code_2025"]
        old = olds.choose(code, row["ward_name_2025"], random.Random(f"{seed}|{row['id']}"))
        for source, column in (("osm_2025", "address_2025"), ("osm_tagged", "address_as_tagged")):
            for kind in KINDS:
                names = [bare_name(row["ward_name_2025"])]
                text_ = variant(row[column], kind, seed, old, names)
                if text_ is None:
                    continue
                out.append(
                    Query(
                        row["id"],
                        source,
                        kind,
                        text_,
                        code,
                        float(row["lon"]),
                        float(row["lat"]),
                        subset=subset,
                        old_whole=old.whole if kind == "old_names" and old else None,
                    )
                )
    return out


# ---------------------------------------------------------------- answers


def diachi_answers(conn: Connection, queries: list[Query], at: date) -> list[Answer]:
    answers = []
    for q in queries:
        try:
            result = geocode(conn, q.text, at)
        except Exception as exc:  # a crash is a wrong answer, and is reported
            conn.rollback()
            answers.append(Answer(False, error=f"{type(exc).__name__}: {exc}"[:300]))
            continue
        best = result.candidates[0] if result.candidates else None
        if best is None:
            answers.append(Answer(False))
            continue
        answers.append(
            Answer(
                True,
                best.commune.code if best.commune else None,
                best.lon,
                best.lat,
                best.level == "place",
                best.confidence,
                best.level,
                detail=best.address,
                communes=[c.commune.code for c in result.candidates if c.commune],
            )
        )
    return answers


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


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (spherical Earth, R = 6,371,008.8 m).

    >>> round(distance_m(106.0, 10.0, 106.0, 10.001))
    111
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def commune_right(q: Query, a: Answer) -> bool:
    return a.answered and a.commune == q.commune


def place_right(q: Query, a: Answer) -> bool:
    return (
        a.answered
        and a.house_level
        and a.lon is not None
        and a.lat is not None
        and q.lon is not None
        and q.lat is not None
        and distance_m(a.lon, a.lat, q.lon, q.lat) <= PLACE_RADIUS_M
    )


def right(q: Query, a: Answer) -> bool:
    """Right for the confidence precision: the commune, and the place where a place is
    claimed for an OSM point."""
    if not commune_right(q, a):
        return False
    return q.lon is None or not a.house_level or place_right(q, a)


@dataclass
class Tally:
    n: int = 0
    hits: int = 0

    def add(self, hit: bool) -> None:
        self.n += 1
        self.hits += hit

    @property
    def pct(self) -> float | None:
        return 100.0 * self.hits / self.n if self.n else None


@dataclass
class Scores:
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))

    def add(self, key: str, hit: bool) -> None:
        self.tallies[key].add(hit)

    def get(self, key: str) -> Tally:
        return self.tallies.get(key, Tally())


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
    warm = texts[:200]
    drive("warm-up", diachi_url, diachi_request, warm, threads)
    drive("warm-up", nominatim_url, nominatim_request, warm, threads)
    runs = []
    for r in range(rounds):
        runs.append(drive(f"diachi r{r + 1}", diachi_url, diachi_request, texts, threads))
        runs.append(drive(f"nominatim r{r + 1}", nominatim_url, nominatim_request, texts, threads))
    return runs


# ---------------------------------------------------------------- report


def _cell(t: Tally) -> str:
    return f"{t.pct:6.1f}" if t.pct is not None else "     -"


def _pair(scores: dict[str, Scores], key: str) -> str:
    d, n = scores["diachi"].get(key), scores["nominatim"].get(key)
    return f"{_cell(d)} {_cell(n)} {d.n:>6}"


_PAIR_HEAD = " diachi   Nomi      n |"


def hq_table(scores: dict[str, Scores]) -> str:
    head = (
        f"{'seat addresses':20s} | {'names its commune':^21s} | {'(by a former name)':^21s} | "
        f"{'all':^21s}\n{'noise kind':20s} |" + _PAIR_HEAD * 3
    )
    lines = [head, "-" * len(head.splitlines()[1])]
    for kind in KINDS:
        p = f"hq|{kind}|"
        lines.append(
            f"{kind:20s} | {_pair(scores, p + 'named')} | "
            f"{_pair(scores, p + 'named_old_whole')} | {_pair(scores, p + 'commune')}"
        )
    return "\n".join(lines)


def succession_table(scores: dict[str, Scores]) -> str:
    """Seat addresses only the succession table can place: a former district named alone,
    or a former commune that was split among several new ones."""
    head = (
        f"{'as far as succession allows':42s} | {'top answer right':^21s} | "
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
                f"{label + ' ' + kind:42s} | {_pair(scores, p)} | "
                f"{_cell(d.get(p + '|in_candidates')):>16s} | "
                f"{_cell(d.get(p + '|confident')):>17s}"
            )
    return "\n".join(lines)


def osm_table(scores: dict[str, Scores]) -> str:
    head = (
        f"{'OSM points':30s} | {'commune right':^21s} | {'place within 30 m':^21s} | "
        f"{'place, in registry':^21s}\n{'query / noise kind':30s} |" + _PAIR_HEAD * 3
    )
    lines = [head, "-" * len(head.splitlines()[1])]
    for source in ("osm_2025", "osm_tagged"):
        for kind in KINDS:
            p = f"{source}|{kind}|"
            if not scores["diachi"].get(p + "commune").n:
                continue
            lines.append(
                f"{source + ' ' + kind:30s} | {_pair(scores, p + 'commune')} | "
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


def code_state() -> dict[str, Any]:
    """The commit measured and the files of the geocoder's packages that differ from it
    (others edit them while this runs)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "modified": git("status", "--porcelain", "--", "geo", "registry", "web").splitlines(),
    }


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
    parser.add_argument("--nominatim", default="http://127.0.0.1:8088")
    parser.add_argument("--diachi-url", default=None, help="a running diachi serve")
    parser.add_argument("--workers", type=int, default=2, help="for the diachi serve started")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--throughput-queries", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--misses", type=int, default=40, help="examples kept per kind")
    args = parser.parse_args()

    engine = make_engine(Settings())
    at = today()
    t0 = time.perf_counter()
    with engine.connect() as conn:
        olds = OldNames(conn)
        queries = hq_queries(
            _rows(args.data / "ward_hq_addresses_dev.csv", args.limit), olds, args.seed
        )
        queries += osm_queries(
            conn, _rows(args.data / "osm_address_points_dev.csv", args.limit), olds, args.seed, at
        )
        print(f"{len(queries)} queries ({Counter(q.source for q in queries)})")
        t1 = time.perf_counter()
        answers = {"diachi": diachi_answers(conn, queries, at)}
        t2 = time.perf_counter()
        answers["nominatim"] = nominatim_answers(args.nominatim, queries, args.concurrency)
        t3 = time.perf_counter()
        attach_communes(conn, answers["nominatim"], at)
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
        runs = throughput(sample, diachi_url, args.nominatim, args.concurrency, args.rounds)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    best = {
        name: max((r for r in runs if r.name.startswith(name)), key=lambda r: r.per_second)
        for name in ("diachi", "nominatim")
    }
    ratio = best["diachi"].per_second / best["nominatim"].per_second
    report.append(
        f"throughput on {len(sample)} of the {len(both)} queries both answer, "
        f"{args.concurrency} client threads (keep-alive), diachi {args.workers} workers, "
        f"Nominatim 2 workers:\n{latency_table(runs)}\n"
        f"best round: diachi {best['diachi'].per_second:.0f}/s, Nominatim "
        f"{best['nominatim'].per_second:.0f}/s, ratio {ratio:.1f}x"
    )
    print("\n\n".join(report))

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"geocode-vs-nominatim-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "date": stamp,
                "code": code_state(),
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
