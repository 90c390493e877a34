"""Drawing Mapbox Vector Tiles from PostGIS: which SQL a layer runs at a zoom, with which
parameters, and the cap that keeps each tile under its byte budget.

The SQL is in ``registry/sql/tile_*.sql`` (one statement per layer); the zoom rules come
from :mod:`geo.tiles`. Every statement returns the tile (``mvt``, possibly empty) and
``fresh_until``: the first day after the drawing date on which a feature in reach starts
or ends, so a tile of "today" is drawn again then (``None``: only a write changes it).
A drawing also reports the snapshot it saw and when it started, for the shared cache
(:mod:`registry.tile_cache`).

Places never carry private data: the layers read ``place_version`` facts only (code,
house number, street, kind), never ``occupancy``; proposals appear only on ``review``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from geo.tiles import (
    BUFFER,
    EXTENT,
    LAYERS,
    Layer,
    Tile,
    admin_levels,
    places_mode,
    point_cap,
    simplify_band,
    simplify_tolerance,
    street_classes,
    street_rank,
)

__all__ = ["Drawn", "Fetch", "draw", "layer_statement"]

MIN_CAP = 16  # a tile that is still over budget with this few features is served as is
_PARAM = re.compile(r"%\((\w+)\)s")

Row = tuple[Any, ...]
Fetch = Callable[[str, Mapping[str, Any]], Awaitable[Row | None]]


@cache
def sql(name: str) -> str:
    """The text of ``registry/sql/<name>.sql``."""
    return resources.files("registry.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Drawn:
    """A drawn tile: its bytes, until when it holds, the snapshot and time it was drawn in
    (``pg_current_snapshot()`` as text, ``statement_timestamp()``)."""

    data: bytes
    fresh_until: date | None
    snapshot: str
    drawn_at: datetime


def layer_statement(
    layer: str, tile: Tile, *, today: date, at: date | None, cap: int
) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters that draw ``layer`` for ``tile``: ``at`` is the date of the
    administrative units (default ``today``), ``cap`` the most features kept.

    >>> text, params = layer_statement("streets", Tile(10, 815, 481), today=date(2026, 1, 1),
    ...                                at=None, cap=100)
    >>> params["classes"]
    ['motorway', 'trunk', 'primary', 'secondary']
    """
    params: dict[str, Any] = {
        "z": tile.z,
        "x": tile.x,
        "y": tile.y,
        "margin": BUFFER / EXTENT,
        "today": today,
        "cap": cap,
    }
    if layer in ("places", "review"):
        mode = places_mode(tile.z)
        params["units"] = mode == "all"
        if mode == "cells":
            minx, _, maxx, maxy = tile.bounds()
            params.update(x0=minx, y0=maxy, scale=EXTENT / (maxx - minx))
            return sql("tile_place_cells" if layer == "places" else "tile_review_cells"), params
        params["cap"] = point_cap(tile.z, cap)
        return sql("tile_places" if layer == "places" else "tile_review"), params
    if layer == "streets":
        shown, every = street_classes(tile.z)
        params["classes"] = sorted(shown, key=_street_order)
        params["all_classes"] = every
        band = simplify_band(tile.z)
        params["tolerance"] = 0.0 if band is None else simplify_tolerance(tile.z + 1)
        return sql("tile_streets"), params
    if layer == "buildings":
        return sql("tile_buildings"), params
    if layer == "admin":
        band = simplify_band(tile.z)
        params["band"] = 14 if band is None else band
        params["levels"] = admin_levels(tile.z)
        params["at"] = at or today
        params["current"] = at is None
        return sql("tile_admin"), params
    raise KeyError(layer)


def _street_order(highway: str) -> tuple[int, str]:
    return (street_rank(highway), highway)


def _shown(layer: Layer, z: int) -> bool:
    return z >= layer.minzoom


async def _draw_one(
    fetch: Fetch, layer: Layer, tile: Tile, today: date, at: date | None
) -> tuple[bytes, date | None, str, datetime]:
    cap = layer.cap
    while True:
        text, params = layer_statement(layer.name, tile, today=today, at=at, cap=cap)
        row = await fetch(_with_snapshot(text), params)
        assert row is not None  # an aggregate over the tile always answers one row
        data = bytes(row[0] or b"")
        if len(data) <= layer.budget or cap <= MIN_CAP:
            return (data, row[1], row[2], row[3])
        cap //= 2


@cache
def _with_snapshot(text: str) -> str:
    return f"SELECT d.*, pg_current_snapshot()::text, statement_timestamp() FROM ({text}) d"


def composite_statement(
    parts: list[str], tile: Tile, *, today: date, at: date | None
) -> tuple[str, dict[str, Any]]:
    """One statement drawing every layer of ``parts`` (one snapshot, one round trip): each
    part's tile as its own column, then the earliest ``fresh_until``, the snapshot and the
    statement time. Each part's parameters are renamed ``<part>__<name>``."""
    ctes: list[str] = []
    params: dict[str, Any] = {}
    for name in parts:
        text, own = layer_statement(name, tile, today=today, at=at, cap=LAYERS[name].cap)
        renamed = _PARAM.sub(f"%({name}__\\1)s", text)
        ctes.append(f"{name} AS ({renamed})")
        params.update({f"{name}__{k}": v for k, v in own.items()})
    columns = ", ".join(f"{name}.mvt" for name in parts)
    fresh = ", ".join(f"{name}.fresh_until" for name in parts)
    text = (
        f"WITH {', '.join(ctes)} SELECT {columns}, least({fresh}),"
        f" pg_current_snapshot()::text, statement_timestamp() FROM {', '.join(parts)}"
    )
    return text, params


async def draw(fetch: Fetch, name: str, tile: Tile, *, today: date, at: date | None) -> Drawn:
    """Draw layer ``name`` (or a composite such as ``basemap``) for ``tile`` through
    ``fetch`` (one statement → its first row).

    A layer over its byte budget is drawn again with half the cap until it fits; a part of
    a composite likewise, on its own. An empty tile is ``b""``. A zoom the layer does not
    show gives an empty tile without touching the database (snapshot ``""``).
    """
    layer = LAYERS[name]
    if not layer.parts:
        if not _shown(layer, tile.z):
            return Drawn(b"", None, "", datetime.min)
        data, fresh_until, snapshot, drawn_at = await _draw_one(fetch, layer, tile, today, at)
        return Drawn(data, fresh_until, snapshot, drawn_at)
    parts = [p for p in layer.parts if _shown(LAYERS[p], tile.z)]
    text, params = composite_statement(parts, tile, today=today, at=at)
    row = await fetch(text, params)
    assert row is not None
    chunks = [bytes(v or b"") for v in row[: len(parts)]]
    fresh_until, snapshot, drawn_at = row[len(parts) :]
    for i, part in enumerate(parts):
        if len(chunks[i]) > LAYERS[part].budget:  # redrawn alone, with fewer features
            chunks[i] = (await _draw_one(fetch, LAYERS[part], tile, today, at))[0]
    return Drawn(b"".join(chunks), fresh_until, snapshot, drawn_at)
