"""Reproducible noisy variants of Vietnamese address text, by kind.

``variant(address, kind, seed)`` returns the address as people also write it; the same
(address, kind, seed) always gives the same text (``random.Random`` seeded with a string
hashes it with SHA-512, so runs and machines agree). A kind that finds nothing to change in
the text (no diacritics to drop, no comma to replace …) returns None, except the first eight,
which keep their behaviour so that older figures compare. The kinds:

* ``clean`` — unchanged.
* ``no_diacritics`` — every diacritic dropped, "Đ" → "D", case kept.
* ``some_diacritics_dropped`` — some of the words with diacritics (at least one, not all
  when there are several) written without them, or without their tone mark only
  ("Số" → "Sô", "Phường" → "Phuong").
* ``other_tone_placement`` — every open "oa", "oe", "uy" with its tone mark on the other
  vowel, both ways: Hòa ↔ Hoà, Thủy ↔ Thuỷ, Khỏe ↔ Khoẻ ("Hoàng", "Quý" have one spelling).
* ``telex`` — one or two words typed with the input method off, as Telex keystrokes: the
  vowel mark after its vowel, the tone key at the end ("Phường" → "Phuwowngf",
  "Đống" → "DDoongs").
* ``vni`` — the same in VNI ("Phố" → "Pho61", "Đống" → "D9o6ng1").
* ``unicode_decomposed_spaces`` — NFD (letters and their marks apart), about half the
  spaces non-breaking (U+00A0), one to three zero-width spaces (U+200B) before letters,
  sometimes a byte-order mark in front.
* ``case`` — UPPER CASE, Title Case, each word or each letter in a random case.
* ``abbreviated`` — unit and street words shortened as in forms and on envelopes:
  Phường → P./P, Quận → Q./Q, Huyện → H., Thị xã → TX., Thị trấn → TT., Thành phố → TP./TP,
  Thành phố Hồ Chí Minh → TPHCM/TP.HCM/HCM, Thành phố Hà Nội → HN/TP.HN, Tỉnh dropped
  or T., Đường → Đ., Khu phố → KP, Tổ dân phố → TDP, "Số 12" → "12"; never before "ủy"
  ("Huyện ủy" is a party committee, not a unit).
* ``lowercase_nocommas`` — lower case, commas and semicolons removed.
* ``type_words_dropped`` — the unit type words before a name dropped: "phường Bến Nghé,
  Quận 1, Thành phố Hồ Chí Minh" → "Bến Nghé, Quận 1, Hồ Chí Minh" (kept before a number,
  in "Huyện ủy" and "Hợp tác xã").
* ``province_missing`` — the last mention of the province (its 2025 name, with or without
  "Tỉnh"/"Thành phố"/"TP") removed with its separator; needs the province's name.
* ``ward_missing`` — every mention of the commune (type word, name, "(cũ)") removed; needs
  its folded names, as ``old_names``.
* ``reordered`` — the comma-separated parts from the largest to the smallest, or shuffled.
* ``other_separators`` — commas replaced by " - ", " / ", ";" (one for all, or mixed).
* ``typo`` — one letter of one word (of four letters or more, not a number) changed to a
  neighbouring key, dropped, or swapped with the next one.
* ``noise_around`` — a person's name, a phone number and a label ("Địa chỉ thường trú:"
  …) around the address.
* ``extra_spaces_punct`` — doubled spaces, spaces before commas, doubled commas, a stray
  full stop or dash.
* ``house_number_unknown`` — the house number (given as written) changed to another of the
  same form ("6B" → "143C", "12/3" → "88/17") that the registry does not have on that street
  (given as the normalised numbers it has).
* ``old_names`` — the commune written by one of its former names + "(cũ)"; needs the
  replacement (:class:`OldNames` builds it from the database's succession table) and
  returns None when the text does not name the commune.
* ``old_names_messy`` — the same former name written in a hurry: one or two of no
  diacritics, abbreviated, lower case, "(cũ)" as "cũ", "cu", "- cũ" or left out.
* ``mixed`` — two or three of the kinds above (not those that need the succession table
  or the registry, nor ``ward_missing``) applied in turn, the structural ones first;
  :func:`mixed_kinds` says which.

``python -m bench.noise "Số 25, phố Liễu Giai, phường Ngọc Hà, Thành phố Hà Nội"`` prints
every kind.
"""

from __future__ import annotations

import random
import re
import sys
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geo.house_number import parse_house_number

