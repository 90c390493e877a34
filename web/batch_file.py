"""``diachi geocode FILE``: geocode a file directly, in parallel processes, without a job.

Rows are read as ``POST /geocode/batch`` reads them (:func:`geo.geocode.batch_input.read_rows`),
geocoded in chunks by a pool of processes (each with its own connection, admin cache and
lookup memo; the GIL does not limit them), and written in input order as the job results
are (:func:`geo.geocode.batch.csv_record` / :func:`~geo.geocode.batch.json_record`), so the
answers are those of ``/geocode/batch`` and of ``/geocode``.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from geo.geocode import batch
from geo.geocode.batch_input import BatchOptions, InputRow, read_rows
from registry.admin_units import today
from registry.config import Settings
from registry.database import Database, make_engine
from web.schemas_geocode_batch import render

CHUNK_SIZE = 500


@dataclass
class FileReport:
    rows: int
    ok: int
    no_match: int
    errors: int


def output_format(path: Path) -> str:
    """ "jsonl" for a .jsonl / .ndjson file name, else "csv"."""
    return "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "csv"


def geocode_file(
    settings: Settings,
    source: Path,
    options: BatchOptions,
    target: Path,
    *,
    processes: int = 0,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> FileReport:
    """Geocode ``source`` into ``target`` (CSV or JSON lines, by its suffix) with
    ``processes`` processes (0: one per CPU). ``progress(done, total)`` is called after each
    chunk. Raises :class:`~geo.geocode.batch_input.BatchInputError` for a file that cannot
    be read at all (as the API answers 422)."""
    rows = read_rows(source.read_bytes(), options)
    at = options.at or today()
    chunks = [rows[i : i + chunk_size] for i in range(0, len(rows), chunk_size)]
    fmt = output_format(target)
    report = FileReport(len(rows), 0, 0, 0)
    workers = processes or os.cpu_count() or 1
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = _writer(out, fmt)
        done = 0
        progress(0, len(rows))
        for chunk, results in zip(chunks, _results(settings, chunks, at, workers), strict=True):
            for row, result in zip(chunk, results, strict=True):
                writer(row, result)
                status = batch.csv_record(0, "", "", result)[3]
                report.ok += status == "ok"
                report.no_match += status == "no-match"
                report.errors += status == "error"
            done += len(chunk)
            progress(done, len(rows))
    return report


def _writer(out: TextIO, fmt: str) -> Callable[[InputRow, dict[str, Any]], None]:
    if fmt == "csv":
        lines = csv.writer(out, lineterminator="\n")
        lines.writerow(batch.CSV_COLUMNS)
        return lambda r, result: lines.writerow(
            batch.csv_record(r.row_no, r.row_id, r.query, result)
        )

    def write_json(r: InputRow, result: dict[str, Any]) -> None:
        record = batch.json_record(r.row_no, r.row_id, r.input, result)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")

    return write_json


def _results(
    settings: Settings, chunks: Sequence[Sequence[InputRow]], at: Any, workers: int
) -> Iterator[list[dict[str, Any]]]:
    """Each chunk's results, in order; bad rows answered with their reason, unqueried."""
    work = [([r.input for r in c if r.error is None], at) for c in chunks]
    if workers == 1:
        _start(settings)
        answers: Iterator[list[dict[str, Any]]] = map(_geocode_chunk, work)
    else:
        pool = ProcessPoolExecutor(workers, initializer=_start, initargs=(settings,))
        answers = pool.map(_geocode_chunk, work)
    for chunk, found in zip(chunks, answers, strict=True):
        given = iter(found)
        yield [{"error": r.error} if r.error is not None else next(given) for r in chunk]
    if workers > 1:
        pool.shutdown()


_database: Database | None = None


def _start(settings: Settings) -> None:
    """In each process: its own engine (connections are not shared across processes)."""
    global _database
    _database = Database(make_engine(settings))


def _geocode_chunk(work: tuple[list[dict[str, str]], Any]) -> list[dict[str, Any]]:
    inputs, at = work
    assert _database is not None
    with _database.read() as conn:
        return batch.geocode_rows(conn, inputs, at, render)
