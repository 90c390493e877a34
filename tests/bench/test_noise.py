"""The noise kinds of bench/noise.py: reproducible, and each changes what it says it does."""

from __future__ import annotations

import doctest
import random
import re
import unicodedata

import pytest

import bench.noise
from bench.noise import (
    KINDS,
    NBSP,
    ZWSP,
    OldName,
    fold_chars,
    keyboard_word,
    mixed_kinds,
    strip_diacritics,
    variant,
)
from geo.house_number import parse_house_number

HANOI = "Số 25, phố Liễu Giai, phường Ngọc Hà, Thành phố Hà Nội"
HCMC = "Số 12, Đường Võ Văn Tần, Phường Xuân Hoà, Thành phố Hồ Chí Minh"
OSM = "6B Công trường Quốc Tế, Phường Xuân Hoà, Thành phố Hồ Chí Minh"
OLD = OldName("phường Võ Thị Sáu (cũ)", "Phường Võ Thị Sáu", "27139", True)


def context(address: str) -> dict[str, object]:
    """Everything :func:`variant` may need for the test addresses."""
    return {
        "old": OLD,
        "commune_names": ["xuan hoa", "ngoc ha"],
        "province": "Thành phố Hồ Chí Minh" if "Hồ Chí Minh" in address else "Thành phố Hà Nội",
        "house_number": "6B" if address == OSM else None,
        "taken": {"6b", "7"},
    }


def words(text: str) -> list[str]:
    return text.split(" ")


def test_the_module_documents_every_kind() -> None:
    for kind in KINDS:
        assert f"``{kind}``" in (bench.noise.__doc__ or ""), kind


def test_the_doctests_hold() -> None:
    assert doctest.testmod(bench.noise).failed == 0


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_text(kind: str) -> None:
    for address in (HANOI, HCMC, OSM):
        first = variant(address, kind, 7, **context(address))  # type: ignore[arg-type]
        assert first == variant(address, kind, 7, **context(address))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kind", ["some_diacritics_dropped", "telex", "vni", "typo", "noise_around", "mixed", "case"]
)
def test_other_seeds_other_texts(kind: str) -> None:
    texts = {variant(HCMC, kind, seed, **context(HCMC)) for seed in range(12)}  # type: ignore[arg-type]
    assert len(texts) > 3


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "clean"])
def test_every_kind_changes_the_text_or_says_it_does_not_apply(kind: str) -> None:
    address = OSM if kind == "house_number_unknown" else HCMC
    out = variant(address, kind, 0, **context(address))  # type: ignore[arg-type]
    assert out is not None and out != address


def test_no_diacritics_and_some_dropped() -> None:
    assert variant(HCMC, "no_diacritics") == (
        "So 12, Duong Vo Van Tan, Phuong Xuan Hoa, Thanh pho Ho Chi Minh"
    )
    for seed in range(20):
        out = variant(HCMC, "some_diacritics_dropped", seed)
        assert out is not None
        before, after = words(HCMC), words(out)
        assert len(before) == len(after)
        assert [strip_diacritics(w) for w in before] == [strip_diacritics(w) for w in after]
        changed = [a != b for a, b in zip(before, after, strict=True)]
        assert any(changed) and not all(changed)  # some, not all
    assert variant("So 12, Duong Vo Van Tan", "some_diacritics_dropped") is None


def test_the_other_tone_placement_both_ways() -> None:
    assert variant(HCMC, "other_tone_placement") == HCMC.replace("Hoà", "Hòa")
    assert variant("xã Mai Thủy, Khỏe", "other_tone_placement") == "xã Mai Thuỷ, Khoẻ"
    assert variant("xã Mai Thuỷ, Khoẻ", "other_tone_placement") == "xã Mai Thủy, Khỏe"
    # a closed syllable ("Hoàng") and "qu" + y ("Quý") have one spelling only
    assert variant("Hoàng Quý, Hà Nội", "other_tone_placement") is None


@pytest.mark.parametrize(("method", "keys"), [("telex", "sfrxj"), ("vni", "12345")])
def test_keyboard_remnants(method: str, keys: str) -> None:
    assert keyboard_word("Phường", "telex") == "Phuwowngf"
    assert keyboard_word("Phố", "vni") == "Pho61"
    for seed in range(20):
        out = variant(HCMC, method, seed)
        assert out is not None
        changed = [(a, b) for a, b in zip(words(HCMC), words(out), strict=True) if a != b]
        assert 1 <= len(changed) <= 2
        for before, after in changed:
            letters = re.sub(r"\W", "", before)
            assert after == before.replace(letters, keyboard_word(letters, method))
            assert after.isascii()
            if any(
                c in unicodedata.normalize("NFD", letters) for c in "\u0300\u0301\u0303\u0309\u0323"
            ):
                assert re.sub(r"\W", "", after)[-1] in keys  # the tone key ends the word