KINDS = (
    "clean",
    "no_diacritics",
    "some_diacritics_dropped",
    "other_tone_placement",
    "telex",
    "vni",
    "unicode_decomposed_spaces",
    "case",
    "abbreviated",
    "lowercase_nocommas",
    "type_words_dropped",
    "province_missing",
    "ward_missing",
    "reordered",
    "other_separators",
    "typo",
    "noise_around",
    "extra_spaces_punct",
    "house_number_unknown",
    "old_names",
    "old_names_messy",
    "mixed",
)

COMMUNE_TYPES = ("phuong", "xa", "thi tran", "dac khu")


def fold_chars(address: str) -> str:
    """Lower case without diacritics, one character for one (so offsets carry over).

    >>> fold_chars("Phường Xuân Hoà, TP.HCM")
    'phuong xuan hoa, tp.hcm'
    """
    return "".join(_fold_char(c) for c in unicodedata.normalize("NFC", address))


def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[0]
    return base.lower() if len(base.lower()) == 1 else char


def strip_diacritics(address: str) -> str:
    """``address`` without diacritics, case kept.

    >>> strip_diacritics("Đường Võ Văn Tần, Phường Xuân Hòa")
    'Duong Vo Van Tan, Phuong Xuan Hoa'
    """
    out = []
    for char in unicodedata.normalize("NFC", address):
        if char in "đĐ":
            out.append("d" if char == "đ" else "D")
        else:
            out.append(unicodedata.normalize("NFD", char)[0])
    return "".join(out)


# ---------------------------------------------------------------- abbreviated

_CITY_HCM = re.compile(r"\b(?:Thành phố|TP\.?)\s*Hồ Chí Minh\b", re.IGNORECASE)
_CITY_HN = re.compile(r"\b(?:Thành phố|TP\.?)\s*Hà Nội\b", re.IGNORECASE)


def _unit_word(word: str, before_number: bool = False) -> re.Pattern[str]:
    """``word`` followed by a name (or a number), not by "ủy": "Huyện ủy" (the district's
    party committee) is not shortened to "H. ủy"."""
    follow = r"(?=\d)" if before_number else r"(?!(?:ủy|uỷ)\b)"
    return re.compile(rf"\b{word}\s+{follow}", re.IGNORECASE)


_ABBREVIATIONS: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (_unit_word("Thành phố"), ("TP. ", "TP ", "Tp.")),
    (_unit_word("Thị xã"), ("TX. ", "Tx.")),
    (_unit_word("Thị trấn"), ("TT. ", "TT ")),
    (_unit_word("Phường", before_number=True), ("P.", "P", "F")),
    (_unit_word("Phường"), ("P. ", "P.")),
    (_unit_word("Quận", before_number=True), ("Q.", "Q", "Q")),
    (_unit_word("Quận"), ("Q. ", "Q.")),
    (_unit_word("Huyện"), ("H. ",)),
    (_unit_word("Tỉnh"), ("", "T. ")),
    (_unit_word("Đường"), ("Đ. ", "Đ.")),
    (_unit_word("Khu phố"), ("KP", "KP.", "KP ")),
    (_unit_word("Tổ dân phố"), ("TDP ", "TDP.")),
    (_unit_word("Số", before_number=True), ("",)),
]


def _chooser(choices: tuple[str, ...], rng: random.Random) -> Callable[[re.Match[str]], str]:
    return lambda _: rng.choice(choices)


def abbreviate(address: str, rng: random.Random) -> str:
    """``address`` with unit and street words shortened (each occurrence its own choice).

    >>> abbreviate("Số 12, Đường Võ Văn Tần, Phường Xuân Hòa, Thành phố Hồ Chí Minh",
    ...            random.Random(1)) != ""
    True
    """
    address = _CITY_HCM.sub(lambda m: rng.choice(("TPHCM", "TP.HCM", "TP. HCM", "HCM")), address)
    address = _CITY_HN.sub(lambda m: rng.choice(("HN", "TP.HN", "TP. Hà Nội")), address)
    for pattern, choices in _ABBREVIATIONS:
        address = pattern.sub(_chooser(choices, rng), address)
    return address


# ---------------------------------------------------------------- typo

_KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]


def _neighbours(letter: str) -> str:
    for row_index, row in enumerate(_KEYBOARD):
        col = row.find(letter)
        if col < 0:
            continue
        near = [row[i] for i in (col - 1, col + 1) if 0 <= i < len(row)]
        for other in (row_index - 1, row_index + 1):
            if 0 <= other < len(_KEYBOARD):
                keys = _KEYBOARD[other]
                near += [keys[i] for i in (col - 1, col) if 0 <= i < len(keys)]
        return "".join(near)
    return "aeiou"


_WORD = re.compile(r"[^\W\d_]{4,}")


