"""Geocoding quality on the development ground truth, per noise kind.

``python -m bench.geocode_quality [--data DIR] [--kinds K,K] [--limit N] [--seed S]
[--show-misses N [--kind K]]``

The queries and their scoring are :mod:`bench.geocode_queries`: the 1,953 seat addresses
and the 326 OSM address points (as written in 2025 names and as tagged) of
../shared/data/geocode-groundtruth-dev, each in every noise kind of :mod:`bench.noise`
that applies (seeded by ``--seed``). diachi answers in-process
(``geo.geocode.forward.geocode``, best candidate), on the database in
DIACHI_DATABASE_URL or the private cluster, on today's date.

Per kind: the queries; commune right (all queries; the seat addresses that still name
their commune); exact place (a house-level answer within 30 m) for the OSM points whose
address is in the registry, as written in 2025 names and as tagged; the median distance
from the answer to the OSM point; the share of queries at confidence >= 0.9 (coverage)
and the share of those that are right (precision). Then the same over all kinds and over
the noisy kinds (all but ``clean``), and the issue's targets, met or not:

- commune right for >= 98 % of the clean seat addresses that name their commune, and for
  >= 95 % of the noisy variants that still name it;
- exact place for >= 95 % of the OSM points in the registry (clean, 2025 names);
- at confidence >= 0.9, precision >= 99 % with >= 70 % of all queries reaching it.

Writes bench/out/geocode-quality-<UTC>.json: the figures per kind and per source, the
targets, misses per kind, the confident wrong answers, the machine, load and commit.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.common import machine, write_json
from bench.geocode_queries import (
    DEFAULT_DATA,
    HQ_FILE,
    OSM_FILE,
    Answer,
    Query,
    Tally,
    code_state,
    commune_right,
    confident,
    diachi_answers,
    error_m,
    hq_queries,
    osm_queries,
    parse_kinds,
    place_right,
    read_rows,
    right,
)
from bench.noise import KINDS, OldNames
from registry.admin_units import today
from registry.config import Settings
from registry.database import make_engine

CHUNK = 5000


@dataclass
class Figures:
    """The scores of one group of queries (a kind, a source, all of them)."""

    queries: int = 0
    commune: Tally = field(default_factory=Tally)
    named: Tally = field(default_factory=Tally)  # seat addresses still naming their commune
    place_2025: Tally = field(default_factory=Tally)  # OSM in registry, 2025 names
    place_tagged: Tally = field(default_factory=Tally)  # OSM in registry, as tagged
    errors_m: list[float] = field(default_factory=list)  # OSM answers: distance to the point
    coverage: Tally = field(default_factory=Tally)  # confidence >= 0.9, over every query
    precision: Tally = field(default_factory=Tally)  # right, over those

    def add(self, q: Query, a: Answer) -> None:
        self.queries += 1
        self.commune.add(commune_right(q, a))
        if q.source == "hq" and q.still_named:
            self.named.add(commune_right(q, a))
        if q.subset == "in_registry":
            (self.place_2025 if q.source == "osm_2025" else self.place_tagged).add(
                place_right(q, a)
            )
        error = error_m(q, a)
        if q.source != "hq" and a.answered and error is not None:
            self.errors_m.append(error)
        self.coverage.add(confident(a))
        if confident(a):
            self.precision.add(right(q, a))

    @property
    def median_m(self) -> float | None:
        if not self.errors_m:
            return None
        ordered = sorted(self.errors_m)
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"queries": self.queries}
        for name in ("commune", "named", "place_2025", "place_tagged", "coverage", "precision"):
            tally: Tally = getattr(self, name)
            out[name] = {"n": tally.n, "hits": tally.hits, "pct": _round(tally.pct)}
        out["median_error_m"] = _round(self.median_m)
        out["osm_answers"] = len(self.errors_m)
        return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def figures(
    queries: list[Query], answers: list[Answer], kinds: list[str]
) -> dict[str, dict[str, Figures]]:
    """Figures per kind (and "all kinds", "noisy kinds"), each for every source ("all") and
    per source, and for the seat-address subsets ("hq:district_only" …)."""
    out: dict[str, dict[str, Figures]] = {k: {} for k in [*kinds, "all kinds", "noisy kinds"]}
    for q, a in zip(queries, answers, strict=True):
        groups = [q.kind, "all kinds"] + (["noisy kinds"] if q.kind != "clean" else [])
        parts = ["all", q.source] + ([f"hq:{q.subset}"] if q.source == "hq" else [])
        for group in groups:
            for part in parts:
                out[group].setdefault(part, Figures()).add(q, a)
    return out


# ---------------------------------------------------------------- report


def _pct(t: Tally) -> str:
    return f"{t.pct:5.1f}" if t.pct is not None else "    -"


def _with_n(t: Tally) -> str:
    return f"{_pct(t)} {t.n:>6,}" if t.n else f"{'-':>5} {'':>6}"


def table(figs: dict[str, dict[str, Figures]]) -> str:
    head = (
        f"{'noise kind':26s} {'queries':>7} | {'commune':>7} | {'named commune':>13} | "
        f"{'place 2025':>12} | {'place tagged':>12} | {'median m':>8} | "
        f"{'cov≥0.9':>7} | {'prec':>5}"
    )
    lines = [head, "-" * len(head)]
    for group, parts in figs.items():
        f = parts.get("all")
        if f is None:
            continue
        if group == "all kinds":
            lines.append("-" * len(head))
        median = f"{f.median_m:8.0f}" if f.median_m is not None else f"{'-':>8}"
        lines.append(
            f"{group:26s} {f.queries:>7,} | {_pct(f.commune):>7} | {_with_n(f.named):>13} | "
            f"{_with_n(f.place_2025):>12} | {_with_n(f.place_tagged):>12} | {median} | "
            f"{_pct(f.coverage):>7} | {_pct(f.precision):>5}"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    what: str
    value: float | None
    goal: float
    n: int

    @property
    def met(self) -> bool:
        return self.value is not None and self.value >= self.goal

    def line(self) -> str:
        value = f"{self.value:.1f} %" if self.value is not None else "no queries"
        mark = "✔" if self.met else "✘"
        return f"{mark} {self.what}: {value} (goal >= {self.goal:g} %, n = {self.n:,})"


def targets(figs: dict[str, dict[str, Figures]]) -> list[Target]:
    """The issue's targets, from the kinds that were run."""
    out = []
    clean, noisy, every = figs.get("clean", {}), figs["noisy kinds"], figs["all kinds"]
    if "all" in clean:
        named, place = clean["all"].named, clean["all"].place_2025
        out.append(Target("commune, clean seat addresses naming it", named.pct, 98, named.n))
    if "all" in noisy:
        named = noisy["all"].named
        out.append(Target("commune, noisy variants still naming it", named.pct, 95, named.n))
    if "all" in clean:
        out.append(Target("exact place, OSM points in the registry", place.pct, 95, place.n))
    if "all" in every:
        cov, prec = every["all"].coverage, every["all"].precision
        out.append(Target("queries at confidence >= 0.9", cov.pct, 70, cov.n))
        out.append(Target("precision at confidence >= 0.9", prec.pct, 99, prec.n))
    return out


