"""The floor of a lookup by code: the app's stack doing nothing but the one query.

FastAPI and uvicorn as ``diachi serve`` runs them, an engine from
:func:`registry.database.make_engine` (same pool, same connection settings), a sync route
(run in the thread pool, as the app's routes are), one ``SELECT … WHERE code = $1`` and a
small JSON answer. ``bench/lookup.py`` drives it side by side with the real
``GET /places/{code}`` to see what the app adds on top::

    DIACHI_DATABASE_URL=… uvicorn bench.floor_app:create_floor_app --factory --port 8001
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException
from sqlalchemy import text

from registry import admin_units
from registry.config import Settings
from registry.database import make_engine

_LOOKUP = text(
    "SELECT c.code, c.place_id, v.status, v.kind, v.house_number, v.street_name,"
    " ST_X(v.location) AS lon, ST_Y(v.location) AS lat"
    " FROM code_issuance c"
    " JOIN place_version v ON v.place_id = c.place_id AND upper_inf(v.recorded)"
    "  AND v.valid @> CAST(:today AS date)"
    " WHERE c.code = :code"
)


def create_floor_app(settings: Settings | None = None) -> FastAPI:
    """The floor app: ``GET /floor/{code}`` (12 digits, any grouping)."""
    engine = make_engine(settings or Settings())
    app = FastAPI(title="diachi lookup floor", docs_url=None, redoc_url=None)

    @app.get("/floor/{code}")
    def floor(code: str) -> dict[str, Any]:
        digits = "".join(c for c in code if c.isdigit())
        if len(digits) != 12:
            raise HTTPException(422, "a code has 12 digits")
        with engine.connect() as conn:
            row = (
                conn.execute(_LOOKUP, {"code": int(digits), "today": admin_units.today()})
                .mappings()
                .first()
            )
        if row is None:
            raise HTTPException(404, "no such code")
        return dict(row)

    return app