def typo(address: str, rng: random.Random) -> str:
    """One letter of one word (>= 4 letters) changed to a neighbouring key, dropped, or
    swapped with the next; ``address`` unchanged when it has no such word.

    >>> typo("Phường Xuân Hòa", random.Random(3)) != "Phường Xuân Hòa"
    True
    """
    address = unicodedata.normalize("NFC", address)
    words = list(_WORD.finditer(address))
    if not words:
        return address
    word = rng.choice(words)
    letters = list(word.group())
    i = rng.randrange(len(letters))
    how = rng.choice(("change", "drop", "swap"))
    swappable = i + 1 < len(letters) and _fold_char(letters[i]) != _fold_char(letters[i + 1])
    if how == "swap" and swappable:
        letters[i], letters[i + 1] = letters[i + 1], letters[i]
    elif how == "drop":
        del letters[i]
    else:
        base = _fold_char(letters[i])
        new = rng.choice(_neighbours(base))
        letters[i] = new.upper() if letters[i].isupper() else new
    return address[: word.start()] + "".join(letters) + address[word.end() :]


# ---------------------------------------------------------------- noise around

_SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi")
_MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc")
_GIVEN = ("An", "Bình", "Châu", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phúc", "Tâm", "Trang")
_LABELS = ("Địa chỉ thường trú:", "Địa chỉ:", "ĐC:", "Nơi ở hiện tại:", "Địa chỉ liên hệ:")
_PHONE_LABELS = ("SĐT", "ĐT", "Tel", "Điện thoại", "sdt")


def _phone(rng: random.Random) -> str:
    digits = "0" + rng.choice("389") + "".join(rng.choice("0123456789") for _ in range(8))
    if rng.random() < 0.5:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    return digits


def noise_around(address: str, rng: random.Random) -> str:
    """``address`` with a person's name, a phone number and a label around it."""
    name = f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"
    phone = f"{rng.choice(_PHONE_LABELS)}: {_phone(rng)}"
    label = rng.choice(_LABELS)
    templates = (
        f"{name} - {phone} - {label} {address}",
        f"{name}, {label} {address}. {phone}",
        f"{label} {address} ({name}, {phone})",
        f"Người nhận: {name}; {phone}; {label} {address}",
        f"{name}, {_phone(rng)}, {address}",
    )
    return rng.choice(templates)


# ---------------------------------------------------------------- extra spaces, punctuation


def extra_spaces_punct(address: str, rng: random.Random) -> str:
    """``address`` with doubled spaces, spaces before commas, doubled commas, a stray
    full stop or dash — at least one change."""
    parts = [p.strip() for p in address.split(",")]
    seps = []
    for _ in parts[1:]:
        seps.append(rng.choice((", ", " , ", ",, ", " ,", ",  ", " - ", ", ")))
    out = parts[0]
    for sep, part in zip(seps, parts[1:], strict=True):
        out += sep + part
    words = out.split(" ")
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(words))
        words[i] = words[i] + " "  # a doubled space after a random word
    out = " ".join(words)
    if rng.random() < 0.5:
        out = "  " + out
    out += rng.choice(("", ".", " .", " ,", "  "))
    return out if out != address else out + " ."


# ---------------------------------------------------------------- old names


def commune_mention(address: str, names: list[str]) -> tuple[int, int] | None:
    """Where ``address`` first names the commune: a commune type word ("phường", "xã",
    "thị trấn", "đặc khu", "P.") followed by one of the folded bare ``names``, with a
    "cũ"/"(cũ)" right after it included; None when it does not. A name followed by a
    capitalised word or a number is part of a longer one ("xã Đức Bình Đông" does not
    name Đức Bình, "xã Vĩnh Lộc A" not Vĩnh Lộc).

    >>> commune_mention("UBND thị xã Ngã Năm, xã Vĩnh Quới cũ", ["nga nam", "vinh quoi"])
    (21, 36)
    >>> commune_mention("UBND xã Đức Bình Đông, Tỉnh Đắk Lắk", ["duc binh"]) is None
    True
    """
    folded = fold_chars(address)
    types = "|".join(t.replace(" ", r"\s+") for t in COMMUNE_TYPES)
    first: tuple[int, int] | None = None
    for name in names:
        bare = r"\s+".join(re.escape(w) for w in name.split())
        if name.isdigit():
            bare = r"0*" + bare
        pattern = re.compile(
            rf"(?<!\w)(?<!thi )(?:(?:{types})\s+|p\.\s*)(?:{bare})(?!\w)"
            rf"(?P<old>\s*\(cu\)|\s+cu(?!\w))?"
        )
        for m in pattern.finditer(folded):
            if m.group("old") is None and _continues(address, m.end()):
                continue
            if first is None or m.start() < first[0]:
                first = (m.start(), m.end())
            break
    return first


