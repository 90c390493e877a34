"""Free-text Vietnamese addresses taken apart: house number, street, hamlet and admin units.

:func:`parse_address` is pure (no database, no I/O) and never raises on a ``str``. It reads
the address the way Vietnamese addresses are written, smallest part first::

    [noise] [house number] [street] [hamlet …] [commune] [district (old)] [province] [noise]

**Noise** is removed first and kept in :attr:`ParsedAddress.ignored`: phone numbers (with
"SĐT:", "ĐT:", "Tel:" …), e-mail addresses and links, labels ("Địa chỉ:", "ĐC:", "Địa chỉ
thường trú:", "Nơi ở hiện tại:", "Trụ sở chính:", any short "…:" at the start) together with
whatever precedes the last address label (a person's name), "label: value" pairs that are
not addresses ("Họ tên: …", "MST: …"), organisation words before a unit ("Trụ sở UBND xã …",
"Đảng ủy, HĐND, UBND …"), "No." before a number, and a trailing "Việt Nam"/"VN" or postcode
(five or six digits at the end).

**Segments** are split at commas, semicolons, brackets, colons, "|", " - ", "–", "—", " và ",
" tại " and a full stop after a word; inside a segment a new part starts at a unit type word ("P.",
"Q1", "Thị xã", "TP"), a hamlet word (before any unit), a city alias ("HCM", "HN") or a
province name that ends the segment, so "12 Nguyễn Trãi P.Bến Thành Q.1 TPHCM" reads like
its comma-separated form. The word right after a type word always belongs to the name
("Phường Phường Đúc", "Huyện Quan Hóa", "phố Huế"), a type word needs a name after it ("Xã
Tân Xã"), and a number ends a unit name ("Phường 5 Quận 3"). A split that would put a unit
before a smaller or equal one written later is undone, since units go smallest first: "82 Bà
Huyện Thanh Quan, phường 9" is a street, "phường Hiệp Bình Phước, TP Thủ Đức" a ward. " - "
between a unit and a name that is no province is part of the name ("Phường Văn Miếu - Quốc
Tử Giám", "tỉnh Bà Rịa - Vũng Tàu"). A type word spelt without diacritics counts in
unaccented text, and in accented text unless it is also a plain syllable ("Quan Hóa", "Xa
La"), when a number must follow ("Quan 1"); province names must agree with the diacritics
written ("Nguyễn Huệ" does not end in "Huế").

Decisions where usage is ambiguous:

* **House number** — read by :func:`geo.house_number.read_house_number` from the first
  segment that starts like one (a digit, "số", "ngõ", "hẻm", "K24/5" …); it may span
  segments ("Số nhà 33, ngách 595/7, ngõ 595"). Untyped segments before it are noise (a
  person's name). After the first segment, or after a unit ("Trụ sở UBND huyện X, số 8 Mạc
  Thái Tổ"), a street must follow the number in its segment, so "Tân Định, 1, …" has none.
* **Street** — the part right after the house number, or else the first part written with
  a street word, or else an untyped first part that fits no unit level or stands alone.
  "đường", "đ." and "phố" are dropped ("phố Huế" → "Huế"), except before a number or a code,
  where the name would be a bare number: "Đường số 5", "Đường 30/4", "Đường D2" keep
  "Đường". Road classes are part of the name and written out: "QL1A" → "Quốc lộ 1A",
  "ĐT743" → "Đường tỉnh 743", "TL10" → "Tỉnh lộ 10", "HL2" → "Hương lộ 2"; "Đại lộ Thăng
  Long", "Xa lộ Hà Nội" stay. :func:`fold_street` keys street names from elsewhere alike.
* **Hamlet** — parts starting with Khu phố/KP, Tổ dân phố/TDP, Tổ, Ấp, Thôn, Xóm, Bản,
  Buôn, Khóm, Khu vực/KV, Khu (dân cư, đô thị, tập thể, công nghiệp), Tiểu khu, Làng, Sóc,
  Cụm, Đội, Phum, Plei; kept with the type word as written (abbreviations written out:
  "KP2" → "Khu phố 2"), first letter in upper case; several are joined by ", ".
* **Levels** — from the type word: phường/xã/thị trấn/đặc khu (ward, commune) → commune;
  quận/huyện/thị xã (district, dist.) → district; tỉnh (province) → province. "Thành
  phố"/"TP"/"city" is the province when its name is a province (the 63 provinces before
  2025, and Huế) and no other province-level part follows; otherwise it is a district-level
  city ("TP. Thủ Đức", "Thành phố Thủ Dầu Một, Bình Dương", "TP Cà Mau, tỉnh Cà Mau").
  "Ho Chi Minh City, Hồ Chí Minh" repeats one province-level city.
* **No type word** — such a mention keeps level None and the best guesses go by position: a
  province name or city alias ("Bình Dương", "HCM", "Sài Gòn", "Hanoi") is the province
  unless another one follows; the other untyped mentions are the commune and then the
  district, filling the levels between their typed neighbours ("Văn Miếu, Đống Đa, Hà
  Nội"). A single untyped mention before the province is taken as the commune (since 2025
  an address has no district). Untyped text before a hamlet (a name), after the province,
  before a typed commune or inside brackets fits no level and is ignored.
* **Old units** — "cũ" after a unit or "(cũ)" right after it marks that unit old; "trước đây
  (là)", "trước kia là", "cũ là" mark every unit after them old, up to the closing bracket
  or the end. ``old`` is exactly what the writer marked: a ward under an old district
  ("Phường 6, Quận 3 (cũ)") is itself not marked, and the caller should read any district,
  or any old mention, as a hint that the smaller units are pre-2025 too. "nay là", "nay
  thuộc" mark the units after them as the current ones.
* **Best guesses** — for each level the first mention of it: after "nay là", then typed in
  the main text, then placed by position, then typed inside brackets ("Tổ 3, thị trấn Phố
  Ràng (Trụ sở UBND xã Bảo Yên cũ)" has commune Phố Ràng; xã Bảo Yên is still in
  ``units``); at each step one not marked old before an old one ("phường An Phú, TP Thuận
  An, tỉnh Bình Dương cũ, Thành phố Hồ Chí Minh" has province Hồ Chí Minh).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple

from geo.house_number import HouseNumber, read_house_number
from geo.keyboard import is_syllable, untype
from geo.text import clean, fold, one_edit

__all__ = ["ParsedAddress", "UnitMention", "fold_street", "parse_address"]

Level = Literal["commune", "district", "province"]


@dataclass(frozen=True, slots=True)
class UnitMention:
    """One admin unit as written in an address.

    ``level`` comes from the type word (see the module documentation) and is None when no
    type word is written. ``type_word`` is the folded type word with abbreviations written
    out ("P." → "phuong", "TP" → "thanh pho", "Q1" → "quan", "ward" → "phuong"). ``name``
    is the name as written, :func:`geo.text.clean`-ed, without type word or "cũ" ("Xuân
    Hòa", "05", "HCM"); ``key`` its folded matching key with city aliases and province
    spellings resolved and the zeros before a number dropped ("xuan hoa", "5", "ho chi
    minh", "dak lak"). ``old`` is set when the writer marks the unit as a former one, and
    ``raw`` is the part of the address it was read from.
    """

    level: Level | None
    type_word: str | None
    name: str
    key: str
    old: bool
    raw: str


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """An address taken apart by :func:`parse_address`.

    ``raw`` is the input; ``cleaned`` the address text left after removing noise, which
    ``ignored`` lists (phone numbers, labels, names, unplaceable parts) in the order found.
    ``house`` is the house number; ``street`` the street name without "đường"/"phố" and
    ``street_key`` its :func:`fold_street` key; ``hamlet`` the hamlet or residential group
    (several joined by ", "). ``units`` are every admin-unit mention in written order, and
    ``commune``, ``district`` and ``province`` the best guess among them for each level.
    """

    raw: str
    cleaned: str
    house: HouseNumber | None
    street: str | None
    street_key: str | None
    hamlet: str | None
    units: tuple[UnitMention, ...]
    commune: UnitMention | None
    district: UnitMention | None
    province: UnitMention | None
    ignored: tuple[str, ...]


# --- vocabulary --------------------------------------------------------------------------------

_PROVINCES = (
    "An Giang, Bà Rịa - Vũng Tàu, Bắc Giang, Bắc Kạn, Bạc Liêu, Bắc Ninh, Bến Tre, Bình Định, "
    "Bình Dương, Bình Phước, Bình Thuận, Cà Mau, Cần Thơ, Cao Bằng, Đà Nẵng, Đắk Lắk, "
    "Đắk Nông, Điện Biên, Đồng Nai, Đồng Tháp, Gia Lai, Hà Giang, Hà Nam, Hà Nội, Hà Tĩnh, "
    "Hải Dương, Hải Phòng, Hậu Giang, Hòa Bình, Hồ Chí Minh, Hưng Yên, Khánh Hòa, Kiên Giang, "
    "Kon Tum, Lai Châu, Lâm Đồng, Lạng Sơn, Lào Cai, Long An, Nam Định, Nghệ An, Ninh Bình, "
    "Ninh Thuận, Phú Thọ, Phú Yên, Quảng Bình, Quảng Nam, Quảng Ngãi, Quảng Ninh, Quảng Trị, "
    "Sóc Trăng, Sơn La, Tây Ninh, Thái Bình, Thái Nguyên, Thanh Hóa, Thừa Thiên Huế, "
    "Tiền Giang, Trà Vinh, Tuyên Quang, Vĩnh Long, Vĩnh Phúc, Yên Bái, Huế"
)
"""The 63 provinces before 2025 and Huế; the 34 of 2025 all keep one of these names."""
_PROVINCE_KEYS = frozenset(fold(name) for name in _PROVINCES.split(", "))
_CITY_PROVINCES = frozenset(
    ("ha noi", "ho chi minh", "hai phong", "da nang", "can tho", "hue", "dong nai")
)
"""Province-level cities (2025): "Thành phố X, X" names one city, not a city in a province."""
# Folded spellings -> province key: city aliases (as geo.text.expand knows them) and common
# variants. Applied only where a province may be meant (no type word, "tỉnh", "thành phố").
_ALIASES = {
    **dict.fromkeys(
        ("hcm", "tphcm", "hcmc", "sg", "saigon", "sai gon", "ho chi minh city"), "ho chi minh"
    ),
    **dict.fromkeys(("hn", "tphn", "hanoi", "ha noi city"), "ha noi"),
    "danang": "da nang",
    "haiphong": "hai phong",
    "cantho": "can tho",
    **dict.fromkeys(("brvt", "br vt", "ba ria vung tau"), "ba ria vung tau"),
    **dict.fromkeys(("daklak", "dac lac", "dac lak", "dak lac"), "dak lak"),
    **dict.fromkeys(("daknong", "dac nong"), "dak nong"),
    "kontum": "kon tum",
    "bac can": "bac kan",
    "tt hue": "thua thien hue",
}
_ALIAS_TOKENS = frozenset(alias for alias in _ALIASES if " " not in alias) - {"brvt", "kontum"}
_PROVINCE_PHRASES = _PROVINCE_KEYS | frozenset(_ALIASES)
# How the names are spelt, word by word in lower case: "Huế" is a province, "Huệ" is not.
_PROVINCE_SPELLINGS = {
    fold(name): tuple(re.findall(r"[^\W_]+", clean(name).lower()))
    for name in [*_PROVINCES.split(", "), "Sài Gòn", "Đắc Lắc", "Đắc Nông", "Bắc Cạn"]
}
_LONGEST_PROVINCE = max(len(phrase.split()) for phrase in _PROVINCE_PHRASES)
_PROVINCE_FIRST = frozenset(phrase.split()[0] for phrase in _PROVINCE_PHRASES)


class _Word(NamedTuple):
    """A type word: folded words, spelling (None for abbreviations), expansion and rule."""

    words: tuple[str, ...]
    spelled: tuple[str, ...] | None
    expanded: str
    rule: str  # "word", "plain" (a syllable too), "abbr", "letter", "dotted"
    level: str = ""  # units: "commune", "district", "province", "city"


def _word(spelling: str, expanded: str, level: str = "", rule: str = "word") -> _Word:
    spelled = tuple(clean(spelling).lower().split())
    return _Word(tuple(fold(spelling).split()), spelled, expanded, rule, level)


def _abbr(folded: str, expanded: str, level: str = "", rule: str = "abbr") -> _Word:
    return _Word(tuple(folded.split()), None, expanded, rule, level)


_UNIT_WORDS = [
    _word("thành phố", "thanh pho", "city"),
    _word("thị xã", "thi xa", "district"),
    _word("thị trấn", "thi tran", "commune"),
    _word("đặc khu", "dac khu", "commune"),
    _word("phường", "phuong", "commune"),
    _word("xã", "xa", "commune", "plain"),
    _word("quận", "quan", "district", "plain"),
    _word("huyện", "huyen", "district"),
    _word("tỉnh", "tinh", "province", "plain"),
    _abbr("tp", "thanh pho", "city"),
    _abbr("tx", "thi xa", "district"),
    _abbr("tt", "thi tran", "commune"),
    _abbr("t p", "thanh pho", "city", "dotted"),
    _abbr("t x", "thi xa", "district", "dotted"),
    _abbr("t t", "thi tran", "commune", "dotted"),
    _abbr("p", "phuong", "commune", "letter"),
    _abbr("f", "phuong", "commune", "letter"),
    _abbr("q", "quan", "district", "letter"),
    _abbr("dk", "dac khu", "commune", "letter"),
    _abbr("dist", "quan", "district", "letter"),
    _abbr("h", "huyen", "district", "dotted"),
    _abbr("x", "xa", "commune", "dotted"),
    _abbr("t", "tinh", "province", "dotted"),
    _word("ward", "phuong", "commune"),
    _word("commune", "xa", "commune"),
    _word("district", "quan", "district"),
    _word("province", "tinh", "province"),
    _word("city", "thanh pho", "city"),
]
_ENGLISH_SUFFIXES = {"city": "thanh pho", "province": "tinh", "district": "quan", "ward": "phuong"}

_HAMLET_WORDS = [
    _word("khu phố", "Khu phố"),
    _abbr("kp", "Khu phố"),
    _word("tổ dân phố", "Tổ dân phố"),
    _abbr("tdp", "Tổ dân phố"),
    _word("tổ dân cư", "Tổ dân cư"),
    _word("tổ", "Tổ", rule="plain"),
    _word("ấp", "Ấp", rule="plain"),
    _word("thôn", "Thôn", rule="plain"),
    _word("xóm", "Xóm", rule="plain"),
    _word("bản", "Bản", rule="plain"),
    _word("buôn", "Buôn", rule="plain"),
    _word("khóm", "Khóm", rule="plain"),
    _word("khu vực", "Khu vực"),
    _abbr("kv", "Khu vực"),
    _word("khu dân cư", "Khu dân cư"),
    _abbr("kdc", "Khu dân cư"),
    _word("khu đô thị", "Khu đô thị"),
    _abbr("kdt", "Khu đô thị"),
    _word("khu tập thể", "Khu tập thể"),
    _abbr("ktt", "Khu tập thể"),
    _word("khu công nghiệp", "Khu công nghiệp"),
    _abbr("kcn", "Khu công nghiệp"),
    _word("tiểu khu", "Tiểu khu"),
    _word("khu", "Khu", rule="plain"),
    _word("làng", "Làng", rule="plain"),
    _word("sóc", "Sóc", rule="plain"),
    _word("cụm", "Cụm", rule="plain"),
    _word("đội", "Đội", rule="plain"),
    _word("phum", "Phum", rule="plain"),
    _word("plei", "Plei"),
]

# Street words: "" is dropped, otherwise the written-out road class that starts the name.
_STREET_WORDS = [
    _word("đường phố", ""),
    _word("đường tỉnh", "Đường tỉnh"),
    _word("đường huyện", "Đường huyện"),
    _word("đường", ""),
    _abbr("d", "", rule="dotted"),
    _word("phố", "", rule="plain"),
    _word("đại lộ", "Đại lộ"),
    _word("xa lộ", "Xa lộ"),
    _word("quốc lộ", "Quốc lộ"),
    _abbr("ql", "Quốc lộ", rule="letter"),
    _word("tỉnh lộ", "Tỉnh lộ"),
    _abbr("tl", "Tỉnh lộ", rule="letter"),
    _word("hương lộ", "Hương lộ"),
    _abbr("hl", "Hương lộ", rule="letter"),
    _abbr("dt", "Đường tỉnh", rule="letter"),
    _abbr("dh", "Đường huyện", rule="letter"),
]

_OLD_MARKERS = [
    _word("trước đây là", "old"),
    _word("trước đây thuộc", "old"),
    _word("trước đây", "old"),
    _word("trước kia là", "old"),
    _word("trước là", "old"),
    _word("cũ là", "old"),
    _word("nay là", "new"),
    _word("nay thuộc", "new"),
    _word("hiện nay là", "new"),
    _word("mới là", "new"),
]

# Organisation words written before the unit whose seat is meant ("Trụ sở UBND xã …");
# connectors count only after one of them.
_ORG_WORDS = [
    _word("ủy ban nhân dân", ""),
    _word("hội đồng nhân dân", ""),
    _word("ủy ban mặt trận tổ quốc", ""),
    _word("mặt trận tổ quốc", ""),
    _abbr("ubnd", ""),
    _abbr("hdnd", ""),
    _abbr("mttq", ""),
    _abbr("mttqvn", ""),
    _abbr("ubmttq", ""),
    _abbr("ubmttqvn", ""),
    _word("mặt trận tqvn", ""),
    _word("đảng ủy", ""),
    _word("đảng bộ", ""),
    _word("quận ủy", ""),
    _word("huyện ủy", ""),
    _word("thị ủy", ""),
    _word("thành ủy", ""),
    _word("tỉnh ủy", ""),
    _word("trụ sở chính", ""),
    _word("trụ sở cũ", ""),
    _word("trụ sở mới", ""),
    _word("trụ sở", ""),
    _word("trung tâm hành chính công", ""),
    _word("trung tâm hành chính", ""),
    _word("văn phòng", "", rule="plain"),
    _word("điểm tiếp nhận", ""),
    _word("cơ quan", ""),
]
_CONNECTORS = [
    _word("đặt", "", rule="plain"),
    _word("sử dụng", ""),
    _word("của", "", rule="plain"),
    _word("cũ của", ""),
    _word("ở", "", rule="plain"),
]
_FILLERS = frozenset(
    fold(text)
    for text in (
        *("hiện nay", "hiện tại", "mới", "cũ", "giữ nguyên", "đang cập nhật", "chưa cập nhật"),
        *("chưa có", "không có", "không rõ", "n/a", "na", "none", "null", "trống"),
    )
)
_TRAILING_FILLERS = [_word("hiện nay", ""), _word("hiện tại", "")]

_HOUSE_STARTS = frozenset(
    (
        *("so", "sn", "nha", "ngo", "ngach", "hem", "kiet", "k", "h", "ng", "ngh", "phong", "p"),
        *("can", "ch", "kiot", "kiosk", "ki", "tang", "lau", "quay", "sap", "toa", "thap"),
        *("block", "blk", "lo", "day", "khong"),
    )
)
_HOUSE_WORDS = _HOUSE_STARTS | {"bis", "ter"}  # the words of geo.house_number's clauses
_NAMED_ALLEYS = frozenset({"ngõ", "hẻm"})  # may take a name: "ngõ Huế", "hẻm Xe Hơi"


def _by_first(words: list[_Word]) -> dict[str, list[_Word]]:
    table: dict[str, list[_Word]] = {}
    for word in sorted(words, key=lambda word: -len(word.words)):
        table.setdefault(word.words[0], []).append(word)
    return table


_UNITS_BY_FIRST = _by_first(_UNIT_WORDS)
_UNIT_KEYS = frozenset(" ".join(word.words) for word in _UNIT_WORDS)  # "phường" alone
_HAMLETS_BY_FIRST = _by_first(_HAMLET_WORDS)
_STREETS_BY_FIRST = _by_first(_STREET_WORDS)
_MARKERS_BY_FIRST = _by_first(_OLD_MARKERS)
_ORGS_BY_FIRST = _by_first(_ORG_WORDS)
_CONNECTORS_BY_FIRST = _by_first(_CONNECTORS)
_TRAILING_BY_FIRST = _by_first(_TRAILING_FILLERS)

# --- noise -------------------------------------------------------------------------------------


def _loose(phrases: str) -> str:
    """A regex alternation of comma-separated phrases, each letter also without diacritics."""

    def letter(char: str) -> str:
        bare = fold(char)
        if char == " ":
            return r"\s+"
        if len(bare) == 1 and bare != char:
            return f"[{char}{bare}]"
        return re.escape(char)

    spelled = (clean(phrase).lower() for phrase in phrases.split(","))
    return "|".join("".join(map(letter, phrase)) for phrase in sorted(spelled, key=len)[::-1])


_PHONE_LABELS = _loose(
    "số điện thoại,điện thoại,đtdđ,sđt,sdt,đt,dđ,tel,phone,mobile,mob,hotline,fax,zalo"
)
_PHONE = re.compile(
    rf"(?:\b(?:{_PHONE_LABELS})\.?\s*:?\s*)?"
    r"(?<![\w/.])(?:\(?\+?\s?84\)?[\s.\-]?|\(?0)\d{1,3}\)?(?:[\s.\-]?\d){6,9}(?![\w/])",
    re.IGNORECASE,
)
_WEB = re.compile(r"\S+@\S+\.\w+|\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
_OTHER_LABEL_WORDS = _loose(
    "họ và tên,họ tên,tên,người nhận,người liên hệ,khách hàng,email,e-mail,mst,mã số thuế,"
    "ghi chú,note,name,stk,mã bưu chính,postcode,zip"
)
_OTHER_LABELS = re.compile(rf"\b(?:{_OTHER_LABEL_WORDS})\s*:\s*[^,;|:]*", re.IGNORECASE)
_ADDRESS_WORDS = _loose(
    "địa chỉ,nơi ở,nơi cư trú,nơi thường trú,hộ khẩu,hktt,thường trú,tạm trú,quê quán,"
    "nguyên quán,trụ sở,văn phòng,chi nhánh,address,addr,giao hàng,giao tới,giao đến,gửi tới,"
    "gửi đến,nhận hàng,cơ sở,điểm tiếp nhận,đ/c,đc"
)
_COLON_LABEL = re.compile(
    rf"(?:\b(?:{_ADDRESS_WORDS})(?:\s+[^\W\d_]+){{0,4}}?|^[^\W\d_][^:\d]{{0,60}}?)\s*:(?!\d)",
    re.IGNORECASE,
)
_BARE_LABEL_WORDS = _loose(
    "địa chỉ,nơi ở hiện tại,nơi ở hiện nay,nơi ở,hộ khẩu thường trú,hktt,thường trú,tạm trú"
)
_BARE_LABEL_HINTS = ("dia chi", "noi o", "ho khau", "hktt", "thuong tru", "tam tru")
_BARE_LABEL = re.compile(rf"(?:^|(?<=[\s,;(]))(?:{_BARE_LABEL_WORDS})(?=\s)", re.IGNORECASE)
_NUMBER_SIGN = re.compile(r"(?:\b(?:no|nr)\.?|#)\s*(?=\d)", re.IGNORECASE)
_COUNTRY = _loose("việt nam,vietnam,viet nam,vn,vnm")
_TAIL = re.compile(
    rf"[\s,;.\-–—]*(?:\b(?:{_COUNTRY})\.?|(?<![\d/])\d{{5,6}})[\s,;.\-–—]*$", re.IGNORECASE
)
_LABEL_WORDS = re.compile(r"[^\W\d_]+")


def _cut(text: str, spans: list[tuple[int, int]], ignored: list[str]) -> str:
    """``text`` with ``spans`` replaced by a comma; the removed text goes to ``ignored``."""
    removed = [text[start:end].strip(" ,;:.-–—") for start, end in spans]
    ignored.extend(part for part in removed if part)
    for start, end in sorted(spans, reverse=True):
        text = f"{text[:start]} , {text[end:]}"
    return text


def _strip_noise(text: str, ignored: list[str]) -> str:
    """Remove phones, links, labels and what precedes them, trailing country and postcode."""
    found: list[str] = []
    folded = fold(text)
    colon = ":" in text
    for pattern, present in (
        (_PHONE, sum(map(str.isdigit, text)) >= 9),
        (_WEB, "@" in text or "www" in folded or "http" in folded),
        (_OTHER_LABELS, colon),
        (_NUMBER_SIGN, "#" in text or "no" in folded or "nr" in folded),
    ):
        if present:
            text = _cut(text, [match.span() for match in pattern.finditer(text)], found)
    labels = [*_COLON_LABEL.finditer(text)] if colon else []
    if any(word in folded for word in _BARE_LABEL_HINTS):
        labels += _BARE_LABEL.finditer(text)
    labels = [label for label in labels if len(_LABEL_WORDS.findall(label.group())) <= 8]
    if labels:
        last = max(label.end() for label in labels)
        text = _cut(text, [(0, last)], found)
    while (tail := _TAIL.search(text, max(len(text) - 24, 0))) is not None and tail.start() > 0:
        text = _cut(text, [tail.span()], found)
    ignored.extend(found)
    return text


# --- tokens ------------------------------------------------------------------------------------


class _Tok(NamedTuple):
    key: str  # folded; "" for a separator
    low: str  # lower case as written; the separator itself for a separator
    start: int
    end: int
    dot: bool  # a "." right after it
    cap: bool  # written with a capital first letter


_TOKEN = re.compile(r"([^\W_]+)|(\s[-–—/]+\s|[–—]+|[,;|()\[\]{}:]|\.(?=\s|$))|(\.)|\S")
_GLUED = re.compile(r"(tp|tx|tt|kp|kv|tdp|ql|dt|tl|hl|dh|dk|p|f|q)([0-9][0-9a-z]*)|(tp)(hcm|hn)")
_SEPARATOR_WORDS = frozenset({"và", "tại"})  # "UBND xã A và xã B", "Trụ sở X tại số 8 …"
_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")


def _tokenize(text: str) -> list[_Tok]:
    """Words and separators of ``text``; glued "Q1", "KP2", "TPHCM", "ĐT743" become two."""
    toks: list[_Tok] = []
    for match in _TOKEN.finditer(text):
        kind, start = match.lastindex, match.start()
        if kind == 1:  # a word
            for key, low, a, b, cap in _word_parts(match.group()):
                if not key and toks and toks[-1].low == "hiện":
                    key = "tai"  # "hiện tại" (now) is a word, "tại" (at) a separator
                toks.append(_Tok(key, low, start + a, start + b, False, cap))
        elif kind == 2 and not (match.group() == "." and _abbreviation_dot(toks)):
            toks.append(_Tok("", match.group().strip() or "-", start, match.end(), False, False))
        elif kind in (2, 3) and toks and toks[-1].key and toks[-1].end == start:
            toks[-1] = toks[-1]._replace(dot=True)  # "P.5", "TP. HCM"
    return toks


def _abbreviation_dot(toks: list[_Tok]) -> bool:
    """Whether a "." before a space ends an abbreviation ("P. 5", "TP. HCM"), not a sentence."""
    return bool(toks) and bool(toks[-1].key) and len(toks[-1].key) <= 2


@lru_cache(maxsize=16384)
def _word_parts(word: str) -> tuple[tuple[str, str, int, int, bool], ...]:
    """(folded, lower case, start, end, capitalised) of the tokens ``word`` is read as."""
    low = word.lower()
    key = fold(word)
    if low in _SEPARATOR_WORDS or word == "va":  # "xa Tan Phu va xa Tan Hoa"
        return (("", low, 0, len(word), False),)
    glued = None
    if len(key) == len(low) and (not key.isalpha() or key in ("tphcm", "tphn")):
        glued = _GLUED.fullmatch(key)
    if glued is None:
        return ((key, low, 0, len(word), word[0] != low[0]),)
    cut = len(glued[1] or glued[3])
    return (
        (key[:cut], low[:cut], 0, cut, word[0] != low[0]),
        (key[cut:], low[cut:], cut, len(word), word[cut] != low[cut]),
    )


# --- matching words ----------------------------------------------------------------------------


def _is_province(toks: list[_Tok]) -> bool:
    """Whether ``toks`` spell a province name or city alias; words typed without diacritics
    match any spelling ("Ha Noi"), others must agree ("Nguyễn Huệ" does not end in "Huế")."""
    phrase = " ".join(tok.key for tok in toks)
    if phrase not in _PROVINCE_PHRASES:
        return False
    spelled = _PROVINCE_SPELLINGS.get(phrase, ())
    return len(spelled) != len(toks) or all(
        tok.low == word or tok.low.isascii() for tok, word in zip(toks, spelled, strict=True)
    )


class _Ctx(NamedTuple):
    """What a match depends on besides the tokens."""

    ascii_text: bool  # the address is written without diacritics


# The last words of organisation words and connectors: a unit word may follow them.
_ORG_LAST = frozenset(w.words[-1] for w in (*_ORG_WORDS, *_CONNECTORS)) | {"", "va", "tai"}

# Ordinary-syllable words whose half-typed forms are no other word of an address.
_HALF_TYPED = frozenset({"phố", "ấp"})  # "Phô An Trạch", "Âp Long Phú"


def _spelled_ok(
    tok: _Tok, spelled: str, plain: bool, ctx: _Ctx, after: _Tok | None, before: _Tok | None
) -> bool:
    """Whether ``tok`` is the word ``spelled`` (their folded forms are equal): spelled so,
    or with all its diacritics left out ("phuong"), or some of them in lower case before a
    capitalised name or a number ("phương Trung Thành"; "Cúc Phương" is a name). A word
    that is also an ordinary syllable ("xã", "tỉnh", "ấp", "tổ") counts without its
    diacritics only all left out (or half, for the words of ``_HALF_TYPED``), and only in
    an address written without diacritics or before a number or a capitalised name and
    not after one ("xa Mường Khoa", "Tinh Lai Chau"; "Tô Hiến Thành", "Tam Quan Bắc" are
    names)."""
    if tok.low == spelled:
        return True
    if not _marks_left_out(tok.low, spelled):
        return False  # other diacritics: another word ("Quán", "Tịnh")
    before_name = after is not None and (_is_number(after) or after.cap)
    if not tok.low.isascii():  # half typed: "phương" is also a name ("Cúc Phương")
        if spelled in _HALF_TYPED:  # no name: "Phô An Trạch", "Âp Long Phú"
            return before_name
        return not plain and not tok.cap and before_name  # "Tô" is a name, not "tổ"
    in_name = (  # "Tam Quan Bắc"; but "UBND xa Mường Khoa"
        before is not None and before.cap and before.key not in _ORG_LAST
    )
    return not plain or ctx.ascii_text or (before_name and not in_name)


@lru_cache(maxsize=4096)
def _marks_left_out(written: str, spelled: str) -> bool:
    """Whether ``written`` is ``spelled`` with some diacritics (maybe all) left out."""
    if written.isascii():
        return True
    have = unicodedata.normalize("NFD", written)
    full = unicodedata.normalize("NFD", spelled)
    i = 0
    for char in full:
        if i < len(have) and (have[i] == char or (char == "đ" and have[i] == "d")):
            i += 1
        elif not unicodedata.combining(char):
            return False
    return i == len(have)


def _is_old_word(tok: _Tok, ctx: _Ctx) -> bool:
    """ "cũ", or "cu" in an address written without diacritics ("Củ Chi" is no marker)."""
    return tok.low == "cũ" or (ctx.ascii_text and tok.key == "cu")


def _is_number(tok: _Tok | None) -> bool:
    return tok is not None and tok.key[:1].isdigit()


def _at(toks: list[_Tok], i: int, end: int) -> _Tok | None:
    return toks[i] if i < end else None


def _match(
    table: dict[str, list[_Word]], toks: list[_Tok], i: int, end: int, ctx: _Ctx
) -> _Word | None:
    """The longest entry of ``table`` whose words start at ``toks[i]`` (before ``end``)."""
    words = table.get(toks[i].key)
    if words is None:
        return None
    for word in words:
        n = len(word.words)
        if n > 1 and (i + n > end or _keys(toks, i + 1, i + n) != word.words[1:]):
            continue
        if _rule_ok(word, toks, i, end, ctx):
            return word
    return None


def _keys(toks: list[_Tok], start: int, end: int) -> tuple[str, ...]:
    return tuple([tok.key for tok in toks[start:end]])


def _rule_ok(word: _Word, toks: list[_Tok], i: int, end: int, ctx: _Ctx) -> bool:
    n = len(word.words)
    after = _at(toks, i + n, end)
    if word.rule in ("letter", "dotted"):
        return _letter_ok(word, toks[i : i + n], after, ctx)
    if word.spelled is None:
        return True
    plain = word.rule == "plain"
    spelled = word.spelled
    before = toks[i - 1] if i > 0 else None
    return all(_spelled_ok(toks[i + k], spelled[k], plain, ctx, after, before) for k in range(n))


def _letter_ok(word: _Word, written: list[_Tok], after: _Tok | None, ctx: _Ctx) -> bool:
    """ "P.", "Q 1", "P Bến Thành", "T.P", "H. Gia Lâm": dotted, or before a number or name."""
    if written[0].dot:
        return True
    if word.rule == "dotted" or after is None:
        return False
    return _is_number(after) or after.cap or ctx.ascii_text


# --- pieces ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Chunk:
    """Tokens between two separators."""

    start: int  # token indices
    end: int
    bracket: int  # bracket group number, 0 outside brackets
    after_dash: bool
    org: bool = False  # organisation words were stripped from its start


@dataclass(slots=True)
class _Piece:
    kind: str  # "unit", "hamlet", "street", "plain", "old mark", "marker"
    word: _Word | None  # the type, hamlet or street word
    start: int  # token indices: the piece, then where its name starts and ends
    name: int
    end: int
    chunk: _Chunk
    old: bool = False
    mode: str = ""  # "old" or "new" after a marker
    extra_end: int = -1  # text offset where the raw ends when it takes a bracket with it


class _Reader:
    """Splits the tokens of one cleaned address into chunks and pieces."""

    def __init__(self, text: str, ctx: _Ctx) -> None:
        self.text = text
        self.ctx = ctx
        self.toks = _tokenize(text)
        self.seen_unit = False
        self.ignored: list[str] = []

    def span(self, start: int, end: int) -> str:
        """The text from token ``start`` to the end of token ``end - 1``."""
        if start >= end:
            return ""
        return self.text[self.toks[start].start : self.toks[end - 1].end]

    def chunks(self) -> list[_Chunk]:
        chunks: list[_Chunk] = []
        depth, group, start, dash = 0, 0, 0, False
        for i, tok in enumerate([*self.toks, _Tok("", ",", 0, 0, False, False)]):
            if tok.key:
                continue
            if i > start:
                chunks.append(_Chunk(start, i, group if depth else 0, dash))
            dash = tok.low == "-" and i > start
            if tok.low in _OPENING:
                depth, group = depth + 1, group + (depth == 0)
            elif tok.low in _CLOSING:
                depth = max(depth - 1, 0)
            start = i + 1
        return chunks

    def strip_org(self, chunk: _Chunk) -> None:
        """Drop organisation words and connectors at the start of ``chunk``."""
        i = chunk.start
        while i < chunk.end:
            word = _match(_ORGS_BY_FIRST, self.toks, i, chunk.end, self.ctx)
            if word is None and chunk.org:
                word = _match(_CONNECTORS_BY_FIRST, self.toks, i, chunk.end, self.ctx)
            if word is None:
                break
            chunk.org = True
            i += len(word.words)
        if i > chunk.start:
            self.ignored.append(self.span(chunk.start, i))
            chunk.start = i

    def unit_at(self, i: int, end: int, inside: bool = False) -> _Word | None:
        """The unit type word at ``toks[i]`` when a name follows it. A letter, or any type
        word ``inside`` a name, followed by a unit is part of a name ("Khu F Phường 5",
        "Xã Tân Xã Huyện Thạch Thất"), but "Phường Phường Đúc" starts with one."""
        word = _match(_UNITS_BY_FIRST, self.toks, i, end, self.ctx)
        if word is None:
            return None
        after = i + len(word.words)
        if after >= end or self.toks[after].key in ("uy", "lo"):  # "Huyện ủy", "Tỉnh lộ"
            return None
        if after + 1 == end and _is_old_word(self.toks[after], self.ctx):
            return None  # "huyện cũ" names no unit
        if inside or word.rule == "letter":
            nested = _match(_UNITS_BY_FIRST, self.toks, after, end, self.ctx)
            if nested is not None and after + len(nested.words) < end:
                return None
        if word.level == "commune" and word.rule == "letter" and self._room(after):
            return None
        return word

    def _room(self, i: int) -> bool:
        """ "P.302", "P.12A" are rooms (house_number reads them), "P.5", "P.05" wards."""
        key = self.toks[i].key
        return key[:1].isdigit() and (len(key) >= 3 or not key.isdigit())

    def hamlet_at(self, i: int, end: int) -> _Word | None:
        word = _match(_HAMLETS_BY_FIRST, self.toks, i, end, self.ctx)
        if word is None or i + len(word.words) >= end:
            return None
        if self.unit_at(i + len(word.words), end) is not None:
            return None  # "Khu Phường 5"? the unit comes first
        return word

    def province_rest(self, i: int, end: int, toks: list[_Tok] | None = None) -> bool:
        """Whether ``toks[i:end]`` (all of ``toks`` if given) is a province name or city
        alias, maybe followed by "cũ", "city" or "province"."""
        if toks is None:
            toks = self.toks[i:end]
        while toks and toks[-1].key in ("cu", "city", "province"):
            toks = toks[:-1]
        if not toks or len(toks) > _LONGEST_PROVINCE:
            return False
        return _is_province(toks)

    def boundary(self, i: int, end: int) -> bool:
        """Whether a new piece starts at ``toks[i]``, inside a name."""
        key = self.toks[i].key
        if key not in _STARTERS:
            return key in _PROVINCE_FIRST and self.province_rest(i, end)
        return (
            self.unit_at(i, end, inside=True) is not None
            or key in _ALIAS_TOKENS
            or _match(_MARKERS_BY_FIRST, self.toks, i, end, self.ctx) is not None
            or (not self.seen_unit and self.hamlet_at(i, end) is not None)
            or self.province_rest(i, end)
        )

    def pieces(self, chunk: _Chunk, start: int, street_next: bool) -> list[_Piece]:
        """The pieces of ``chunk`` from token ``start`` on."""
        pieces: list[_Piece] = []
        i = start
        while i < chunk.end:
            piece = self._head(chunk, i, street_next and not pieces)
            self.seen_unit = self.seen_unit or piece.kind == "unit"  # no hamlet in its name
            piece.end = self._name_end(piece)
            pieces.append(piece)
            i = piece.end
        return pieces

    def _head(self, chunk: _Chunk, i: int, street_next: bool) -> _Piece:
        end, ctx = chunk.end, self.ctx
        if (marker := _match(_MARKERS_BY_FIRST, self.toks, i, end, ctx)) is not None:
            return _Piece("marker", marker, i, i + len(marker.words), i, chunk)
        if self.toks[i].key == "cu" and i + 1 == end:
            return _Piece("old mark", None, i, i + 1, i + 1, chunk)
        if self.province_rest(i, end) and not (street_next and i > chunk.start):
            return _Piece("plain", None, i, i, i, chunk)  # but "7 ngõ 12 Huế" is a street
        for kind, word in (
            ("unit", self.unit_at(i, end)),
            ("hamlet", self.hamlet_at(i, end)),
            ("street", _match(_STREETS_BY_FIRST, self.toks, i, end, ctx)),
        ):
            if word is not None and i + len(word.words) < end:
                return _Piece(kind, word, i, i + len(word.words), i, chunk)
        return _Piece("street" if street_next else "plain", None, i, i, i, chunk)

    def _name_end(self, piece: _Piece) -> int:
        end = piece.chunk.end
        if piece.kind in ("marker", "old mark"):
            return piece.name
        if piece.kind == "unit" and _is_number(self.toks[piece.name]):
            after = _at(self.toks, piece.name + 1, end)
            old = after is not None and _is_old_word(after, self.ctx)
            return piece.name + 1 + old  # "Phường 5 Quận 3", "Quận 3 cũ"
        if piece.kind == "unit" and piece.word is not None and piece.word.level == "province":
            province = self._province_prefix(piece.name, end)
            if province < end:
                return province  # "tỉnh Sơn La Điểm tiếp nhận …"
        j = piece.name + 1
        while j < end and not self.boundary(j, end):
            j += 1
        return j

    def _province_prefix(self, i: int, end: int) -> int:
        """The end of the longest province name at ``toks[i]``, or ``end`` if there is none."""
        for n in range(min(_LONGEST_PROVINCE, end - i - 1), 0, -1):
            if _is_province(self.toks[i : i + n]):
                return i + n
        return end


_STARTERS = frozenset(
    [*_UNITS_BY_FIRST, *_HAMLETS_BY_FIRST, *_MARKERS_BY_FIRST, *_ALIAS_TOKENS, *_PROVINCE_FIRST]
)

# --- reading the house number ------------------------------------------------------------------


def _house_start(reader: _Reader, chunk: _Chunk) -> bool:
    """Whether ``chunk`` may start with a house number: a number, a house-number word, or
    "K24/5" (Đà Nẵng's kiệt)."""
    tok = reader.toks[chunk.start]
    key = tok.key
    return _is_number(tok) or key in _HOUSE_STARTS or (key[:1] == "k" and key[1:2].isdigit())


class _House(NamedTuple):
    number: HouseNumber
    chunk: int  # index of the chunk it starts
    after: int  # index of the token after it
    leading: bool  # before every unit and hamlet: what precedes it is noise


def _find_house(reader: _Reader, chunks: list[_Chunk]) -> _House | None:
    """The first house number that starts a chunk outside brackets. After a unit or hamlet
    ("Trụ sở UBND huyện X, số 8 Mạc Thái Tổ"), and after the first chunk, a street must
    follow it in its chunk, so that "Tân Định, 1, Hồ Chí Minh" has no house number."""
    leading = True
    for index, chunk in enumerate(chunks):
        if chunk.bracket:
            continue
        if (
            chunk.org  # "UBND Vĩnh Niệm tại số 387 …" names a unit
            or reader.unit_at(chunk.start, chunk.end) is not None
            or reader.hamlet_at(chunk.start, chunk.end) is not None
        ):
            leading = False
            continue
        if not _house_start(reader, chunk):
            continue
        offset = reader.toks[chunk.start].start
        house, _ = read_house_number(reader.text[offset : _house_end(reader, chunks, index)])
        if not (house.number or house.alleys or house.unit or house.building):
            continue
        after = _token_after(reader.toks, offset + len(house.raw), chunk.start)
        if (index or not leading) and after >= chunk.end:
            continue
        return _House(house, index, after, leading)
    return None


def _house_end(reader: _Reader, chunks: list[_Chunk], index: int) -> int:
    """Where the text a house number may span ends: "Số nhà 33, ngách 595/7, ngõ 595"."""
    end = index + 1
    while end < len(chunks) and not chunks[end].bracket and _house_start(reader, chunks[end]):
        end += 1
    return _name_start(reader, chunks[index].start, chunks[end - 1].end)


def _name_start(reader: _Reader, start: int, end: int) -> int:
    """The text offset of the first word in ``toks[start:end]`` that no house-number clause
    reads (a word of three letters or more, not all in capitals, not glued to the token
    before, after no "ngõ"/"hẻm" that may take a name), or of the end of ``toks[end - 1]``.

    The house number is read from the text before it only, which is quicker and, since
    reading would stop there anyway, the same.
    """
    toks = reader.toks
    for i in range(start + 1, end):
        tok = toks[i]
        if tok.low in _NAMED_ALLEYS and not _is_number(_at(toks, i + 1, end)):
            break
        if (
            len(tok.key) >= 3
            and tok.key.isalpha()
            and tok.key not in _HOUSE_WORDS
            and toks[i - 1].end < tok.start
            and not reader.text[tok.start : tok.end].isupper()
        ):
            return toks[i - 1].end
    return toks[end - 1].end


def _token_after(toks: list[_Tok], offset: int, start: int) -> int:
    i = start
    while i < len(toks) and toks[i].start < offset:
        i += 1
    return i


# --- streets -----------------------------------------------------------------------------------

_NUMBERED_NAME = re.compile(r"(?:số\s+|so\s+)?[0-9]|[A-Za-z]{1,2}[0-9]", re.IGNORECASE)
_LEADING_ZEROS = re.compile(r"\b0+(?=[0-9])")


def _street_name(reader: _Reader, piece: _Piece) -> str:
    """The street of ``piece`` without "đường"/"phố", road classes written out."""
    name = reader.span(piece.name, piece.end)
    word = piece.word
    if word is not None and not word.expanded and _NUMBERED_NAME.match(name):
        written = reader.span(piece.start, piece.name)  # "đường", "Phố", "Đ." is "Đường"
        kind = written[:1].upper() + written[1:] if word.spelled is not None else "Đường"
        return f"{kind} {name}"  # "Đường số 5", "Đường 30/4", "Đường D2", "Phố 8/3"
    if word is None or not word.expanded:
        road = _match(_STREETS_BY_FIRST, reader.toks, piece.name, piece.end, reader.ctx)
        if road is None or not road.expanded or piece.name + len(road.words) >= piece.end:
            return name
        word, name = road, reader.span(piece.name + len(road.words), piece.end)
    return f"{word.expanded} {name}"


def fold_street(name: str) -> str:
    """The matching key of a street name, the same whichever way the street was written.

    Folded (:func:`geo.text.fold`), "đường"/"đ."/"phố" dropped unless a number or code
    follows, road-class abbreviations written out, zeros before a number dropped.

    >>> fold_street("Phố Văn Miếu"), fold_street("Đ. Võ Văn Tần"), fold_street("QL.1A")
    ('van mieu', 'vo van tan', 'quoc lo 1a')
    >>> fold_street("Đường số 05"), fold_street("đường 30/4")
    ('duong so 5', 'duong 30 4')
    """
    text = clean(name)
    reader = _Reader(text, _Ctx(_ACCENTED.search(text) is None))
    if not reader.toks or not reader.toks[0].key:
        return fold(text)
    end = len(reader.toks)
    word = _match(_STREETS_BY_FIRST, reader.toks, 0, end, reader.ctx)
    start = len(word.words) if word is not None and len(word.words) < end else 0
    piece = _Piece("street", word if start else None, 0, start, end, _Chunk(0, end, 0, False))
    return _LEADING_ZEROS.sub("", fold(_street_name(reader, piece)))


def _street_key(street: str) -> str:
    """:func:`fold_street` of a street :func:`parse_address` found, quicker where it can be."""
    folded = fold(street)
    first = folded.split(" ", 1)[0]
    if first and _word_parts(first)[0][0] in _STREETS_BY_FIRST:
        return fold_street(street)  # "Đường Láng" was written "đường Đường Láng"
    return _LEADING_ZEROS.sub("", folded)


# --- units -------------------------------------------------------------------------------------

_SUFFIX_LEVELS = {"thanh pho": "city", "tinh": "province", "quan": "district", "phuong": "commune"}
_RANKS = {"commune": 0, "district": 1, "province": 2}
_LEVELS: tuple[Level, Level, Level] = ("commune", "district", "province")


def _key(name: str, alias: bool) -> str:
    """Folded, zeros before a number dropped, and where a province may be meant, aliased."""
    key = fold(name)
    key = _LEADING_ZEROS.sub("", key) if "0" in key else key
    return _ALIASES.get(key, key) if alias else key


@dataclass(slots=True)
class _Found:
    """A unit mention before the best guesses are made."""

    piece: _Piece
    type_word: str | None
    level: str | None  # from the type word, "city" until resolved
    name: str
    key: str
    province: bool  # the name is a province's or a city alias
    guess: Level | None = None

    @property
    def rank(self) -> int:
        return _RANKS[self.level or self.guess or ""]


def _found(reader: _Reader, piece: _Piece) -> _Found:
    """The mention ``piece`` makes; "Ho Chi Minh City", "Binh Duong Province" take a suffix."""
    end, word, suffix = piece.end, piece.word, None
    if word is None and end - piece.name > 1:
        suffix = _ENGLISH_SUFFIXES.get(reader.toks[end - 1].key)
        end -= suffix is not None
    type_word = word.expanded if word is not None else suffix
    level = word.level if word is not None else _SUFFIX_LEVELS.get(suffix or "")
    name = reader.span(piece.name, end)
    alias = level in (None, "city", "province")
    names = [tok for tok in reader.toks[piece.name : end] if tok.key]
    province = alias and _is_province(names)
    return _Found(piece, type_word, level, name, _key(name, alias), province)


def _resolve_cities(found: list[_Found]) -> None:
    """ "Thành phố X" is the province if X is one and no province-level unit follows."""
    for index, item in enumerate(found):
        if item.level == "city":
            later = found[index + 1 :]
            bigger = any(
                _province_like(other)
                and (
                    other.key != item.key  # "TP Thủ Đức, TP HCM"
                    or other.level == "province"  # "TP Cà Mau, tỉnh Cà Mau"
                    or item.key not in _CITY_PROVINCES  # "HCM City, Hồ Chí Minh" is one
                )
                for other in later
                if not other.piece.chunk.bracket
            )
            item.level = "province" if item.province and not bigger else "district"


def _province_like(item: _Found) -> bool:
    if item.level == "province":
        return True
    return item.level in (None, "city") and item.province


def _place(found: list[_Found]) -> None:
    """Guess the level of each untyped mention outside brackets from its neighbours."""
    main = [item for item in found if not item.piece.chunk.bracket]
    previous = -1
    for index, item in enumerate(main):
        later = main[index + 1 :]
        if item.level is not None:
            previous = max(previous, item.rank)
        elif item.province and not any(_province_like(other) for other in later):
            item.guess, previous = "province", 2
        elif previous + 1 < min((other.rank for other in later if other.level), default=2):
            item.guess = _LEVELS[previous + 1]
            previous += 1


def _best(found: list[_Found], level: Level) -> _Found | None:
    """The first mention of ``level``: after "nay là", typed, placed, then in brackets; at
    each step one not marked old first ("tỉnh Bình Dương cũ, Thành phố Hồ Chí Minh")."""

    def order(item: _Found) -> tuple[int, bool]:
        piece = item.piece
        step = 0 if piece.mode == "new" else 3 if piece.chunk.bracket else 1 if item.level else 2
        return step, piece.old

    candidates = [item for item in found if (item.level or item.guess) == level]
    return min(candidates, key=order, default=None)  # min keeps the first of equals


def _mention(reader: _Reader, item: _Found) -> UnitMention:
    piece = item.piece
    end = piece.extra_end if piece.extra_end >= 0 else reader.toks[piece.end - 1].end
    return UnitMention(
        level=item.level,  # type: ignore[arg-type]  # cities are resolved by now
        type_word=item.type_word,
        name=item.name,
        key=item.key,
        old=piece.old,
        raw=reader.text[reader.toks[piece.start].start : end],
    )


# --- assembling --------------------------------------------------------------------------------


def _hamlet(reader: _Reader, piece: _Piece) -> str:
    """ "Khu phố 2" as written, abbreviations written out ("KP2"), first letter in upper case."""
    assert piece.word is not None
    written = reader.span(piece.start, piece.name)
    kind = written if piece.word.spelled is not None else piece.word.expanded
    hamlet = f"{kind} {reader.span(piece.name, piece.end)}"
    return hamlet[:1].upper() + hamlet[1:]


class _Assembly:
    """Collects the pieces of one address into its parts."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.found: list[_Found] = []
        self.streets: list[_Piece] = []
        self.hamlets: list[str] = []
        self.modes: dict[int, str] = {}
        self.first: _Found | None = None  # an untyped first part: the street if it fits no unit
        self.before_hamlet = 0  # how many mentions precede the first hamlet

    def add(self, piece: _Piece) -> None:
        if piece.kind == "marker":
            assert piece.word is not None
            self.modes[piece.chunk.bracket] = piece.word.expanded
        elif piece.kind == "old mark":
            self._old_mark(piece)
        elif piece.kind == "hamlet":
            self.before_hamlet = self.before_hamlet if self.hamlets else len(self.found)
            self.hamlets.append(_hamlet(self.reader, piece))
        elif piece.kind == "street":
            self.streets.append(piece)
        else:
            self._unit(piece)

    def _old_mark(self, piece: _Piece) -> None:
        """ "(cũ)" or a lone "cũ" after a unit."""
        toks = self.reader.toks
        if not self.found:
            self.reader.ignored.append(self.reader.span(piece.start, piece.end))
            return
        previous = self.found[-1].piece
        previous.old = True
        close = piece.chunk.end
        if close < len(toks) and toks[close].low in _CLOSING:
            previous.extra_end = toks[close].end
        else:
            previous.extra_end = toks[piece.end - 1].end

    def _unit(self, piece: _Piece) -> None:
        reader = self.reader
        written = fold(reader.span(piece.start, piece.end))
        if piece.kind == "plain" and (
            piece.chunk.bracket or written in _FILLERS or written in _UNIT_KEYS
        ):
            reader.ignored.append(reader.span(piece.start, piece.end))
            return  # untyped text in brackets: "(gần chợ)"
        self._trim(piece)
        piece.mode = self.modes.get(piece.chunk.bracket) or self.modes.get(0, "")
        piece.old = piece.old or piece.mode == "old"
        item = _found(reader, piece)
        if item.level is None and not piece.chunk.org and not self._anything():
            self.first = item
        self.found.append(item)

    def _anything(self) -> bool:
        return bool(self.found or self.streets or self.hamlets)

    def _trim(self, piece: _Piece) -> None:
        """Drop a trailing "cũ" (the unit is old), "mới" in lower case ("xã Pha Long mới",
        but "xã Chợ Mới"), "hiện nay" and "hiện tại"."""
        reader, end = self.reader, piece.end
        while end - piece.name > 1:
            last = reader.toks[end - 1]
            if _is_old_word(last, reader.ctx):
                piece.old, end = True, end - 1
            elif last.low == "mới" and not last.cap and reader.toks[piece.name].cap:
                end -= 1  # "xã Pha Long mới"; all in lower case, "huyện chợ mới" is a name
            elif end - piece.name > 2 and _match(
                _TRAILING_BY_FIRST, reader.toks, end - 2, end, reader.ctx
            ):
                reader.ignored.append(reader.span(end - 2, end))
                end -= 2
            else:
                break
        if end < piece.end:
            piece.extra_end, piece.end = reader.toks[piece.end - 1].end, end

    def street(self) -> _Piece | None:
        """The street piece; the others are ignored. Without a street word or house number,
        an untyped first part is the street if it fits no unit level or stands alone."""
        streets = list(self.streets)
        first = self.first
        alone = len(self.found) == 1 and not self.hamlets
        if (
            not streets
            and first is not None
            and first.level is None
            and (first.guess is None or alone)
            and not first.province
        ):
            self.found.remove(first)
            streets.append(first.piece)
        for piece in streets[1:]:
            self.reader.ignored.append(self.reader.span(piece.start, piece.end))
        return streets[0] if streets else None

    def units(self) -> list[_Found]:
        """The mentions that are units. Untyped ones before a hamlet (a name: "Chị Lan, Thôn
        Đông, …") or that fit no level are ignored."""
        for item in self.found[: self.before_hamlet]:
            if item.level is None and not item.piece.chunk.org:
                self.found.remove(item)
                self.reader.ignored.append(item.name)
                self.first = None if item is self.first else self.first
        _resolve_cities(self.found)
        _place(self.found)
        street = self.street()
        kept = []
        for item in self.found:
            if item.level is None and item.guess is None:
                self.reader.ignored.append(item.name)
            else:
                kept.append(item)
        self.found = kept
        self.street_piece = street
        return kept


def _piece_rank(reader: _Reader, piece: _Piece) -> int | None:
    """The rank a piece's unit has by its type word or as a province name, else None."""
    if piece.kind == "unit" and piece.word is not None and piece.word.level == "city":
        return 2 if reader.province_rest(piece.name, piece.end) else 1
    if piece.kind == "unit" and piece.word is not None:
        return _RANKS[piece.word.level]
    if piece.kind == "plain" and reader.province_rest(piece.start, piece.end):
        return 2
    return None


def _keep_order(reader: _Reader, pieces: list[_Piece]) -> list[_Piece]:
    """Undo a split inside a segment that puts a unit before a smaller or equal one in a
    later segment, since units are written smallest first: "82 Bà Huyện Thanh Quan, phường
    9" is a street, "phường Hiệp Bình Phước, TP Thủ Đức" a ward."""
    if len({id(piece.chunk) for piece in pieces}) == len(pieces):
        return pieces  # no segment was split
    groups: list[list[_Piece]] = []
    for piece in pieces:
        if groups and groups[-1][0].chunk is piece.chunk:
            groups[-1].append(piece)
        else:
            groups.append([piece])
    smallest = 3  # the smallest rank written in the later segments
    kept: list[_Piece] = []
    for group in reversed(groups):
        ranks = [_piece_rank(reader, piece) for piece in group]
        if not group[0].chunk.bracket:
            cut = next(
                (k for k, rank in enumerate(ranks) if k and rank is not None and smallest <= rank),
                None,
            )
            if cut is not None:
                group[cut - 1].end = group[-1].end
                group, ranks = group[:cut], ranks[:cut]
            smallest = min([smallest, *(rank for rank in ranks if rank is not None)])
        kept[:0] = group
    return kept


def _join_dashes(reader: _Reader, pieces: list[_Piece]) -> list[_Piece]:
    """Rejoin names split at " - ": "Phường Văn Miếu - Quốc Tử Giám", "tỉnh Bà Rịa - Vũng
    Tàu" (a unit and an untyped name that is no province), "Bà Rịa - Vũng Tàu" (a province)."""
    joined: list[_Piece] = []
    for piece in pieces:
        previous = joined[-1] if joined else None
        if previous is not None and (tail := _province_tail(reader, previous, piece)):
            previous.end, piece.start, piece.name = tail, tail, tail  # "Xã X Bà Rịa - Vũng Tàu"
        elif previous is not None and _joins(reader, previous, piece):
            previous.end = piece.end
            continue
        joined.append(piece)
    return joined


def _province_tail(reader: _Reader, previous: _Piece, piece: _Piece) -> int:
    """Where a province name split at " - " starts in ``previous``, or 0 if there is none."""
    if not (piece.kind == "plain" and piece.chunk.after_dash and previous.kind == "unit"):
        return 0
    rest = [tok for tok in reader.toks[piece.start : piece.end] if tok.key]
    for start in range(max(previous.name + 1, previous.end - 3), previous.end):
        if reader.province_rest(0, 0, reader.toks[start : previous.end] + rest):
            return start
    return 0


def _joins(reader: _Reader, previous: _Piece, piece: _Piece) -> bool:
    if not (
        piece.kind == "plain"
        and piece.chunk.after_dash
        and piece.start == piece.chunk.start
        and previous.end == previous.chunk.end
        and previous.chunk.bracket == piece.chunk.bracket
    ):
        return False
    if previous.kind == "plain":
        names = [tok for tok in reader.toks[previous.name : piece.end] if tok.key]
        return reader.province_rest(0, 0, names)
    return (
        previous.kind == "unit"
        and not reader.province_rest(piece.start, piece.chunk.end)
        and reader.toks[piece.start].key not in _ALIAS_TOKENS
    )


# --- parsing -----------------------------------------------------------------------------------

_LINE_BREAKS = re.compile(r"[\r\n]+")
_COMMAS = re.compile(r"\s*,(?:\s*[-–—,;])*\s*")
_ACCENTED = re.compile(r"(?![\x00-\x7f])[^\W\d_]")


def _tidy(text: str, cut: bool) -> str:
    """``text`` without separators at either end; after cuts, with runs of commas merged."""
    if cut:
        text = " ".join(_COMMAS.sub(", ", text).split())
    return text.strip(" ,;:.-–—")


def _read(reader: _Reader) -> tuple[list[_Piece], HouseNumber | None]:
    """The pieces of the address after the house number, and the house number."""
    chunks = reader.chunks()
    for chunk in chunks:
        reader.strip_org(chunk)
    chunks = [chunk for chunk in chunks if chunk.start < chunk.end]
    house = _find_house(reader, chunks)
    at, after = (house.chunk, house.after) if house else (len(chunks), 0)
    pieces: list[_Piece] = []
    street_next = False
    for index, chunk in enumerate(chunks):
        if index < at and house is not None and house.leading:
            reader.ignored.append(reader.span(chunk.start, chunk.end))  # a name before it
        elif index < at:
            pieces += reader.pieces(chunk, chunk.start, False)
        elif chunk.end > after:  # the house number may span chunks: "Số 33, ngách 595/7, …"
            new = reader.pieces(chunk, max(chunk.start, after), street_next or index == at)
            street_next = (street_next or index == at) and not new
            pieces += new
        else:
            street_next = True
    return _join_dashes(reader, _keep_order(reader, pieces)), house.number if house else None


# "xã X trước sáp nhập" / "trước khi sắp xếp" say the same as "xã X cũ".
_BEFORE_MERGER = re.compile(
    r"\s+trước\s+(?:khi\s+)?(?:sáp\s+nhập|sắp\s+xếp|hợp\s+nhất)\b", re.IGNORECASE
)


# Unit and street words a slip of the keyboard may break ("phưnờg", "Tỉhn", "qận"), and the
# "hiện" of "hiện nay" ("ihện nay"): mended before reading, see _mend.
_MENDABLE = {"phuong": "phường", "huyen": "huyện", "quan": "quận", "tinh": "tỉnh"}
_MENDABLE |= {"duong": "đường"}
_LETTERS = re.compile(r"[^\W\d_]+")


def _mend(text: str) -> str:
    """``text`` with a word one slip from a unit or street word (and no Vietnamese
    syllable itself: "Thịnh", "Phùng" stay) before a capitalised name or a number written
    as that word, and a word one slip from "hiện" before "nay" written "hiện"."""
    words = list(_LETTERS.finditer(text))
    out: list[str] = []
    last = 0
    for i, word in enumerate(words):
        key = fold(word.group())
        after = text[word.end() :].lstrip(" ")
        following = words[i + 1].group() if i + 1 < len(words) else ""
        fix: str | None = None
        if len(key) >= 3 and key != "hien" and following.lower() == "nay" and one_edit(key, "hien"):
            fix = "hiện"
        elif (
            len(key) >= 3
            and key not in _MENDABLE
            and (after[:1].isupper() or after[:1].isdigit())
            and not is_syllable(key)
        ):
            near = [w for w in _MENDABLE if one_edit(key, w)]
            if len(near) > 1:  # "puong": phuong or duong? the first letter kept says
                near = [w for w in near if w[0] == key[0]]
            fix = _MENDABLE[near[0]] if len(near) == 1 else None
        if fix is not None:
            shown = fix[:1].upper() + fix[1:] if word.group()[:1].isupper() else fix
            out += [text[last : word.start()], shown]
            last = word.end()
    return "".join(out) + text[last:] if out else text


def parse_address(text: str) -> ParsedAddress:
    """Take a free-text Vietnamese address apart (see the module documentation).

    Never raises on a ``str`` (anything else is a ``TypeError``); text with no address in
    it gives empty parts.

    >>> address = parse_address("12/3A Võ Văn Tần, P.Xuân Hòa, Q.3 (cũ), TPHCM")
    >>> address.house.normalized, address.street, address.street_key
    ('12/3a', 'Võ Văn Tần', 'vo van tan')
    >>> [(unit.level, unit.name, unit.key, unit.old) for unit in address.units]
    [('commune', 'Xuân Hòa', 'xuan hoa', False), ('district', '3', '3', True), \
('province', 'HCM', 'ho chi minh', False)]
    >>> address = parse_address("Chị Lan - ĐT: 0912 345 678 - Thôn Đông, Tân Xã, Thạch Thất, HN")
    >>> address.hamlet, address.commune.name, address.district.name, address.province.key
    ('Thôn Đông', 'Tân Xã', 'Thạch Thất', 'ha noi')
    >>> address.commune.level, address.ignored
    (None, ('ĐT: 0912 345 678', 'Chị Lan'))
    """
    if not isinstance(text, str):
        raise TypeError(f"an address is text, not {type(text).__name__}")
    ignored: list[str] = []
    lines = _LINE_BREAKS.sub(", ", text) if "\n" in text or "\r" in text else text
    lines = _BEFORE_MERGER.sub(" cũ", _mend(untype(clean(lines))))
    cleaned = _tidy(_strip_noise(lines, ignored), bool(ignored))
    reader = _Reader(cleaned, _Ctx(_ACCENTED.search(cleaned) is None))
    pieces, house = _read(reader)
    assembly = _Assembly(reader)
    for piece in pieces:
        assembly.add(piece)
    found = assembly.units()
    street = assembly.street_piece
    street_name = _street_name(reader, street) if street is not None else None
    mentions = {id(item): _mention(reader, item) for item in found}

    def best(level: Level) -> UnitMention | None:
        item = _best(found, level)
        return None if item is None else mentions[id(item)]

    return ParsedAddress(
        raw=text,
        cleaned=cleaned,
        house=house,
        street=street_name or None,
        street_key=_street_key(street_name) if street_name else None,
        hamlet=", ".join(assembly.hamlets) or None,
        units=tuple(mentions.values()),
        commune=best("commune"),
        district=best("district"),
        province=best("province"),
        ignored=tuple(ignored + reader.ignored),
    )
