"""Free-text addresses taken apart: house number, street, hamlet and admin units, noise."""

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.address import ParsedAddress, UnitMention, fold_street, parse_address
from geo.house_number import parse_house_number, read_house_number, split_house_number
from geo.text import fold

DATA = Path(__file__).resolve().parents[2] / "data"


def unit(mention: UnitMention | None) -> str | None:
    """``"phuong:xuan hoa"``: the type word (empty when none is written) and the key, then
    "~" when the writer marks the unit as old."""
    if mention is None:
        return None
    return f"{mention.type_word or ''}:{mention.key}{'~' if mention.old else ''}"


def parts(address: ParsedAddress) -> tuple[object, ...]:
    house = address.house.normalized if address.house else None
    return (
        house,
        address.street,
        address.hamlet,
        unit(address.commune),
        unit(address.district),
        unit(address.province),
    )


# --- parts -------------------------------------------------------------------------------------

# text, house (normalized), street, hamlet, commune, district, province
ADDRESSES = [
    # Southern slash numbers, wards and districts by number.
    (
        "12/3A Võ Văn Tần, Phường Xuân Hòa, TP. Hồ Chí Minh",
        "12/3a", "Võ Văn Tần", None, "phuong:xuan hoa", None, "thanh pho:ho chi minh",
    ),
    (
        "45/12/7 Nguyễn Trãi, P.2, Q.5, TP.HCM",
        "45/12/7", "Nguyễn Trãi", None, "phuong:2", "quan:5", "thanh pho:ho chi minh",
    ),
    (
        "268/14/2B Tô Hiến Thành, Phường 15, Quận 10, Thành phố Hồ Chí Minh",
        "268/14/2b", "Tô Hiến Thành", None, "phuong:15", "quan:10", "thanh pho:ho chi minh",
    ),
    (
        "Số 88/12 Đường D2, Phường 25, Quận Bình Thạnh, TPHCM",
        "88/12", "Đường D2", None, "phuong:25", "quan:binh thanh", "thanh pho:ho chi minh",
    ),
    (
        "Hẻm 51 Cao Thắng, F3, Q3, HCM",
        "hem 51", "Cao Thắng", None, "phuong:3", "quan:3", ":ho chi minh",
    ),
    (
        "56/8 Bùi Đình Túy, F12, Q.Bình Thạnh, Sài Gòn",
        "56/8", "Bùi Đình Túy", None, "phuong:12", "quan:binh thanh", ":ho chi minh",
    ),
    (
        "123/4 Lê Văn Sỹ, Tân Bình, TP HCM",
        "123/4", "Lê Văn Sỹ", None, ":tan binh", None, "thanh pho:ho chi minh",
    ),
    (
        "12Bis Nguyễn Thị Minh Khai, P.Đa Kao, Q.1",
        "12bis", "Nguyễn Thị Minh Khai", None, "phuong:da kao", "quan:1", None,
    ),
    # Hanoi: số, ngõ, ngách, phố.
    (
        "Số 7 ngõ 12 ngách 5 phố Huế, phường Hai Bà Trưng, Hà Nội",
        "ngo 12 ngach 5 so 7", "Huế", None, "phuong:hai ba trung", None, ":ha noi",
    ),
    (
        "Số nhà 33, ngách 595/7, ngõ 595, Lĩnh Nam, Hoàng Mai, Hà Nội",
        "ngo 595 ngach 7 so 33", "Lĩnh Nam", None, ":hoang mai", None, ":ha noi",
    ),
    (
        "Ngõ 12 Tôn Đức Thắng, Q. Đống Đa, HN",
        "ngo 12", "Tôn Đức Thắng", None, None, "quan:dong da", ":ha noi",
    ),
    (
        "Số 40 phố Đội Cấn, phường Đội Cấn, quận Ba Đình cũ, thành phố Hà Nội",
        "40", "Đội Cấn", None, "phuong:doi can", "quan:ba dinh~", "thanh pho:ha noi",
    ),
    (
        "P.302, tòa A, 12 Láng Hạ, Đống Đa, Hà Nội",
        "12 toa a phong 302", "Láng Hạ", None, ":dong da", None, ":ha noi",
    ),
    (
        "8 Ngõ 15 Phố Hàng Chuối, Phạm Đình Hổ, Hai Bà Trưng, Hà Nội",
        "ngo 15 so 8", "Hàng Chuối", None, ":pham dinh ho", ":hai ba trung", ":ha noi",
    ),
    # Huế and Đà Nẵng: kiệt, "K24/5".
    (
        "Kiệt 24 Nguyễn Trãi, phường Tây Lộc, TP Huế",
        "kiet 24", "Nguyễn Trãi", None, "phuong:tay loc", None, "thanh pho:hue",
    ),
    (
        "K24/5 Hùng Vương, Hải Châu, Đà Nẵng",
        "kiet 24 so 5", "Hùng Vương", None, ":hai chau", None, ":da nang",
    ),
    (
        "kiệt 85 Phan Bội Châu, phường Thuận Hóa, thành phố Huế",
        "kiet 85", "Phan Bội Châu", None, "phuong:thuan hoa", None, "thanh pho:hue",
    ),
    # Rural: thôn, ấp, xóm, bản, buôn, khóm, tổ dân phố.
    (
        "Thôn Thượng, xã Tân Xã, huyện Thạch Thất, Hà Nội",
        None, None, "Thôn Thượng", "xa:tan xa", "huyen:thach that", ":ha noi",
    ),
    (
        "Ấp Tân Lập, xã Tân Thông Hội, huyện Củ Chi cũ, TP.HCM",
        None, None, "Ấp Tân Lập", "xa:tan thong hoi", "huyen:cu chi~", "thanh pho:ho chi minh",
    ),
    (
        "Xóm 4, xã Nghi Phong, huyện Nghi Lộc, tỉnh Nghệ An",
        None, None, "Xóm 4", "xa:nghi phong", "huyen:nghi loc", "tinh:nghe an",
    ),
    (
        "Bản Nà Khương, xã Mường Mô, huyện Nậm Nhùn, tỉnh Lai Châu",
        None, None, "Bản Nà Khương", "xa:muong mo", "huyen:nam nhun", "tinh:lai chau",
    ),
    (
        "Buôn Kô Siêr, xã Ea Kênh, TP. Buôn Ma Thuột, Đắk Lắk",
        None, None, "Buôn Kô Siêr", "xa:ea kenh", "thanh pho:buon ma thuot", ":dak lak",
    ),
    (
        "Khóm 3, phường 5, TP. Cà Mau, tỉnh Cà Mau",
        None, None, "Khóm 3", "phuong:5", "thanh pho:ca mau", "tinh:ca mau",
    ),
    (
        "Tổ dân phố 7B, thị trấn Phố Lu, huyện Bảo Thắng, Lào Cai",
        None, None, "Tổ dân phố 7B", "thi tran:pho lu", "huyen:bao thang", ":lao cai",
    ),
    (
        "TDP Tân Phú, TT. Phú Hòa, H. Chư Păh, T. Gia Lai",
        None, None, "Tổ dân phố Tân Phú", "thi tran:phu hoa", "huyen:chu pah", "tinh:gia lai",
    ),
    (
        "Thôn 3 Văn Giang, xã Ninh Sở, Hà Nội",
        None, None, "Thôn 3 Văn Giang", "xa:ninh so", None, ":ha noi",
    ),
    # Old units: "cũ", "(cũ)", "trước đây là", "nay là".
    (
        "Phường 6, Quận 3 (cũ), TP. Hồ Chí Minh",
        None, None, None, "phuong:6", "quan:3~", "thanh pho:ho chi minh",
    ),
    (
        "Phường Xuân Hòa (trước đây là Phường 6, Quận 3), TP.HCM",
        None, None, None, "phuong:xuan hoa", "quan:3~", "thanh pho:ho chi minh",
    ),
    (
        "Số 1 Phạm Ngọc Thạch, Phường 6 Quận 3 cũ nay là phường Xuân Hòa, TPHCM",
        "1", "Phạm Ngọc Thạch", None, "phuong:xuan hoa", "quan:3~", "thanh pho:ho chi minh",
    ),
    (
        "9 đường Nguyễn Huệ, huyện Côn Đảo, tỉnh Bà Rịa - Vũng Tàu cũ",
        "9", "Nguyễn Huệ", None, None, "huyen:con dao", "tinh:ba ria vung tau~",
    ),
    (
        "Khu phố 4, phường Lái Thiêu, TP Thuận An, tỉnh Bình Dương cũ, Thành phố Hồ Chí Minh",
        None, None, "Khu phố 4", "phuong:lai thieu", "thanh pho:thuan an",
        "thanh pho:ho chi minh",
    ),
    # District-level cities: a later province makes "thành phố" a district.
    (
        "Thành phố Thủ Dầu Một, Bình Dương",
        None, None, None, None, "thanh pho:thu dau mot", ":binh duong",
    ),
    (
        "45 Lê Lợi, P. Phú Cường, TP Thủ Dầu Một, tỉnh Bình Dương",
        "45", "Lê Lợi", None, "phuong:phu cuong", "thanh pho:thu dau mot", "tinh:binh duong",
    ),
    (
        "1 Võ Văn Ngân, TP. Thủ Đức, TP. HCM",
        "1", "Võ Văn Ngân", None, None, "thanh pho:thu duc", "thanh pho:ho chi minh",
    ),
    (
        "Phường 1, TP Vũng Tàu",
        None, None, None, "phuong:1", "thanh pho:vung tau", None,
    ),
    (
        "KP2, P. Tân Phong, TP. Biên Hòa, Đồng Nai, Việt Nam 810000",
        None, None, "Khu phố 2", "phuong:tan phong", "thanh pho:bien hoa", ":dong nai",
    ),
    (
        "Thị xã Sơn Tây, Hà Nội",
        None, None, None, None, "thi xa:son tay", ":ha noi",
    ),
    (
        "Đặc khu Phú Quốc, tỉnh An Giang",
        None, None, None, "dac khu:phu quoc", None, "tinh:an giang",
    ),
    # Abbreviations without commas.
    (
        "12 Nguyễn Trãi P.Bến Thành Q.1 TPHCM",
        "12", "Nguyễn Trãi", None, "phuong:ben thanh", "quan:1", "thanh pho:ho chi minh",
    ),
    (
        "Số 5 tổ 3 khu phố 2 phường Tân Định quận 1 TP HCM",
        "5", None, "Tổ 3, Khu phố 2", "phuong:tan dinh", "quan:1", "thanh pho:ho chi minh",
    ),
    (
        "15 Trần Hưng Đạo Q1 HCM",
        "15", "Trần Hưng Đạo", None, None, "quan:1", ":ho chi minh",
    ),
    (
        "7 Lý Thường Kiệt phường Hoàn Kiếm Hà Nội",
        "7", "Lý Thường Kiệt", None, "phuong:hoan kiem", None, ":ha noi",
    ),
    (
        "Thôn 3 xã Hòa Phú huyện Chư Păh tỉnh Gia Lai",
        None, None, "Thôn 3", "xa:hoa phu", "huyen:chu pah", "tinh:gia lai",
    ),
    (
        "12 Lê Lợi - P. Bến Nghé - Q.1 - TP.HCM",
        "12", "Lê Lợi", None, "phuong:ben nghe", "quan:1", "thanh pho:ho chi minh",
    ),
    # A " - " inside a name.
    (
        "Số 10, Phường Văn Miếu - Quốc Tử Giám, Hà Nội",
        "10", None, None, "phuong:van mieu quoc tu giam", None, ":ha noi",
    ),
    (
        "Ấp Phước Lộc, xã Phước Tỉnh, huyện Long Điền, Bà Rịa - Vũng Tàu",
        None, None, "Ấp Phước Lộc", "xa:phuoc tinh", "huyen:long dien", ":ba ria vung tau",
    ),
    # Noise around the address.
    (
        "Nguyễn Văn A – Địa chỉ: 12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM. SĐT: 0903 123 456",
        "12", "Lê Lợi", None, "phuong:ben nghe", "quan:1", "thanh pho:ho chi minh",
    ),
    (
        "Địa chỉ thường trú: Thôn 3, xã Hòa Phú, huyện Chư Păh, tỉnh Gia Lai",
        None, None, "Thôn 3", "xa:hoa phu", "huyen:chu pah", "tinh:gia lai",
    ),
    (
        "Trụ sở UBND xã Tân Phú, huyện Đồng Phú, tỉnh Bình Phước",
        None, None, None, "xa:tan phu", "huyen:dong phu", "tinh:binh phuoc",
    ),
    (
        "Anh Tuấn 0912.345.678 - 56/8 Bùi Đình Túy, F12, Q.Bình Thạnh, HCM",
        "56/8", "Bùi Đình Túy", None, "phuong:12", "quan:binh thanh", ":ho chi minh",
    ),
    (
        "ĐC: 99 Nguyễn Văn Cừ, phường Ninh Kiều, TP Cần Thơ (Tel: +84 292 3820 123)",
        "99", "Nguyễn Văn Cừ", None, "phuong:ninh kieu", None, "thanh pho:can tho",
    ),
    (
        "Họ tên: Trần Thị B, Nơi ở hiện tại: Xóm Bến, xã Ninh Hải, huyện Hoa Lư, Ninh Bình",
        None, None, "Xóm Bến", "xa:ninh hai", "huyen:hoa lu", ":ninh binh",
    ),
    (
        "Chị Lan, Thôn Đông, Tân Xã, Thạch Thất, Hà Nội",
        None, None, "Thôn Đông", ":tan xa", ":thach that", ":ha noi",
    ),
    (
        "Trụ sở Đảng ủy, HĐND, UBND xã Yên Lạc Đông (cũ), tỉnh Thái Nguyên",
        None, None, None, "xa:yen lac dong~", None, "tinh:thai nguyen",
    ),
    (
        "Trụ sở UBND huyện Thủy Nguyên, số 5 Đà Nẵng, Thành phố Hải Phòng",
        "5", "Đà Nẵng", None, None, "huyen:thuy nguyen", "thanh pho:hai phong",
    ),
    (
        "Trụ sở HĐND và UBND phường Ngô Quyền tại số 6 Lạch Tray, TP Hải Phòng",
        "6", "Lạch Tray", None, "phuong:ngo quyen", None, "thanh pho:hai phong",
    ),
    # Streets: road classes, numbered streets, names holding unit words.
    (
        "123 QL1A, P. Bình Hưng Hòa B, Q. Bình Tân, TP.HCM",
        "123", "Quốc lộ 1A", None, "phuong:binh hung hoa b", "quan:binh tan",
        "thanh pho:ho chi minh",
    ),
    (
        "Số 1205 quốc lộ 51, khu phố 3, phường Long Bình Tân, Đồng Nai",
        "1205", "Quốc lộ 51", "Khu phố 3", "phuong:long binh tan", None, ":dong nai",
    ),
    (
        "ĐT 741, khu phố Tân Bình, phường Tân Bình, TP Dĩ An, tỉnh Bình Dương cũ",
        None, "Đường tỉnh 741", "Khu phố Tân Bình", "phuong:tan binh", "thanh pho:di an",
        "tinh:binh duong~",
    ),
    (
        "Đường số 5, KDC Trung Sơn, xã Bình Hưng, huyện Bình Chánh, TPHCM",
        None, "Đường số 5", "Khu dân cư Trung Sơn", "xa:binh hung", "huyen:binh chanh",
        "thanh pho:ho chi minh",
    ),
    (
        "41 Bà Huyện Thanh Quan, P.7, Q.3 cũ, TP.HCM",
        "41", "Bà Huyện Thanh Quan", None, "phuong:7", "quan:3~", "thanh pho:ho chi minh",
    ),
    (
        "15 Đường số 8, phường Hiệp Bình Phước, TP Thủ Đức cũ, TP.HCM",
        "15", "Đường số 8", None, "phuong:hiep binh phuoc", "thanh pho:thu duc~",
        "thanh pho:ho chi minh",
    ),
    (
        "45 Nguyễn Huệ, phường Sài Gòn, TP.HCM",
        "45", "Nguyễn Huệ", None, "phuong:sai gon", None, "thanh pho:ho chi minh",
    ),
    (
        "Đường Hùng Vương, phường Xuân An.",
        None, "Hùng Vương", None, "phuong:xuan an", None, None,
    ),
    # Unit names that hold type words or look like them.
    (
        "Huyện Quan Hóa, Thanh Hóa",
        None, None, None, None, "huyen:quan hoa", ":thanh hoa",
    ),
    (
        "huyen quan hoa thanh hoa",
        None, None, None, None, "huyen:quan hoa", ":thanh hoa",
    ),
    (
        "Phường Phường Đúc, TP Huế",
        None, None, None, "phuong:phuong duc", None, "thanh pho:hue",
    ),
    (
        "Xã Thượng Quận, Hải Phòng",
        None, None, None, "xa:thuong quan", None, ":hai phong",
    ),
    (
        "UBND xã Tả Bản hiện nay, tỉnh Lào Cai",
        None, None, None, "xa:ta ban", None, "tinh:lao cai",
    ),
    (
        "Thôn Sán Chải, xã Mường Hum (trụ sở UBND huyện cũ), tỉnh Lào Cai",
        None, None, "Thôn Sán Chải", "xa:muong hum", None, "tinh:lao cai",
    ),
    (
        "so 9 duong so 3, phuong 5, quan 3 cu, tphcm",
        "9", "Duong so 3", None, "phuong:5", "quan:3~", "thanh pho:ho chi minh",
    ),
    # English, as map services write it.
    (
        "57 Lý Tự Trọng, Ward Ben Nghe, District 1, Ho Chi Minh City",
        "57", "Lý Tự Trọng", None, "phuong:ben nghe", "quan:1", "thanh pho:ho chi minh",
    ),
    (
        "3 Phố Lê Hồng Phong, Điện Biên, Ba Đình, Hà Nội",
        "3", "Lê Hồng Phong", None, ":dien bien", ":ba dinh", ":ha noi",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "house", "street", "hamlet", "commune", "district", "province"), ADDRESSES
)
def test_parts(
    text: str,
    house: str | None,
    street: str | None,
    hamlet: str | None,
    commune: str | None,
    district: str | None,
    province: str | None,
) -> None:
    address = parse_address(text)
    assert parts(address) == (house, street, hamlet, commune, district, province)
    assert address.raw == text
    for best in (address.commune, address.district, address.province):
        assert best is None or any(best is mention for mention in address.units)


