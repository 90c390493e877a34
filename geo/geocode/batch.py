"""Batch geocoding: jobs kept in PostGIS and the workers that process them.

A job (``geocode_job``) holds its rows (``geocode_job_row``) and its distinct query texts
(``geocode_job_text``, numbered in the order they first appear, each with how many rows hold
it): every row that could be read points to its text, so a text repeated in the file is
geocoded once and its answer stored once. A text is pending while its ``result`` is null. A
worker claims a chunk of pending texts with ``SELECT … FOR UPDATE SKIP LOCKED`` (so workers
in any number of threads and processes never take the same text), geocodes them and, **in
the same transaction**, writes their answers and adds the rows holding them to the job's
``done``. A worker that dies mid-chunk rolls back: the chunk is pending again and the next
claim redoes it, so after a restart every text (and so every row) is done exactly once.
Rows that could not be read have no text: they are stored done, with their reason, when the
job is created. A row's answer is its own ``result`` if it has one, else its text's.

Each text is answered by :func:`geo.geocode.forward.geocode` with ``limit=1`` at the job's
date; the best candidate is what ``/geocode`` gives first for the same text. How a result is
rendered to JSON is the caller's (``render``), so the batch and ``/geocode`` share one model.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from geo.geocode import cache
from geo.geocode.batch_input import BatchOptions, InputRow, compose
from geo.geocode.forward import GeocodeResult, geocode
from registry.database import Database
from registry.errors import Conflict, InvalidInput, NotFound

__all__ = [
    "CSV_COLUMNS",
    "Answer",
    "BatchSettings",
    "Job",
    "Render",
    "ResultRow",
    "WorkerPool",
    "answer_texts",
    "create_job",
    "csv_record",
    "finished",
    "geocode_rows",
    "get_job",
    "json_record",
    "process_chunk",
    "result_page",
    "rows_out",
    "status",
]

log = logging.getLogger("diachi.batch")

Render = Callable[[GeocodeResult], dict[str, Any]]
"""Turns a geocoding answer into the JSON stored for a row: ``{"best": … | None,
"ambiguous": bool}``, ``best`` as /geocode's candidate model."""

CHUNK_SIZE = 250


class BatchSettings(BaseSettings):
    """The batch workers of a server process: ``DIACHI_BATCH__WORKERS`` (0 = none; jobs
    wait for a process that has some), ``DIACHI_BATCH__CHUNK_SIZE`` (distinct texts a claim
    takes, with every row holding them), ``DIACHI_BATCH__IDLE_S``."""

    model_config = SettingsConfigDict(env_prefix="DIACHI_BATCH__")

    workers: int = Field(default=2, ge=0, le=64, description="threads per server process")
    chunk_size: int = Field(
        default=CHUNK_SIZE, ge=1, le=10_000, description="distinct texts per claim"
    )
    idle_s: float = Field(default=1.0, gt=0, le=60, description="sleep when there is no work")