def _continues(address: str, end: int) -> bool:
    """Whether the name ending at ``end`` goes on: a space, then a capital or a digit."""
    rest = address[end:]
    word = rest.lstrip(" ")
    return word != rest and bool(word) and (word[0].isdigit() or word[0].isupper())


def replace_commune(address: str, names: list[str], replacement: str) -> str | None:
    """``address`` with its first mention of the commune (see :func:`commune_mention`)
    replaced by ``replacement``; None when the commune is not named.

    >>> replace_commune("Số 25, phố Liễu Giai, phường Ngọc Hà, Hà Nội", ["ngoc ha"],
    ...                 "phường Vĩnh Phúc (cũ)")
    'Số 25, phố Liễu Giai, phường Vĩnh Phúc (cũ), Hà Nội'
    """
    span = commune_mention(address, names)
    if span is None:
        return None
    return address[: span[0]] + replacement + address[span[1] :]


@dataclass(frozen=True)
class OldName:
    """A former unit that went into a 2025 commune, as it would be written."""

    text: str  # e.g. "Phường 4, Quận 3 (cũ)" or "xã Mai Thủy (cũ)"
    old_name: str
    old_code: str
    whole: bool  # the whole former unit went into this commune


_PREDECESSORS_SQL = """
SELECT n.code AS new_code, o.code AS old_code, o.name AS old_name, o.unit_type,
       s.whole, d.name AS district, dp.code AS old_province
FROM admin_succession s
JOIN admin_unit n ON n.id = s.new_unit_id AND n.level = 'commune'
JOIN admin_unit o ON o.id = s.old_unit_id AND o.level = 'commune'
LEFT JOIN admin_unit d ON d.level = 'district' AND d.code = o.parent_code
  AND upper(d.valid) = upper(o.valid)
LEFT JOIN admin_unit dp ON dp.level = 'province' AND dp.code = d.parent_code
  AND upper(dp.valid) = upper(o.valid)
"""


class OldNames:
    """Former names of each 2025 commune, from ``admin_succession`` / ``admin_unit``."""

    def __init__(self, conn: Connection) -> None:
        rows = conn.execute(text(_PREDECESSORS_SQL)).all()
        self._by_new: dict[str, list[OldName]] = {}
        same_name: dict[tuple[str | None, str], set[str]] = {}
        for r in rows:
            key = (r.old_province, _bare(r.old_name))
            same_name.setdefault(key, set()).add(r.old_code)
        for r in sorted(rows, key=lambda r: (r.new_code, r.old_code)):
            bare = _bare(r.old_name)
            needs_district = bare.isdigit() or len(same_name[(r.old_province, bare)]) > 1
            written = _lower_type(r.old_name)
            if needs_district and r.district:
                written = f"{written}, {r.district} (cũ)"
            else:
                written = f"{written} (cũ)"
            self._by_new.setdefault(r.new_code, []).append(
                OldName(written, r.old_name, r.old_code, bool(r.whole))
            )

    def choose(self, new_code: str, new_name: str, rng: random.Random) -> OldName | None:
        """A former unit of ``new_code`` to write instead of it: one that went into it
        whole and had another name if there is one, else one that went whole, else any."""
        olds = self._by_new.get(new_code, [])
        whole = [o for o in olds if o.whole]
        renamed = [o for o in whole if _bare(o.old_name) != _bare(new_name)]
        pool = renamed or whole or olds
        return rng.choice(pool) if pool else None

    def names(self, new_code: str) -> dict[str, bool]:
        """Folded bare former names of ``new_code``, each with whether a unit of that
        name went into it whole."""
        out: dict[str, bool] = {}
        for o in self._by_new.get(new_code, []):
            out[_bare(o.old_name)] = out.get(_bare(o.old_name), False) or o.whole
        return out


def _bare(name: str) -> str:
    """Folded name without its commune type word ("Phường 06" → "6")."""
    folded = " ".join(re.sub(r"[^\w]+", " ", fold_chars(name)).split())
    for t in (*COMMUNE_TYPES, "quan", "huyen", "thi xa", "thanh pho", "tinh"):
        if folded.startswith(t + " "):
            folded = folded[len(t) + 1 :]
            break
    return folded.lstrip("0") if folded.isdigit() else folded


def _lower_type(name: str) -> str:
    """ "Xã Mai Thủy" → "xã Mai Thủy" (type words are written in lower case mid-address)."""
    for t in ("Phường", "Xã", "Thị trấn", "Đặc khu"):
        if name.startswith(t + " "):
            return t.lower() + name[len(t) :]
    return name


def bare_name(name: str) -> str:
    """The folded matching name of a commune ("Phường Xuân Hoà" → "xuan hoa")."""
    return _bare(name)