# --- the same address written differently ------------------------------------------------------

SAME = [
    [
        "P.5, Q.3, TPHCM",
        "Phường 05 Quận 3 Thành phố Hồ Chí Minh",
        "phuong 5 quan 3 ho chi minh",
        "F5 Q3 HCM",
        "p. 5 - q. 3 - Sài Gòn",
        "Ward 5, District 3, Ho Chi Minh City",
        "PHƯỜNG 5, QUẬN 3, TP. HỒ CHÍ MINH, VIỆT NAM",
    ],
    [
        "12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM",
        "12 Lê Lợi P.Bến Nghé Q1 TPHCM",
        "Số 12 đường Lê Lợi, phường Bến Nghé, quận 1, thành phố Hồ Chí Minh",
        "12 Le Loi, phuong Ben Nghe, quan 1, tp hcm",
        "12 Lê Lợi - Bến Nghé - Quận 1 - Hồ Chí Minh",
        "Khách: Minh, ĐT 0909123456, ĐC: 12 Đ. Lê Lợi, P Bến Nghé, Q 1, HCM 700000",
    ],
    [
        "Số 7 ngõ 12 ngách 5 phố Huế, Hai Bà Trưng, Hà Nội",
        "ngách 5 ngõ 12 số 7 Phố Huế, P. Hai Bà Trưng, TP Hà Nội",
        "7 ngõ 12 ngách 5 Huế, phường Hai Bà Trưng, HN",
        "so 7 ngo 12 ngach 5 pho Hue, phuong Hai Ba Trung, Ha Noi",
    ],
    [
        "Thôn Thượng, xã Tân Xã, huyện Thạch Thất, TP Hà Nội",
        "thôn Thượng xã Tân Xã huyện Thạch Thất Hà Nội",
        "Thon Thuong, Xa Tan Xa, Huyen Thach That, Ha Noi",
        "Thôn Thượng - X. Tân Xã - H. Thạch Thất - Hà Nội",
    ],
]


