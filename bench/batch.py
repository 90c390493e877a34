"""Batch geocoding throughput: ``python -m bench.batch [--rows 100000] [--seed 1] [--mode jobs|cli]
[--processes P] [--threads T] [--chunk 250] [--check 300]``.

**The file.** ``--rows`` addresses (default 100,000), each a noisy variant (``bench.noise``:
no diacritics, abbreviated, lower case without commas, a typo, a former commune name, noise
around, extra spaces and punctuation, or clean) of one of:

* the development ground truth (/work/shared/data/geocode-groundtruth-dev: commune seats
  as written, with and without the province; OSM address points as tagged and in 2025
  names), and
* synthetic addresses: a house number, a common street name, a 2025 commune and its
  province, drawn from the admin units in force today (one in three rows).

The same ``--seed`` and data give the same file (its digest is printed); it is written to
``bench/out/batch-input-<seed>-<rows>.csv``.

**What is timed.**

* ``jobs`` (default): the server's path. The file is read and stored as a job
  (:func:`geo.geocode.batch.create_job`, timed apart), then ``--processes`` processes each run
  a :class:`~geo.geocode.batch.WorkerPool` of ``--threads`` threads (as ``diachi serve
  --workers P`` with ``DIACHI_BATCH__WORKERS=T`` would), each claiming ``--chunk`` distinct
  texts at a time, until the job is done. Rows/s is total rows over the wall time from the
  first claim to the last commit.
* ``cli``: ``diachi geocode FILE -o OUT.csv`` (:func:`web.batch_file.geocode_file`) with
  ``--processes`` processes.

``--check N`` then compares N random rows of the output with ``geocode()`` called one by
one (what ``/geocode`` answers): they must be equal. The job is deleted at the end.
Runs against DIACHI_DATABASE_URL or the private cluster. Target: >= 2,000 rows/s.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import multiprocessing
import random
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from bench.common import OUT_DIR, machine, write_json
from bench.noise import KINDS, OldNames, bare_name, variant
from geo.geocode import batch
from geo.geocode.batch_input import BatchOptions, read_rows
from geo.geocode.forward import geocode
from registry.admin_units import today
from registry.config import Settings
from registry.database import Database, make_engine
from web.batch_file import geocode_file
from web.schemas_geocode_batch import render

DEV = Path("/work/shared/data/geocode-groundtruth-dev")
TARGET_ROWS_PER_S = 2000.0
STREETS = (
    "Nguyễn Trãi", "Lê Lợi", "Trần Hưng Đạo", "Hai Bà Trưng", "Lý Thường Kiệt", "Nguyễn Huệ",
    "Lê Duẩn", "Điện Biên Phủ", "Cách Mạng Tháng Tám", "Quang Trung", "Nguyễn Du", "Bà Triệu",
    "Hùng Vương", "Trần Phú", "Lê Hồng Phong", "Võ Văn Tần", "Ngô Quyền", "Phan Chu Trinh",
    "Nguyễn Văn Linh", "Võ Nguyên Giáp", "Lạc Long Quân", "Hoàng Diệu", "Bạch Đằng",
)  # fmt: skip


def _dev_addresses() -> list[tuple[str, str | None, str | None]]:
    """(address, 2025 commune code, 2025 commune name) of the development set."""
    out: list[tuple[str, str | None, str | None]] = []
    with (DEV / "ward_hq_addresses_dev.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            for address in (r["address_raw"], r["address_with_province"]):
                out.append((address, r["ward_code"], r["ward_name"]))
    with (DEV / "osm_address_points_dev.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out.append((r["address_2025"], r["ward_code_2025"], r["ward_name_2025"]))
    return out


def _communes(conn: Connection) -> list[tuple[str, str, str]]:
    rows = conn.execute(
        text(
            "SELECT c.code, c.name, p.name FROM admin_unit c JOIN admin_unit p"
            " ON p.level = 'province' AND p.code = c.parent_code AND p.valid @> CAST(:d AS date)"
            " WHERE c.level = 'commune' AND c.valid @> CAST(:d AS date) ORDER BY c.code"
        ),
        {"d": today()},
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _synthetic(rng: random.Random, communes: list[tuple[str, str, str]]) -> tuple[str, str, str]:
    code, commune, province = rng.choice(communes)
    number = str(rng.randint(1, 400))
    if rng.random() < 0.3:
        number += f"/{rng.randint(1, 60)}"
    return f"{number} {rng.choice(STREETS)}, {commune}, {province}", code, commune


def make_rows(conn: Connection, n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` (row id, address) pairs; see the module documentation."""
    rng = random.Random(seed)
    dev, communes, old = _dev_addresses(), _communes(conn), OldNames(conn)
    rows = []
    for i in range(n):
        address, code, name = _synthetic(rng, communes) if rng.random() < 1 / 3 else rng.choice(dev)
        kind = rng.choice(KINDS)
        noisy = None
        if kind == "old_names" and code and name:
            former = old.choose(code, name, rng)
            names = [bare_name(name), *old.names(code)]
            noisy = variant(address, kind, rng.random(), former, names)
        elif kind != "old_names":
            noisy = variant(address, kind, rng.random())
        rows.append((f"r{i + 1}", noisy or address))
    return rows


