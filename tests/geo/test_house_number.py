"""House numbers as written: slash paths, ngõ/ngách/hẻm/kiệt, units, buildings, street split."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.house_number import Alley, HouseNumber, parse_house_number, split_house_number
from geo.house_number import _read as read_clause_by_clause
from geo.text import clean


def alleys(spec: str) -> tuple[Alley, ...]:
    """``"ngo 12, ngach 5"`` -> (Alley("ngo", "12"), Alley("ngach", "5")); names may have spaces."""
    return tuple(Alley(*part.split(maxsplit=1)) for part in spec.split(",") if part.strip())


def parts(house: HouseNumber) -> tuple[object, ...]:
    return house.number, house.base, house.suffix, house.alleys, house.unit, house.building


# --- parts -------------------------------------------------------------------------------------

# text, number, base, suffix, alleys, unit, building
PARTS = [
    # Southern slash paths: every number but the last is an alley leaving at that number.
    ("12", "12", 12, None, "", None, None),
    ("12/3A", "3A", 3, "A", "slash 12", None, None),
    ("12/3a", "3A", 3, "A", "slash 12", None, None),
    ("12/3 A", "3A", 3, "A", "slash 12", None, None),
    ("45/12/7", "7", 7, None, "slash 45, slash 12", None, None),
    ("số 45/12/7", "7", 7, None, "slash 45, slash 12", None, None),
    ("Số nhà 45/12/7", "7", 7, None, "slash 45, slash 12", None, None),
    ("SN 45/12/7", "7", 7, None, "slash 45, slash 12", None, None),
    ("12A/3", "3", 3, None, "slash 12A", None, None),
    ("Số 88/12 Đường D2", "12", 12, None, "slash 88", None, None),
    ("268/14/2B Tô Hiến Thành", "2B", 2, "B", "slash 268, slash 14", None, None),
    ("012/03", "03", 3, None, "slash 012", None, None),
    # Letters, bis, ranges.
    ("12 bis", "12bis", 12, "bis", "", None, None),
    ("12bis", "12bis", 12, "bis", "", None, None),
    ("12 Bis Nguyễn Thị Minh Khai", "12bis", 12, "bis", "", None, None),
    ("5 ter", "5ter", 5, "ter", "", None, None),
    ("12A1", "12A1", 12, "A1", "", None, None),
    ("12 B Lê Lợi", "12B", 12, "B", "", None, None),
    ("12-14", "12-14", 12, None, "", None, None),
    ("số 12 – 14 Hàng Bài", "12-14", 12, None, "", None, None),
    ("56-58-60 Phố Nguyễn Thái Học", "56-58-60", 56, None, "", None, None),
    ("No. 1B Phố Quốc Tử Giám", "1B", 1, "B", "", None, None),
    # Hanoi: ngõ, ngách, in any order; a path after either word runs from the street.
    ("số 7 ngõ 12 ngách 5", "7", 7, None, "ngo 12, ngach 5", None, None),
    ("7 ngõ 12 ngách 5", "7", 7, None, "ngo 12, ngach 5", None, None),
    ("ngõ 12 ngách 5 số 7", "7", 7, None, "ngo 12, ngach 5", None, None),
    ("ngách 5 ngõ 12 số 7", "7", 7, None, "ngo 12, ngach 5", None, None),
    ("số 7, ngách 12/5", "7", 7, None, "ngo 12, ngach 5", None, None),
    ("số 7, ngách 5/12", "7", 7, None, "ngo 5, ngach 12", None, None),  # outer first
    ("ngõ 12/5", None, None, None, "ngo 12, ngach 5", None, None),
    ("Số 7 ng. 12 ngh. 5", "7", 7, None, "ngo 12, ngach 5", None, None),
    ("NGÕ 12 NGÁCH 5", None, None, None, "ngo 12, ngach 5", None, None),
    ("số 5a ngách 12/93 ngõ 12 Chính Kinh", "5A", 5, "A", "ngo 12, ngach 93", None, None),
    ("Số nhà 33, ngách 595/7, ngõ 595, Lĩnh Nam", "33", 33, None, "ngo 595, ngach 7", None, None),
    ("Ngách 59 ngõ 20, đường Mỹ Đình", None, None, None, "ngo 20, ngach 59", None, None),
    ("số 7 hẻm 3 ngách 5 ngõ 12", "7", 7, None, "ngo 12, ngach 5, hem 3", None, None),
    ("ngõ Huế", None, None, None, "ngo Huế", None, None),
    ("số 5 ngõ Nhà Thờ", "5", 5, None, "ngo Nhà Thờ", None, None),
    # HCMC hẻm: a path after "hẻm" is all hẻm.
    ("Hẻm 12", None, None, None, "hem 12", None, None),
    ("Hẻm 7/3", None, None, None, "hem 7, hem 3", None, None),
    ("hẻm 45/12 số 7", "7", 7, None, "hem 45, hem 12", None, None),
    ("số 7 h. 45/12", "7", 7, None, "hem 45, hem 12", None, None),
    ("hẻm Xe Hơi, Lê Văn Sỹ", None, None, None, "hem Xe Hơi", None, None),
    # Huế, Đà Nẵng: kiệt, and the short "K24/5" for house 5 in kiệt 24.
    ("kiệt 24 Lê Lợi", None, None, None, "kiet 24", None, None),
    ("K24 Lê Lợi", None, None, None, "kiet 24", None, None),
    ("K24/5 Lê Lợi", "5", 5, None, "kiet 24", None, None),
    ("K.123/45/6 Hoàng Diệu", "6", 6, None, "kiet 123, kiet 45", None, None),
    ("số 5 kiệt 3", "5", 5, None, "kiet 3", None, None),
    # Units and buildings.
    ("P.302, tòa A", None, None, None, "", "P.302", "tòa A"),
    ("phòng 1203", None, None, None, "", "phòng 1203", None),
    ("căn hộ 12.03", None, None, None, "", "căn hộ 12.03", None),
    ("căn hộ A-12-03, tòa CT1", None, None, None, "", "căn hộ A-12-03", "tòa CT1"),
    ("kiot 15", None, None, None, "", "kiot 15", None),
    ("Ki-ốt 21 chợ Hôm", None, None, None, "", "Ki-ốt 21", None),
    ("lô A3", None, None, None, "", None, "lô A3"),
    ("P.302 nhà B3 tập thể Kim Liên", None, None, None, "", "P.302", "nhà B3"),
    ("Phòng 1203, tầng 12, 72 Lê Thánh Tôn", "72", 72, None, "", "Phòng 1203, tầng 12", None),
    ("block C, 12/4 Nguyễn Huệ", "4", 4, None, "slash 12", None, "block C"),
    ("12/3 P.5 Q.3", "3", 3, None, "slash 12", None, None),  # P.5 is ward 5, not a room
    # Nothing to read.
    ("", None, None, None, "", None, None),
    ("Nguyễn Trãi", None, None, None, "", None, None),
    ("N/A", None, None, None, "", None, None),
    ("không số", None, None, None, "", None, None),
    ("0912345678", None, None, None, "", None, None),  # a phone number
    ("12 Ngo Quyen", "12", 12, None, "", None, None),  # Ngô Quyền street, not a ngõ
]


@pytest.mark.parametrize(
    ("text", "number", "base", "suffix", "alley_spec", "unit", "building"), PARTS
)
def test_parts(
    text: str,
    number: str | None,
    base: int | None,
    suffix: str | None,
    alley_spec: str,
    unit: str | None,
    building: str | None,
) -> None:
    house = parse_house_number(text)
    assert parts(house) == (number, base, suffix, alleys(alley_spec), unit, building)
    assert house.raw == clean(text)


# --- split -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "house", "rest"),
    [
        ("12/3A Nguyễn Trãi", "12/3A", "Nguyễn Trãi"),
        ("12/3A, Nguyễn Trãi, Phường 7", "12/3A", "Nguyễn Trãi, Phường 7"),
        ("số 7 ngõ 12 ngách 5 phố Huế", "số 7 ngõ 12 ngách 5", "phố Huế"),
        ("Ngõ 12 Tôn Đức Thắng", "Ngõ 12", "Tôn Đức Thắng"),
        ("kiệt 24 Lê Lợi", "kiệt 24", "Lê Lợi"),
        ("12 - Nguyễn Trãi", "12", "Nguyễn Trãi"),
        ("123 Đường 3/2", "123", "Đường 3/2"),
        ("12 đường số 5", "12", "đường số 5"),
        ("12 Quốc lộ 1A", "12", "Quốc lộ 1A"),
        ("12, P.5, Q.3", "12", "P.5, Q.3"),
        ("12 H. Gia Lâm", "12", "H. Gia Lâm"),
        ("P.302, tòa A, 12 Lê Lợi", "P.302, tòa A, 12", "Lê Lợi"),
        ("  số  12/3a   Lý Thường Kiệt ", "số 12/3a", "Lý Thường Kiệt"),
        ("Nguyễn Trãi", "", "Nguyễn Trãi"),
        ("", "", ""),
    ],
)
def test_split_house_number(text: str, house: str, rest: str) -> None:
    assert split_house_number(text) == (house, rest)


# --- normalized --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spellings", "key"),
    [
        (["12/3A", "12/3 A", "số 12/3a", "Số nhà 12 / 3A", "SN 12/3A Lê Lợi", "012/03A"], "12/3a"),
        (["45/12/7", "số 45/12/7", "Số nhà 45/12/7", "45 / 12 / 7 Nguyễn Trãi"], "45/12/7"),
        (
            [
                "số 7 ngõ 12 ngách 5",
                "7 ngõ 12 ngách 5",
                "ngõ 12 ngách 5 số 7",
                "ngách 5 ngõ 12 số 7",
                "Số 7, ngách 12/5",
                "số 7 ngõ 12/5",
                "Số nhà 7, Ng. 12, Ngh. 5",
                "so 7 ngo 12 ngach 5",
                "SỐ 7 NGÕ 12 NGÁCH 5 PHỐ HUẾ",
            ],
            "ngo 12 ngach 5 so 7",
        ),
        (["hẻm 45/12 số 7", "số 7 hẻm 45/12", "7 h. 45/12"], "hem 45 hem 12 so 7"),
        (["K24/5", "K.24/5", "k 24/5", "kiệt 24 số 5", "số 5 kiệt 24"], "kiet 24 so 5"),
        (["12 bis", "12bis", "12 Bis", "số 12bis"], "12bis"),
        (["12-14", "12 - 14", "số 12–14"], "12-14"),
        (["P.302, tòa A", "phòng 302 tòa A", "Tòa A, P302", "toà A P. 302"], "toa a phong 302"),
        (["căn hộ 12.03", "CH 12.03", "Căn hộ 1203"], "can ho 1203"),
        (["ngõ Huế", "Ngõ Huế, Hai Bà Trưng"], "ngo hue"),
        (["", "N/A", "không số", "Nguyễn Trãi", "  "], ""),
    ],
)
def test_spellings_of_one_house_normalise_alike(spellings: list[str], key: str) -> None:
    assert {parse_house_number(spelling).normalized for spelling in spellings} == {key}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("12/3A", "12/3B"),
        ("12/3A", "3A/12"),
        ("12/3", "12 hẻm 3"),
        ("ngõ 12 ngách 5", "ngõ 5 ngách 12"),
        ("12", "12 P.302"),
        ("12bis", "12"),
    ],
)
def test_different_houses_normalise_apart(one: str, other: str) -> None:
    assert parse_house_number(one).normalized != parse_house_number(other).normalized


# --- any text ----------------------------------------------------------------------------------

PIECES = [
    "12", "3A", "0", "999999", "1234567", "/", "-", "–", ",", ".", ":", "số", "Số nhà", "SN",
    "nhà", "ngõ", "ng.", "ngách", "ngh", "hẻm", "h.", "kiệt", "K", "P.", "phòng", "căn hộ",
    "kiot", "ki-ốt", "tòa", "lô", "block", "tầng", "A", "b", "bis", "CT1", "không số",
    "Nguyễn Trãi", "phố", "Huế", "Xe Hơi", "N/A", "(", "#",
]  # fmt: skip
house_like = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(["", " ", "  "]))).map(
    lambda pieces: "".join(piece + gap for piece, gap in pieces)
)
any_text = house_like | st.text()


@given(any_text)
def test_parse_never_raises_and_keeps_raw(text: str) -> None:
    house = parse_house_number(text)
    assert house.raw == clean(text)
    assert house.normalized == " ".join(house.normalized.split())
    assert house.normalized.isascii()
    assert house.normalized == house.normalized.lower()
    if house.number is None:
        assert (house.base, house.suffix) == (None, None)
    else:
        assert house.number.startswith(str(house.base)) or house.number[0] == "0"


@given(any_text)
def test_split_covers_the_text_and_parse_reads_only_the_house_part(text: str) -> None:
    house, rest = split_house_number(text)
    raw = clean(text)
    assert raw.startswith(house)
    assert raw.endswith(rest)
    assert len(house) + len(rest) <= len(raw)
    assert parts(parse_house_number(house)) == parts(parse_house_number(text))
    assert parse_house_number(house).normalized == parse_house_number(text).normalized


@pytest.mark.parametrize("value", [None, 12, b"12/3A", ["12"]])
def test_only_text_is_accepted(value: object) -> None:
    with pytest.raises(TypeError):
        parse_house_number(value)  # type: ignore[arg-type]  # the point is the wrong type
    with pytest.raises(TypeError):
        split_house_number(value)  # type: ignore[arg-type]  # the point is the wrong type


plain = st.from_regex(r"[0-9]{1,7}(/[0-9]{1,7}){0,3}[A-Za-z]?", fullmatch=True)


@given(plain | st.sampled_from(["12", "3A", "12/3a", "45/12/7", "0012", "1234567", "7/0B"]))
def test_a_plain_number_read_at_once_is_read_as_clause_by_clause(text: str) -> None:
    """The short cut for numbers and slash chains alone gives what the clause reader does."""
    assert parse_house_number(text) == read_clause_by_clause(clean(text))