def keys(address: ParsedAddress) -> tuple[object, ...]:
    def key(mention: UnitMention | None) -> str | None:
        return None if mention is None else mention.key

    house = address.house.normalized if address.house else None
    hamlet = fold(address.hamlet) if address.hamlet else None
    return (
        house,
        address.street_key,
        hamlet,
        key(address.commune),
        key(address.district),
        key(address.province),
    )


@pytest.mark.parametrize("texts", SAME, ids=[texts[0] for texts in SAME])
def test_the_same_address_written_differently_has_the_same_keys(texts: list[str]) -> None:
    expected = keys(parse_address(texts[0]))
    assert expected[3:] != (None, None, None)
    for text in texts[1:]:
        assert keys(parse_address(text)) == expected, text


# --- mentions ----------------------------------------------------------------------------------


def test_mentions_keep_the_name_as_written_and_the_raw_text() -> None:
    address = parse_address("12/3A Võ Văn Tần, P.Xuân Hoà, Q.03 (cũ), TPHCM")
    assert address.units == (
        UnitMention("commune", "phuong", "Xuân Hòa", "xuan hoa", False, "P.Xuân Hòa"),
        UnitMention("district", "quan", "03", "3", True, "Q.03 (cũ)"),
        UnitMention("province", "thanh pho", "HCM", "ho chi minh", False, "TPHCM"),
    )