# ---------------------------------------------------------------- diacritics, tone marks

_TONES = {"\u0301": "sắc", "\u0300": "huyền", "\u0309": "hỏi", "\u0303": "ngã", "\u0323": "nặng"}
_SHAPES = ("\u0302", "\u0306", "\u031b")  # circumflex (â ê ô), breve (ă), horn (ơ ư)
_LETTERS = re.compile(r"[^\W\d_]+")


def _has_marks(word: str) -> bool:
    return word != strip_diacritics(word)


def strip_tones(word: str) -> str:
    """``word`` without its tone mark, vowel marks and "đ" kept.

    >>> strip_tones("Phường Thủy")
    'Phương Thuy'
    """
    nfd = unicodedata.normalize("NFD", word)
    return unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))


def some_diacritics_dropped(address: str, rng: random.Random) -> str | None:
    """Some of the words with diacritics written without them (all of them, or only the
    tone mark), at least one and, when there are several, not all; None without any."""
    address = unicodedata.normalize("NFC", address)
    words = [m for m in _LETTERS.finditer(address) if _has_marks(m.group())]
    if not words:
        return None
    count = rng.randint(1, max(1, len(words) - 1))
    chosen = sorted(rng.sample(words, count), key=lambda m: m.start())
    out, last = [], 0
    for m in chosen:
        word = m.group()
        dropped = strip_tones(word) if rng.random() < 0.4 else strip_diacritics(word)
        if dropped == word:  # a word with vowel marks only ("Vân" → "Van")
            dropped = strip_diacritics(word)
        out += [address[last : m.start()], dropped]
        last = m.end()
    return "".join(out) + address[last:]


_TWO_VOWELS = re.compile(r"([^aeiouy]*)(oa|oe|uy)")


def other_tone_word(word: str) -> str:
    """``word`` with its tone mark on the other vowel of an open "oa", "oe" or "uy" (the
    two spellings in use: Hòa/Hoà, Thủy/Thuỷ, Khỏe/Khoẻ); other words unchanged.

    >>> [other_tone_word(w) for w in ("Hòa", "Hoà", "Thủy", "khoẻ", "Hoàng", "Quý")]
    ['Hoà', 'Hòa', 'Thuỷ', 'khỏe', 'Hoàng', 'Quý']
    """
    letters: list[list[str]] = []  # each letter with its combining marks
    for c in unicodedata.normalize("NFD", word):
        if unicodedata.combining(c) and letters:
            letters[-1].append(c)
        else:
            letters.append([c])
    bases = "".join(_fold_char(letter[0]) for letter in letters)
    m = _TWO_VOWELS.fullmatch(bases)
    if m is None or m.group(1).endswith("q"):
        return word
    first, second = letters[len(m.group(1))], letters[len(m.group(1)) + 1]
    if any(c in _SHAPES for c in first + second):
        return word
    for src, dst in ((first, second), (second, first)):
        tone = [c for c in src[1:] if c in _TONES]
        if tone:
            src.remove(tone[0])
            dst.append(tone[0])
            break
    else:
        return word
    return unicodedata.normalize("NFC", "".join("".join(letter) for letter in letters))


def other_tone_placement(address: str) -> str | None:
    """Every open "oa"/"oe"/"uy" syllable with its tone mark on the other vowel (both
    directions); None when there is none."""
    out = _LETTERS.sub(lambda m: other_tone_word(m.group()), unicodedata.normalize("NFC", address))
    return out if out != unicodedata.normalize("NFC", address) else None


# ---------------------------------------------------------------- keyboard remnants

TELEX_TONES = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
VNI_TONES = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_TELEX_SHAPES = {"\u0302": "=", "\u0306": "w", "\u031b": "w"}  # "=" doubles the vowel
_VNI_SHAPES = {"\u0302": "6", "\u0306": "8", "\u031b": "7"}


def keyboard_word(word: str, method: str) -> str:
    """``word`` as its keystrokes in ``method`` ("telex" or "vni") when the input method is
    off: vowel marks after their vowel, the tone key at the end of the word.

    >>> keyboard_word("Phường", "telex"), keyboard_word("Phố", "vni")
    ('Phuwowngf', 'Pho61')
    >>> keyboard_word("Đống", "telex"), keyboard_word("Đống", "vni")
    ('DDoongs', 'D9o6ng1')
    """
    shapes, tones = (_TELEX_SHAPES, TELEX_TONES) if method == "telex" else (_VNI_SHAPES, VNI_TONES)
    out: list[str] = []
    tone = ""
    for c in unicodedata.normalize("NFD", word):
        if c in "đĐ":
            out.append(("DD" if c == "Đ" else "dd") if method == "telex" else c.translate(_D9))
        elif c in tones:
            tone = tones[c]
        elif c in shapes:
            key = shapes[c]
            out.append(out[-1] if key == "=" else key)
        else:
            out.append(c)
    return "".join(out) + tone