@dataclass(frozen=True)
class Job:
    """A batch job and its progress."""

    id: uuid.UUID
    api_key_id: int | None
    status: str
    total: int
    done: int
    failed: int
    options: BatchOptions
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    now: datetime

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left at the rate since the first chunk; None before a rate is known,
        0 when finished."""
        if self.status in ("done", "failed"):
            return 0.0
        if self.started_at is None or self.done == 0:
            return None
        elapsed = (self.now - self.started_at).total_seconds()
        return round(elapsed * (self.total - self.done) / self.done, 1)


_JOB_COLUMNS = (
    "id, api_key_id, status, total, done, failed, options, created_at, started_at,"
    " finished_at, error, now() AS now"
)


def create_job(
    conn: Connection, api_key_id: int | None, options: BatchOptions, rows: Sequence[InputRow]
) -> Job:
    """Store a job, its distinct texts (pending) and its rows (bad rows done at once, with
    their reason; the others pointing to their text); ``options.at`` is fixed to the given
    date or today, so every row is read at the same date. Rows whose inputs give the same
    query text (``q``, or the parts composed) share one text: the first such row's input."""
    from registry.admin_units import today

    options = BatchOptions(**{**options.__dict__, "at": options.at or today()})
    bad = sum(1 for r in rows if r.error is not None)
    status = "done" if bad == len(rows) else "queued"
    job_id = conn.execute(
        text(
            "INSERT INTO geocode_job (api_key_id, status, total, done, failed, options,"
            " finished_at) VALUES (:key, :status, :total, :bad, :bad, CAST(:options AS jsonb),"
            " CASE WHEN :status = 'done' THEN now() END) RETURNING id"
        ),
        {
            "key": api_key_id,
            "status": status,
            "total": len(rows),
            "bad": bad,
            "options": json.dumps(options.to_json()),
        },
    ).scalar_one()
    texts: dict[str, list[Any]] = {}  # query → [text_no, input, rows]
    text_nos: list[int | None] = []
    for r in rows:
        if r.error is not None:
            text_nos.append(None)
            continue
        entry = texts.get(r.query)
        if entry is None:
            entry = texts[r.query] = [len(texts) + 1, r.input, 0]
        entry[2] += 1
        text_nos.append(entry[0])
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        with cur.copy("COPY geocode_job_text (job_id, text_no, input, rows) FROM STDIN") as copy:
            for text_no, input_, n in texts.values():
                copy.write_row((job_id, text_no, json.dumps(input_), n))
        with cur.copy(
            "COPY geocode_job_row (job_id, row_no, row_id, input, text_no, result, error)"
            " FROM STDIN"
        ) as copy:
            for r, text_no in zip(rows, text_nos, strict=True):
                result = json.dumps({"error": r.error}) if r.error is not None else None
                copy.write_row(
                    (job_id, r.row_no, r.row_id, json.dumps(r.input), text_no, result, r.error)
                )
    return get_job(conn, job_id, api_key_id)


def get_job(conn: Connection, job_id: uuid.UUID, api_key_id: int | None) -> Job:
    """The job, as seen by the key that created it. Raises :class:`NotFound` for an unknown
    job and for another key's (whose existence is not revealed)."""
    row = (
        conn.execute(
            text(f"SELECT {_JOB_COLUMNS} FROM geocode_job WHERE id = :id"),
            {"id": job_id},
        )
        .mappings()
        .first()
    )
    if row is None or row["api_key_id"] != api_key_id:
        raise NotFound(f"no batch job {job_id}")
    return Job(**{**row, "options": BatchOptions.from_json(row["options"])})


def _query(input_: Mapping[str, str]) -> str:
    return input_["q"] if "q" in input_ else compose(input_)


def geocode_rows(
    conn: Connection, inputs: Iterable[Mapping[str, str]], at: date, render: Render
) -> list[dict[str, Any]]:
    """The stored result of each input row (``q`` or parts), in order (see
    :func:`answer_texts`)."""
    return [json.loads(answer) for answer, _ in answer_texts(conn, inputs, at, render)]


Answer = tuple[str, str | None]
"""A row's stored result as JSON text, and its error (None for an answer)."""


def answer_texts(
    conn: Connection, inputs: Iterable[Mapping[str, str]], at: date, render: Render
) -> list[Answer]:
    """The stored result of each input row (``q`` or parts), in order, as JSON text with
    its error. Identical texts are geocoded once. On a connection that has written nothing
    in its transaction (a read transaction, as the workers use), answers and the
    geocoder's read statements are memoised for as long as the data is unchanged
    (:func:`geo.geocode.cache.remember`, :func:`geo.geocode.cache.memoised`), so a text
    seen in an earlier chunk costs nothing. A row whose geocoding raises a non-database
    error gets ``{"error": …}``; a database error propagates (the transaction is no longer
    usable)."""
    answers: dict[str, Answer] = {}
    out = []
    with cache.scope(conn):
        reader = cache.memoised(conn)
        for input_ in inputs:
            query = _query(input_)
            found = answers.get(query)
            if found is None:
                found = answers[query] = cache.remember(
                    ("batch answer", query, at, render),
                    partial(_answer, reader, query, at, render),
                )
            out.append(found)
    return out


