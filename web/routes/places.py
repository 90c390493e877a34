"""``/places``: propose, approve, update, retire, withdraw, merge, split; lookup, history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from registry import admin_units, changes, issuance, places
from registry.access import Principal
from registry.codes import Code, CodeError, parse_code
from registry.errors import FieldError, Forbidden, InvalidInput
from web.auth import FieldKey, OptionalPrincipal, ReviewKey
from web.deps import ReadConn, SettingsDep, get_database
from web.idempotency import run_write
from web.pagination import Page, PageParams
from web.schemas_places import (
    ApproveIn,
    HistoryEntryOut,
    MergeIn,
    NearbyOut,
    PatchIn,
    PlaceOut,
    ProposeIn,
    RetireIn,
    SplitIn,
    WithdrawIn,
)

router = APIRouter(prefix="/places", tags=["Địa điểm / Places"])

CodeParam = Annotated[
    str, Path(description="12-digit code, any grouping", examples=["7123 4567 8943"])
]


def actor(principal: Principal, source: str = "api") -> changes.Actor:
    return changes.Actor(
        organisation=principal.organisation,
        source=source,
        key_id=principal.key_id,
        person=principal.person,
    )


def resolve_code(conn: Connection, raw: str, where: tuple[str, ...] = ("path", "code")) -> Code:
    """Parse a code; a failed check is 422 with the issued codes one typo away."""
    try:
        return parse_code(raw)
    except CodeError as exc:
        suggestions = issuance.issued_among(conn, exc.candidates) if exc.candidates else []
        hints = [FieldError(where, exc.message)]
        hints += [FieldError(where, f"có phải / did you mean: {c}") for c in suggestions]
        error = CodeError(exc.kind, exc.message, candidates=suggestions)
        error.errors = hints
        raise error from exc


def _json(model: PlaceOut | list[PlaceOut], status: int = 200) -> JSONResponse:
    if isinstance(model, list):
        return JSONResponse([m.model_dump(mode="json") for m in model], status_code=status)
    return JSONResponse(model.model_dump(mode="json"), status_code=status)


def _today(day: date | None) -> date:
    return day or admin_units.today()


@router.post("", status_code=201, response_model=PlaceOut)
def propose(request: Request, body: ProposeIn, principal: FieldKey) -> Response:
    """Propose a place (key scope ``field``). It has no public code until approved."""

    def work(conn: Connection) -> JSONResponse:
        with changes.recording(conn, actor(principal), body.reason) as tx:
            version = places.propose(conn, tx, body.facts(), _today(body.valid_from))
        return _json(PlaceOut.of(version), 201)

    return run_write(request, principal, body, work)


@router.post("/merge", response_model=PlaceOut)
def merge(request: Request, body: MergeIn, principal: ReviewKey, settings: SettingsDep) -> Response:
    """Merge places (scope ``review``): duplicates into a survivor, or physically into a
    new place with a new code; the others retire pointing to it."""

    def work(conn: Connection) -> JSONResponse:
        ids = [
            places.place_id_of_code(conn, resolve_code(conn, c, ("body", "codes")))
            for c in body.codes
        ]
        survivor = (
            places.place_id_of_code(conn, resolve_code(conn, body.survivor, ("body", "survivor")))
            if body.survivor
            else None
        )
        with changes.recording(conn, actor(principal), body.reason) as tx:
            version = places.merge(
                conn,
                tx,
                ids,
                _today(body.valid_from),
                survivor=survivor,
                facts=body.place.facts() if body.place else None,
                reason=body.reason,
                serial_space=settings.code_serial_space,
            )
        return _json(PlaceOut.of(version))

    return run_write(request, principal, body, work)


@router.post("/{place_id}/approve", response_model=PlaceOut)
def approve(
    request: Request,
    place_id: Annotated[int, Path(description="id of the proposed place", ge=1)],
    principal: ReviewKey,
    settings: SettingsDep,
    body: ApproveIn | None = None,
) -> Response:
    """Approve a proposal (scope ``review``): its code is issued."""
    payload = body or ApproveIn()

    def work(conn: Connection) -> JSONResponse:
        leased = (
            resolve_code(conn, payload.leased_code, ("body", "leased_code"))
            if payload.leased_code
            else None
        )
        with changes.recording(conn, actor(principal), payload.reason) as tx:
            version = places.approve(
                conn,
                tx,
                place_id,
                _today(payload.valid_from),
                leased_code=leased,
                serial_space=settings.code_serial_space,
            )
        return _json(PlaceOut.of(version))

    return run_write(request, principal, payload, work)


@router.patch("/{code}", response_model=PlaceOut)
def update(request: Request, code: CodeParam, body: PatchIn, principal: FieldKey) -> Response:
    """Change facts from ``valid_from`` (scope ``field``); earlier facts stay in history."""

    def work(conn: Connection) -> JSONResponse:
        place_id = places.place_id_of_code(conn, resolve_code(conn, code))
        changed = body.changes()
        if not changed:
            raise InvalidInput("nothing to change", errors=[FieldError(("body",), "empty")])
        with changes.recording(conn, actor(principal), body.reason) as tx:
            version = places.supersede(
                conn, tx, place_id, changed, _today(body.valid_from), "update"
            )
        return _json(PlaceOut.of(version))

    return run_write(request, principal, body, work)


@router.post("/{code}/retire", response_model=PlaceOut)
def retire(request: Request, code: CodeParam, body: RetireIn, principal: ReviewKey) -> Response:
    """Retire a place (scope ``review``) with a reason and successors; its code is burnt."""

    def work(conn: Connection) -> JSONResponse:
        place_id = places.place_id_of_code(conn, resolve_code(conn, code))
        successors = [
            places.place_id_of_code(conn, resolve_code(conn, s, ("body", "successors")))
            for s in body.successors
        ]
        with changes.recording(conn, actor(principal), body.reason) as tx:
            version = places.retire(
                conn, tx, place_id, body.reason, successors, _today(body.valid_from)
            )
        return _json(PlaceOut.of(version))

    return run_write(request, principal, body, work)


@router.post("/{place_id}/withdraw", response_model=PlaceOut)
def withdraw(
    request: Request,
    place_id: Annotated[int, Path(description="id of the proposed place", ge=1)],
    principal: ReviewKey,
    body: WithdrawIn | None = None,
) -> Response:
    """Withdraw a proposal (scope ``review``)."""
    payload = body or WithdrawIn()

    def work(conn: Connection) -> JSONResponse:
        with changes.recording(conn, actor(principal), payload.reason) as tx:
            version = places.withdraw(conn, tx, place_id, _today(payload.valid_from))
        return _json(PlaceOut.of(version))

    return run_write(request, principal, payload, work)


@router.post("/{code}/split", status_code=201, response_model=list[PlaceOut])
def split(
    request: Request, code: CodeParam, body: SplitIn, principal: ReviewKey, settings: SettingsDep
) -> Response:
    """Split a place into new ones with new codes (scope ``review``); it retires."""

    def work(conn: Connection) -> JSONResponse:
        place_id = places.place_id_of_code(conn, resolve_code(conn, code))
        with changes.recording(conn, actor(principal), body.reason) as tx:
            created = places.split(
                conn,
                tx,
                place_id,
                [p.facts() for p in body.parts],
                _today(body.valid_from),
                reason=body.reason,
                serial_space=settings.code_serial_space,
            )
        return _json([PlaceOut.of(v) for v in created], 201)

    return run_write(request, principal, body, work)


@router.get("", response_model=Page[NearbyOut])
def nearby(
    request: Request,
    conn: ReadConn,
    principal: OptionalPrincipal,
    paging: Annotated[PageParams, Depends()],
    near: Annotated[
        str, Query(pattern=r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?$", examples=["106.6896,10.7848"])
    ],
    radius: Annotated[float, Query(gt=0, le=5000, description="metres")] = 200,
    kind: Literal["building", "entrance", "unit"] | None = None,
    status: Literal["proposed", "active", "retired", "withdrawn"] | None = None,
    at: date | None = None,
) -> Page[NearbyOut]:
    """Places near ``near=LON,LAT`` within ``radius`` metres, nearest first.
    Proposed places only for a ``review`` key."""
    lon, lat = (float(x) for x in near.split(","))
    reviewer = principal is not None and principal.has("review")
    if status in ("proposed", "withdrawn") and not reviewer:
        raise Forbidden("proposed and withdrawn places are shown to review keys only")
    found = places.near(
        conn,
        lon,
        lat,
        radius,
        at=_today(at),
        kind=kind,
        status=status,
        include_proposed=reviewer,
        limit=paging.limit + 1,
        offset=paging.offset,
    )
    items = [
        NearbyOut(**PlaceOut.of(v).model_dump(), distance_m=round(d, 2))
        for v, d in found[: paging.limit]
    ]
    return paging.page(request, items, len(found) > paging.limit)


@router.get("/{code}.geojson")
def lookup_geojson(
    conn: ReadConn, code: CodeParam, at: date | None = None, known_at: datetime | None = None
) -> JSONResponse:
    """The place as a GeoJSON Feature (EPSG:4326, lon/lat)."""
    view = places.view(conn, resolve_code(conn, code), _today(at), known_at)
    props = PlaceOut.of(view.version, view).model_dump(mode="json")
    feature = {
        "type": "Feature",
        "id": props["code"],
        "geometry": {"type": "Point", "coordinates": [props["lon"], props["lat"]]},
        "properties": props,
    }
    return JSONResponse(feature, media_type="application/geo+json")


@router.get("/{code}/history", response_model=list[HistoryEntryOut])
def history(conn: ReadConn, code: CodeParam, principal: OptionalPrincipal) -> list[HistoryEntryOut]:
    """Every version with when, why and the acting organisation (the person for review keys)."""
    place_id = places.place_id_of_code(conn, resolve_code(conn, code))
    versions = places.history(conn, place_id)
    reviewer = principal is not None and principal.has("review")
    txs = changes.transactions(conn, [v.tx_id for v in versions])
    return [
        HistoryEntryOut(
            version=PlaceOut.of(v),
            organisation=txs[v.tx_id].organisation,
            person=txs[v.tx_id].person if reviewer else None,
            reason=txs[v.tx_id].reason,
            tx=v.tx_id,
        )
        for v in versions
        if reviewer or v.status not in ("proposed", "withdrawn")
    ]


@router.get("/{code}", response_model=PlaceOut)
def lookup(
    request: Request,
    code: CodeParam,
    at: Annotated[date | None, Query(description="valid-time date; default today")] = None,
    known_at: Annotated[
        datetime | None, Query(description="record time: the registry as it was known then")
    ] = None,
) -> Response:
    """Look a place up by its code. A retired code answers 200 with its status,
    date, reason and successors; a never-issued code 404; a malformed one 422.

    The hot path: one read transaction opened here and one statement that builds
    the JSON in PostgreSQL (the same document as ``PlaceOut``)."""
    with get_database(request).read() as conn:
        body = places.lookup_json(conn, resolve_code(conn, code), _today(at), known_at)
    return Response(body, media_type="application/json")
