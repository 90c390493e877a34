"""Telex and VNI keystrokes left in an address are read back; real words are not touched."""

from __future__ import annotations

import pytest

from geo.address import parse_address
from geo.keyboard import untype


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Phuwowngf Xuaan Hoaf", "Phường Xuân Hòa"),  # the tone where official text puts it
        ("Thaanf Sa, Tinhr Thais Nguyeen", "Thần Sa, Tỉnh Thái Nguyên"),
        ("xax Tân Hieepj, DDaf Nẵng", "xã Tân Hiệp, Đà Nẵng"),
        ("DDawks Lawks", "Đắk Lắk"),
        ("Phu7o7ng2 Bui2 Thi5 Xua6n", "Phường Bùi Thị Xuân"),
        ("thị trấn Na2 Pha8c5", "thị trấn Nà Phặc"),
        ("Tinh3 Lâm D9o6ng2", "Tỉnh Lâm Đồng"),
    ],
)
def test_keystrokes_are_read_back(typed: str, meant: str) -> None:
    assert untype(typed) == meant


@pytest.mark.parametrize(
    "written",
    [
        "6 Alexandre de Rhodes",
        "Đường Pasteur, Paris",
        "Nậm Noong, xã Xoong",  # "oo" alone is a word
        "Q1, P3, KP3, TDP 5, HTX",  # codes, not syllables
        "Lo2 B, To1",  # "Lô 2", "Tổ 1" written together: too short to be sure
        "Số 12 Nguyễn Trãi, Thanh Xuân, HN",
        "Ea H'leo, Krông Búk, Đắk Wil",
    ],
)
def test_words_that_are_not_keystrokes_stay(written: str) -> None:
    assert untype(written) == written


def test_an_address_typed_with_the_method_off_is_understood() -> None:
    address = parse_address("12 Vox Vawn Taanf, Phuwowngf Xuaan Hoaf, Quaanj 3, TPHCM")
    assert address.street == "Võ Văn Tần"
    assert address.commune is not None and address.commune.key == "xuan hoa"
    assert address.district is not None and address.district.key == "3"