def _answer(conn: Connection, query: str, at: date, render: Render) -> Answer:
    try:
        result = render(geocode(conn, query, at, limit=1))
    except SQLAlchemyError:
        raise
    except Exception as exc:  # a bug on one odd address must not stop the job
        log.exception("geocoding %r failed", query)
        result = {"error": f"geocoding failed: {type(exc).__name__}"}
    return json.dumps(result, ensure_ascii=False), result.get("error")


_OPEN_JOBS_SQL = """
SELECT id, options FROM geocode_job WHERE status IN ('queued', 'running')
ORDER BY created_at, id
"""

_CLAIM_SQL = """
SELECT text_no, input, rows FROM geocode_job_text
WHERE job_id = :job AND result IS NULL
ORDER BY text_no LIMIT :n
FOR UPDATE SKIP LOCKED
"""

# The answers travel as one JSON array (the stored texts joined): psycopg dumps a text[]
# element by element in Python, which cost the workers 14 % of their time. The range of the
# chunk's text numbers (claims take the lowest pending, so it is about the chunk) keeps the
# index scan to them whatever the statistics say: a job is written at once, and with the
# tables analysed near empty the join alone read every text of the job into a hash for each
# chunk (30 ms a chunk of 250 for a job of 78,000 texts).
_STORE_SQL = """
UPDATE geocode_job_text t SET result = d.result, error = d.result ->> 'error'
FROM (
    SELECT n.text_no, a.result
    FROM unnest(CAST(:text_nos AS integer[])) WITH ORDINALITY AS n(text_no, i)
    JOIN jsonb_array_elements(CAST(:results AS jsonb)) WITH ORDINALITY AS a(result, i)
        USING (i)
) d
WHERE t.job_id = :job AND t.text_no BETWEEN :first AND :last AND t.text_no = d.text_no
"""

_PROGRESS_SQL = """
UPDATE geocode_job SET
    done = done + :n, failed = failed + :failed,
    status = CASE WHEN done + :n >= total THEN 'done' ELSE 'running' END,
    started_at = coalesce(started_at, now()),
    finished_at = CASE WHEN done + :n >= total THEN now() END
WHERE id = :job
"""


@dataclass(frozen=True)
class _Claimed:
    """A claimed text: its number, the input geocoded, how many rows hold it."""

    text_no: int
    input: dict[str, str]
    rows: int


def process_chunk(database: Database, render: Render, size: int = CHUNK_SIZE) -> int:
    """Claim up to ``size`` pending texts of the oldest open job, geocode them and store
    their answers and the progress (the rows holding them) in the claiming transaction.
    Returns the number of rows done (0: no work). The geocoding reads run in a read
    transaction of their own (so lookups can be memoised across chunks; see
    :func:`answer_texts`); a database error there redoes the chunk a text at a time, each in
    its own read transaction, so one bad text is recorded as failed instead of blocking the
    job. Whatever fails, the claim rolls back: the chunk is pending again."""
    with database.transaction() as conn:
        for job_id, options in conn.execute(text(_OPEN_JOBS_SQL)).all():
            at = _job_date(conn, job_id, options)
            if at is None:
                continue
            claimed = [
                _Claimed(*r)
                for r in conn.execute(text(_CLAIM_SQL), {"job": job_id, "n": size}).all()
            ]
            if claimed:
                results = _geocode_claimed(database, [c.input for c in claimed], at, render)
                return _store(conn, job_id, claimed, results)
    return 0


def _geocode_claimed(
    database: Database, inputs: list[dict[str, str]], at: date, render: Render
) -> list[Answer]:
    try:
        with database.read() as conn:
            return answer_texts(conn, inputs, at, render)
    except SQLAlchemyError:
        log.warning("a chunk failed; redoing it a row at a time", exc_info=True)
        return [_careful(database, i, at, render) for i in inputs]


