"""Response models of batch geocoding (``/geocode/batch``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from geo.geocode.batch import Job
from geo.geocode.forward import GeocodeResult
from web.schemas_geocode import CandidateOut


class BatchOptionsOut(BaseModel):
    format: str = Field(description="csv | jsonl")
    column: str | None = Field(description="the column holding the whole address")
    structured: dict[str, str] = Field(description="address part → the column holding it")
    id_column: str | None = Field(description="the column holding the row id (else row number)")
    at: date = Field(description="the date every row is geocoded at")


class BatchLinksOut(BaseModel):
    self: str
    results_csv: str
    results_jsonl: str


class BatchJobOut(BaseModel):
    """A batch job and its progress; results are complete once ``status`` is ``done``."""

    id: uuid.UUID
    status: str = Field(description="queued | running | done | failed")
    total: int = Field(description="data rows in the file")
    done: int = Field(description="rows answered so far, the failed ones included")
    failed: int = Field(description="rows that could not be read or geocoded")
    eta_seconds: float | None = Field(description="estimated seconds left; null until known")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    options: BatchOptionsOut
    links: BatchLinksOut

    @classmethod
    def of(cls, job: Job, base: str) -> BatchJobOut:
        at = job.options.at
        assert at is not None  # fixed at creation
        here = f"{base}/geocode/batch/{job.id}"
        return cls(
            id=job.id,
            status=job.status,
            total=job.total,
            done=job.done,
            failed=job.failed,
            eta_seconds=job.eta_seconds,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            error=job.error,
            options=BatchOptionsOut(
                format=job.options.format,
                column=job.options.column,
                structured=dict(job.options.structured),
                id_column=job.options.id_column,
                at=at,
            ),
            links=BatchLinksOut(
                self=here,
                results_csv=f"{here}/results?format=csv",
                results_jsonl=f"{here}/results?format=jsonl",
            ),
        )


class RowResultOut(BaseModel):
    """One line of the JSON-lines results."""

    row_no: int = Field(description="1 = the first data row")
    row_id: str = Field(description="from the id column, else the row number")
    input: dict[str, str]
    status: str = Field(description="ok | no-match | error")
    best: CandidateOut | None = Field(description="what /geocode answers first for the row")
    ambiguous: bool | None
    error: str | None


def render(result: GeocodeResult) -> dict[str, Any]:
    """The JSON stored for a row: the best candidate exactly as ``/geocode`` renders it."""
    best = result.candidates[0] if result.candidates else None
    return {
        "best": CandidateOut.of(best).model_dump(mode="json") if best else None,
        "ambiguous": result.ambiguous,
    }
