"""Geocoding: ``/reverse`` (and, as they land, ``/geocode``, ``/autocomplete``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import Connection

from geo.geocode.forward import geocode
from geo.geocode.reverse import reverse
from registry import admin_units
from registry.errors import FieldError, InvalidInput
from web.deps import DatabaseDep, json_response, run_read
from web.schemas_geocode import GeocodeOut, ReverseOut

router = APIRouter(tags=["Mã hóa địa lý / Geocoding"])


@router.get("/reverse", response_model=ReverseOut)
async def reverse_geocode(
    database: DatabaseDep,
    lon: Annotated[float, Query(description="EPSG:4326 degrees", examples=[106.68957])],
    lat: Annotated[float, Query(description="EPSG:4326 degrees", examples=[10.784813])],
    radius: Annotated[float, Query(gt=0, le=2000, description="metres")] = 100,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    at: date | None = None,
) -> Response:
    """The nearest active places within ``radius`` metres with their distance, the
    nearest street, and the commune and province containing the point."""
    day = at or admin_units.today()

    def answer(conn: Connection) -> Response:
        result = reverse(conn, lon, lat, radius_m=radius, at=day, limit=limit)
        return json_response(ReverseOut.of(result, lon, lat))

    return await run_read(database, answer)


Text = Annotated[str | None, Query(max_length=300)]


@router.get("/geocode", response_model=GeocodeOut)
async def forward_geocode(
    database: DatabaseDep,
    q: Annotated[
        str | None,
        Query(max_length=500, examples=["12/3A Võ Văn Tần, P. Xuân Hòa, TP.HCM"]),
    ] = None,
    house_number: Text = None,
    street: Text = None,
    commune: Text = None,
    district: Annotated[str | None, Query(max_length=300, description="pre-2025")] = None,
    province: Text = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
    at: date | None = None,
) -> Response:
    """Geocode free text (``q``) or structured parts. Old (pre-2025) unit names
    resolve through the official succession table; each candidate says its level,
    confidence, category (A/B/C) and what was matched, corrected or ignored."""
    text = q or _compose(house_number, street, commune, district, province)
    if not text:
        raise InvalidInput(
            "give q, or at least one of house_number, street, commune, province",
            errors=[FieldError(("query", "q"), "missing")],
        )
    day = at or admin_units.today()

    def answer(conn: Connection) -> Response:
        return json_response(GeocodeOut.of(geocode(conn, text, day, limit)))

    return await run_read(database, answer)


def _compose(
    house_number: str | None,
    street: str | None,
    commune: str | None,
    district: str | None,
    province: str | None,
) -> str:
    """Structured parts → the conventional written order (smallest first)."""
    head = " ".join(p for p in (house_number, street) if p)
    return ", ".join(p for p in (head, commune, district, province) if p)
