"""The 12-digit digital address code: ``ZZSS SSSS SSCC``, e.g. ``7123 4567 8943``.

* ``ZZ`` zone: the latitude band (first digit) and longitude band (second
  digit) of a fixed 2°×2° grid over all of Vietnam's territory, Hoàng Sa and
  Trường Sa included. Only the cells that touch the territory are zones
  (:data:`VALID_ZONES`).
* ``SSSSSSSS`` serial, drawn at random by the registry.
* ``CC`` ISO/IEC 7064 MOD 97-10 check digits over the first ten digits (the
  IBAN scheme): the whole 12-digit number is ≡ 1 (mod 97), which catches every
  single substituted digit and every swap of two adjacent digits.

Everything here is pure integer arithmetic; nothing touches the database.
Coordinates are EPSG:4326 degrees, given as (lon, lat).
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from registry.errors import InvalidInput

__all__ = [
    "CHECK_MODULUS",
    "GRID_ORIGIN_LAT",
    "GRID_ORIGIN_LON",
    "TERRITORY_BBOXES",
    "VALID_ZONES",
    "ZONE_SIZE",
    "Code",
    "CodeError",
    "check_digits",
    "format_code",
    "make_code",
    "near_misses",
    "parse_code",
    "zone_bounds",
    "zone_of",
]

CHECK_MODULUS = 97
DIGITS = 12
CODE_LIMIT = 10**12  # codes are 12-digit numbers below this
ZONE_UNIT = 10**10  # value // ZONE_UNIT is the zone
SERIAL_LIMIT = 10**8  # serials are 0 .. 99 999 999

# South-west corner of the zone grid, degrees; the grid spans 5.5-25.5°N, 99.3-119.3°E.
# Chosen by `.venv/bin/python -m bench.zone_grid`: of the origins that keep the territory inside
# the 10×10 bands, its band lines cut the fewest 2025 phường of Hà Nội, Hải Phòng, Đà Nẵng,
# Hồ Chí Minh City and Cần Thơ: 1 of 263 (Phường Mỹ Quới, Cần Thơ, by lat 9.5), against 6 for
# the round 5.5°N, 101.5°E. Fixed for ever: every issued code's zone depends on it.
GRID_ORIGIN_LAT = 5.5
GRID_ORIGIN_LON = 99.3
ZONE_SIZE = 2.0  # degrees, in both directions
BANDS = 10  # latitude bands and longitude bands

# (min_lon, min_lat, max_lon, max_lat), EPSG:4326 degrees, rounded outwards.
TERRITORY_BBOXES: dict[str, tuple[float, float, float, float]] = {
    # The mainland with its coastal islands (Bạch Long Vĩ, Côn Đảo, Thổ Châu, Phú Quốc).
    "mainland": (102.1, 8.3, 109.5, 23.4),
    "Hoàng Sa": (111.0, 15.6, 112.9, 17.2),  # the special zone's polygon reaches 15.69°N
    # West edge 109.4 rather than 111.5: the Trường Sa special zone's polygon reaches 109.47°E.
    "Trường Sa": (109.4, 6.2, 117.9, 11.6),
}


@functools.cache  # a few dozen edges; every point of a bulk load asks for four
def _edge(origin: float, band: int) -> float:
    return round(origin + ZONE_SIZE * band, 9)  # 105.3, not 105.30000000000001


def _touches_territory(zone: int) -> bool:
    min_lon, min_lat, max_lon, max_lat = zone_bounds(zone)
    return any(
        min_lon <= box[2] and box[0] < max_lon and min_lat <= box[3] and box[1] < max_lat
        for box in TERRITORY_BBOXES.values()
    )


class CodeError(InvalidInput, ValueError):
    """A code (or a position) that cannot be a digital address code.

    ``kind`` says why: ``wrong-length``, ``not-digits``, ``zone-outside-grid``,
    ``check-failed`` (and ``serial-out-of-range`` from :func:`make_code`).
    ``message`` is Vietnamese first, then English, and safe to show.
    ``candidates`` (only for ``check-failed``) are the codes one substituted
    digit or one adjacent swap away that pass the check; whether any of them
    was issued is for the caller to find out.
    """

    type = "invalid-code"
    title = "Mã địa chỉ không hợp lệ / Invalid address code"

    def __init__(self, kind: str, message: str, candidates: Iterable[Code] = ()) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.candidates: list[Code] = list(candidates)


def _zone_outside(zone: int, code: str = "") -> CodeError:
    vi = f"Mã {code} có vùng {zone:02d}" if code else f"Vùng {zone:02d}"
    en = f"{code} is in zone {zone:02d}, which is" if code else f"Zone {zone:02d} is"
    return CodeError(
        "zone-outside-grid",
        f"{vi} nằm ngoài lưới vùng của lãnh thổ Việt Nam"
        f" / {en} outside the zone grid of Vietnam's territory",
    )


def _problem(value: int) -> CodeError | None:
    """Why ``value`` is not a code (check first, so that a mistyped zone gets suggestions)."""
    if not 0 <= value < CODE_LIMIT:
        return CodeError(
            "wrong-length",
            f"Mã địa chỉ gồm {DIGITS} chữ số / An address code has {DIGITS} digits",
        )
    if value % CHECK_MODULUS != 1:
        grouped = format_code(value)
        return CodeError(
            "check-failed",
            f"Mã {grouped} sai chữ số kiểm tra, có thể do gõ nhầm"
            f" / {grouped} fails its check digits, probably a typing error",
            near_misses(value),
        )
    zone = value // ZONE_UNIT
    return None if zone in VALID_ZONES else _zone_outside(zone, format_code(value))


@dataclass(frozen=True, slots=True, order=True)
class Code:
    """A digital address code: a 12-digit integer that passes its check, in a valid zone.

    Constructing one validates it (raises :class:`CodeError`).

    >>> code = Code(712345678943)
    >>> code.zone, code.serial, code.check
    (71, 23456789, 43)
    >>> str(code)
    '7123 4567 8943'
    """

    value: int

    def __post_init__(self) -> None:
        if (error := _problem(self.value)) is not None:
            raise error

    @property
    def zone(self) -> int:
        """The zone, 0..99: latitude band × 10 + longitude band."""
        return self.value // ZONE_UNIT

    @property
    def serial(self) -> int:
        """The 8-digit serial, 0..99 999 999."""
        return self.value // 100 % SERIAL_LIMIT

    @property
    def check(self) -> int:
        """The two check digits, 2..98."""
        return self.value % 100

    def __str__(self) -> str:
        return format_code(self.value)


def zone_bounds(zone: int) -> tuple[float, float, float, float]:
    """The cell of grid zone ``zone`` (0..99) as (min_lon, min_lat, max_lon, max_lat) degrees.

    The cell holds its south and west edges, not its north and east ones. Any
    zone 0..99 has a cell, whether or not it is in :data:`VALID_ZONES`;
    anything else raises :class:`ValueError`.

    >>> zone_bounds(73)
    (105.3, 19.5, 107.3, 21.5)
    """
    if not 0 <= zone < BANDS * BANDS:
        raise ValueError(f"zone {zone} is not 0..99")
    lat_band, lon_band = divmod(zone, BANDS)
    return (
        _edge(GRID_ORIGIN_LON, lon_band),
        _edge(GRID_ORIGIN_LAT, lat_band),
        _edge(GRID_ORIGIN_LON, lon_band + 1),
        _edge(GRID_ORIGIN_LAT, lat_band + 1),
    )


#: The zones whose cell touches one of :data:`TERRITORY_BBOXES`; no other zone is ever issued.
VALID_ZONES: frozenset[int] = frozenset(z for z in range(BANDS * BANDS) if _touches_territory(z))


def _band(value: float, origin: float) -> int:
    """The band holding ``value``, consistent with :func:`zone_bounds` at the edges."""
    band = math.floor((value - origin) / ZONE_SIZE)
    if value < _edge(origin, band):
        band -= 1
    elif value >= _edge(origin, band + 1):
        band += 1
    return band


def zone_of(lon: float, lat: float) -> int:
    """The zone (0..99) of the point (``lon``, ``lat``), EPSG:4326 degrees.

    A point on a band line belongs to the band north (or east) of it. Raises
    :class:`CodeError` ``zone-outside-grid`` when the point's cell is not in
    :data:`VALID_ZONES` (or the point is off the grid, or not finite).

    >>> zone_of(105.8342, 21.0278)  # Hà Nội, Hoàn Kiếm
    73
    >>> zone_of(100.5, 13.75)  # Bangkok
    Traceback (most recent call last):
    ...
    registry.codes.CodeError: ...
    """
    if math.isfinite(lon) and math.isfinite(lat):
        lat_band, lon_band = _band(lat, GRID_ORIGIN_LAT), _band(lon, GRID_ORIGIN_LON)
        zone = lat_band * BANDS + lon_band
        if 0 <= lat_band < BANDS and 0 <= lon_band < BANDS and zone in VALID_ZONES:
            return zone
    raise CodeError(
        "zone-outside-grid",
        f"Điểm ({lon}, {lat}) nằm ngoài lưới vùng của lãnh thổ Việt Nam"
        f" / The point ({lon}, {lat}) is outside the zone grid of Vietnam's territory",
    )


def check_digits(first10: int) -> int:
    """The MOD 97-10 check (2..98) for the first ten digits ``first10`` (0 .. 10¹⁰ - 1).

    With them appended the 12-digit number is ≡ 1 (mod 97).

    >>> check_digits(7123456789)
    43
    >>> 712345678943 % 97
    1
    """
    if not 0 <= first10 < ZONE_UNIT:
        raise ValueError(f"{first10} is not a 10-digit number")
    return CHECK_MODULUS + 1 - first10 * 100 % CHECK_MODULUS


def make_code(zone: int, serial: int) -> Code:
    """The code of ``serial`` (0 .. 99 999 999) in ``zone`` (one of :data:`VALID_ZONES`).

    Raises :class:`CodeError` ``zone-outside-grid`` or ``serial-out-of-range``.

    >>> str(make_code(71, 23456789))
    '7123 4567 8943'
    """
    if zone not in VALID_ZONES:
        raise _zone_outside(zone)
    if not 0 <= serial < SERIAL_LIMIT:
        raise CodeError(
            "serial-out-of-range",
            f"Số thứ tự {serial} không nằm trong 0..99999999"
            f" / Serial {serial} is not in 0..99999999",
        )
    first10 = zone * SERIAL_LIMIT + serial
    return Code(first10 * 100 + check_digits(first10))


def format_code(value: int) -> str:
    """``value`` (0 .. 10¹² - 1) as 12 digits in groups of four; no check is made.

    >>> format_code(12345678943)
    '0123 4567 8943'
    """
    if not 0 <= value < CODE_LIMIT:
        raise ValueError(f"{value} is not a 12-digit number")
    digits = f"{value:012d}"
    return f"{digits[:4]} {digits[4:8]} {digits[8:]}"


_SEPARATOR = r"[\s.\-\u2010-\u2015\u2212]"
_DIGIT_RUN = re.compile(rf"[0-9](?:{_SEPARATOR}*[0-9])*")


def _digits(text: str) -> str:
    """The 12 digits of the one code written in ``text``; raises :class:`CodeError`."""
    normal = unicodedata.normalize("NFKC", text)  # full-width digits, dashes and spaces
    runs = [re.sub("[^0-9]", "", m.group()) for m in _DIGIT_RUN.finditer(normal)]
    twelve = [run for run in runs if len(run) == DIGITS]
    if len(twelve) == 1:
        return twelve[0]
    if twelve:
        raise CodeError(
            "wrong-length",
            f"Có {len(twelve)} dãy 12 chữ số; hãy nhập một mã"
            f" / There are {len(twelve)} 12-digit numbers; enter one code",
        )
    if odd := _stray_characters(normal):
        shown = " ".join(f"“{c}”" for c in odd[:5])
        raise CodeError(
            "not-digits",
            f"Mã địa chỉ chỉ gồm chữ số (có thể cách bằng dấu cách, gạch ngang, dấu chấm),"
            f" nhưng có {shown} / An address code is digits only (spaces, dashes and dots"
            f" allowed), but this has {shown}",
        )
    count = sum(len(run) for run in runs)
    raise CodeError(
        "wrong-length",
        f"Mã địa chỉ gồm {DIGITS} chữ số, nhưng có {count}"
        f" / An address code has {DIGITS} digits, but this has {count}",
    )


def _stray_characters(normal: str) -> list[str]:
    """The characters, other than digits and separators, inside the code's span of ``normal``.

    The span runs from the first digit to the last; without digits it is the whole text.
    """
    digits = [i for i, c in enumerate(normal) if "0" <= c <= "9"]
    span = normal[digits[0] : digits[-1] + 1] if digits else normal
    return sorted({c for c in span if not re.fullmatch(rf"[0-9]|{_SEPARATOR}", c)})


def parse_code(text: str) -> Code:
    """The code written in ``text``.

    Accepts ASCII or full-width digits, grouped with spaces, dashes or dots,
    and text around the code. Raises :class:`CodeError` with ``kind``
    ``wrong-length``, ``not-digits``, ``check-failed`` (with ``candidates``)
    or ``zone-outside-grid``; the check is tested before the zone, so that a
    mistyped zone digit still gets suggestions.

    >>> parse_code("Mã địa chỉ: 7123-4567-8943.")
    Code(value=712345678943)
    >>> parse_code("７１２３ ４５６７ ８９４３").zone
    71
    >>> parse_code("7123 4567 8934")
    Traceback (most recent call last):
    ...
    registry.codes.CodeError: Mã 7123 4567 8934 sai chữ số kiểm tra, ...
    """
    return Code(int(_digits(text)))


def near_misses(value: int) -> list[Code]:
    """The codes one substituted digit or one swap of adjacent digits away from ``value``.

    ``value`` is a 12-digit number (0 .. 10¹² - 1), valid or not; only
    candidates that pass the check and lie in a valid zone are returned,
    sorted. A valid code has none: the check catches every such error.

    >>> [str(c) for c in near_misses(712345678934)]
    ['7123 4567 8943', '7123 4568 8934']
    >>> near_misses(712345678943)
    []
    """
    if not 0 <= value < CODE_LIMIT:
        raise ValueError(f"{value} is not a 12-digit number")
    found: set[int] = set()
    for p in range(DIGITS):
        old = value // 10**p % 10
        found.update(value + (d - old) * 10**p for d in range(10) if d != old)
    for p in range(DIGITS - 1):
        low, high = value // 10**p % 10, value // 10 ** (p + 1) % 10
        if low != high:
            found.add(value + (high - low) * 10**p + (low - high) * 10 ** (p + 1))
    return sorted(
        Code(v) for v in found if v % CHECK_MODULUS == 1 and v // ZONE_UNIT in VALID_ZONES
    )
