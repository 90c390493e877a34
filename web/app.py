"""The FastAPI application: ``create_app(settings)`` builds it; nothing at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from registry.config import Settings
from registry.database import Database, make_engine
from web import errors
from web.cors import install as install_cors
from web.routes import admin_units, changes, code_leases, geocode, health, occupancy, places
from web.routes.autocomplete import router as autocomplete_router
from web.routes.geocode_batch import install as install_geocode_batch
from web.routes.geocode_batch import router as geocode_batch_router
from web.routes.ogc import router as ogc_router
from web.routes.tiles import install as install_direct_tiles
from web.routes.tiles import router as tiles_router

DESCRIPTION = """
**diachi** — sổ địa chỉ số và GIS cho Việt Nam / digital-address and GIS registry
for Vietnam. Administrative units of the 2025 reform (34 provinces, 3,321
communes) and before it (63 provinces, 696 districts, 10,035 communes), with the
official succession table. Coordinates are EPSG:4326 in (lon, lat) order; dates
are calendar dates in Asia/Ho_Chi_Minh. Every error is RFC 9457
`application/problem+json`.
"""


def create_app(settings: Settings, database: Database | None = None) -> FastAPI:
    """Build the application; ``database`` lets tests hand in their own."""
    db = database or Database(make_engine(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if database is None:
            db.dispose()

    app = FastAPI(
        title="diachi",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
    )
    app.state.settings = settings
    app.state.database = db
    errors.install(app)
    app.add_exception_handler(OperationalError, errors.database_unavailable)
    app.include_router(health.router)
    app.include_router(admin_units.router)
    app.include_router(occupancy.router)
    app.include_router(places.router)
    app.include_router(changes.router)
    app.include_router(code_leases.router)
    app.include_router(geocode.router)
    app.include_router(geocode_batch_router)
    app.include_router(autocomplete_router)
    install_geocode_batch(app)
    app.include_router(tiles_router)
    app.include_router(ogc_router)
    install_direct_tiles(app)
    install_cors(app)
    return app


def app_from_environment() -> FastAPI:
    """Factory for uvicorn: settings from the ``DIACHI_`` environment."""
    return create_app(Settings())
