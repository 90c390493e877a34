"""The rows of a bulk load, checked and turned into COPY rows.

This is the Python half of :func:`registry.bulk.load_places`: each :class:`BulkPlace` is
checked (kind, state, method, coordinates, parent reference), its house number cleaned
and parsed (:func:`geo.house_number.parse_house_number`, as JSON), its Plus Code and code
zone computed and, when codes are to be issued, a random serial drawn (``secrets``).
Rows come out in pieces of :data:`PIECE_ROWS`, which the caller streams into COPY.

The conversion stays in the calling process. Spread over two worker processes it was
slower on this 2-core machine (10-15 s instead of 7-8 s for 300,000 rows): each worker
parses again the house numbers the other has parsed (45,000 distinct ones, 4 s), and
the rows cross between processes twice.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from geo.house_number import parse_house_number
from geo.pluscode import encode as plus_code
from geo.text import clean
from registry.codes import CodeError, zone_of
from registry.lifecycle import KINDS, LOCATION_METHODS, PHYSICAL_STATES

__all__ = [
    "PIECE_ROWS",
    "STAGE_COLUMNS",
    "BulkPlace",
    "Piece",
    "Rejection",
    "house_number",
    "pieces",
]

PIECE_ROWS = 10_000  # rows a worker converts at a time; also the progress step
HOUSE_NUMBER_CACHE = 50_000  # distinct house numbers parsed once per process
POSITION_CACHE = 1_024  # units share their building's point

# The columns of a COPY row, in order.
STAGE_COLUMNS = (
    "ref",
    "kind",
    "lon",
    "lat",
    "zone",
    "house_number",
    "house_number_parts",
    "street_name",
    "hamlet",
    "unit_kind",
    "parent_ref",
    "source",
    "location_method",
    "accuracy_m",
    "physical_state",
    "plus_code",
    "serial",
)


@dataclass(frozen=True, slots=True)
class BulkPlace:
    """One place to load. ``parent_ref`` is the index, in the same batch, of the building
    or entrance a unit is in; it must come before the unit."""

    kind: str
    lon: float
    lat: float
    source: str
    location_method: str = "imported"
    house_number: str | None = None
    street_name: str | None = None
    hamlet: str | None = None
    unit_kind: str | None = None
    parent_ref: int | None = None
    accuracy_m: float | None = None
    physical_state: str = "in_use"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not loaded: its index in the batch and why.

    ``reason`` is one of ``invalid-kind``, ``invalid-location-method``,
    ``invalid-physical-state``, ``invalid-coordinate``, ``outside-zone-grid`` (only when
    approving), ``invalid-parent``, ``outside-commune``, ``no-province``, ``parent-not-loaded``.
    """

    ref: int
    reason: str


@dataclass(frozen=True, slots=True)
class Piece:
    """Consecutive rows of a batch converted: ``count`` rows read, ``rows`` to COPY (in
    :data:`STAGE_COLUMNS` order), the others ``rejected``."""

    count: int
    rows: list[tuple[Any, ...]]
    rejected: list[Rejection]


def pieces(
    rows: Iterable[BulkPlace], serial_space: int | None, *, piece_rows: int = PIECE_ROWS
) -> Iterator[Piece]:
    """``rows`` converted, in order, ``piece_rows`` at a time; each COPY row with a
    random serial below ``serial_space`` (None: no serial)."""
    iterator = iter(rows)
    start = 0
    while batch := list(itertools.islice(iterator, piece_rows)):
        yield _convert(start, batch, serial_space)
        start += len(batch)


def _convert(start: int, rows: list[BulkPlace], serial_space: int | None) -> Piece:
    """The piece of ``rows``, the first of which is row ``start`` of the batch."""
    staged: list[tuple[Any, ...]] = []
    rejected: list[Rejection] = []
    serials = iter(_serials(len(rows), serial_space)) if serial_space is not None else None
    for ref, row in enumerate(rows, start):
        problem = _problem(ref, row)
        zone, plus = _position(row.lon, row.lat) if problem is None else (None, "")
        if problem is None and zone is None and serial_space is not None:
            problem = "outside-zone-grid"
        if problem is not None:
            rejected.append(Rejection(ref, problem))
            continue
        cleaned, parts = house_number(row.house_number) if row.house_number else (None, None)
        staged.append(
            (
                ref,
                row.kind,
                row.lon,
                row.lat,
                zone,
                cleaned,
                parts,
                row.street_name,
                row.hamlet,
                row.unit_kind,
                row.parent_ref,
                row.source,
                row.location_method,
                row.accuracy_m,
                row.physical_state,
                plus,
                None if serials is None else next(serials),
            )
        )
    return Piece(len(rows), staged, rejected)


def _serials(count: int, space: int) -> list[int]:
    """``count`` integers drawn uniformly below ``space`` (at most 2³²) from the operating
    system's random source, as ``secrets.randbelow`` draws them, but from one buffer of
    random bytes per piece rather than a system call per integer: 32-bit words at or above
    the largest multiple of ``space`` are dropped, the others taken modulo ``space``."""
    limit = (1 << 32) - (1 << 32) % space
    drawn: list[int] = []
    while len(drawn) < count:
        wanted = count - len(drawn)
        words = memoryview(secrets.token_bytes(4 * (wanted + wanted // 8 + 8))).cast("I")
        drawn += [word % space for word in words if word < limit]
    return drawn[:count]


def _problem(ref: int, row: BulkPlace) -> str | None:
    """Why ``row`` (number ``ref``) cannot be a place, checked before it is staged."""
    if row.kind not in KINDS:
        return "invalid-kind"
    if row.location_method not in LOCATION_METHODS:
        return "invalid-location-method"
    if row.physical_state not in PHYSICAL_STATES:
        return "invalid-physical-state"
    finite = math.isfinite(row.lon) and math.isfinite(row.lat)
    if not (finite and -180.0 <= row.lon <= 180.0 and -90.0 <= row.lat <= 90.0):
        return "invalid-coordinate"
    if row.parent_ref is not None and not 0 <= row.parent_ref < ref:
        return "invalid-parent"
    if row.kind == "unit" and row.parent_ref is None:
        return "invalid-parent"
    return None


@functools.lru_cache(maxsize=HOUSE_NUMBER_CACHE)
def house_number(written: str) -> tuple[str, str]:
    """(cleaned, parts as JSON) exactly as the one-at-a-time path stores them
    (``dataclasses.asdict`` of the parse, which ``tests/registry/test_bulk.py`` checks)."""
    parts = parse_house_number(written)
    value = {
        "raw": parts.raw,
        "number": parts.number,
        "base": parts.base,
        "suffix": parts.suffix,
        "alleys": [{"kind": a.kind, "number": a.number} for a in parts.alleys],
        "unit": parts.unit,
        "building": parts.building,
        "normalized": parts.normalized,
    }
    return clean(written), json.dumps(value, ensure_ascii=False)


@functools.lru_cache(maxsize=POSITION_CACHE)
def _position(lon: float, lat: float) -> tuple[int | None, str]:
    """(code zone, or None off the grid; Plus Code) of a point."""
    try:
        zone: int | None = zone_of(lon, lat)
    except CodeError:
        zone = None
    return zone, plus_code(lon, lat)
