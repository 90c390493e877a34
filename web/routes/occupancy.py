"""``/places/{code}/occupancies``: private; ``private-read`` to read, ``review`` to add."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from registry import admin_units, changes, occupancy, places
from web.auth import PrivateReadKey, ReviewKey
from web.deps import ReadConn
from web.idempotency import run_write
from web.routes.places import CodeParam, actor, resolve_code

router = APIRouter(prefix="/places", tags=["Cư trú (riêng tư) / Occupancy (private)"])


class OccupancyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["household", "enterprise", "agency"]
    name: str = Field(min_length=1, max_length=300, examples=["Hộ ông Nguyễn Văn A"])
    registration_number: str | None = Field(default=None, max_length=50)
    valid_from: date | None = None


class OccupancyOut(BaseModel):
    id: int
    kind: str
    name: str
    registration_number: str | None
    valid_from: date
    valid_to: date | None

    @classmethod
    def of(cls, o: occupancy.Occupancy) -> OccupancyOut:
        return cls(
            id=o.id,
            kind=o.occupant_kind,
            name=o.name,
            registration_number=o.registration_number,
            valid_from=o.valid_from,
            valid_to=o.valid_to,
        )


@router.post("/{code}/occupancies", status_code=201, response_model=OccupancyOut)
def add(request: Request, code: CodeParam, body: OccupancyIn, principal: ReviewKey) -> Response:
    """Link a household, enterprise or agency to the place (scope ``review``)."""

    def work(conn: Connection) -> JSONResponse:
        place_id = places.place_id_of_code(conn, resolve_code(conn, code))
        with changes.recording(conn, actor(principal), "occupancy") as tx:
            added = occupancy.add(
                conn,
                tx,
                place_id,
                kind=body.kind,
                name=body.name,
                registration_number=body.registration_number,
                valid_from=body.valid_from or admin_units.today(),
            )
        return JSONResponse(OccupancyOut.of(added).model_dump(mode="json"), status_code=201)

    return run_write(request, principal, body, work)


@router.get("/{code}/occupancies", response_model=list[OccupancyOut])
def list_occupancies(
    conn: ReadConn, code: CodeParam, principal: PrivateReadKey, at: date | None = None
) -> list[OccupancyOut]:
    """Occupants of the place (scope ``private-read``)."""
    place_id = places.place_id_of_code(conn, resolve_code(conn, code))
    return [OccupancyOut.of(o) for o in occupancy.at_place(conn, place_id, at)]
