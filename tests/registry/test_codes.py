"""The digital address code: golden vectors, check-digit properties, the zone grid."""

from __future__ import annotations

import csv
import gzip
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.codes import (
    GRID_ORIGIN_LAT,
    GRID_ORIGIN_LON,
    TERRITORY_BBOXES,
    VALID_ZONES,
    Code,
    CodeError,
    check_digits,
    format_code,
    make_code,
    near_misses,
    parse_code,
    zone_bounds,
    zone_of,
)
from registry.config import PROJECT_ROOT
from registry.errors import InvalidInput

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "codes.csv"
WARDS = PROJECT_ROOT / "data" / "vn-admin-2025" / "wards_2025_simplified10m.geojson.gz"


def golden(kind: str) -> list[dict[str, str]]:
    with GOLDEN.open(encoding="utf-8", newline="") as f:
        return [row for row in csv.DictReader(f) if row["kind"] == kind]


def passes_check(digits: str) -> bool:
    """The check, computed apart from registry.codes: the 12-digit number is 1 mod 97."""
    return len(digits) == 12 and int(digits) % 97 == 1


codes = st.builds(make_code, st.sampled_from(sorted(VALID_ZONES)), st.integers(0, 99_999_999))


def substitutions(value: int) -> Iterator[int]:
    digits = f"{value:012d}"
    for i, old in enumerate(digits):
        for new in "0123456789":
            if new != old:
                yield int(digits[:i] + new + digits[i + 1 :])


def adjacent_swaps(value: int) -> Iterator[int]:
    digits = f"{value:012d}"
    for i in range(11):
        if digits[i] != digits[i + 1]:
            yield int(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :])


# --- golden vectors ---------------------------------------------------------------------


def test_golden_file_covers_every_kind() -> None:
    kinds = {row["error_kind"] for row in golden("invalid")}
    assert kinds == {"wrong-length", "not-digits", "zone-outside-grid", "check-failed"}
    assert len(golden("valid")) + len(golden("invalid")) >= 30


@pytest.mark.parametrize("row", golden("valid"), ids=lambda r: repr(r["input"]))
def test_golden_valid(row: dict[str, str]) -> None:
    code = parse_code(row["input"])
    assert passes_check(row["grouped"].replace(" ", ""))
    assert str(code) == row["grouped"]
    assert (code.zone, code.serial, code.check) == (
        int(row["zone"]),
        int(row["serial"]),
        int(row["check"]),
    )
    assert make_code(code.zone, code.serial) == code


@pytest.mark.parametrize("row", golden("invalid"), ids=lambda r: repr(r["input"]))
def test_golden_invalid(row: dict[str, str]) -> None:
    with pytest.raises(CodeError) as caught:
        parse_code(row["input"])
    error = caught.value
    assert error.kind == row["error_kind"]
    assert error.message == str(error)
    assert " / " in error.message  # Vietnamese, then English
    if row["grouped"]:
        assert row["grouped"] in error.message
    if row["error_kind"] == "check-failed":
        assert not passes_check(row["grouped"].replace(" ", ""))
        assert parse_code(row["suggests"]) in error.candidates
        assert all(passes_check(f"{c.value:012d}") for c in error.candidates)
    else:
        assert error.candidates == []


def test_code_error_is_invalid_input_and_value_error() -> None:
    with pytest.raises(CodeError) as caught:
        parse_code("7123 4567 8944")
    assert isinstance(caught.value, InvalidInput)
    assert isinstance(caught.value, ValueError)
    assert caught.value.type == "invalid-code"


# --- check digits -----------------------------------------------------------------------


@given(st.integers(0, 9_999_999_999))
def test_check_digits_make_the_number_one_mod_97(first10: int) -> None:
    check = check_digits(first10)
    assert 2 <= check <= 98
    assert passes_check(f"{first10:010d}{check:02d}")


@given(codes)
def test_every_single_substitution_fails_the_check(code: Code) -> None:
    for typo in substitutions(code.value):
        with pytest.raises(CodeError) as caught:
            parse_code(format_code(typo))
        assert caught.value.kind == "check-failed"
        assert code in caught.value.candidates


@given(codes)
def test_every_adjacent_transposition_fails_the_check(code: Code) -> None:
    for typo in adjacent_swaps(code.value):
        with pytest.raises(CodeError) as caught:
            parse_code(format_code(typo))
        assert caught.value.kind == "check-failed"
        assert code in near_misses(typo)


@given(codes)
def test_a_valid_code_has_no_near_misses(code: Code) -> None:
    assert near_misses(code.value) == []


@given(st.integers(0, 999_999_999_999))
def test_near_misses_are_one_edit_away_and_pass(value: int) -> None:
    one_edit = set(substitutions(value)) | set(adjacent_swaps(value))
    for candidate in near_misses(value):
        assert candidate.value in one_edit
        assert passes_check(f"{candidate.value:012d}")
        assert candidate.zone in VALID_ZONES


# --- formatting and parsing -------------------------------------------------------------


@given(codes)
def test_parse_of_format_is_identity(code: Code) -> None:
    assert parse_code(format_code(code.value)) == code
    assert parse_code(str(code).replace(" ", "-")) == code
    assert make_code(code.zone, code.serial) == code


