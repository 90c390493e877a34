"""Vietnamese house numbers as written, taken apart into number, alleys, unit and building.

A house number is read as a run of *clauses* in any order, each optionally after a comma,
semicolon, colon or dash:

* **the number**, bare or after "số", "số nhà", "SN", "nhà", "nhà số", "No.": "12", "3A", "12bis",
  "12 bis", "12-14" (one house spanning 12 to 14), or a southern slash chain "45/12/7":
  house 7 in the alley leaving at number 12 of the alley leaving the street at number 45;
* **an alley named by its word**: "hẻm", "ngõ", "ngách", "kiệt" or "h.", "ng.", "ngh.",
  "k." before a number or a slash chain; "ngõ" and "hẻm" spelt with their diacritics may
  also take a name instead ("ngõ Huế", "hẻm Xe Hơi");
* **a unit**: "phòng", "P." (only with three digits or a letter: "P.5" is a ward), "căn hộ",
  "căn", "CH", "kiot", "ki-ốt", "tầng", "lầu", "quầy", "sạp";
* **a building**: "tòa", "tòa nhà", "tháp", "block", "lô", "dãy", "nhà" with a letter ("nhà B3").

Reading stops at the first token that starts no clause: that is where the street begins
(:func:`split_house_number`). Only ASCII digits count, and a run of more than six digits is
not a house number (it is a phone number or a code).

Where usage is ambiguous:

* After an alley word a slash writes the path from the street, outer alley first, the way
  Hanoi's signs do ("ngách 12/93, ngõ 12"): "ngõ 12/5" and "ngách 12/5" are both ngách 5
  off ngõ 12. "hẻm 45/12" and "kiệt 24/5" are alleys of one kind, hẻm 12 off hẻm 45; a house
  number must come separately ("hẻm 45/12 số 7").
* "K24/5" and "K.24/5", Đà Nẵng's short form, are house 5 in kiệt 24 ("K24/5/3": house 3 in
  kiệt 5 off kiệt 24); "K24" alone, and "kiệt 24/5" spelt out, are alleys only.
* Alleys named by a word are ordered ngõ or kiệt, then ngách, then hẻm (Hanoi's nesting),
  whatever order they are written in, and one repeated by another clause counts once
  ("ngách 12/93 ngõ 12"). The slash alleys of the number come after them.
* A name after "ngõ"/"hẻm" runs over the following words up to a comma, number, clause or
  street word (phố, đường, phường, ...), so "hẻm Xe Hơi Nguyễn Trãi" is all alley name. The
  ASCII spellings "ngo", "hem" take numbers only: "12 Ngo Quyen" is number 12 on Ngô Quyền.

``normalized``, the matching key, follows this grammar::

    normalized = [house] {" " building} {" " unit}     ("" when nothing was read)
    house      = path                                   when every alley is a slash alley
               | alley {" " alley} [" so " path]        otherwise
    path       = {value "/"} value                      slash alleys, then the house number
    alley      = ("hem" | "ngo" | "ngach" | "kiet") " " (value | folded name)
    building   = ("toa" | "block" | "lo" | "day" | "nha") " " code
    unit       = ("phong" | "can ho" | "kiot" | "tang" | "lau" | "quay" | "sap") " " code
    value      = digits without leading zeros and a lower-case suffix ("3a", "12bis"),
                 or several of those joined by "-" ("12-14", "56-58-60")
    code       = as written, folded, separators removed ("A-12-03" -> "a1203")

Alleys are in chain order, buildings and units in written order. "tòa nhà" and "tháp" are
"toa", "P." is "phong", "căn" and "CH" are "can ho", "ki-ốt" and "kiosk" are "kiot".
So "12/3A", "12/3 A" and "Số nhà 12/3a" are all "12/3a"; "số 7 ngõ 12 ngách 5",
"ngách 5 ngõ 12 số 7" and "Số 7, ngách 12/5" are all "ngo 12 ngach 5 so 7"; "P.302, tòa A"
and "Tòa A phòng 302" are both "toa a phong 302".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from geo.text import clean, fold

__all__ = [
    "Alley",
    "HouseNumber",
    "parse_house_number",
    "read_house_number",
    "split_house_number",
]


@dataclass(frozen=True, slots=True)
class Alley:
    """One alley on the way from the street to the house.

    ``kind`` is "hem", "ngo", "ngach" or "kiet" for an alley written with its word (or that
    word's abbreviation), and "slash" for one written only by the "/" notation. ``number`` is
    in the same form as :attr:`HouseNumber.number` ("12", "3A"), or for a named alley the
    name as written ("Huế").
    """

    kind: str
    number: str


@dataclass(frozen=True, slots=True)
class HouseNumber:
    """A house number taken apart by :func:`parse_house_number`.

    ``raw`` is the whole input after :func:`geo.text.clean`, street included. ``number`` is
    the house's own number: digits as written, a one- or two-letter suffix in upper case,
    "bis"/"ter" in lower case, no spaces ("3A", "12bis", "12-14"). ``base`` is its leading
    integer, ``suffix`` what follows the digits of its first part ("A", "A1", "bis"). All
    three are None when no number is written. ``alleys`` runs from the street inwards.
    ``unit`` and ``building`` are the clauses as written ("P.302", "tòa A"), several joined
    by ", ". ``normalized`` is the matching key described in the module documentation.
    """

    raw: str
    number: str | None
    base: int | None
    suffix: str | None
    alleys: tuple[Alley, ...]
    unit: str | None
    building: str | None
    normalized: str


# --- tokens ------------------------------------------------------------------------------------

_TOKEN = re.compile(r"(?P<num>[0-9]+)|(?P<word>[^\W\d_]+)|(?P<mark>[/.,:;\-–—])|\S")
_DASHES = str.maketrans("–—", "--")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "num", "word", "mark" or "other"
    key: str  # lower case, every dash as "-"
    start: int
    end: int
    glued: bool  # no space between it and the token before


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        glued = bool(tokens) and tokens[-1].end == match.start()
        key = match.group().lower().translate(_DASHES)
        tokens.append(_Token(match.lastgroup or "other", key, match.start(), match.end(), glued))
    return tokens


def _at(tokens: list[_Token], i: int) -> _Token | None:
    return tokens[i] if i < len(tokens) else None


def _key(tokens: list[_Token], i: int) -> str:
    return tokens[i].key if i < len(tokens) else ""


# --- values ------------------------------------------------------------------------------------

_SUFFIX = re.compile(r"bis|ter|[a-z]{1,2}")
_MAX_DIGITS = 6


def _suffix_display(letters: str) -> str:
    return letters if letters in ("bis", "ter") else letters.upper()


def _suffix(tokens: list[_Token], i: int) -> tuple[str, int]:
    """The suffix at ``tokens[i]`` after a number ("A", "bis", "A1"), and the index after it.

    Glued letters ("3A", "12bis", "12A1") always count. Spaced ones ("3 A", "12 bis") count
    when they are "bis", "ter" or one letter with no dot after it and no number next, since
    "12 P.302" and "7 h 12" start other clauses.
    """
    token = _at(tokens, i)
    if token is None or token.kind != "word" or not _SUFFIX.fullmatch(token.key):
        return "", i
    after = _at(tokens, i + 1)
    if token.glued:
        if after and after.glued and after.kind == "num" and len(token.key) <= 2:
            return _suffix_display(token.key) + after.key, i + 2
        return _suffix_display(token.key), i + 1
    spaced = len(token.key) == 1 or token.key in ("bis", "ter")
    if not spaced or (after and (after.kind == "num" or (after.glued and after.key == "."))):
        return "", i
    return _suffix_display(token.key), i + 1


def _atom(tokens: list[_Token], i: int) -> tuple[str, int] | None:
    token = _at(tokens, i)
    if token is None or token.kind != "num" or len(token.key) > _MAX_DIGITS:
        return None
    suffix, after = _suffix(tokens, i + 1)
    return token.key + suffix, after


def _value(tokens: list[_Token], i: int) -> tuple[str, int] | None:
    """One number at ``tokens[i]`` in display form ("12", "3A", "12-14", "56-58-60") and
    the index after."""
    first = _atom(tokens, i)
    if first is None:
        return None
    shown, end = first
    while _key(tokens, end) == "-" and (more := _atom(tokens, end + 1)) is not None:
        shown, end = f"{shown}-{more[0]}", more[1]
    return shown, end


def _path(tokens: list[_Token], i: int) -> tuple[tuple[str, ...], int] | None:
    """Numbers joined by "/" at ``tokens[i]`` ("45/12/7"), outermost first."""
    value = _value(tokens, i)
    if value is None:
        return None
    values, end = [value[0]], value[1]
    while _key(tokens, end) == "/" and (value := _value(tokens, end + 1)) is not None:
        values.append(value[0])
        end = value[1]
    return tuple(values), end


def _code(tokens: list[_Token], i: int) -> int | None:
    """Index after a unit or building code at ``tokens[i]``: glued ASCII letters, digits, "."
    and "-" ("302", "A", "A-12-03", "12.03"), ending in a letter or digit."""
    token = _at(tokens, i)
    if token is None or token.kind not in ("num", "word") or not token.key.isascii():
        return None
    end = i + 1
    while (token := _at(tokens, end)) is not None and token.glued and token.key.isascii():
        if token.kind not in ("num", "word") and token.key not in (".", "-"):
            break
        end += 1
    while tokens[end - 1].kind == "mark":
        end -= 1
    return end


# --- clauses -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Keyword:
    words: tuple[str, ...]  # lower-case tokens as spelt
    role: str  # "number", "nothing", "alley", "short kiet", "unit" or "building"
    canon: str = ""  # the alley kind, or the unit or building word in ``normalized``
    code: str = "any"  # which codes a unit or building takes: "any", "digit", "letter", "room"
    named: bool = False  # a name may stand for the number: "ngõ Huế", "hẻm Xe Hơi"


def _keywords(
    role: str, canon: str, spellings: str, code: str = "any", named: bool = False
) -> list[_Keyword]:
    """One keyword per comma-separated spelling; words in a spelling are separate tokens."""
    return [
        _Keyword(tuple(words.split()), role, canon, code, named) for words in spellings.split(",")
    ]


# Longest first. ASCII spellings of words that are also names ("Phong", "Lo", "Can") need a
# code with a digit; "ngõ"/"hẻm" take a name only when spelt with their diacritics.
_KEYWORDS = sorted(
    [
        *_keywords("number", "", "số nhà,so nha,nhà số,nha so,số,so,sn,nhà,nha,no,nr"),
        *_keywords("nothing", "", "không số,khong so"),
        *_keywords("alley", "hem", "hẻm", named=True),
        *_keywords("alley", "hem", "hem,h"),
        *_keywords("alley", "ngo", "ngõ", named=True),
        *_keywords("alley", "ngo", "ngo,ng"),
        *_keywords("alley", "ngach", "ngách,ngach,ngh"),
        *_keywords("alley", "kiet", "kiệt,kiet"),
        *_keywords("short kiet", "kiet", "k"),
        *_keywords("unit", "phong", "phòng"),
        *_keywords("unit", "phong", "p", code="room"),
        *_keywords("unit", "can ho", "căn hộ,căn"),
        *_keywords("unit", "kiot", "kiot,kiốt,kiosk,ki - ốt,ki ốt,ki - ot"),
        *_keywords("unit", "tang", "tầng"),
        *_keywords("unit", "lau", "lầu"),
        *_keywords("unit", "quay", "quầy"),
        *_keywords("unit", "sap", "sạp"),
        *_keywords("unit", "phong", "phong", code="digit"),
        *_keywords("unit", "can ho", "can ho,can,ch", code="digit"),
        *_keywords("unit", "tang", "tang", code="digit"),
        *_keywords("unit", "lau", "lau", code="digit"),
        *_keywords("building", "toa", "tòa nhà,tòa,tháp"),
        *_keywords("building", "toa", "toa nha,toa,thap", code="digit"),
        *_keywords("building", "block", "block,blk"),
        *_keywords("building", "lo", "lô"),
        *_keywords("building", "lo", "lo", code="digit"),
        *_keywords("building", "day", "dãy"),
        *_keywords("building", "nha", "nhà,nha", code="letter"),
    ],
    key=lambda keyword: -len(keyword.words),
)
# The same keywords by their first word, in the same order: a clause can only start with one
# whose first word is the token's key, so looking only at those is faster and reads the same.
_KEYWORDS_BY_FIRST: dict[str, tuple[_Keyword, ...]] = {
    first: tuple(keyword for keyword in _KEYWORDS if keyword.words[0] == first)
    for first in dict.fromkeys(keyword.words[0] for keyword in _KEYWORDS)
}
# Words that end an alley name: street and admin-unit types and their abbreviations.
_STREET_WORDS = frozenset(
    {"phố", "đường", "đ", "phường", "quận", "huyện", "xã", "tp", "tx", "tt", "p", "q", "f"}
)


@dataclass(frozen=True, slots=True)
class _Clause:
    end: int  # index of the token after the clause
    path: tuple[str, ...] = ()  # slash alleys then the house number
    alleys: tuple[Alley, ...] = ()  # alleys written with their word
    unit: tuple[str, str] | None = None  # (as written, key)
    building: tuple[str, str] | None = None


def _match_words(tokens: list[_Token], i: int, words: tuple[str, ...]) -> int | None:
    """Index after ``words`` at ``tokens[i]`` and a "." or ":" glued to the last, or None."""
    if tuple(token.key for token in tokens[i : i + len(words)]) != words:
        return None
    end = i + len(words)
    return end + 1 if _key(tokens, end) in (".", ":") and tokens[end].glued else end


def _clause(tokens: list[_Token], i: int, text: str, numbered: bool) -> _Clause | None:
    """The clause starting at ``tokens[i]``; ``numbered`` when the number was already read."""
    token = _at(tokens, i)
    if token is None:
        return None
    if token.kind == "num":
        path = None if numbered else _path(tokens, i)
        return None if path is None else _Clause(path[1], path=path[0])
    for keyword in _KEYWORDS_BY_FIRST.get(token.key, ()):
        end = _match_words(tokens, i, keyword.words)
        clause = None if end is None else _after(keyword, tokens, (i, end), text, numbered)
        if clause is not None:
            return clause
    return None


def _after(
    keyword: _Keyword, tokens: list[_Token], span: tuple[int, int], text: str, numbered: bool
) -> _Clause | None:
    """The clause ``keyword`` starts, its words at ``tokens[span[0]:span[1]]``."""
    if keyword.role == "nothing":
        return _Clause(span[1])
    if keyword.role in ("unit", "building"):
        return _fixture(keyword, tokens, span, text)
    path = _path(tokens, span[1])
    if path is None:
        return _named_alley(keyword, tokens, span[1], text)
    if keyword.role == "number":
        return None if numbered else _Clause(path[1], path=path[0])
    if keyword.role == "short kiet" and len(path[0]) > 1 and not numbered:
        return _Clause(path[1], path=path[0][-1:], alleys=_chain("kiet", path[0][:-1]))
    return _Clause(path[1], alleys=_chain(keyword.canon, path[0]))


def _chain(kind: str, values: tuple[str, ...]) -> tuple[Alley, ...]:
    """Alleys for "<kind> a/b/c": ngõ and ngách paths are one ngõ and then ngách."""
    if kind in ("ngo", "ngach") and len(values) > 1:
        return (Alley("ngo", values[0]), *(Alley("ngach", value) for value in values[1:]))
    return tuple(Alley(kind, value) for value in values)


def _named_alley(keyword: _Keyword, tokens: list[_Token], i: int, text: str) -> _Clause | None:
    end = i
    while keyword.named and _is_name_word(tokens, end):
        end += 1
    if end == i:
        return None
    name = text[tokens[i].start : tokens[end - 1].end]
    return _Clause(end, alleys=(Alley(keyword.canon, name),))


def _is_name_word(tokens: list[_Token], i: int) -> bool:
    """Whether ``tokens[i]`` continues an alley name: a word, not a street word, not "không
    số", and not a keyword followed by a number or code ("ngõ Nhà Thờ" is a name, "ngõ Huế
    số 5" is not). Looks no further than a clause starting there would read."""
    token = _at(tokens, i)
    if token is None or token.kind != "word" or token.key in _STREET_WORDS:
        return False
    for keyword in _KEYWORDS_BY_FIRST.get(token.key, ()):
        end = _match_words(tokens, i, keyword.words)
        if end is None:
            continue
        after = _at(tokens, end)
        if keyword.role == "nothing" or (
            after and after.kind in ("num", "word") and after.key.isascii()
        ):
            return False
    return True


def _fixture(
    keyword: _Keyword, tokens: list[_Token], span: tuple[int, int], text: str
) -> _Clause | None:
    """A unit or building clause: the keyword and its code."""
    start, end = span
    code_end = _code(tokens, end)
    if code_end is None:
        return None
    code = text[tokens[end].start : tokens[code_end - 1].end]
    if not _code_fits(keyword.code, code):
        return None
    part = (text[tokens[start].start : tokens[code_end - 1].end], f"{keyword.canon} {_flat(code)}")
    if keyword.role == "unit":
        return _Clause(code_end, unit=part)
    return _Clause(code_end, building=part)


def _code_fits(kind: str, code: str) -> bool:
    """Whether ``code`` fits a unit or building word whose codes are of ``kind``."""
    digits = sum(c.isdigit() for c in code)
    letters = any(c.isalpha() for c in code)
    plain = digits > 0 or (code.isupper() and code.isalpha() and len(code) <= 3)  # "A", "CT"
    if kind == "room":  # "P.302", "P.12A"; "P.5" is a ward
        return digits > 0 and (letters or digits >= 3)
    if kind == "digit":
        return digits > 0
    if kind == "letter":
        return letters and plain
    return plain


def _flat(code: str) -> str:
    return fold(code).replace(" ", "")


# --- reading -----------------------------------------------------------------------------------

_SEPARATORS = frozenset(",;:-")
_RANK = {"ngo": 0, "kiet": 0, "ngach": 1, "hem": 2}


def _clauses(text: str) -> tuple[list[_Clause], int]:
    """The clauses at the start of ``text`` and the offset where the last one ends."""
    tokens = _tokenize(text)
    clauses: list[_Clause] = []
    i = 0
    while True:
        numbered = any(clause.path for clause in clauses)
        clause = _clause(tokens, i, text, numbered)
        if clause is None and clauses and _key(tokens, i) in _SEPARATORS:
            clause = _clause(tokens, i + 1, text, numbered)
        if clause is None:
            return clauses, tokens[i - 1].end if i else 0
        clauses.append(clause)
        i = clause.end


def _merge(chains: list[tuple[Alley, ...]]) -> tuple[Alley, ...]:
    """The alleys of several clauses, outermost first, each once."""
    merged: list[Alley] = []
    for chain in sorted(chains, key=lambda chain: _RANK[chain[-1].kind]):
        seen = set(merged)
        merged.extend(alley for alley in chain if alley not in seen)
    return tuple(merged)


_LEADING_ZEROS = re.compile(r"(?<![0-9a-z])0+(?=[0-9])")
_FIRST_PART = re.compile(r"([0-9]+)([a-zA-Z]+[0-9]*)?")


def _value_key(value: str) -> str:
    if not value[:1].isdigit():
        return fold(value)  # an alley name
    return _LEADING_ZEROS.sub("", value.lower())


def _normalized(
    alleys: tuple[Alley, ...], number: str | None, extras: list[tuple[str, str]]
) -> str:
    path = [alley.number for alley in alleys if alley.kind == "slash"]
    path_key = "/".join(_value_key(value) for value in [*path, *([number] if number else [])])
    words = [
        f"{alley.kind} {_value_key(alley.number)}" for alley in alleys if alley.kind != "slash"
    ]
    if path_key:
        words.append(f"so {path_key}" if words else path_key)
    return " ".join([*words, *(key for _, key in extras)])


def _joined(parts: list[tuple[str, str]]) -> str | None:
    return ", ".join(written for written, _ in parts) or None


def _checked(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"a house number is text, not {type(text).__name__}")
    return clean(text)


def parse_house_number(text: str) -> HouseNumber:
    """Take the house number at the start of ``text`` apart (see the module documentation).

    Reading stops where the street name begins. Text with no house number in it ("", "N/A",
    "không số") gives number None and no alleys, never an error; the only error is
    ``TypeError`` when ``text`` is not a ``str``.

    >>> house = parse_house_number("Số nhà 45/12/7 Nguyễn Trãi")
    >>> house.number, house.base, house.alleys
    ('7', 7, (Alley(kind='slash', number='45'), Alley(kind='slash', number='12')))
    >>> house.normalized
    '45/12/7'
    >>> house = parse_house_number("ngách 5 ngõ 12 số 7")
    >>> [(alley.kind, alley.number) for alley in house.alleys], house.normalized
    ([('ngo', '12'), ('ngach', '5')], 'ngo 12 ngach 5 so 7')
    >>> house = parse_house_number("P.302, tòa A, 12 bis Lê Lợi")
    >>> house.unit, house.building, house.number, house.suffix, house.normalized
    ('P.302', 'tòa A', '12bis', 'bis', '12bis toa a phong 302')
    >>> parse_house_number("N/A").number, parse_house_number("N/A").raw
    (None, 'N/A')
    """
    raw = _checked(text)
    if _PLAIN.fullmatch(raw):  # "12", "3A", "45/12/7": most numbers, read without tokens
        *alleys, last = raw.split("/")
        number = last[:-1] + last[-1].upper() if last[-1].isalpha() else last
        return _house_number(raw, [_Clause(end=0, path=(*alleys, number))])
    return _read(raw)


# A number or slash chain alone, with at most a one-letter suffix at its end: what
# _clauses() reads as the single path ("12", "3A", "45/12/7"), a third of the time.
_PLAIN = re.compile(r"[0-9]{1,6}(?:/[0-9]{1,6})*[A-Za-z]?")


def _read(raw: str) -> HouseNumber:
    """The house number of ``raw`` (cleaned) read clause by clause."""
    clauses, _ = _clauses(raw)
    return _house_number(raw, clauses)


def _house_number(raw: str, clauses: list[_Clause]) -> HouseNumber:
    """The house number ``clauses`` read from ``raw``."""
    path = next((clause.path for clause in clauses if clause.path), ())
    alleys = _merge([clause.alleys for clause in clauses if clause.alleys])
    alleys += tuple(Alley("slash", value) for value in path[:-1])
    number = path[-1] if path else None
    first = _FIRST_PART.match(number) if number else None
    units = [clause.unit for clause in clauses if clause.unit]
    buildings = [clause.building for clause in clauses if clause.building]
    return HouseNumber(
        raw=raw,
        number=number,
        base=int(first[1]) if first else None,
        suffix=first[2] if first else None,
        alleys=alleys,
        unit=_joined(units),
        building=_joined(buildings),
        normalized=_normalized(alleys, number, buildings + units),
    )


def split_house_number(text: str) -> tuple[str, str]:
    """Split ``text`` into (house-number part, rest), both taken from ``clean(text)``.

    The house-number part is what :func:`parse_house_number` reads; the rest (usually the
    street, then ward and city) starts at the first token that cannot belong to a house
    number, with the commas, dashes and dots between the two dropped. Either part may be "".
    Raises ``TypeError`` when ``text`` is not a ``str``.

    >>> split_house_number("12/3A Nguyễn Trãi")
    ('12/3A', 'Nguyễn Trãi')
    >>> split_house_number("số 7 ngõ 12 ngách 5 phố Huế")
    ('số 7 ngõ 12 ngách 5', 'phố Huế')
    >>> split_house_number("Ngõ 12 Tôn Đức Thắng"), split_house_number("12, P.5, Q.3")
    (('Ngõ 12', 'Tôn Đức Thắng'), ('12', 'P.5, Q.3'))
    """
    raw = _checked(text)
    _, end = _clauses(raw)
    return raw[:end], raw[end:].lstrip(" ,;:.-–—")


def read_house_number(text: str) -> tuple[HouseNumber, str]:
    """:func:`split_house_number` and :func:`parse_house_number` of the house part, read once.

    For ``house, rest = split_house_number(text)`` the result has the parts of
    ``parse_house_number(house)`` (``raw`` is ``house``) and ``rest``; a parser that needs
    both reads the text once instead of twice. Raises ``TypeError`` when ``text`` is not a
    ``str``.

    >>> house, rest = read_house_number("số 7 ngõ 12 ngách 5 phố Huế")
    >>> house.raw, house.normalized, rest
    ('số 7 ngõ 12 ngách 5', 'ngo 12 ngach 5 so 7', 'phố Huế')
    """
    raw = _checked(text)
    clauses, end = _clauses(raw)
    return _house_number(raw[:end], clauses), raw[end:].lstrip(" ,;:.-–—")