_D9 = str.maketrans({"đ": "d9", "Đ": "D9"})


def keyboard_remnants(address: str, method: str, rng: random.Random) -> str | None:
    """One or two words with diacritics typed as raw ``method`` keystrokes (see
    :func:`keyboard_word`); None when no word has diacritics."""
    address = unicodedata.normalize("NFC", address)
    words = [m for m in _LETTERS.finditer(address) if _has_marks(m.group())]
    if not words:
        return None
    chosen = sorted(rng.sample(words, min(len(words), rng.randint(1, 2))), key=lambda m: m.start())
    out, last = [], 0
    for m in chosen:
        out += [address[last : m.start()], keyboard_word(m.group(), method)]
        last = m.end()
    return "".join(out) + address[last:]


# ---------------------------------------------------------------- Unicode, case

NBSP, ZWSP, BOM = "\u00a0", "\u200b", "\ufeff"


def unicode_decomposed_spaces(address: str, rng: random.Random) -> str:
    """``address`` in NFD (letters and their marks apart), about half its spaces
    non-breaking (at least one), one to three zero-width spaces before letters, and
    sometimes a byte-order mark in front."""
    chars = list(unicodedata.normalize("NFD", address))
    spaces = [i for i, c in enumerate(chars) if c == " "]
    for i in spaces:
        if rng.random() < 0.5:
            chars[i] = NBSP
    if spaces and NBSP not in chars:
        chars[rng.choice(spaces)] = NBSP
    starts = [i for i, c in enumerate(chars) if i and not unicodedata.combining(c)]
    for i in sorted(rng.sample(starts, min(len(starts), rng.randint(1, 3))), reverse=True):
        chars.insert(i, ZWSP)
    return (BOM if rng.random() < 0.2 else "") + "".join(chars)


def change_case(address: str, rng: random.Random) -> str:
    """``address`` in UPPER CASE, Title Case, each word in a random one of lower/UPPER/
    Title, or each letter upper or lower at random; never the text unchanged."""
    how = rng.choice(("upper", "upper", "title", "words", "letters"))
    if how == "upper":
        out = address.upper()
    elif how == "title":
        out = address.title()
    elif how == "words":
        styles = (str.lower, str.upper, str.title)
        out = re.sub(r"\S+", lambda m: rng.choice(styles)(m.group()), address)
    else:
        out = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in address)
    return out if out != address else address.upper() if address.upper() != address else out


# ---------------------------------------------------------------- parts dropped, moved

_TYPE_WORDS = re.compile(
    r"(?<!\w)(?:thành phố|thị xã|thị trấn|đặc khu|phường|(?<!tác )xã|quận|huyện|tỉnh)"
    r"\s+(?=[^\W\d_])(?!(?:ủy|uỷ)\b)",
    re.IGNORECASE,
)


def type_words_dropped(address: str) -> str | None:
    """Every unit type word before a name dropped ("phường Bến Nghé, Quận 1, Thành phố Hồ
    Chí Minh" → "Bến Nghé, Quận 1, Hồ Chí Minh"): kept before a number ("Quận 1") and in
    "Huyện ủy", "Hợp tác xã"; None when there is none."""
    out = _TYPE_WORDS.sub("", unicodedata.normalize("NFC", address))
    return out if out != unicodedata.normalize("NFC", address) else None


def _cut(address: str, start: int, end: int) -> str:
    """``address`` without ``[start, end)`` and the separator before it (after it at the
    start), no doubled or dangling separators left."""
    left, right = address[:start], address[end:]
    if left.strip(" ,;-/"):
        left = left.rstrip(" ,;-/")
        out = left + ("" if not right.strip() else right)
    else:
        out = right.lstrip(" ,;-/")
    out = re.sub(r"\s*,(?:\s*,)+", ",", out)
    return " ".join(out.split()).strip(" ,;")


_UNIT_BEFORE = re.compile(r"(?:phuong|xa|quan|huyen|thi tran|dac khu|p\.|q\.)\s*$")