@given(codes, st.sampled_from(["", " ", "-", ".", " - ", "\u3000"]), st.booleans())
def test_parse_accepts_separators_and_full_width(code: Code, sep: str, wide: bool) -> None:
    digits = f"{code.value:012d}"
    text = sep.join([digits[:4], digits[4:8], digits[8:]])
    if wide:
        text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_code(f"Mã: {text}.") == code


def test_code_constructor_validates() -> None:
    with pytest.raises(CodeError, match="check") as caught:
        Code(712345678944)
    assert caught.value.kind == "check-failed"
    with pytest.raises(CodeError) as caught:
        Code(10**12 + 1)
    assert caught.value.kind == "wrong-length"


def test_make_code_rejects_bad_zone_and_serial() -> None:
    with pytest.raises(CodeError) as caught:
        make_code(0, 1)
    assert caught.value.kind == "zone-outside-grid"
    with pytest.raises(CodeError) as caught:
        make_code(73, 100_000_000)
    assert caught.value.kind == "serial-out-of-range"


def test_format_pads_leading_zeros() -> None:
    assert format_code(500000000047) == "5000 0000 0047"
    assert format_code(50000000047) == "0500 0000 0047"
    with pytest.raises(ValueError):
        format_code(10**12)


# --- the zone grid ----------------------------------------------------------------------


def test_grid_holds_the_whole_territory() -> None:
    assert GRID_ORIGIN_LAT <= 6.0 and GRID_ORIGIN_LAT + 20 >= 23.5
    assert GRID_ORIGIN_LON <= 102.1 and GRID_ORIGIN_LON + 20 >= 118.0


@pytest.mark.parametrize("name", sorted(TERRITORY_BBOXES))
def test_territory_corners_are_in_valid_zones(name: str) -> None:
    min_lon, min_lat, max_lon, max_lat = TERRITORY_BBOXES[name]
    for lon in (min_lon, max_lon):
        for lat in (min_lat, max_lat):
            assert zone_of(lon, lat) in VALID_ZONES


@pytest.mark.parametrize(
    ("place", "lon", "lat", "zone"),
    [
        ("Hà Nội, Hoàn Kiếm", 105.8342, 21.0278, 73),
        ("TP Hồ Chí Minh, Bến Thành", 106.6980, 10.7725, 23),
        ("Đà Nẵng, Hải Châu", 108.2208, 16.0471, 54),
        ("Hoàng Sa, đảo Phú Lâm", 112.3353, 16.8339, 56),
        ("Trường Sa, đảo Trường Sa", 111.9167, 8.6444, 16),
        ("Lũng Cú", 105.3161, 23.3636, 83),
        ("Mũi Cà Mau", 104.7247, 8.6072, 12),
    ],
)
def test_zone_of_known_places(place: str, lon: float, lat: float, zone: int) -> None:
    assert zone_of(lon, lat) == zone


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(100.5018, 13.7563), (105.0, 30.0), (120.0, 15.0), (99.0, 10.0), (math.nan, 10.0)],
    ids=["Bangkok", "north of the grid", "east of the grid", "west of the grid", "NaN"],
)
def test_zone_of_outside(lon: float, lat: float) -> None:
    with pytest.raises(CodeError) as caught:
        zone_of(lon, lat)
    assert caught.value.kind == "zone-outside-grid"


def test_a_point_on_a_band_line_belongs_north_and_east() -> None:
    lat_line, lon_line = GRID_ORIGIN_LAT + 14, GRID_ORIGIN_LON + 6  # 19.5°N, 105.3°E
    assert zone_of(lon_line, lat_line) == 73
    assert zone_of(math.nextafter(lon_line, 0), math.nextafter(lat_line, 0)) == 62


@given(
    st.floats(GRID_ORIGIN_LON, GRID_ORIGIN_LON + 20, exclude_max=True),
    st.floats(GRID_ORIGIN_LAT, GRID_ORIGIN_LAT + 20, exclude_max=True),
)
def test_zone_of_agrees_with_zone_bounds(lon: float, lat: float) -> None:
    cell = next(
        z
        for z in range(100)
        if zone_bounds(z)[0] <= lon < zone_bounds(z)[2]
        and zone_bounds(z)[1] <= lat < zone_bounds(z)[3]
    )
    if cell in VALID_ZONES:
        assert zone_of(lon, lat) == cell
    else:
        with pytest.raises(CodeError):
            zone_of(lon, lat)


def _corners(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    rings = (
        geometry["coordinates"]
        if geometry["type"] == "Polygon"
        else [ring for polygon in geometry["coordinates"] for ring in polygon]
    )
    lons = [p[0] for ring in rings for p in ring]
    lats = [p[1] for ring in rings for p in ring]
    return [(x, y) for x in (min(lons), max(lons)) for y in (min(lats), max(lats))]


def test_every_2025_commune_lies_in_the_territory_bboxes() -> None:
    with gzip.open(WARDS, "rt", encoding="utf-8") as f:
        features = json.load(f)["features"]
    assert len(features) == 3321
    outside = [
        f["properties"]["name"]
        for f in features
        for lon, lat in _corners(f["geometry"])
        if not any(b[0] <= lon <= b[2] and b[1] <= lat <= b[3] for b in TERRITORY_BBOXES.values())
    ]
    assert outside == []