def misses(
    queries: list[Query], answers: list[Answer], per_kind: int, seed: int
) -> dict[str, list[dict[str, Any]]]:
    """Up to ``per_kind`` misses of each kind, drawn at random (seeded), among the queries
    the targets count: a wrong commune for a seat address that still names its commune or
    for an OSM point written in 2025 names; a missed place for such a point in the
    registry. (The OSM points as tagged mostly name no unit at all.)"""
    pool: dict[str, list[dict[str, Any]]] = {}
    for q, a in zip(queries, answers, strict=True):
        if (q.source == "hq" and not q.still_named) or q.source == "osm_tagged":
            continue
        if not commune_right(q, a):
            what = "commune"
        elif q.subset == "in_registry" and not place_right(q, a):
            what = "place"
        else:
            continue
        pool.setdefault(q.kind, []).append(_miss(q, a, what))
    rng = random.Random(seed)
    return {
        kind: sorted(rng.sample(found, min(per_kind, len(found))), key=lambda m: m["id"])
        for kind, found in pool.items()
    }


def _miss(q: Query, a: Answer, what: str) -> dict[str, Any]:
    error = error_m(q, a)
    return {
        "id": q.qid,
        "source": q.source,
        "missed": what,
        "query": q.text,
        "mix": q.mix,
        "want": f"{q.commune} {q.commune_name}",
        "got": f"{a.commune} {a.commune_name}" if a.answered else "no answer",
        "level": a.level,
        "confidence": a.confidence,
        "error_m": _round(error),
        "error": a.error,
    }


