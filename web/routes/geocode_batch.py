"""``/geocode/batch``: submit a file of addresses, follow its progress, download the results.

Workers run in the server process (:func:`install`), as background threads started and
stopped with the application.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import Connection

from geo.geocode import batch
from geo.geocode.batch_input import PARTS, BatchInputError, BatchOptions, read_rows
from registry.database import Database
from registry.errors import FieldError
from web.auth import FieldKey
from web.deps import ReadConn, get_database
from web.idempotency import run_write
from web.schemas_geocode_batch import BatchJobOut, render

router = APIRouter(prefix="/geocode/batch", tags=["Mã hóa địa lý / Geocoding"])

MAX_BODY_BYTES = 64 * 1024 * 1024
JSON_LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/json")
Column = Annotated[str | None, Query(max_length=200)]


def _format(request: Request, given: str | None) -> str:
    if given:
        return given
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return "jsonl" if content_type in JSON_LINES_TYPES else "csv"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.post(
    "",
    status_code=202,
    response_model=BatchJobOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
async def submit(
    request: Request,
    principal: FieldKey,
    column: Column = None,
    id_column: Column = None,
    house_number: Column = None,
    street: Column = None,
    commune: Column = None,
    district: Column = None,
    province: Column = None,
    fmt: Annotated[Literal["csv", "jsonl"] | None, Query(alias="format")] = None,
    at: date | None = None,
) -> Response:
    """Geocode a CSV (with a header) or JSON-lines file of up to 100,000 addresses.

    Name the address column (``column``) or the structured columns (``house_number``,
    ``street``, ``commune``, ``district``, ``province``: the column holding each), and
    optionally the row id column. The answer is 202 with the job; follow ``links.self`` for
    progress. A bad row is reported in the results, with its reason. Needs scope ``field``;
    ``Idempotency-Key`` makes a retried upload create the job once."""
    body = await request.body()
    structured = {
        part: col
        for part, col in zip(
            PARTS, (house_number, street, commune, district, province), strict=True
        )
        if col
    }

    def work(conn: Connection) -> JSONResponse:
        if len(body) > MAX_BODY_BYTES:
            raise BatchInputError(
                f"the file is larger than {MAX_BODY_BYTES // 2**20} MiB",
                errors=[FieldError(("body",), "too large")],
            )
        options = BatchOptions(
            format=_format(request, fmt),
            column=column,
            structured=structured,
            id_column=id_column,
            at=at,
        )
        job = batch.create_job(conn, principal.key_id, options, read_rows(body, options))
        out = BatchJobOut.of(job, _base(request))
        return JSONResponse(
            out.model_dump(mode="json"), status_code=202, headers={"Location": out.links.self}
        )

    response = await run_in_threadpool(run_write, request, principal, body, work)
    pool: batch.WorkerPool | None = getattr(request.app.state, "batch_workers", None)
    if pool is not None:
        pool.wake()
    return response


@router.get("/{job_id}", response_model=BatchJobOut)
def progress(
    request: Request, conn: ReadConn, principal: FieldKey, job_id: uuid.UUID
) -> BatchJobOut:
    """The job's progress: rows done of the total, failed rows, estimated time left."""
    return BatchJobOut.of(batch.get_job(conn, job_id, principal.key_id), _base(request))


@router.get(
    "/{job_id}/results",
    responses={
        200: {
            "content": {"text/csv": {}, "application/x-ndjson": {}},
            "description": "one line per input row, in input order",
        }
    },
)
def results(
    request: Request,
    conn: ReadConn,
    principal: FieldKey,
    job_id: uuid.UUID,
    fmt: Annotated[Literal["csv", "jsonl"], Query(alias="format")] = "csv",
) -> StreamingResponse:
    """The results of a finished job, as CSV (one column per field of the best candidate,
    ``explain`` joined by " | ") or JSON lines (the best candidate as ``/geocode`` gives it).
    409 while the job is still running."""
    batch.finished(batch.get_job(conn, job_id, principal.key_id))
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    name = f"geocode-{job_id}.{fmt}"
    return StreamingResponse(
        _stream(get_database(request), job_id, fmt),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _stream(database: Database, job_id: uuid.UUID, fmt: str) -> Iterator[bytes]:
    """The file, page by page, each page read in its own short transaction."""
    if fmt == "csv":
        yield _csv_line(list(batch.CSV_COLUMNS)).encode()
    after = 0
    while True:
        with database.read() as conn:
            page = batch.result_page(conn, job_id, after)
        if not page:
            return
        after = page[-1].row_no
        yield "".join(_line(r) for r in batch.rows_out(page, fmt)).encode()


def _line(record: list[str] | dict[str, Any]) -> str:
    if isinstance(record, list):
        return _csv_line(record)
    return json.dumps(record, ensure_ascii=False) + "\n"


def _csv_line(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()


def install(app: FastAPI) -> None:
    """Run the batch workers (:class:`geo.geocode.batch.BatchSettings`) for as long as the
    application runs: started after the application's own startup, stopped (each after its
    current chunk) before its shutdown. They use their own connections from the app's engine."""
    settings = batch.BatchSettings()
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        async with inner(application) as state:
            pool = None
            if settings.workers > 0:
                database = Database(application.state.database.engine)
                pool = batch.WorkerPool(
                    database,
                    render,
                    workers=settings.workers,
                    chunk_size=settings.chunk_size,
                    idle_s=settings.idle_s,
                )
                pool.start()
            application.state.batch_workers = pool
            try:
                yield state
            finally:
                if pool is not None:
                    await run_in_threadpool(pool.stop)

    app.router.lifespan_context = lifespan