def _csv_bytes(rows: list[tuple[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "address"])
    writer.writerows(rows)
    return out.getvalue().encode()


def _pool_process(url: str, threads: int, chunk: int, job_id: str) -> None:
    database = Database(make_engine(Settings(database_url=url)))
    pool = batch.WorkerPool(database, render, workers=threads, chunk_size=chunk, idle_s=0.2)
    pool.start()
    try:
        while True:
            with database.read() as conn:
                status = conn.execute(
                    text("SELECT status FROM geocode_job WHERE id = CAST(:id AS uuid)"),
                    {"id": job_id},
                ).scalar_one()
            if status in ("done", "failed"):
                return
            time.sleep(0.2)
    finally:
        pool.stop()
        database.dispose()


def run_jobs(
    database: Database, url: str, body: bytes, processes: int, threads: int, chunk: int
) -> dict[str, Any]:
    options = BatchOptions(column="address", id_column="id")
    t0 = time.perf_counter()
    with database.transaction() as conn:
        job = batch.create_job(conn, None, options, read_rows(body, options))
    created_s = time.perf_counter() - t0
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_pool_process, args=(url, threads, chunk, str(job.id)))
        for _ in range(processes)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    with database.read() as conn:
        done = batch.get_job(conn, job.id, None)
        wall_s = (done.finished_at - done.started_at).total_seconds()  # type: ignore[operator]
        results = {r.row_id: r.result for r in _all_results(conn, job.id)}
    return {
        "job": str(job.id),
        "create_s": round(created_s, 2),
        "wall_s": round(wall_s, 2),
        "status": done.status,
        "done": done.done,
        "failed": done.failed,
        "rows_per_s": round(done.total / wall_s, 1),
        "results": results,
    }


def _all_results(conn: Connection, job_id: Any) -> list[batch.ResultRow]:
    out: list[batch.ResultRow] = []
    while page := batch.result_page(conn, job_id, out[-1].row_no if out else 0, 10_000):
        out += page
    return out


def run_cli(settings: Settings, source: Path, processes: int) -> dict[str, Any]:
    target = source.with_suffix(".out.jsonl")
    options = BatchOptions(column="address", id_column="id")
    t0 = time.perf_counter()
    report = geocode_file(settings, source, options, target, processes=processes)
    wall_s = time.perf_counter() - t0
    results: dict[str, Any] = {}
    with target.open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            results[record["row_id"]] = {"best": record["best"], "ambiguous": record["ambiguous"]}
    return {
        "wall_s": round(wall_s, 2),
        "rows_per_s": round(report.rows / wall_s, 1),
        "ok": report.ok,
        "no_match": report.no_match,
        "errors": report.errors,
        "results": results,
    }


def check(
    conn: Connection, rows: list[tuple[str, str]], results: dict[str, Any], n: int, seed: int
) -> int:
    """How many of ``n`` sampled rows differ from ``geocode()`` called on their own."""
    at = today()
    differ = 0
    for row_id, address in random.Random(seed).sample(rows, min(n, len(rows))):
        alone = render(geocode(conn, address, at, limit=1))
        got = {k: results[row_id].get(k) for k in ("best", "ambiguous")}
        if got != alone:
            differ += 1
            print(f"DIFFERS {row_id}: {address!r}")
    return differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mode", choices=("jobs", "cli"), default="jobs")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=batch.CHUNK_SIZE)
    parser.add_argument("--check", type=int, default=300)
    args = parser.parse_args()

    settings = Settings()
    engine = make_engine(settings)
    database = Database(engine)
    url = engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        info = machine(conn)
        rows = make_rows(conn, args.rows, args.seed)
    body = _csv_bytes(rows)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    source = OUT_DIR / f"batch-input-{args.seed}-{args.rows}.csv"
    source.write_bytes(body)
    digest = hashlib.sha256(body).hexdigest()[:16]
    distinct = len({a for _, a in rows})
    print(f"{len(rows)} rows ({distinct} distinct texts), digest {digest}, {source}")
    print(f"load average {info['load_average_1_5_15']} on {info['cpus']} CPUs")

    if args.mode == "jobs":
        result = run_jobs(database, url, body, args.processes, args.threads, args.chunk)
    else:
        result = run_cli(settings, source, args.processes)
    with engine.connect() as conn:
        differ = check(conn, rows, result.pop("results"), args.check, args.seed)
    if args.mode == "jobs":
        with database.transaction() as conn:
            conn.execute(text("DELETE FROM geocode_job WHERE id = :id"), {"id": result["job"]})
    result |= {"checked": args.check, "differ": differ}
    print(result)
    path = write_json(
        "batch",
        {
            "machine": info,
            "args": vars(args),
            "rows": len(rows),
            "distinct": distinct,
            "digest": digest,
            **result,
        },
    )
    verdict = "met" if result["rows_per_s"] >= TARGET_ROWS_PER_S else "MISSED"
    print(f"{result['rows_per_s']} rows/s (target {TARGET_ROWS_PER_S:.0f}: {verdict}); {path}")
    engine.dispose()


if __name__ == "__main__":
    main()
