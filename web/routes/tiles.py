"""``/tiles``: Mapbox Vector Tiles (Web Mercator XYZ), TileJSON 3.0.0, the list of layers.

Responses carry a strong ``ETag`` and ``Cache-Control: no-cache``: clients and proxies may
store tiles but revalidate each time (``If-None-Match`` → 304), so a change shows at once.
An empty tile is 200 with an empty body. ``X-Tile-Source`` says where the tile came from
(``memory``, ``shared`` cache, or ``drawn``). The ``review`` layer (proposals included) needs
a key with the ``review`` scope, is ``private`` and varies by key.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, Header, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Receive, Scope, Send

from geo.tiles import LAYERS, MAX_ZOOM, VIETNAM_BOUNDS, Layer, Tile, TileError
from registry.database import Database
from registry.errors import FieldError, InvalidInput, NotFound
from registry.tile_cache import OpenService, Served, TileService, TileSettings, open_service
from web.auth import ReviewKey
from web.pagination import Page

MVT = "application/vnd.mapbox-vector-tile"
PUBLIC_CACHE = "no-cache"
PRIVATE_CACHE = "private, no-cache"
ATTRIBUTION = (
    "diachi; © OpenStreetMap contributors (ODbL 1.0); administrative units: "
    "General Statistics Office of Viet Nam"
)
CENTER = [106.7, 10.78, 12]  # Thành phố Hồ Chí Minh


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the tile service of each worker: connection pool, caches, listener.

    A test hands ``create_app`` its own (rolled-back) database: then tiles are drawn
    through it, uncached, so they see its uncommitted rows."""
    database: Database = app.state.database
    tile_settings: TileSettings = getattr(app.state, "tile_settings", None) or TileSettings()
    opened: OpenService = await open_service(
        database,
        tile_settings,
        statement_timeout_ms=app.state.settings.statement_timeout_ms,
        own_connections=type(database) is Database,
    )
    app.state.tiles = opened.service
    try:
        yield
    finally:
        await opened.close()


router = APIRouter(prefix="/tiles", tags=["Bản đồ / Map tiles"], lifespan=lifespan)

Z = Annotated[int, Path(ge=0, le=MAX_ZOOM, description="Zoom")]
XY = Annotated[int, Path(ge=0, description="Column (x) or row (y), from the north-west")]
IfNoneMatch = Annotated[str | None, Header(include_in_schema=False)]
AtQuery = Annotated[
    date | None,
    Query(
        description="Administrative units in force on this date (YYYY-MM-DD, Asia/Ho_Chi_Minh;"
        " pre-2025 districts before 2025-07-01); `admin` and `basemap` only; default today"
    ),
]
TILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {MVT: {}}, "description": "The tile (empty body: nothing there)"},
    304: {"description": "Not modified (If-None-Match matched the ETag)"},
}


def _tile(z: int, x: int, y: int) -> Tile:
    try:
        return Tile(z, x, y)
    except TileError as exc:
        raise NotFound(str(exc)) from exc


def _layer(name: str) -> Layer:
    layer = LAYERS.get(name)
    if layer is None:
        raise NotFound(f"no tile layer '{name}'; see /tiles")
    return layer


def _matches(if_none_match: str | None, etag: str) -> bool:
    if if_none_match is None:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or f'"{etag}"' in tags


def _answer(served: Served, if_none_match: str | None, cache_control: str) -> Response:
    headers = {
        "ETag": f'"{served.etag}"',
        "Cache-Control": cache_control,
        "X-Tile-Source": served.source,
    }
    if cache_control == PRIVATE_CACHE:
        headers["Vary"] = "Authorization, X-API-Key"
    if _matches(if_none_match, served.etag):
        return Response(status_code=304, headers=headers)
    return Response(served.data, media_type=MVT, headers=headers)


def _service(request: Request) -> TileService:
    service: TileService = request.app.state.tiles
    return service


