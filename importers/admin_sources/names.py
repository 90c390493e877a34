"""Comparing and typing admin-unit names across sources."""

from __future__ import annotations

import re

from geo.text import clean, fold

PROVINCE = "Tỉnh"
CENTRAL_CITY = "Thành phố trực thuộc trung ương"
SPECIAL_ZONE = "Đặc khu"

# A district-level "Thành phố" is a city under a province, or (Thủ Đức, Thủy Nguyên) a city
# under a centrally-run city: the Law on Local Government names the two differently.
PROVINCIAL_CITY = "Thành phố thuộc tỉnh"
CITY_IN_CENTRAL_CITY = "Thành phố thuộc thành phố trực thuộc trung ương"

# Type words a commune name starts with, and every type word a unit name starts with.
_COMMUNE_TYPES = ("Thị trấn", "Đặc khu", "Phường", "Xã")
_TYPE_WORDS = ("Thành phố", "Tỉnh", "Quận", "Huyện", "Thị xã", *_COMMUNE_TYPES)
_LEADING_ZEROS = re.compile(r"\b0+(?=\d)")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


def display_name(name: str) -> str:
    """``name`` cleaned, its leading type word spelled as usual ("xã …" -> "Xã …").

    >>> display_name("  xã  Bắc Sơn"), display_name("Thị Xã Việt Yên")
    ('Xã Bắc Sơn', 'Thị xã Việt Yên')
    >>> display_name("Phường Xuân Hoà")
    'Phường Xuân Hòa'
    """
    cleaned = clean(name)
    folded = cleaned.casefold()
    for word in _TYPE_WORDS:
        if folded.startswith(word.casefold() + " "):
            return word + cleaned[len(word) :]
    return cleaned


def name_key(name: str) -> str:
    """Key under which two spellings are the same name: tone placement, case, apostrophe.

    >>> name_key("Phường Xuân Hoà") == name_key("phường Xuân Hòa")
    True
    >>> name_key("Xã Ea H’Leo") == name_key("Xã Ea H'Leo"), name_key("Hòa") == name_key("Hoa")
    (True, False)
    """
    return clean(name.translate(_APOSTROPHES)).casefold()


def bare_key(name: str) -> str:
    """:func:`name_key` without the leading type word.

    >>> bare_key("Thị trấn Quân Chu") == bare_key("xã Quân Chu")
    True
    >>> bare_key("Tỉnh Đồng Nai") == bare_key("Thành phố Đồng Nai")
    True
    """
    key = name_key(name)
    for word in _TYPE_WORDS:
        prefix = word.casefold() + " "
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def alias_key(name: str) -> str:
    """:func:`geo.text.fold` with leading zeros of numbers dropped ("Phường 06" = "Phường 6").

    >>> alias_key("Phường 06") == alias_key("phuong 6")
    True
    """
    return _LEADING_ZEROS.sub("", fold(name))


def commune_type(name: str) -> str:
    """The commune type a (cleaned) name starts with; ValueError if none.

    >>> commune_type("Đặc khu Côn Đảo"), commune_type("Phường 2 Bảo Lộc")
    ('Đặc khu', 'Phường')
    """
    for word in _COMMUNE_TYPES:
        if name.startswith(word + " "):
            return word
    raise ValueError(f"no commune type in name {name!r}")


def province_type(name: str) -> str:
    """ "Thành phố trực thuộc trung ương" for a "Thành phố …" province, else "Tỉnh"."""
    return CENTRAL_CITY if name.startswith("Thành phố ") else PROVINCE


def province_name(name: str) -> str:
    """The full province name, "Tỉnh " added where a list writes the bare name ("Cao Bằng").

    >>> province_name("Cao Bằng"), province_name("Thành phố Huế")
    ('Tỉnh Cao Bằng', 'Thành phố Huế')
    """
    cleaned = display_name(name)
    if cleaned.startswith(("Tỉnh ", "Thành phố ")):
        return cleaned
    return f"{PROVINCE} {cleaned}"