def test_a_mention_without_type_word_has_no_level() -> None:
    address = parse_address("88 Trần Quang Khải, Tân Định, Quận 1, Hồ Chí Minh")
    assert [(mention.level, mention.type_word) for mention in address.units] == [
        (None, None),
        ("district", "quan"),
        (None, None),
    ]
    assert address.commune is address.units[0]
    assert address.province is address.units[2]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Thành phố Thủ Dầu Một, tỉnh Bình Dương", "district"),  # a province follows
        ("TP. Thủ Đức", "district"),  # not a province's name
        ("Thành phố Huế", "province"),
        ("TP Bắc Ninh, Bắc Ninh", "district"),
        ("Ho Chi Minh City, Hồ Chí Minh", "province"),  # the same city written twice
    ],
)
def test_a_city_is_a_province_only_if_nothing_larger_follows(text: str, level: str) -> None:
    assert parse_address(text).units[0].level == level


def test_units_marked_old_by_a_phrase_are_old_up_to_the_bracket() -> None:
    address = parse_address("Phường Xuân Hòa (trước đây là Phường 6, Quận 3), TP.HCM")
    assert [(mention.name, mention.old) for mention in address.units] == [
        ("Xuân Hòa", False),
        ("6", True),
        ("3", True),
        ("HCM", False),
    ]


