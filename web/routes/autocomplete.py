"""``/autocomplete``: suggestions while someone types an address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import Connection

from geo.geocode.autocomplete import autocomplete
from registry.errors import FieldError, InvalidInput
from web.deps import DatabaseDep, json_response, run_read
from web.schemas_autocomplete import AutocompleteOut, SuggestionOut

router = APIRouter(tags=["Mã hóa địa lý / Geocoding"])


def parse_near(near: str | None) -> tuple[float, float] | None:
    """``"LON,LAT"`` in EPSG:4326 degrees → (lon, lat); :class:`InvalidInput` otherwise.

    >>> parse_near("106.69, 10.78")
    (106.69, 10.78)
    """
    if near is None:
        return None
    try:
        lon, lat = (float(p) for p in near.split(","))
    except ValueError:
        lon = lat = float("nan")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(
            "near must be LON,LAT in degrees (EPSG:4326), e.g. 106.69,10.78",
            errors=[FieldError(("query", "near"), "LON,LAT in degrees")],
        )
    return lon, lat


@router.get("/autocomplete", response_model=AutocompleteOut)
async def suggest(
    database: DatabaseDep,
    q: Annotated[str, Query(min_length=1, max_length=200, examples=["12 vo van t"])],
    near: Annotated[
        str | None,
        Query(description="LON,LAT (EPSG:4326): nearer first", examples=["106.69,10.78"]),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Response:
    """Places (active, with a code), streets and administrative units for a text being typed:
    every word matches as the start of a word, with or without diacritics, a typo per word
    is forgiven, and with ``near`` the nearest come first."""
    point = parse_near(near)

    def answer(conn: Connection) -> Response:
        found = autocomplete(conn, q, point, limit)
        return json_response(AutocompleteOut(query=q, items=[SuggestionOut.of(s) for s in found]))

    return await run_read(database, answer)