def _job_date(conn: Connection, job_id: uuid.UUID, options: Mapping[str, Any]) -> date | None:
    """The date the job's rows are read at; a job whose options cannot be read (written by
    an incompatible version) is marked failed, with the reason, and None is returned."""
    try:
        at = BatchOptions.from_json(options).at
        if at is None:
            raise ValueError("no date")
    except (KeyError, TypeError, ValueError, InvalidInput) as exc:
        conn.execute(
            text(
                "UPDATE geocode_job SET status = 'failed', finished_at = now(), error = :e"
                " WHERE id = :id"
            ),
            {"id": job_id, "e": f"unreadable options: {exc}"},
        )
        return None
    return at


def _careful(database: Database, input_: Mapping[str, str], at: date, render: Render) -> Answer:
    try:
        with database.read() as conn:
            return answer_texts(conn, [input_], at, render)[0]
    except SQLAlchemyError as exc:
        log.warning("row %r failed: %s", _query(input_), exc)
        error = f"geocoding failed: {type(exc).__name__}"
        return json.dumps({"error": error}, ensure_ascii=False), error


def _store(
    conn: Connection, job_id: uuid.UUID, claimed: list[_Claimed], results: list[Answer]
) -> int:
    """Write the claimed texts' answers and add their rows to the job's progress; returns
    the number of rows done."""
    conn.execute(
        text(_STORE_SQL),
        {
            "job": job_id,
            "text_nos": [c.text_no for c in claimed],
            "first": min(c.text_no for c in claimed),
            "last": max(c.text_no for c in claimed),
            "results": "[" + ",".join(r for r, _ in results) + "]",
        },
    )
    done = sum(c.rows for c in claimed)
    failed = sum(c.rows for c, (_, e) in zip(claimed, results, strict=True) if e is not None)
    conn.execute(text(_PROGRESS_SQL), {"job": job_id, "n": done, "failed": failed})
    return done


@dataclass(frozen=True)
class ResultRow:
    """A row of a job with its answer (``result`` None while pending)."""

    row_no: int
    row_id: str
    input: dict[str, str]
    result: dict[str, Any] | None
    error: str | None


def result_page(
    conn: Connection, job_id: uuid.UUID, after_row_no: int = 0, limit: int = 2000
) -> list[ResultRow]:
    """Up to ``limit`` rows after ``after_row_no``, in row order (keyset paging), each with
    its own result (a row that could not be read) or its text's (None while pending).

    Two statements, the page's rows and then their texts, rather than one join: a job is
    written at once, so the tables' statistics can be far behind (a table analysed empty
    holding 100,000 new rows), and the join was then planned as a nested loop over a
    sequential scan of the texts per row (30,000 rows: past the 30 s statement timeout).
    The texts of a page are read with one scan whatever the plan."""
    rows = conn.execute(
        text(
            "SELECT row_no, row_id, input, result, error, text_no FROM geocode_job_row"
            " WHERE job_id = :job AND row_no > :after ORDER BY row_no LIMIT :n"
        ),
        {"job": job_id, "after": after_row_no, "n": limit},
    ).all()
    wanted = sorted({r.text_no for r in rows if r.text_no is not None})
    answers: dict[int, tuple[dict[str, Any] | None, str | None]] = {}
    if wanted:
        answers = {
            a.text_no: (a.result, a.error)
            for a in conn.execute(
                text(
                    "SELECT text_no, result, error FROM geocode_job_text"
                    " WHERE job_id = :job AND text_no = ANY (CAST(:nos AS integer[]))"
                ),
                {"job": job_id, "nos": wanted},
            )
        }
    out = []
    for r in rows:
        result, error = (r.result, r.error) if r.text_no is None else answers[r.text_no]
        out.append(ResultRow(r.row_no, r.row_id, r.input, result, error))
    return out