def test_a_unit_in_brackets_is_kept_but_the_main_text_is_preferred() -> None:
    address = parse_address("Tổ dân phố 2, thị trấn Phố Lu (Trụ sở UBND xã Gia Phú cũ)")
    assert [unit(mention) for mention in address.units] == ["thi tran:pho lu", "xa:gia phu~"]
    assert unit(address.commune) == "thi tran:pho lu"


# --- noise -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cleaned", "ignored"),
    [
        (
            "Nguyễn Văn A – Địa chỉ: 12 Lê Lợi, Q.1. SĐT: 0903 123 456",
            "12 Lê Lợi, Q.1",
            ("SĐT: 0903 123 456", "Nguyễn Văn A – Địa chỉ"),
        ),
        (
            "Anh Tuấn 0912.345.678, 56/8 Bùi Đình Túy, F12",
            "Anh Tuấn, 56/8 Bùi Đình Túy, F12",
            ("0912.345.678", "Anh Tuấn"),
        ),
        (
            "Thôn 3, xã Ea Kênh, Đắk Lắk, Việt Nam 630000",
            "Thôn 3, xã Ea Kênh, Đắk Lắk",
            ("630000", "Việt Nam"),
        ),
        (
            "Họ tên: Lê C, email: c@example.vn, Nơi ở: Thôn 3, xã Ea Kênh",
            "Thôn 3, xã Ea Kênh",
            ("c@example.vn", "Họ tên: Lê C", "email", "Nơi ở"),
        ),
        (
            "Trụ sở Đảng ủy, HĐND, UBND xã Ea Kênh hiện nay",
            "Trụ sở Đảng ủy, HĐND, UBND xã Ea Kênh hiện nay",
            ("Trụ sở Đảng ủy", "HĐND", "UBND", "hiện nay"),
        ),
        ("No. 47 Phố Hàng Bông, Hà Nội 100000", "47 Phố Hàng Bông, Hà Nội", ("No", "100000")),
    ],
)
def test_noise_is_removed_and_recorded(text: str, cleaned: str, ignored: tuple[str, ...]) -> None:
    address = parse_address(text)
    assert address.cleaned == cleaned
    assert address.ignored == ignored


