"""``/admin-units``: list, search, one unit, point location, boundary."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from registry import admin_units
from web.deps import ReadConn
from web.pagination import Page, PageParams
from web.schemas_admin import (
    AdminUnitDetailOut,
    AdminUnitOut,
    FeatureOut,
    LocationOut,
    SearchItemOut,
)

router = APIRouter(prefix="/admin-units", tags=["Đơn vị hành chính / Administrative units"])

AtQuery = Annotated[
    date | None,
    Query(description="Calendar date YYYY-MM-DD (Asia/Ho_Chi_Minh); default today"),
]


@router.get("", response_model=Page[SearchItemOut] | Page[AdminUnitOut])
def list_or_search(
    request: Request,
    conn: ReadConn,
    paging: Annotated[PageParams, Depends()],
    level: Literal["province", "district", "commune"] | None = None,
    parent: Annotated[
        str | None, Query(description="Parent unit code", pattern=r"^\d{2,3}$")
    ] = None,
    at: AtQuery = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Name, accent-insensitive",
            examples=["thu dau mot"],
        ),
    ] = None,
) -> Page[SearchItemOut] | Page[AdminUnitOut]:
    """List the units in force on ``at``, or search them by name with ``q``.

    ``q`` ignores accents, case and the usual abbreviations ("tp hcm", "hcm",
    "Q.3", "P.6") and also finds former names, marked ``match.old``. Without
    ``at`` a search covers every period, current units first.
    """
    fetch = paging.limit + 1
    if q is not None:
        hits = admin_units.search(
            conn, q, level=level, parent=parent, at=at, limit=fetch, offset=paging.offset
        )
        items = [SearchItemOut.of_hit(h) for h in hits[: paging.limit]]
        return paging.page(request, items, len(hits) > paging.limit)
    units = admin_units.list_units(
        conn,
        level=level,
        parent=parent,
        at=at or admin_units.today(),
        limit=fetch,
        offset=paging.offset,
    )
    out = [AdminUnitOut.of(u) for u in units[: paging.limit]]
    return paging.page(request, out, len(units) > paging.limit)


class DisagreementOut(BaseModel):
    old_code: str
    old_name: str
    official: list[str] = Field(description="new codes per the official GSO table (kept)")
    other_source: str
    other: list[str] = Field(description="new codes per the other source")
    detail: str


@router.get("/succession-disagreements", response_model=Page[DisagreementOut])
def succession_disagreements(
    request: Request, conn: ReadConn, paging: Annotated[PageParams, Depends()]
) -> Page[DisagreementOut]:
    """Where dvhcvn or vietnamadminunits disagree with the official old→new table.
    The official table is what the registry uses; this list keeps the rest visible."""
    rows = admin_units.disagreements(conn, limit=paging.limit + 1, offset=paging.offset)
    items = [DisagreementOut(**vars(r)) for r in rows[: paging.limit]]
    return paging.page(request, items, len(rows) > paging.limit)


@router.get("/locate", response_model=LocationOut)
def locate(
    conn: ReadConn,
    lon: Annotated[float, Query(description="Longitude, EPSG:4326 degrees", examples=[106.6880])],
    lat: Annotated[float, Query(description="Latitude, EPSG:4326 degrees", examples=[10.7812])],
    at: AtQuery = None,
) -> LocationOut:
    """The commune and province containing the point (from 2025-07-01), or before
    the reform the old district and province and the old communes it may have been in."""
    day = at or admin_units.today()
    return LocationOut.of(admin_units.locate(conn, lon, lat, day), lon, lat)


@router.get("/{code}.geojson", response_model=FeatureOut)
def boundary(
    conn: ReadConn,
    code: str,
    at: AtQuery = None,
    simplify: Annotated[
        float | None, Query(ge=0, le=10_000, description="Tolerance in metres")
    ] = None,
) -> JSONResponse:
    """The unit's boundary as a GeoJSON Feature (EPSG:4326, lon/lat)."""
    unit, geometry = admin_units.boundary_geojson(conn, code, at, simplify)
    feature = FeatureOut(
        id=f"{unit.code}@{unit.version_id}",
        geometry=geometry or {},
        properties=AdminUnitOut.of(unit).model_dump(mode="json"),
    )
    return JSONResponse(feature.model_dump(mode="json"), media_type="application/geo+json")


@router.get("/{code}", response_model=AdminUnitDetailOut)
def get_unit(conn: ReadConn, code: str, at: AtQuery = None) -> AdminUnitDetailOut:
    """One unit version with its parent chain, successors (pre-2025 unit) or
    predecessors (2025 unit), whole or partial, and its former names."""
    return AdminUnitDetailOut.of_detail(admin_units.detail(conn, code, at))