def province_missing(address: str, province: str) -> str | None:
    """``address`` without its last mention of ``province`` (a province's 2025 name,
    with or without its type word: "Thành phố Hà Nội", "Tỉnh Đắk Lắk", "Hà Nội") that is
    not the name of a commune or district ("phường Bắc Ninh"); None when there is none.

    >>> province_missing("Số 25, phố Liễu Giai, phường Ngọc Hà, Thành phố Hà Nội",
    ...                  "Thành phố Hà Nội")
    'Số 25, phố Liễu Giai, phường Ngọc Hà'
    """
    address = unicodedata.normalize("NFC", address)
    folded = fold_chars(address)
    bare = r"\s+".join(re.escape(w) for w in _bare(province).split())
    pattern = re.compile(rf"(?<!\w)(?:(?:thanh\s+pho|tinh|tp\.?)\s*)?{bare}(?!\w)")
    spans = [
        m.span() for m in pattern.finditer(folded) if not _UNIT_BEFORE.search(folded[: m.start()])
    ]
    if not spans:
        return None
    return _cut(address, *spans[-1])


def ward_missing(address: str, names: list[str]) -> str | None:
    """``address`` without any mention of the commune (type word and one of its folded bare
    ``names``, "(cũ)" included; see :func:`commune_mention`); None when it names none."""
    out = unicodedata.normalize("NFC", address)
    for _ in range(3):
        span = commune_mention(out, names)
        if span is None:
            break
        out = _cut(out, *span)
    return out if out != unicodedata.normalize("NFC", address) else None


def reordered(address: str, rng: random.Random) -> str | None:
    """The comma-separated parts of ``address`` from the largest to the smallest
    (reversed), or shuffled; None for a single part."""
    parts = [p.strip() for p in address.split(",") if p.strip()]
    if len(parts) < 2:
        return None
    new = parts[::-1]
    if rng.random() < 0.5 and len(parts) > 2:
        while new == parts:
            new = rng.sample(parts, len(parts))
    return ", ".join(new)


_SEPARATORS = (" - ", " / ", ";", "; ", " ; ")


def other_separators(address: str, rng: random.Random) -> str | None:
    """Commas replaced by " - ", " / " or ";" (one for all, or each its own); None
    without a comma."""
    if "," not in address:
        return None
    if rng.random() < 0.7:
        sep = rng.choice(_SEPARATORS)
        return re.sub(r"\s*,\s*", lambda _: sep, address)
    return re.sub(r"\s*,\s*", lambda _: rng.choice(_SEPARATORS), address)


# ---------------------------------------------------------------- house number unknown


def house_number_unknown(
    address: str, house_number: str, taken: Collection[str], rng: random.Random
) -> str | None:
    """``address`` with ``house_number`` (as written in it) changed to another of the same
    form ("12" → "157", "6B" → "143C", "12/3" → "88/17") whose normalised form is not in
    ``taken`` (the numbers the registry has on that street); None when the text does not
    hold ``house_number``."""
    if not house_number:
        return None
    found = re.search(rf"(?<![\w/]){re.escape(house_number)}(?![\w/])", address)
    if found is None:
        return None
    avoid = set(taken) | {parse_house_number(house_number).normalized}
    letter = re.search(r"\d([A-Za-z])\b", house_number)
    for _ in range(100):
        new = str(rng.randint(1, 400))
        if "/" in house_number:
            new += f"/{rng.randint(1, 60)}"
        if letter:
            new += rng.choice("ABCDE") if letter.group(1).isupper() else rng.choice("abcde")
        if parse_house_number(new).normalized not in avoid:
            return address[: found.start()] + new + address[found.end() :]
    return None


# ---------------------------------------------------------------- old names, messy


_MESS_ORDER = ("abbreviated", "old_mark", "lower", "no_diacritics")


def messy(old_text: str, rng: random.Random) -> str:
    """A former name as written in a hurry: one or two of no diacritics, abbreviated,
    lower case, and "(cũ)" written "cũ", "cu", "- cũ" or left out; never unchanged.

    >>> messy("phường 4, Quận 3 (cũ)", random.Random(0)) != "phường 4, Quận 3 (cũ)"
    True
    """
    steps = rng.sample(("no_diacritics", "abbreviated", "lower", "old_mark"), rng.randint(1, 2))
    out = old_text
    for step in sorted(steps, key=_MESS_ORDER.index):
        if step == "abbreviated":
            out = abbreviate(out, rng)
        elif step == "lower":
            out = out.lower()
        elif step == "old_mark":
            out = out.replace("(cũ)", rng.choice(("cũ", "cu", "(cu)", "- cũ", "")))
        elif step == "no_diacritics":
            out = strip_diacritics(out)
    out = " ".join(out.split())
    return out if out != old_text else strip_diacritics(old_text).lower()


# ---------------------------------------------------------------- mixed

