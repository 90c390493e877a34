"""Reproducible noisy variants of Vietnamese address text, by kind.

``variant(address, kind, seed)`` returns the address as people also write it; the same
(address, kind, seed) always gives the same text (``random.Random`` seeded with a string
hashes it with SHA-512, so runs and machines agree). The kinds:

* ``clean`` — unchanged.
* ``no_diacritics`` — every diacritic dropped, "Đ" → "D", case kept.
* ``abbreviated`` — unit and street words shortened as in forms and on envelopes:
  Phường → P./P, Quận → Q./Q, Huyện → H., Thị xã → TX., Thị trấn → TT., Thành phố → TP./TP,
  Thành phố Hồ Chí Minh → TPHCM/TP.HCM/HCM, Thành phố Hà Nội → HN/TP.HN, Tỉnh dropped
  or T., Đường → Đ., Khu phố → KP, Tổ dân phố → TDP, "Số 12" → "12"; never before "ủy"
  ("Huyện ủy" is a party committee, not a unit).
* ``lowercase_nocommas`` — lower case, commas and semicolons removed.
* ``typo`` — one letter of one word (of four letters or more, not a number) changed to a
  neighbouring key, dropped, or swapped with the next one.
* ``old_names`` — the commune written by one of its former names + "(cũ)"; needs the
  replacement (:class:`OldNames` builds it from the database's succession table) and
  returns None when the text does not name the commune.
* ``noise_around`` — a person's name, a phone number and a label ("Địa chỉ thường trú:"
  …) around the address.
* ``extra_spaces_punct`` — doubled spaces, spaces before commas, doubled commas, a stray
  full stop or dash.

``python -m bench.noise "Số 25, phố Liễu Giai, phường Ngọc Hà, Thành phố Hà Nội"`` prints
every kind.
"""

from __future__ import annotations

import random
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, text

KINDS = (
    "clean",
    "no_diacritics",
    "abbreviated",
    "lowercase_nocommas",
    "typo",
    "old_names",
    "noise_around",
    "extra_spaces_punct",
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


# ---------------------------------------------------------------- dispatch


def variant(
    address: str,
    kind: str,
    seed: int | str = 0,
    old: OldName | None = None,
    commune_names: list[str] | None = None,
) -> str | None:
    """The ``kind`` variant of ``address`` (see the module documentation); None where the
    kind does not apply (``old_names`` without a former name, or a text that does not
    name the commune: ``commune_names`` are its folded bare names)."""
    rng = random.Random(f"{seed}|{kind}|{address}")
    if kind == "clean":
        return address
    if kind == "no_diacritics":
        return strip_diacritics(address)
    if kind == "abbreviated":
        return abbreviate(address, rng)
    if kind == "lowercase_nocommas":
        return " ".join(re.sub(r"[,;]", " ", address.lower()).split())
    if kind == "typo":
        return typo(address, rng)
    if kind == "old_names":
        if old is None or not commune_names:
            return None
        return replace_commune(address, commune_names, old.text)
    if kind == "noise_around":
        return noise_around(address, rng)
    if kind == "extra_spaces_punct":
        return extra_spaces_punct(address, rng)
    raise ValueError(f"unknown noise kind {kind!r}; known: {', '.join(KINDS)}")


def main() -> None:
    address = " ".join(sys.argv[1:]) or "Số 25, phố Liễu Giai, phường Ngọc Hà, Thành phố Hà Nội"
    for kind in KINDS:
        if kind == "old_names":
            continue
        print(f"{kind:20s} {variant(address, kind)}")


if __name__ == "__main__":
    main()
