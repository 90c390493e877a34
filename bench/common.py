"""What both benchmarks share: latency summaries, the machine's description, JSON output."""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from registry.config import PROJECT_ROOT

OUT_DIR = PROJECT_ROOT / "bench" / "out"


def percentile(sorted_values: list[float], p: float) -> float:
    """The ``p``-th percentile (0-100) of ascending ``sorted_values``, linear interpolation.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.5
    """
    if not sorted_values:
        raise ValueError("no values")
    rank = (len(sorted_values) - 1) * p / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


@dataclass(frozen=True)
class Latency:
    """Per-operation latencies in milliseconds and the throughput of the whole run."""

    name: str
    count: int
    failures: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    per_second: float

    @classmethod
    def of(cls, name: str, seconds: list[float], wall_s: float, failures: int = 0) -> Latency:
        """Summarise ``seconds`` (one entry per operation) over a run that took ``wall_s``;
        ``failures`` counts the operations that gave no (complete) answer."""
        ms = sorted(s * 1000.0 for s in seconds)
        return cls(
            name=name,
            count=len(ms),
            failures=failures,
            p50_ms=percentile(ms, 50),
            p99_ms=percentile(ms, 99),
            max_ms=ms[-1],
            mean_ms=sum(ms) / len(ms),
            per_second=len(ms) / wall_s,
        )


def latency_table(rows: list[Latency]) -> str:
    """A fixed-width text table of ``rows``."""
    width = max(len(r.name) for r in rows)
    header = (
        f"{'':<{width}}  {'n':>6}  {'fail':>4}  {'p50 ms':>8}  {'p99 ms':>8}  "
        f"{'max ms':>8}  {'mean ms':>8}  {'per s':>8}"
    )
    lines = [header, "-" * len(header)]
    lines += [
        f"{r.name:<{width}}  {r.count:>6}  {r.failures:>4}  {r.p50_ms:>8.2f}  {r.p99_ms:>8.2f}  "
        f"{r.max_ms:>8.2f}  {r.mean_ms:>8.2f}  {r.per_second:>8.0f}"
        for r in rows
    ]
    return "\n".join(lines)


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


def machine(conn: Connection) -> dict[str, Any]:
    """The machine, software versions and commit a result was measured on."""
    load = os.getloadavg()
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "load_average_1_5_15": [round(x, 2) for x in load],
        "python": sys.version.split()[0],
        "postgresql": conn.execute(text("SHOW server_version")).scalar_one(),
        "postgis": conn.execute(text("SELECT postgis_lib_version()")).scalar_one(),
        "geos": conn.execute(text("SELECT postgis_geos_version()")).scalar_one(),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty_paths": len(_git("status", "--porcelain").splitlines()),
    }


def write_json(prefix: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` to ``bench/out/<prefix>-<UTC timestamp>.json`` and return the path."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = OUT_DIR / f"{prefix}-{stamp}.json"
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def as_dict(latency: Latency) -> dict[str, Any]:
    """``latency`` as a JSON-ready dict, figures rounded to microseconds."""
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(latency).items()}