def test_decomposed_unicode_and_odd_spaces() -> None:
    for seed in range(10):
        out = variant(HCMC, "unicode_decomposed_spaces", seed)
        assert out is not None
        assert not unicodedata.is_normalized("NFC", out)
        assert NBSP in out and ZWSP in out
        back = out.replace(ZWSP, "").replace("\ufeff", "").replace(NBSP, " ")
        assert unicodedata.normalize("NFC", back) == HCMC


def test_case() -> None:
    outs = {variant(HCMC, "case", seed) for seed in range(20)}
    assert HCMC.upper() in outs
    for out in outs:
        assert out is not None and out != HCMC and out.lower() == HCMC.lower()


def test_type_words_dropped() -> None:
    assert variant("phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh", "type_words_dropped") == (
        "Bến Nghé, Quận 1, Hồ Chí Minh"
    )
    kept = "Trụ sở Huyện ủy, Hợp tác xã Tân Phú, Thị xã Sơn Tây, Hà Nội"
    assert (
        variant(kept, "type_words_dropped")
        == "Trụ sở Huyện ủy, Hợp tác xã Tân Phú, Sơn Tây, Hà Nội"
    )
    assert variant("12 Lê Lợi, Quận 1", "type_words_dropped") is None


def test_province_missing() -> None:
    out = variant(HANOI, "province_missing", province="Thành phố Hà Nội")
    assert out == "Số 25, phố Liễu Giai, phường Ngọc Hà"
    out = variant(
        "UBND phường Bắc Ninh, Tỉnh Bắc Ninh", "province_missing", province="Tỉnh Bắc Ninh"
    )
    assert out == "UBND phường Bắc Ninh"  # the commune of that name stays
    tagged = "35 Đoàn Thị Điểm, Quốc Tử Giám, Đống Đa, Hà Nội"
    out = variant(tagged, "province_missing", province="Thành phố Hà Nội")
    assert out is not None and "ha noi" not in fold_chars(out)
    assert variant("UBND xã Nga My", "province_missing", province="Tỉnh Nghệ An") is None


def test_ward_missing() -> None:
    out = variant(HANOI, "ward_missing", commune_names=["ngoc ha"])
    assert out == "Số 25, phố Liễu Giai, Thành phố Hà Nội"
    out = variant(
        "UBND xã Mai Thủy (cũ), Tỉnh Quảng Trị", "ward_missing", commune_names=["mai thuy"]
    )
    assert out == "UBND, Tỉnh Quảng Trị"
    assert variant(HANOI, "ward_missing", commune_names=["xuan hoa"]) is None


def test_reordered_and_other_separators() -> None:
    parts = sorted(HCMC.split(", "))
    for seed in range(10):
        out = variant(HCMC, "reordered", seed)
        assert out is not None and out != HCMC and sorted(out.split(", ")) == parts
        out = variant(HCMC, "other_separators", seed)
        assert out is not None and "," not in out
        assert sorted(p.strip() for p in re.split(r" - | / |;", out)) == parts
    assert variant("UBND xã Nga My", "reordered") is None
    assert variant("UBND xã Nga My", "other_separators") is None


def test_a_house_number_the_registry_does_not_have() -> None:
    taken = {"6b", "7", "8", "9"}
    for seed in range(20):
        out = variant(OSM, "house_number_unknown", seed, house_number="6B", taken=taken)
        assert out is not None
        number, rest = out.split(" ", 1)
        assert rest == OSM.split(" ", 1)[1]
        assert re.fullmatch(r"\d+[A-E]", number)  # the same form: a number and a letter
        assert parse_house_number(number).normalized not in taken
    assert variant(OSM, "house_number_unknown", house_number="99") is None


def test_old_names_clean_and_messy() -> None:
    clean = variant(HCMC, "old_names", 0, OLD, ["xuan hoa"])
    assert clean == "Số 12, Đường Võ Văn Tần, phường Võ Thị Sáu (cũ), Thành phố Hồ Chí Minh"
    for seed in range(10):
        out = variant(HCMC, "old_names_messy", seed, OLD, ["xuan hoa"])
        assert out is not None and out != clean
        assert "vo thi sau" in fold_chars(out) and "xuan hoa" not in fold_chars(out)
        assert out.startswith("Số 12, Đường Võ Văn Tần, ")  # only the old name is messed up
    assert variant(HCMC, "old_names_messy", 0, None, ["xuan hoa"]) is None


def test_mixed() -> None:
    for seed in range(30):
        kinds = mixed_kinds(HCMC, seed)
        assert 2 <= len(kinds) <= 3 and len(set(kinds)) == len(kinds)
        assert not {"telex", "vni"} <= set(kinds)
        assert kinds == mixed_kinds(HCMC, seed)
        out = variant(HCMC, "mixed", seed, province="Thành phố Hồ Chí Minh")
        assert out != HCMC
    assert len({tuple(mixed_kinds(HCMC, seed)) for seed in range(30)}) > 10


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown noise kind"):
        variant(HCMC, "shouting", random.randrange(3))