def finished(job: Job) -> None:
    """Raise :class:`Conflict` unless the job is done (results are whole only then)."""
    if job.status not in ("done", "failed"):
        raise Conflict(f"batch job {job.id} is {job.status}: {job.done} of {job.total} rows done")


CSV_COLUMNS = (
    "row_no",
    "row_id",
    "query",
    "status",
    "level",
    "code",
    "lon",
    "lat",
    "confidence",
    "category",
    "address",
    "commune_code",
    "commune_name",
    "province_code",
    "province_name",
    "ambiguous",
    "explain",
    "error",
)


def status(result: dict[str, Any] | None) -> str:
    """A row's status in the output: ``pending`` (no result yet), ``error``, ``ok`` (a
    best candidate) or ``no-match``."""
    if result is None:
        return "pending"
    if result.get("error"):
        return "error"
    return "ok" if result.get("best") else "no-match"


def csv_record(row_no: int, row_id: str, query: str, result: dict[str, Any] | None) -> list[str]:
    """One output CSV line (:data:`CSV_COLUMNS`); ``explain`` joined with " | ".

    >>> csv_record(3, "A3", "x", {"error": "empty address"})[:4]
    ['3', 'A3', 'x', 'error']
    """
    result = result or {}
    best = result.get("best") or {}
    commune, province = best.get("commune") or {}, best.get("province") or {}
    values = [
        row_no,
        row_id,
        query,
        status(result or None),
        best.get("level"),
        best.get("code"),
        best.get("lon"),
        best.get("lat"),
        best.get("confidence"),
        best.get("category"),
        best.get("address"),
        commune.get("code"),
        commune.get("name"),
        province.get("code"),
        province.get("name"),
        None if "ambiguous" not in result else str(result["ambiguous"]).lower(),
        " | ".join(best.get("explain") or []),
        result.get("error"),
    ]
    return ["" if v is None else str(v) for v in values]


def json_record(
    row_no: int, row_id: str, input_: Mapping[str, str], result: dict[str, Any] | None
) -> dict[str, Any]:
    """One output JSON line: the row, its input, ``status``, ``best``, ``ambiguous``,
    ``error``."""
    result = result or {}
    return {
        "row_no": row_no,
        "row_id": row_id,
        "input": dict(input_),
        "status": status(result or None),
        "best": result.get("best"),
        "ambiguous": result.get("ambiguous"),
        "error": result.get("error"),
    }


def rows_out(rows: Iterable[ResultRow], fmt: str) -> Iterator[list[str] | dict[str, Any]]:
    """The output records of ``rows`` in ``fmt`` ("csv" or "jsonl")."""
    for r in rows:
        if fmt == "csv":
            yield csv_record(r.row_no, r.row_id, _query(r.input) if r.input else "", r.result)
        else:
            yield json_record(r.row_no, r.row_id, r.input, r.result)


class WorkerPool:
    """Background threads that process open jobs until stopped. Each thread claims a chunk,
    processes it, and claims again; when there is no work it sleeps ``idle_s`` (or until
    :meth:`wake`). Jobs left running by a previous process are simply claimed again."""

    def __init__(
        self,
        database: Database,
        render: Render,
        *,
        workers: int = 2,
        chunk_size: int = CHUNK_SIZE,
        idle_s: float = 1.0,
    ) -> None:
        self.database, self.render = database, render
        self.chunk_size, self.idle_s = chunk_size, idle_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, name=f"geocode-batch-{i}", daemon=True)
            for i in range(workers)
        ]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def wake(self) -> None:
        """New work: idle threads look at once."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask every thread to stop after its current chunk, and wait for them."""
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            if t.is_alive():
                t.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                n = process_chunk(self.database, self.render, self.chunk_size)
            except Exception:  # the database went away, say: wait and try again
                log.exception("batch worker: chunk failed")
                n = 0
            if n == 0 and not self._stop.is_set():
                self._wake.wait(self.idle_s)
                self._wake.clear()