def test_noise_does_not_change_the_parts() -> None:
    plain = parse_address("12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM")
    noisy = parse_address(
        "Người nhận: Nguyễn Văn A - SĐT: +84 903 123 456 - Địa chỉ giao hàng: "
        "12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM, Việt Nam"
    )
    assert parts(noisy) == parts(plain)


# --- streets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Phố Văn Miếu", "van mieu"),
        ("Đường Võ Văn Tần", "vo van tan"),
        ("Đ. Võ Văn Tần", "vo van tan"),
        ("Võ Văn Tần", "vo van tan"),
        ("Đường số 05", "duong so 5"),
        ("Đường 30/4", "duong 30 4"),
        ("QL1A", "quoc lo 1a"),
        ("Quốc lộ 1A", "quoc lo 1a"),
        ("Đường quốc lộ 1A", "quoc lo 1a"),
        ("ĐT 743", "duong tinh 743"),
        ("Đại lộ Thăng Long", "dai lo thang long"),
        ("Xa lộ Hà Nội", "xa lo ha noi"),
    ],
)
def test_fold_street_gives_one_key_for_each_way_of_writing_a_street(name: str, key: str) -> None:
    assert fold_street(name) == key


def test_the_street_key_is_the_folded_street() -> None:
    address = parse_address("12 Xa lộ Hà Nội, phường Hiệp Phú, TP. Thủ Đức")
    assert (address.street, address.street_key) == ("Xa lộ Hà Nội", "xa lo ha noi")
    assert address.street_key == fold_street("Xa lộ Hà Nội")


