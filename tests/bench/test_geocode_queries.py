"""What the geocoding benchmarks count as naming a commune, and how they score an answer."""

from __future__ import annotations

import doctest

import bench.geocode_queries
from bench.geocode_queries import Answer, Query, hq_subset, names_still, place_right, right
from bench.noise import variant

HCMC = "Số 12, Đường Võ Văn Tần, Phường Xuân Hoà, Thành phố Hồ Chí Minh"


def test_the_doctests_hold() -> None:
    assert doctest.testmod(bench.geocode_queries).failed == 0


def test_a_seat_address_names_its_commune_by_its_new_or_a_former_name() -> None:
    assert hq_subset(HCMC, "xuan hoa", {"vo thi sau": True}) == ("named_new", "xuan hoa")
    old = "UBND phường Võ Thị Sáu (cũ), Thành phố Hồ Chí Minh"
    assert hq_subset(old, "xuan hoa", {"vo thi sau": True}) == ("named_old_whole", "vo thi sau")
    assert hq_subset(old, "xuan hoa", {"vo thi sau": False})[0] == "named_old_split"
    assert hq_subset("UBND huyện Cam Lộ (cũ), Tỉnh Quảng Trị", "cam lo", {}) == (
        "district_only",
        None,
    )


def test_a_variant_still_names_the_commune_up_to_form_but_not_after_a_typo() -> None:
    for kind in ("no_diacritics", "case", "unicode_decomposed_spaces", "type_words_dropped"):
        out = variant(HCMC, kind, 0)
        assert out is not None and names_still(out, "xuan hoa"), kind
    typed = HCMC.replace("Xuân Hoà", "Xua6n Hoa2")  # VNI keystrokes read back
    assert not names_still(typed, "xuan hoa")
    assert names_still(typed, "xuan hoa", keyboard=True)
    assert names_still(HCMC.replace("Xuân Hoà", "Xuaan Hoaf"), "xuan hoa", keyboard=True)
    assert not names_still(HCMC.replace("Xuân Hoà", "Xuân Hoq"), "xuan hoa", keyboard=True)


def test_the_place_is_right_within_30_m_at_house_level() -> None:
    q = Query("osm-1", "osm_2025", "clean", "6B …", "27139", lon=106.7, lat=10.78)
    near = Answer(True, "27139", 106.7, 10.7802, house_level=True)  # 22 m north
    far = Answer(True, "27139", 106.7, 10.7804, house_level=True)  # 44 m north
    street = Answer(True, "27139", 106.7, 10.7804, house_level=False)
    assert place_right(q, near) and not place_right(q, far) and not place_right(q, street)
    # for precision: the commune, and the place where a house is claimed
    assert right(q, near) and not right(q, far) and right(q, street)
    assert not right(q, Answer(True, "26734", 106.7, 10.78, house_level=True))
