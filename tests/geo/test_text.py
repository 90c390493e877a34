"""Vietnamese address text: display form, matching keys, abbreviations and ranking."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.text import (
    UNIT_TYPES,
    clean,
    diacritic_similarity,
    expand,
    fold,
    name_keys,
    strip_unit_type,
)

VIETNAMESE_LETTERS = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
# Mostly Vietnamese, with punctuation, digits and whitespace, plus anything Unicode has.
address_text = (
    st.text(
        alphabet=st.sampled_from(VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " .,-/()'09\t")
    )
    | st.text()
)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# --- clean -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new_style", "old_style"),
    [
        ("Hoà", "Hòa"),
        ("Thuỷ", "Thủy"),
        ("Khoẻ", "Khỏe"),
        ("xoè", "xòe"),
        ("huỷ", "hủy"),
        ("tuỳ", "tùy"),
        ("Uỷ ban", "Ủy ban"),
        ("HOÀ BÌNH", "HÒA BÌNH"),
        ("Phường  Xuân Hoà", "Phường Xuân Hòa"),
    ],
)
def test_both_tone_placements_read_and_match_the_same(new_style: str, old_style: str) -> None:
    assert clean(new_style) == clean(old_style) == old_style
    assert fold(new_style) == fold(old_style)


@pytest.mark.parametrize(
    "word",
    ["Hoàng", "Quỳnh", "Quý", "Thuyết", "Khuyến", "Nguyễn", "Hoạch", "lụa", "Giữa", "người",
     "rượu", "khuỷu", "thuở", "Huỳnh", "Đắk Lắk"],
)  # fmt: skip
def test_clean_leaves_canonical_words_untouched(word: str) -> None:
    assert clean(word) == word


def test_clean_moves_a_misplaced_tone_after_qu_and_gi() -> None:
    assert clean("qùa gìa") == "quà già"


@pytest.mark.parametrize("text", ["Thủ Dầu Một", "Phường Xuân Hòa", "Nguyễn Thị Minh Khai"])
def test_decomposed_input_equals_composed(text: str) -> None:
    assert nfd(text) != text
    assert clean(nfd(text)) == text
    assert fold(nfd(text)) == fold(text)


def test_clean_collapses_whitespace_and_keeps_case_and_punctuation() -> None:
    assert clean("  TP.\tHồ  Chí\u00a0Minh \n") == "TP. Hồ Chí Minh"


def test_clean_reads_icelandic_eth_as_d_with_stroke() -> None:
    assert clean("Ðà Nẵng") == "Đà Nẵng"


# --- fold --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Thủ Dầu Một", "thu dau mot"),
        ("Thành phố Hồ Chí Minh", "thanh pho ho chi minh"),
        ("Đắk Lắk", "dak lak"),
        ("ĐỒNG THÁP", "dong thap"),
        ("TP.HCM", "tp hcm"),
        ("Phường 06", "phuong 06"),
        ("Số 12/3A, ngõ 5 – Trần Hưng Đạo (cũ)…", "so 12 3a ngo 5 tran hung dao cu"),
        ('"Ea H\'leo";Đắk\\Lắk—x:y', "ea h leo dak lak x y"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@given(address_text)
def test_fold_is_idempotent_and_ignores_clean(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    assert fold(clean(text)) == fold(text)


@given(address_text)
def test_clean_is_idempotent(text: str) -> None:
    assert clean(clean(text)) == clean(text)


@given(address_text)
def test_fold_never_leaves_a_mark_a_stroke_or_stray_spaces(text: str) -> None:
    folded = fold(text)
    assert not any(unicodedata.category(c).startswith("M") for c in folded)
    assert "đ" not in folded
    assert folded == " ".join(folded.split())


def test_every_vietnamese_letter_folds_to_ascii() -> None:
    letters = VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper()
    assert fold(letters).isascii()
    assert fold(nfd(letters)) == fold(letters)


# --- expand ------------------------------------------------------------------------------------

HCM = "thanh pho ho chi minh"


@pytest.mark.parametrize(
    "alias",
    ["TP.HCM", "tp hcm", "TPHCM", "HCM", "T.P Hồ Chí Minh", "Hồ Chí Minh", "Sài Gòn", "saigon",
     "SG", "tp sài gòn", "Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh", "thanh pho ho chi minh"],
)  # fmt: skip
def test_every_hcm_alias_expands_to_the_same_key(alias: str) -> None:
    assert expand(alias) == HCM


@pytest.mark.parametrize(
    ("aliases", "key"),
    [
        (["HN", "tp HN", "Hà Nội", "hanoi", "Thành phố Hà Nội"], "thanh pho ha noi"),
        (["Đà Nẵng", "danang", "TP. Đà Nẵng"], "thanh pho da nang"),
        (["Hải Phòng", "haiphong"], "thanh pho hai phong"),
        (["Cần Thơ", "cantho"], "thanh pho can tho"),
        (["Huế", "hue", "TP Huế"], "thanh pho hue"),
    ],
)
def test_other_city_aliases(aliases: list[str], key: str) -> None:
    assert {expand(alias) for alias in aliases} == {key}


WARD_FIVE = ["P.5", "P. 5", "p5", "p 5", "Phường 05", "phường 5", "F5", "f.05"]


@pytest.mark.parametrize("ward", WARD_FIVE)
def test_ward_five_spellings_are_equal(ward: str) -> None:
    assert expand(ward) == "phuong 5"


@pytest.mark.parametrize("district", ["Q1", "q.1", "Q. 1", "q 1", "Quận 1", "quận 01", "QUẬN 001"])
def test_district_one_spellings_are_equal(district: str) -> None:
    assert expand(district) == "quan 1"


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("TX. Sơn Tây", "thi xa son tay"),
        ("t.x Sơn Tây", "thi xa son tay"),
        ("TT Đông Anh", "thi tran dong anh"),
        ("H. Gia Lâm", "huyen gia lam"),
        ("X. Tân Phú", "xa tan phu"),
        ("Q. Bình Thạnh", "quan binh thanh"),
        ("ĐC Phú Quốc", "dac khu phu quoc"),
        ("Đặc khu Phú Quốc", "dac khu phu quoc"),
        ("Tỉnh Đồng Nai", "tinh dong nai"),
        ("Quận 1 TP.HCM", "quan 1 " + HCM),
        ("Phường Bến Nghé, Quận 01, Hồ Chí Minh", "phuong ben nghe quan 1 " + HCM),
    ],
)
def test_unit_type_abbreviations(text: str, expanded: str) -> None:
    assert expand(text) == expanded


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("Ea H'leo", "ea h leo"),  # "h" without a dot is part of the name
        ("Gia Lâm h", "gia lam h"),
        ("Phường Sài Gòn", "phuong sai gon"),  # a ward of Hồ Chí Minh City, not the city
        ("đường Hồ Chí Minh", "duong ho chi minh"),
        ("Tỉnh Thừa Thiên Huế", "tinh thua thien hue"),
        ("Phường Hoa Huệ", "phuong hoa hue"),
        ("Vĩnh Phúc", "vinh phuc"),  # no abbreviation inside a word
        ("p", "p"),  # nothing follows: not a ward
        ("Bà Rịa - Vũng Tàu", "ba ria vung tau"),
    ],
)
def test_expand_leaves_names_that_only_look_like_abbreviations(text: str, expanded: str) -> None:
    assert expand(text) == expanded


@pytest.mark.parametrize("text", ["TP.HCM", "Sài Gòn", "P. 06", "Q1", "H. Gia Lâm", "Huế", "sg"])
def test_expand_is_idempotent(text: str) -> None:
    assert expand(expand(text)) == expand(text)


# --- unit types and search keys ----------------------------------------------------------------


def test_unit_types_are_folded_and_longest_first() -> None:
    assert all(fold(unit_type) == unit_type for unit_type in UNIT_TYPES)
    assert [len(t) for t in UNIT_TYPES] == sorted(map(len, UNIT_TYPES), reverse=True)
    assert {"thanh pho", "tinh", "quan", "huyen", "thi xa", "phuong", "xa", "dac khu"} <= set(
        UNIT_TYPES
    )


@pytest.mark.parametrize(
    ("folded", "split"),
    [
        ("phuong xuan hoa", ("phuong", "xuan hoa")),
        ("thanh pho ho chi minh", ("thanh pho", "ho chi minh")),
        ("thanh pho truc thuoc trung uong can tho", ("thanh pho truc thuoc trung uong", "can tho")),
        ("tinh dong nai", ("tinh", "dong nai")),
        ("thi xa son tay", ("thi xa", "son tay")),
        ("phuong 6", ("phuong", "6")),
        ("ba dinh", (None, "ba dinh")),
        ("phuong", (None, "phuong")),
        ("xadan", (None, "xadan")),
    ],
)
def test_strip_unit_type(folded: str, split: tuple[str | None, str]) -> None:
    assert strip_unit_type(folded) == split


def test_name_keys_of_cities_hold_their_aliases() -> None:
    hcm = name_keys("Thành phố Hồ Chí Minh")
    assert hcm[:2] == [HCM, "ho chi minh"]
    assert {"hcm", "tphcm", "sai gon"} <= set(hcm)
    assert {"thanh pho ha noi", "ha noi", "hn"} <= set(name_keys("Thành phố Hà Nội"))
    assert len(hcm) == len(set(hcm))


def test_name_keys_of_numbered_wards() -> None:
    assert name_keys("Phường 06") == ["phuong 6", "6"]


def test_name_keys_do_not_strip_a_type_that_is_really_part_of_the_name() -> None:
    assert name_keys("Tịnh Biên") == ["tinh bien"]  # tỉnh is a type, Tịnh is a name
    assert name_keys("Quan Hóa") == ["quan hoa"]
    assert name_keys("Huyện Quan Hóa") == ["huyen quan hoa", "quan hoa"]
    assert name_keys("Phường Phương Mai") == ["phuong phuong mai", "phuong mai"]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("TP.HCM", "Thành phố Hồ Chí Minh"),
        ("sai gon", "Thành phố Hồ Chí Minh"),
        ("sai g", "Thành phố Hồ Chí Minh"),
        ("ha noi", "Thành phố Hà Nội"),
        ("p.6", "Phường 06"),
        ("xuan hoa", "Phường Xuân Hoà"),
        ("Xuân Hòa", "Phường Xuân Hoà"),
        ("dong", "Tỉnh Đồng Nai"),
    ],
)
def test_a_query_finds_its_unit_by_key_prefix(query: str, name: str) -> None:
    key = expand(query)
    assert any(candidate.startswith(key) for candidate in name_keys(name))


# --- ranking -----------------------------------------------------------------------------------


def test_typed_diacritics_prefer_the_candidate_that_has_them() -> None:
    assert diacritic_similarity("Thạnh An", "Thạnh An") == 1.0
    assert diacritic_similarity("Thạnh An", "Thạnh An") > diacritic_similarity(
        "Thạnh An", "Thanh An"
    )
    assert diacritic_similarity("Thanh An", "Thanh An") == diacritic_similarity(
        "Thanh An", "Thạnh An"
    )


def test_typed_diacritics_prefer_the_right_mark() -> None:
    assert diacritic_similarity("Thạnh", "Thạnh") > diacritic_similarity("Thạnh", "Thành")


def test_query_without_diacritics_is_neutral() -> None:
    assert diacritic_similarity("thanh an", "Thạnh An") == diacritic_similarity(
        "thanh an", "Thanh An"
    )


def test_similarity_ignores_tone_placement_case_and_prefix_typing() -> None:
    assert diacritic_similarity("HOÀ", "Hòa Bình") == 1.0
    assert diacritic_similarity("Thủy", "Thuỷ") == 1.0


@given(address_text, address_text)
def test_similarity_stays_in_range(typed: str, candidate: str) -> None:
    assert 0.0 <= diacritic_similarity(typed, candidate) <= 1.0


def test_a_lower_case_eth_is_read_as_d_with_stroke() -> None:
    # "Ð" (U+00D0) from legacy encodings is read as "Đ"; lower-cased it is "ð" (U+00F0)
    assert clean("nguyễn \u00f0ình chiểu") == "nguyễn đình chiểu"