# --- vocabulary --------------------------------------------------------------------------------


def provinces() -> list[str]:
    with (DATA / "vn-admin-pre2025" / "gso_districts_2025-07-18.csv").open(
        encoding="utf-8-sig"
    ) as file:
        old = {row["Tỉnh / Thành Phố"] for row in csv.DictReader(file)}
    with (DATA / "vn-admin-2025" / "provinces_2025.csv").open(encoding="utf-8") as file:
        new = {row["name"] for row in csv.DictReader(file)}
    return sorted(old | new)


@pytest.mark.parametrize("name", provinces())
def test_every_province_is_read_as_a_province_with_or_without_its_type(name: str) -> None:
    bare = name.split(" ", 2)[-1] if name.startswith("Thành phố") else name.split(" ", 1)[-1]
    for text in (f"12 Lê Lợi, Phường 1, {name}", f"Xã Tân Phú, {bare}", f"Xã Tân Phú {bare}"):
        province = parse_address(text).province
        assert province is not None, text
        assert province.key == fold(bare), text


# --- never raises ------------------------------------------------------------------------------

PIECES = [
    "12/3A", "số", "Số nhà", "ngõ", "ngách", "hẻm", "kiệt", "K24/5", "P.", "P", "F5", "Q1", "Q.",
    "TP", "T.P", "TX", "TT", "Thị xã", "Thành phố", "Phường", "phuong", "Xã", "xa", "Quận",
    "quan", "Huyện", "H.", "Tỉnh", "Đặc khu", "Ward", "City", "Khu phố", "KP2", "Tổ", "Ấp",
    "Thôn", "Bản", "cũ", "(cũ)", "trước đây là", "nay là", "hiện nay", "đường", "Đ.", "phố",
    "QL1A", "ĐT743", "Hồ Chí Minh", "HCM", "Hà Nội", "Bà Rịa", "Vũng Tàu", "-", " - ", "–", ",",
    "(", ")", ":", ".", "/", "Việt Nam", "700000", "0912 345 678", "SĐT:", "Địa chỉ:", "UBND",
    "Trụ sở", "và", "Lê Lợi", "Xuân Hòa", "5", "05", "302", "A", "bis", "Huế", "ủy", "lộ",
]  # fmt: skip
address_like = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(["", " ", ", "]))).map(
    lambda pieces: "".join(piece + gap for piece, gap in pieces)
)


