"""``/code-leases``: blocks of codes leased to field devices for offline work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from registry import changes, issuance
from registry.codes import zone_of
from web.auth import FieldKey
from web.deps import ReadConn, SettingsDep
from web.idempotency import run_write
from web.routes.places import actor
from web.schemas_places import LeaseIn, LeaseOut

router = APIRouter(prefix="/code-leases", tags=["Cấp mã ngoại tuyến / Code leases"])
LeaseId = Annotated[int, Path(ge=1)]


@router.post("", status_code=201, response_model=LeaseOut)
def create(request: Request, body: LeaseIn, principal: FieldKey, settings: SettingsDep) -> Response:
    """Lease ``count`` fresh codes of the zone of (lon, lat) to a device (scope ``field``)."""

    def work(conn: Connection) -> JSONResponse:
        with changes.recording(conn, actor(principal), f"lease to {body.device}") as tx:
            lease = issuance.create_lease(
                conn,
                tx,
                device=body.device,
                zone=zone_of(body.lon, body.lat),
                count=body.count,
                hours=body.hours,
                serial_space=settings.code_serial_space,
            )
        return JSONResponse(LeaseOut.of(lease).model_dump(mode="json"), status_code=201)

    return run_write(request, principal, body, work)


@router.get("/{lease_id}", response_model=LeaseOut)
def show(conn: ReadConn, lease_id: LeaseId, principal: FieldKey) -> LeaseOut:
    """A lease with the status of each code (leased, issued, burnt)."""
    return LeaseOut.of(issuance.get_lease(conn, lease_id))


@router.post("/{lease_id}/release", response_model=LeaseOut)
def release(request: Request, lease_id: LeaseId, principal: FieldKey) -> Response:
    """End the lease: every code not used is burnt, never to be issued."""

    def work(conn: Connection) -> JSONResponse:
        with changes.recording(conn, actor(principal), f"release lease {lease_id}"):
            lease = issuance.release_lease(conn, lease_id)
        return JSONResponse(LeaseOut.of(lease).model_dump(mode="json"))

    return run_write(request, principal, {"lease": lease_id}, work)