# the order the kinds of a mix are applied in: the structure first, letters next, the
# encoding last; one kind of each group at most
_MIX_ORDER = (
    "province_missing",
    "reordered",
    "type_words_dropped",
    "abbreviated",
    "noise_around",
    "other_separators",
    "lowercase_nocommas",
    "case",
    "no_diacritics",
    "some_diacritics_dropped",
    "other_tone_placement",
    "telex",
    "vni",
    "typo",
    "extra_spaces_punct",
    "unicode_decomposed_spaces",
)
_MIX_EXCLUSIVE = (
    {"lowercase_nocommas", "case"},
    {"no_diacritics", "some_diacritics_dropped", "other_tone_placement", "telex", "vni"},
    {"other_separators", "lowercase_nocommas"},
)


def mixed_kinds(address: str, seed: int | str = 0) -> list[str]:
    """The two or three kinds :func:`variant` combines for ``address`` as ``mixed``, in the
    order they are applied."""
    rng = random.Random(f"{seed}|mixed|{address}")
    count = rng.randint(2, 3)
    chosen: list[str] = []
    for kind in rng.sample(_MIX_ORDER, len(_MIX_ORDER)):
        if len(chosen) == count:
            break
        if any(
            kind in group and chosen_kind in group
            for group in _MIX_EXCLUSIVE
            for chosen_kind in chosen
        ):
            continue
        chosen.append(kind)
    return sorted(chosen, key=_MIX_ORDER.index)


# ---------------------------------------------------------------- dispatch


def variant(
    address: str,
    kind: str,
    seed: int | str = 0,
    old: OldName | None = None,
    commune_names: list[str] | None = None,
    *,
    province: str | None = None,
    house_number: str | None = None,
    taken: Collection[str] = (),
) -> str | None:
    """The ``kind`` variant of ``address`` (see the module documentation); None where the
    kind does not apply: ``old_names``/``old_names_messy`` without a former name ``old`` or
    when the text does not name the commune (``commune_names`` are its folded bare names),
    ``province_missing`` without ``province`` (its 2025 name) in the text,
    ``house_number_unknown`` without ``house_number`` (as written; ``taken``: the
    normalised numbers the registry has on that street), and a kind that finds nothing to
    change (no diacritics to drop, no comma to replace …)."""
    rng = random.Random(f"{seed}|{kind}|{address}")
    if kind == "clean":
        return address
    if kind == "no_diacritics":
        return strip_diacritics(address)
    if kind == "some_diacritics_dropped":
        return some_diacritics_dropped(address, rng)
    if kind == "other_tone_placement":
        return other_tone_placement(address)
    if kind in ("telex", "vni"):
        return keyboard_remnants(address, kind, rng)
    if kind == "unicode_decomposed_spaces":
        return unicode_decomposed_spaces(address, rng)
    if kind == "case":
        return change_case(address, rng)
    if kind == "abbreviated":
        return abbreviate(address, rng)
    if kind == "lowercase_nocommas":
        return " ".join(re.sub(r"[,;]", " ", address.lower()).split())
    if kind == "type_words_dropped":
        return type_words_dropped(address)
    if kind == "province_missing":
        return province_missing(address, province) if province else None
    if kind == "ward_missing":
        return ward_missing(address, commune_names) if commune_names else None
    if kind == "reordered":
        return reordered(address, rng)
    if kind == "other_separators":
        return other_separators(address, rng)
    if kind == "typo":
        return typo(address, rng)
    if kind == "noise_around":
        return noise_around(address, rng)
    if kind == "extra_spaces_punct":
        return extra_spaces_punct(address, rng)
    if kind == "house_number_unknown":
        return house_number_unknown(address, house_number or "", taken, rng)
    if kind in ("old_names", "old_names_messy"):
        if old is None or not commune_names:
            return None
        written = old.text if kind == "old_names" else messy(old.text, rng)
        return replace_commune(address, commune_names, written)
    if kind == "mixed":
        out: str | None = address
        for part in mixed_kinds(address, seed):
            step = variant(out or address, part, f"{seed}|mixed", province=province)
            out = step if step is not None else out
        return out if out != address else None
    raise ValueError(f"unknown noise kind {kind!r}; known: {', '.join(KINDS)}")


def main() -> None:
    address = " ".join(sys.argv[1:]) or "Số 25, phố Liễu Giai, phường Ngọc Hà, Thành phố Hà Nội"
    for kind in KINDS:
        if kind in ("old_names", "old_names_messy", "house_number_unknown"):
            continue
        names = [bare_name(m) for m in re.findall(r"(?:phường|xã)\s+([^,]+)", address, re.I)]
        province = address.rsplit(",", 1)[-1].strip() if "," in address else None
        out = variant(address, kind, commune_names=names, province=province)
        print(f"{kind:26s} {out!r}")
        if kind == "mixed":
            print(f"{'':26s} ({' + '.join(mixed_kinds(address))})")


if __name__ == "__main__":
    main()