@router.get(
    "/review/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses=TILE_RESPONSES,
    summary="Review layer tile (review key)",
)
async def review_tile(
    request: Request,
    principal: ReviewKey,
    z: Z,
    x: XY,
    y: XY,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """Places proposed and active, with their status: for reviewers only, never cached in
    common (``Cache-Control: private``)."""
    served = await _service(request).get("review", _tile(z, x, y))
    return _answer(served, if_none_match, PRIVATE_CACHE)


@router.get(
    "/{layer}/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses=TILE_RESPONSES,
    summary="Vector tile",
)
async def tile(
    request: Request,
    layer: Annotated[str, Path(description="places, buildings, streets, admin or basemap")],
    z: Z,
    x: XY,
    y: XY,
    at: AtQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """One Mapbox Vector Tile of ``layer``: `places` (below z14 a count per cell, then
    points with code, house number, street), `buildings` (z14+), `streets` (main roads from
    z5, alleys from z15), `admin` (provinces, pre-2025 districts from z6, communes from z8),
    or `basemap`, all four in one tile."""
    spec = _layer(layer)
    if spec.private:
        raise NotFound(f"the '{layer}' layer is at /tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt")
    if at is not None and not spec.dated:
        raise InvalidInput(
            f"the '{layer}' layer has no date: it always shows today's data",
            errors=[FieldError(("query", "at"), "only admin and basemap take a date")],
        )
    served = await _service(request).get(layer, _tile(z, x, y), at)
    return _answer(served, if_none_match, PUBLIC_CACHE)


class VectorLayerOut(BaseModel):
    id: str
    description: str
    fields: dict[str, str]
    minzoom: int
    maxzoom: int


class TileJSONOut(BaseModel):
    """TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0)."""

    tilejson: str = "3.0.0"
    name: str
    description: str
    version: str = "1.0.0"
    attribution: str = ATTRIBUTION
    scheme: str = "xyz"
    tiles: list[str]
    minzoom: int
    maxzoom: int
    bounds: list[float] = Field(description="minlon, minlat, maxlon, maxlat (EPSG:4326)")
    center: list[float]
    vector_layers: list[VectorLayerOut]


class LayerOut(BaseModel):
    id: str
    description: str
    tiles: str = Field(description="URL template of the tiles")
    tilejson: str
    minzoom: int
    maxzoom: int
    dated: bool = Field(description="takes ?at=YYYY-MM-DD")
    private: bool = Field(description="needs an API key with the review scope")


def _template(request: Request, layer: str, at: date | None) -> str:
    query = f"?at={at.isoformat()}" if at is not None else ""
    return f"{str(request.base_url).rstrip('/')}/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt{query}"


def _vector_layer(layer: Layer) -> VectorLayerOut:
    return VectorLayerOut(
        id=layer.name,
        description=layer.description,
        fields=layer.fields,
        minzoom=layer.minzoom,
        maxzoom=layer.maxzoom,
    )


@router.get("", response_model=Page[LayerOut], summary="Tile layers")
def layers(request: Request) -> Page[LayerOut]:
    """Every tile layer, with its URL template and TileJSON."""
    base = str(request.base_url).rstrip("/")
    items = [
        LayerOut(
            id=layer.name,
            description=layer.description,
            tiles=_template(request, layer.name, None),
            tilejson=f"{base}/tiles/{layer.name}.json",
            minzoom=layer.minzoom,
            maxzoom=layer.maxzoom,
            dated=layer.dated,
            private=layer.private,
        )
        for layer in LAYERS.values()
    ]
    return Page[LayerOut](items=items, next=None)


@router.get("/{layer}.json", response_model=TileJSONOut, summary="TileJSON of a layer")
def tilejson(request: Request, layer: str, at: AtQuery = None) -> TileJSONOut:
    """TileJSON 3.0.0: the tiles URL, bounds (Vietnam, Hoàng Sa and Trường Sa included),
    zooms and the vector layers with their fields. ``at`` goes into the tiles URL."""
    spec = _layer(layer)
    if at is not None and not spec.dated:
        raise InvalidInput(
            f"the '{layer}' layer has no date",
            errors=[FieldError(("query", "at"), "only admin and basemap take a date")],
        )
    parts = [LAYERS[p] for p in spec.parts] or [spec]
    return TileJSONOut(
        name=f"diachi {spec.name}",
        description=spec.description,
        tiles=[_template(request, spec.name, at)],
        minzoom=min(p.minzoom for p in parts),
        maxzoom=max(p.maxzoom for p in parts),
        bounds=list(VIETNAM_BOUNDS),
        center=CENTER,
        vector_layers=[_vector_layer(p) for p in parts],
    )


# --- the direct path --------------------------------------------------------------------------

_TILE_PATH = re.compile(r"^/tiles/([a-z]{1,20})/(\d{1,2})/(\d{1,8})/(\d{1,8})\.mvt$")


class DirectTiles:
    """ASGI middleware answering public tile requests without FastAPI's routing and
    dependency resolution, which cost as much CPU per request (matching ~70 routes, building
    the dependencies) as drawing a tile or more than serving one from memory.

    Only a well-formed ``GET``/``HEAD`` of a public layer, with no query or a valid
    ``at`` for a dated layer, is answered here, with exactly the headers of :func:`tile`;
    everything else, and any error, goes on to the application, whose route gives the
    same answer or the problem details.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            match = _TILE_PATH.match(scope["path"])
            if match is not None and await self._answer(scope, send, match):
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, send: Send, match: re.Match[str]) -> bool:
        spec = LAYERS.get(match[1])
        if spec is None or spec.private:
            return False
        at: date | None = None
        if scope["query_string"]:
            query = parse_qsl(scope["query_string"].decode("latin-1"))
            if not spec.dated or len(query) != 1 or query[0][0] != "at":
                return False
            try:
                at = date.fromisoformat(query[0][1])
            except ValueError:
                return False
        try:
            tile = Tile(int(match[2]), int(match[3]), int(match[4]))
            served = await scope["app"].state.tiles.get(spec.name, tile, at)
        except Exception:  # the route answers again, with the problem details
            return False
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value.decode("latin-1")
        etag = f'"{served.etag}"'.encode()
        headers = [
            (b"etag", etag),
            (b"cache-control", PUBLIC_CACHE.encode()),
            (b"x-tile-source", served.source.encode()),
        ]
        if _matches(if_none_match, served.etag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return True
        headers += [
            (b"content-type", MVT.encode()),
            (b"content-length", str(len(served.data)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else served.data
        await send({"type": "http.response.body", "body": body})
        return True


def install(app: FastAPI) -> None:
    """Answer public tile requests directly (:class:`DirectTiles`); call before CORS is
    installed, so that CORS wraps it."""
    app.add_middleware(DirectTiles)
