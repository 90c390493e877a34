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
    ``processes`` processes (0: one per CPU). ``progress(done, total)`` is called as rows are
    written. Raises :class:`~geo.geocode.batch_input.BatchInputError` for a file that cannot
    be read at all (as the API answers 422).

    Each distinct text is geocoded once, however many rows carry it: the texts, in the
    order they first appear, are cut into chunks for the processes, and a row is written
    (in input order) as soon as the chunk holding its text is back."""
    rows = read_rows(source.read_bytes(), options)
    index: dict[str, int] = {}  # text → its place among the distinct texts
    for r in rows:
        if r.error is None:
            index.setdefault(r.query, len(index))
    texts = list(index)
    chunks = [texts[i : i + chunk_size] for i in range(0, len(texts), chunk_size)]
    found = _results(settings, chunks, options.at or today(), processes or os.cpu_count() or 1)
    report = FileReport(len(rows), 0, 0, 0)
    with target.open("w", encoding="utf-8", newline="") as out:
        write = _writer(out, output_format(target))
        progress(0, len(rows))
        for n, (row, result) in enumerate(_in_order(rows, index, found), 1):
            write(row, result)
            _count(report, result)
            if n % chunk_size == 0 or n == len(rows):
                progress(n, len(rows))
    return report


def _in_order(
    rows: list[InputRow], index: dict[str, int], found: Iterator[list[dict[str, Any]]]
) -> Iterator[tuple[InputRow, dict[str, Any]]]:
    """Each row with its result, in input order, taking chunks of answers as needed."""
    answers: list[dict[str, Any]] = []
    for row in rows:
        if row.error is not None:
            yield row, {"error": row.error}
            continue
        while index[row.query] >= len(answers):
            answers += next(found)
        yield row, answers[index[row.query]]
    for rest in found:  # none: every chunk holds a row's text; ends the processes
        answers += rest


def _count(report: FileReport, result: dict[str, Any]) -> None:
    status = batch.status(result)
    report.ok += status == "ok"
    report.no_match += status == "no-match"
    report.errors += status == "error"


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
    settings: Settings, chunks: Sequence[list[str]], at: Any, workers: int
) -> Iterator[list[dict[str, Any]]]:
    """The answers of each chunk of texts, chunk after chunk."""
    work = [(chunk, at) for chunk in chunks]
    if workers == 1:
        _start(settings)
        yield from map(_geocode_chunk, work)
        return
    with ProcessPoolExecutor(workers, initializer=_start, initargs=(settings,)) as pool:
        yield from pool.map(_geocode_chunk, work)


_database: Database | None = None


def _start(settings: Settings) -> None:
    """In each process: its own engine (connections are not shared across processes)."""
    global _database
    _database = Database(make_engine(settings))


def _geocode_chunk(work: tuple[list[str], Any]) -> list[dict[str, Any]]:
    texts, at = work
    assert _database is not None
    with _database.read() as conn:
        return batch.geocode_rows(conn, [{"q": t} for t in texts], at, render)
