"""The admin-unit readers on the real bundled data (data/), read once for the module."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest

from geo.text import clean, fold
from importers.admin_sources import (
    DONG_NAI_CITY_DATE,
    INPUT_FILES,
    REFORM_DATE,
    AdminDataset,
    UnitVersion,
    read_admin_dataset,
    source_digest,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def dataset() -> AdminDataset:
    return read_admin_dataset(DATA_DIR)


@pytest.fixture(scope="module")
def pre2025(dataset: AdminDataset) -> dict[tuple[str, str], UnitVersion]:
    return {(u.level, u.code): u for u in dataset.units if u.valid_to == REFORM_DATE}


@pytest.fixture(scope="module")
def today(dataset: AdminDataset) -> dict[tuple[str, str], UnitVersion]:
    return {(u.level, u.code): u for u in dataset.units if u.valid_to is None}


def versions(dataset: AdminDataset, level: str, code: str) -> list[UnitVersion]:
    found = [u for u in dataset.units if u.level == level and u.code == code]
    return sorted(found, key=lambda u: u.valid_from or date.min)


def test_units_in_force_today_are_34_provinces_and_3321_communes(
    today: dict[tuple[str, str], UnitVersion],
) -> None:
    assert Counter(level for level, _ in today) == {"province": 34, "commune": 3321}


def test_pre2025_units_are_63_provinces_696_districts_10035_communes(
    pre2025: dict[tuple[str, str], UnitVersion],
) -> None:
    assert Counter(level for level, _ in pre2025) == {
        "province": 63,
        "district": 696,
        "commune": 10035,
    }
    assert all(u.valid_from is None and not u.valid_from_known for u in pre2025.values())


def test_27139_was_phuong_vo_thi_sau_of_quan_3_then_phuong_xuan_hoa(
    dataset: AdminDataset,
) -> None:
    old, new = versions(dataset, "commune", "27139")
    assert (old.name, old.unit_type, old.parent_code) == ("Phường Võ Thị Sáu", "Phường", "770")
    assert (old.valid_from, old.valid_to) == (None, REFORM_DATE)
    assert versions(dataset, "district", "770")[0].name == "Quận 3"
    assert (new.name, new.parent_code, new.valid_from, new.valid_to) == (
        "Phường Xuân Hòa",
        "79",
        REFORM_DATE,
        None,
    )


def test_dong_nai_became_a_city_on_2026_04_30(dataset: AdminDataset) -> None:
    province = versions(dataset, "province", "75")
    assert [(u.name, u.unit_type, u.valid_from, u.valid_to) for u in province] == [
        ("Tỉnh Đồng Nai", "Tỉnh", None, REFORM_DATE),
        ("Tỉnh Đồng Nai", "Tỉnh", REFORM_DATE, DONG_NAI_CITY_DATE),
        ("Thành phố Đồng Nai", "Thành phố trực thuộc trung ương", DONG_NAI_CITY_DATE, None),
    ]
    assert province[-1].valid_from_known


def test_dong_nai_xa_that_became_phuong_change_on_the_same_day(dataset: AdminDataset) -> None:
    trang_bom = [u for u in versions(dataset, "commune", "26248") if u.valid_to != REFORM_DATE]
    assert [(u.name, u.valid_from, u.valid_to, u.valid_from_known) for u in trang_bom] == [
        ("Xã Trảng Bom", REFORM_DATE, DONG_NAI_CITY_DATE, True),
        ("Phường Trảng Bom", DONG_NAI_CITY_DATE, None, True),
    ]


def test_tone_placement_alone_is_not_a_change(dataset: AdminDataset) -> None:
    # The current list spells it "Xã Dương Hoà", the GSO letter "Xã Dương Hòa".
    (duong_hoa,) = [u for u in versions(dataset, "commune", "09856") if u.valid_to is None]
    assert (duong_hoa.name, duong_hoa.valid_from) == ("Xã Dương Hòa", REFORM_DATE)


def test_no_code_has_overlapping_versions(dataset: AdminDataset) -> None:
    by_code: defaultdict[tuple[str, str], list[UnitVersion]] = defaultdict(list)
    for unit in dataset.units:
        by_code[unit.level, unit.code].append(unit)
    for unit_versions in by_code.values():
        ordered = sorted(unit_versions, key=lambda u: u.valid_from or date.min)
        for before, after in pairwise(ordered):
            assert before.valid_to is not None
            assert after.valid_from is not None and before.valid_to <= after.valid_from


def test_every_parent_is_a_unit_of_the_same_period(
    pre2025: dict[tuple[str, str], UnitVersion], today: dict[tuple[str, str], UnitVersion]
) -> None:
    for (level, _), unit in pre2025.items():
        parent_level = {"province": None, "district": "province", "commune": "district"}[level]
        assert (
            unit.parent_code is None
            if parent_level is None
            else ((parent_level, unit.parent_code) in pre2025)
        )
    for (level, _), unit in today.items():
        assert (
            unit.parent_code is None
            if level == "province"
            else (("province", unit.parent_code) in today)
        )


def test_names_are_clean(dataset: AdminDataset) -> None:
    assert all(unit.name == clean(unit.name) for unit in dataset.units)
    assert all(alias.name == clean(alias.name) for alias in dataset.aliases)


def test_every_2025_unit_has_a_boundary_hcmc_at_full_resolution(
    today: dict[tuple[str, str], UnitVersion],
) -> None:
    assert all(unit.boundary is not None for unit in today.values())
    hcmc = [u for (level, _), u in today.items() if level == "commune" and u.parent_code == "79"]
    assert len(hcmc) == 168
    assert {u.boundary_source for u in hcmc} == {"thanglequoc-2026-07-25-fullres"}


def test_pre2025_boundaries_districts_and_provinces_only_quang_ninh_missing(
    pre2025: dict[tuple[str, str], UnitVersion],
) -> None:
    assert pre2025["province", "22"].boundary is None
    hcmc = pre2025["province", "79"].boundary
    assert hcmc is not None and hcmc.geom_type in {"Polygon", "MultiPolygon"}
    assert pre2025["district", "770"].boundary is not None
    assert pre2025["district", "193"].boundary is None  # Hạ Long, Quảng Ninh
    assert all(u.boundary is None for (level, _), u in pre2025.items() if level == "commune")


def test_code_conflicts_follow_the_conversion_table(
    today: dict[tuple[str, str], UnitVersion], dataset: AdminDataset
) -> None:
    assert today["commune", "06970"].name == "Xã Ba Chẽ"
    assert today["commune", "06970"].boundary is not None
    assert ("commune", "06978") not in today
    assert today["commune", "23938"].name == "Xã Ia Mơ"
    assert ("commune", "23737") not in today
    assert ("23938", "23938", True) in {
        (s.old_code, s.new_code, s.whole) for s in dataset.successions
    }


def test_a_split_old_commune_has_partial_successions(dataset: AdminDataset) -> None:
    cong_vi = {(s.new_code, s.whole) for s in dataset.successions if s.old_code == "00007"}
    assert cong_vi == {("00008", False), ("00025", False)}
    truc_bach = {(s.new_code, s.whole) for s in dataset.successions if s.old_code == "00004"}
    assert truc_bach == {("00004", True)}


def test_every_succession_links_an_old_unit_to_a_new_one(
    dataset: AdminDataset, pre2025: dict[tuple[str, str], UnitVersion]
) -> None:
    new_units = {(u.level, u.code) for u in dataset.units if u.valid_from == REFORM_DATE}
    level = {2: "province", 5: "commune"}
    for succession in dataset.successions:
        assert (level[len(succession.old_code)], succession.old_code) in pre2025
        assert (level[len(succession.new_code)], succession.new_code) in new_units
    pairs = Counter((s.old_code, s.new_code) for s in dataset.successions)
    assert max(pairs.values()) == 1
    with_successor = {s.old_code for s in dataset.successions}
    without = {code for level_, code in pre2025 if level_ == "commune"} - with_successor
    assert without == {"01651", "02482"}  # their rows carry another commune's code: skipped


def test_old_provinces_go_whole_to_new_ones(dataset: AdminDataset) -> None:
    provinces = {
        (s.old_code, s.new_code, s.whole) for s in dataset.successions if len(s.old_code) == 2
    }
    assert len(provinces) == 63
    assert {("74", "79", True), ("77", "79", True), ("79", "79", True)} <= provinces


def test_rows_with_another_communes_code_are_skipped_not_guessed(dataset: AdminDataset) -> None:
    wrong_code = [s for s in dataset.skipped if "old name is another commune's" in s]
    assert len(wrong_code) == 3
    assert any("Xã Mỹ Hưng" in s and "01651" in s for s in wrong_code)
    assert not any(s.old_code == "01615" and s.new_code == "01648" for s in dataset.successions)


def test_district_polygons_of_codes_gone_by_2025_are_skipped(dataset: AdminDataset) -> None:
    gone = [s for s in dataset.skipped if s.startswith("district polygon whose code")]
    assert len(gone) == 11
    assert any("221 Huyện Yên Dũng" in s for s in gone)


def test_phuong_06_is_a_former_name_of_27139(dataset: AdminDataset) -> None:
    aliases = {(a.code, a.level, a.period, a.name, a.kind) for a in dataset.aliases}
    assert ("27139", "commune", "pre2025", "Phường 06", "former-name-2020") in aliases


def test_leading_zeros_alone_make_no_former_name(
    dataset: AdminDataset, pre2025: dict[tuple[str, str], UnitVersion]
) -> None:
    def key(name: str) -> str:
        return re.sub(r"\b0+(?=\d)", "", fold(name))

    former = [a for a in dataset.aliases if a.kind == "former-name-2020"]
    assert len(former) > 500
    assert all(key(a.name) != key(pre2025[a.level, a.code].name) for a in former)
    # 2020 "Phường 09" of Quận 3 (27142) is 2025-06 "Phường 9": no alias.
    assert not any(a.code == "27142" for a in former)


def test_units_merged_before_2025_are_aliases_of_what_they_became(dataset: AdminDataset) -> None:
    merged = {(a.code, a.level, a.name) for a in dataset.aliases if a.kind == "merged-before-2025"}
    assert ("00226", "commune", "Phường Phương Liên") in merged  # -> Phương Liên - Trung Tự
    assert ("769", "district", "Quận 9") in merged  # -> Thành phố Thủ Đức
    unknown = [s for s in dataset.skipped if s.startswith("2020 unit gone by 2025")]
    assert any("00010 Phường Nguyễn Trung Trực" in s for s in unknown)


def test_disagreements_inform_but_the_official_table_wins(dataset: AdminDataset) -> None:
    ia_mo = [d for d in dataset.disagreements if d.old_code == "23938"]
    assert [(d.other_source, d.official, d.other) for d in ia_mo] == [
        ("dvhcvn", ("23938",), ("23737",))
    ]
    ky_loi = {d.other_source: d.detail for d in dataset.disagreements if d.old_code == "18796"}
    assert set(ky_loi) == {"dvhcvn", "vietnamadminunits"}
    assert all(detail.startswith("partial flag differs") for detail in ky_loi.values())
    assert {s.source for s in dataset.successions} <= {
        "gso-conversion-2025",
        "gso-conversion-2025-derived",
    }


def test_source_digest_is_stable_and_follows_the_bytes(
    dataset: AdminDataset, tmp_path: Path
) -> None:
    assert dataset.source_digest() == source_digest(DATA_DIR)
    for name in INPUT_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).symlink_to(DATA_DIR / name)
    assert source_digest(tmp_path) == dataset.source_digest()
    changed = tmp_path / INPUT_FILES[0]
    changed.unlink()
    changed.write_bytes((DATA_DIR / INPUT_FILES[0]).read_bytes() + b"\n")
    assert source_digest(tmp_path) != dataset.source_digest()