@given(address_like | st.text())
def test_parse_never_raises_and_keeps_its_promises(text: str) -> None:
    address = parse_address(text)
    assert address.raw == text
    assert all(part for part in address.ignored)
    for mention in address.units:
        assert mention.name
        assert mention.key == " ".join(mention.key.split())
        assert mention.key == fold(mention.key)
    for best in (address.commune, address.district, address.province):
        assert best is None or any(best is mention for mention in address.units)
    if address.street is not None:
        assert address.street_key == fold_street(address.street)


@pytest.mark.parametrize("value", [None, 12, b"12 Le Loi"])
def test_only_text_is_accepted(value: object) -> None:
    with pytest.raises(TypeError):
        parse_address(value)  # type: ignore[arg-type]


# read_house_number is the one-pass reading parse_address uses.
@given(address_like | st.text())
def test_read_house_number_is_split_then_parse(text: str) -> None:
    house, rest = read_house_number(text)
    written, expected_rest = split_house_number(text)
    assert rest == expected_rest
    assert house == parse_house_number(written)


@pytest.mark.parametrize(
    ("written", "commune", "province"),
    [
        ("Ban Phieng Tâm, xa Muong Khoa, Tinh Lai Chau", "muong khoa", "lai chau"),
        ("UBND phương Trung Thành, Tinh Thai Nguyên", "trung thanh", "thai nguyen"),
        ("Âp Long Phú, xa Phuoc Thái., Thanh pho Dong Nai", "phuoc thai", "dong nai"),
    ],
)
def test_type_words_with_some_diacritics_left_out_are_read(
    written: str, commune: str, province: str
) -> None:
    address = parse_address(written)
    assert address.commune is not None and address.commune.key == commune
    assert address.province is not None and address.province.key == province


def test_a_name_that_looks_like_a_half_typed_type_word_stays_a_name() -> None:
    address = parse_address("268/14 Tô Hiến Thành, Phường 15, Quận 10")
    assert address.street == "Tô Hiến Thành" and address.hamlet is None


@pytest.mark.parametrize(
    ("written", "commune", "province"),
    [
        ("UBND phưnờg 1, Tỉhn Đồng Tháp", "1", "dong thap"),
        ("UBND pường Phước Thới, Thành phố Cần Thơ", "phuoc thoi", "can tho"),
        ("Trụ sở xã Gia Trấn huện nay, Tỉnh Ninh Bình", "gia tran", "ninh binh"),
    ],
)
def test_a_slip_in_a_type_word_is_mended(written: str, commune: str, province: str) -> None:
    address = parse_address(written)
    assert address.commune is not None and address.commune.key == commune
    assert address.province is not None and address.province.key == province


def test_names_one_slip_from_a_type_word_are_not_mended() -> None:
    address = parse_address("Phường Thịnh Liệt, Quận Hoàng Mai, Hà Nội")
    assert address.commune is not None and address.commune.key == "thinh liet"
    assert address.district is not None and address.district.key == "hoang mai"


def test_a_type_word_inside_a_name_stays_in_the_name() -> None:
    address = parse_address("Phường Tam Quan Bắc, Tỉnh Gia Lai")
    assert address.commune is not None and address.commune.name == "Tam Quan Bắc"
    assert address.district is None


def test_unaccented_va_separates_two_units() -> None:
    address = parse_address("UBND xa Tan Phu va UBND xa Tan Hoa, Binh Phuoc")
    assert [u.key for u in address.units if u.level == "commune"] == ["tan phu", "tan hoa"]


def test_moi_ends_a_name_written_all_in_lower_case() -> None:
    assert parse_address("huyện chợ mới, tỉnh an giang").district.key == "cho moi"  # type: ignore[union-attr]
    assert parse_address("xã Pha Long mới, Lào Cai").commune.key == "pha long"  # type: ignore[union-attr]
