"""``/healthz``: is the database reachable, which PostGIS, which schema revision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import text

from registry.database import Database
from registry.migrations import current_revision
from web.deps import get_database

router = APIRouter(tags=["Vận hành / Operations"])


class Health(BaseModel):
    status: str
    database: str
    postgis: str
    schema_revision: str | None


@router.get("/healthz", response_model=Health)
def healthz(database: Annotated[Database, Depends(get_database)]) -> Health:
    """Answers 200 when the database answers; 503 problem+json otherwise."""
    with database.read() as conn:
        postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
        revision = current_revision(conn)
    return Health(status="ok", database="reachable", postgis=postgis, schema_revision=revision)