def confident_wrong(
    queries: list[Query], answers: list[Answer], limit: int
) -> list[dict[str, Any]]:
    """Answers at confidence >= 0.9 that are wrong (what costs precision)."""
    out: list[dict[str, Any]] = []
    for q, a in zip(queries, answers, strict=True):
        if confident(a) and not right(q, a) and len(out) < limit:
            out.append(
                _miss(q, a, "commune" if not commune_right(q, a) else "place") | {"kind": q.kind}
            )
    return out


def _print_misses(found: dict[str, list[dict[str, Any]]], kinds: list[str]) -> None:
    for kind in kinds:
        rows = found.get(kind, [])
        if not rows:
            continue
        print(f"\nmisses, {kind}:")
        for m in rows:
            mix = f" [{m['mix']}]" if m["mix"] else ""
            conf = f"{m['confidence']:.2f}" if m["confidence"] is not None else "-"
            where = f", {m['error_m']:.0f} m off" if m["error_m"] is not None else ""
            print(
                f"  {m['query']!r}{mix}\n    want {m['want']}; got {m['got']} "
                f"({m['missed']} missed, {m['level']}, confidence {conf}{where})"
            )


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--kinds", type=parse_kinds, default=list(KINDS), help="comma-separated")
    parser.add_argument("--limit", type=int, default=None, help="rows per CSV (a quick run)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show-misses", type=int, default=0, metavar="N", help="per kind")
    parser.add_argument("--kind", default=None, help="show the misses of this kind only")
    args = parser.parse_args()

    engine = make_engine(Settings())
    at = today()
    started = time.perf_counter()
    with engine.connect() as conn:
        before = machine(conn)
        code = code_state()
        olds = OldNames(conn)
        queries = hq_queries(
            read_rows(args.data / HQ_FILE, args.limit), olds, args.seed, args.kinds
        )
        queries += osm_queries(
            conn, read_rows(args.data / OSM_FILE, args.limit), olds, args.seed, at, args.kinds
        )
        built = time.perf_counter()
        answers: list[Answer] = []
        for i in range(0, len(queries), CHUNK):
            answers += diachi_answers(conn, queries[i : i + CHUNK], at)
            print(f"  {len(answers):,}/{len(queries):,} queries", file=sys.stderr)
        geocoded = time.perf_counter()
        after = machine(conn)
    rate = len(queries) / max(geocoded - built, 1e-9)

    figs = figures(queries, answers, args.kinds)
    report = table(figs)
    goals = targets(figs)
    print(
        f"{len(queries):,} queries ({sum(q.source == 'hq' for q in queries):,} seat addresses, "
        f"{sum(q.source != 'hq' for q in queries):,} OSM points) on {at}, seed {args.seed}; "
        f"geocoded in {geocoded - built:.1f} s ({rate:.0f}/s), load average "
        f"{before['load_average_1_5_15'][0]} → {after['load_average_1_5_15'][0]}, "
        f"commit {before['git_commit'][:7]}"
    )
    if code["modified"]:
        print(f"uncommitted in geo/, registry/, web/: {', '.join(m[3:] for m in code['modified'])}")
    print()
    print(report)
    print("\ntargets:")
    for goal in goals:
        print(" ", goal.line())
    found = misses(queries, answers, max(args.show_misses, 20), args.seed)
    if args.show_misses:
        shown = {k: v[: args.show_misses] for k, v in found.items()}
        _print_misses(shown, [args.kind] if args.kind else args.kinds)

    path = write_json(
        "geocode-quality",
        {
            "machine": before,
            "code": code,
            "load_average_after": after["load_average_1_5_15"],
            "args": {k: str(v) for k, v in vars(args).items()},
            "date": str(at),
            "queries": len(queries),
            "seconds": {
                "build": round(built - started, 1),
                "geocode": round(geocoded - built, 1),
                "per_second": round(rate, 1),
            },
            "figures": {
                group: {part: f.as_json() for part, f in parts.items()}
                for group, parts in figs.items()
            },
            "targets": [asdict(g) | {"met": g.met} for g in goals],
            "table": report,
            "misses": found,
            "confident_wrong": confident_wrong(queries, answers, 300),
        },
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
