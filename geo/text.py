"""Pure functions for Vietnamese address text.

Three forms of the same text:

* :func:`clean` is the display form: NFC, one tone placement, single spaces.
* :func:`fold` is the matching key: lower case, no diacritics, no punctuation.
* :func:`expand` is the folded key of an admin-unit name with abbreviations and city
  aliases written out, so "TP.HCM", "Sài Gòn" and "Thành phố Hồ Chí Minh" compare equal.

All tables are module constants; nothing here touches I/O.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import chain

__all__ = [
    "UNIT_TYPES",
    "clean",
    "diacritic_similarity",
    "expand",
    "fold",
    "name_keys",
    "strip_unit_type",
]

# --- fold --------------------------------------------------------------------------------------

_INVISIBLE_CHARS = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"  # zero-width, BOM, soft hyphen
_STROKE_LETTERS = str.maketrans({"đ": "d", "Đ": "d", "Ð": "d", "ð": "d"})  # no decomposition


def _fold_char(char: str) -> str:
    """Fold one code point: compatibility-decompose, case-fold, drop marks and invisible
    characters (as :func:`clean` does), non-alnum to space."""
    if char in _INVISIBLE_CHARS:
        return ""
    text = char
    for _ in range(4):  # repeat until stable: case folding can produce decomposable letters
        step = unicodedata.normalize("NFKD", text).casefold().translate(_STROKE_LETTERS)
        step = "".join(c for c in step if not unicodedata.category(c).startswith("M"))
        if step == text:
            break
        text = step
    return "".join(c if c.isalnum() else " " for c in text)


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table that folds a code point on first sight and keeps the result."""

    def __missing__(self, code_point: int) -> str:
        folded = self[code_point] = _fold_char(chr(code_point))
        return folded


_FOLD_TABLE = _FoldTable()
# The same values as a list, up to the end of General Punctuation: str.translate indexes a list
# faster than it looks up a dict, and leaves code points past its end untouched (IndexError).
_FOLD_LIST = [_FOLD_TABLE[cp] for cp in range(0x2070)]


def fold(text: str) -> str:
    """The matching key of ``text``.

    Equal to folding :func:`clean` of ``text``: lower case (Unicode case folding), every
    diacritic removed (đ/Đ become d), compatibility forms reduced ("Ｑ１" is "q1"), every
    character that is not a letter or digit (punctuation, symbols) turned into a space, and
    whitespace collapsed and trimmed. Digits, including leading zeros, are kept. Idempotent.

    >>> fold("Thành phố  Hồ Chí Minh")
    'thanh pho ho chi minh'
    >>> fold("Đắk Lắk"), fold("TP.HCM"), fold("Phường 06 (cũ)")
    ('dak lak', 'tp hcm', 'phuong 06 cu')
    """
    folded = text.translate(_FOLD_LIST)
    if not folded.isascii():  # code points past the list, or letters that fold to non-ASCII
        folded = folded.translate(_FOLD_TABLE)
    return " ".join(folded.split())


# --- clean -------------------------------------------------------------------------------------

_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
# Icelandic Ð/ð, left by legacy encodings (and lower-casing an "Ð" gives "ð")
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})
_WORD = re.compile(r"[^\W\d_]+")
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_SYLLABLE = re.compile(r"([bcdđfghjklmnpqrstvwxz]*)([aăâeêioôơuưy]+)(ch|nh|ng|[ckmnpt]?)")


def _nucleus(vowels: str, closed: bool) -> int | None:
    """Index in ``vowels`` of the vowel carrying the tone, old-style placement."""
    marked = [i for i, vowel in enumerate(vowels) if vowel in "ăâêôơư"]
    if marked:
        return marked[-1]  # ươ, uô, iê take it on the second; ưa, ưu on ư
    if len(vowels) == 3:
        return 1  # oai, oay, uya, uyu
    if len(vowels) == 2:
        return 1 if closed else 0  # hoàng, but hòa, khỏe, thủy, mía, của
    return 0 if len(vowels) == 1 else None


def tone_index(syllable: str) -> int | None:
    """Where the tone goes in a lower-case syllable without tone, or None if not Vietnamese."""
    match = _SYLLABLE.fullmatch(syllable)
    if match is None:
        return None
    onset, vowels, coda = match.groups()
    start = len(onset)
    if len(vowels) > 1 and onset + vowels[0] in ("qu", "gi"):  # the u of qu, the i of gi
        start, vowels = start + 1, vowels[1:]
    offset = _nucleus(vowels, bool(coda))
    return None if offset is None else start + offset


@lru_cache(maxsize=16384)
def _retone(word: str) -> str:
    """``word`` (NFC letters) with its single tone mark moved to the canonical vowel."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in _TONE_MARKS]
    if len(tones) != 1:
        return word
    bare = unicodedata.normalize("NFC", decomposed.replace(tones[0], ""))
    index = tone_index(bare.lower())
    if index is None:
        return word
    return unicodedata.normalize("NFC", bare[: index + 1] + tones[0] + bare[index + 1 :])


def _retone_match(match: re.Match[str]) -> str:
    word = match.group()
    return word if word.isascii() else _retone(word)


def clean(text: str) -> str:
    """The display form of ``text``; case and punctuation are kept.

    Invisible characters (zero-width spaces and joiners, the byte-order mark, soft hyphens)
    removed, NFC (decomposed input is composed), "Ð" (U+00D0) read as "Đ", whitespace runs
    (non-breaking spaces too) collapsed to one space and trimmed, and in each syllable the
    tone mark placed the way official documents do: on the first vowel of oa, oe, uy when
    nothing follows ("Hòa", "Khỏe", "Thủy"), otherwise on the main vowel ("Hoàng",
    "Thuyết", "Quỳnh"). Words that are not one Vietnamese syllable with a single tone mark
    are left as they are.

    >>> clean("  Phường  Xuân Hoà ")
    'Phường Xuân Hòa'
    >>> clean("Thuỷ"), clean("KHOẺ"), clean("Quỳnh")
    ('Thủy', 'KHỎE', 'Quỳnh')
    >>> clean("Phườ\u200bng\u00a0Việt\u200b Hưng")
    'Phường Việt Hưng'
    """
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text)).translate(_LOOKALIKES)
    return _WORD.sub(_retone_match, " ".join(text.split()))


# --- unit types and aliases --------------------------------------------------------------------

_TYPE_SPELLING = {
    fold(spelled): spelled
    for spelled in (
        "thành phố trực thuộc trung ương",
        "thành phố",
        "tỉnh",
        "quận",
        "huyện",
        "thị xã",
        "thị trấn",
        "phường",
        "xã",
        "đặc khu",
    )
}
UNIT_TYPES: tuple[str, ...] = tuple(sorted(_TYPE_SPELLING, key=len, reverse=True))
"""Folded admin-unit type words, longest first (so "thanh pho" is tried after its longer form)."""

# Type abbreviations, by when they may be expanded.
_ALWAYS = {"tp": "thanh pho", "tx": "thi xa", "tt": "thi tran"}  # never a Vietnamese word
_BEFORE_NAME = {"p": "phuong", "f": "phuong", "q": "quan", "dc": "dac khu"}  # "p.", "p 5", "p5"
_DOTTED_ONLY = {"h": "huyen", "x": "xa"}  # bare "h" is the H' of "Ea H'leo", "Ia H'Drai"
_NUMBERED = ("phuong", "quan")
_DOTTED_T = re.compile(r"\b[tT]\.\s*([pPxXtT])\b")  # "T.P", "t.x", "T. T"
_NUMBER = re.compile(r"[0-9]+")
_GLUED_NUMBER = re.compile(r"([pfq])([0-9]+)")  # "p5", "f12", "q1"
_SEGMENT_BREAK = re.compile(r"[,;()|]|\s[-–—]+\s")

# Bare city name -> (aliases matched as one whole token anywhere, phrases matched only where a
# unit name starts: at the start of a segment or right after "thanh pho").
_CITIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ho chi minh": (("hcm", "tphcm", "sg", "saigon"), ("ho chi minh", "sai gon")),
    "ha noi": (("hn", "tphn", "hanoi"), ("ha noi",)),
    "da nang": (("danang",), ("da nang",)),
    "hai phong": (("haiphong",), ("hai phong",)),
    "can tho": (("cantho",), ("can tho",)),
    "hue": ((), ("hue",)),
}
_TOKEN_ALIASES = {alias: city for city, (tokens, _) in _CITIES.items() for alias in tokens}
_PHRASE_ALIASES = {
    tuple(phrase.split()): city for city, (_, phrases) in _CITIES.items() for phrase in phrases
}
_LONGEST_PHRASE = max(map(len, _PHRASE_ALIASES))


def _tokens(segment: str) -> list[tuple[str, bool]]:
    """Folded words of ``segment``, each flagged when a "." directly follows it."""
    tokens: list[tuple[str, bool]] = []
    for part in _DOTTED_T.sub(r"t\1", segment).split("."):
        if tokens:
            tokens[-1] = (tokens[-1][0], True)
        for word in fold(part).split():
            glued = _GLUED_NUMBER.fullmatch(word)
            tokens.extend([(glued[1], False), (glued[2], False)] if glued else [(word, False)])
    return tokens


def _unit_type(word: str, dotted: bool, followed: bool) -> str | None:
    if word in _ALWAYS:
        return _ALWAYS[word]
    if word in _BEFORE_NAME and (dotted or followed):
        return _BEFORE_NAME[word]
    return _DOTTED_ONLY.get(word) if dotted else None


def _city_at(words: list[str], i: int, unit_start: bool) -> tuple[str, int] | None:
    """The bare city name an alias at ``words[i]`` stands for, and how many words it spans."""
    if words[i] in _TOKEN_ALIASES:
        return _TOKEN_ALIASES[words[i]], 1
    if not unit_start:
        return None
    for length in range(_LONGEST_PHRASE, 0, -1):
        city = _PHRASE_ALIASES.get(tuple(words[i : i + length]))
        if city is not None:
            return city, length
    return None


def _emit(out: list[str], phrase: str) -> None:
    """Append ``phrase`` without repeating "thanh pho" and without zeros before a ward number."""
    words = phrase.split()
    if out[-2:] == ["thanh", "pho"] and words[:2] == ["thanh", "pho"]:
        del words[:2]
    if out[-1:] and out[-1] in _NUMBERED and words[:1] and _NUMBER.fullmatch(words[0]):
        words[0] = words[0].lstrip("0") or "0"
    out.extend(words)


def _expand_segment(segment: str, out: list[str]) -> None:
    tokens = _tokens(segment)
    words = [word for word, _ in tokens]
    start, i = len(out), 0
    while i < len(tokens):
        unit_start = len(out) == start or out[-2:] == ["thanh", "pho"]
        city = _city_at(words, i, unit_start)
        if city is not None:
            _emit(out, "thanh pho " + city[0])
            i += city[1]
            continue
        word, dotted = tokens[i]
        _emit(out, _unit_type(word, dotted, i + 1 < len(tokens)) or word)
        i += 1


def expand(text: str) -> str:
    """The folded key of an admin-unit name, abbreviations and city aliases written out.

    Meant for matching admin-unit names (a search box, an import column), not street
    addresses. Only whole words are rewritten, and the result follows :func:`fold`'s rules:

    * "tp", "t.p" -> "thanh pho"; "tx" -> "thi xa"; "tt" -> "thi tran", anywhere.
    * "p", "f" -> "phuong", "q" -> "quan", "dc" -> "dac khu" when a dot or another word follows
      ("P.5", "p 5", "F5", "q1", "Q. Bình Thạnh"); a lone trailing "p" stays.
    * "h." -> "huyen" and "x." -> "xa" only with the dot: a bare "h" is too often part of a
      name ("Ea H'leo" folds to "ea h leo").
    * A number after "phuong" or "quan" loses its leading zeros: "Phường 06" -> "phuong 6".
    * City aliases become "thanh pho <city>". One-word aliases (hcm, tphcm, sg, saigon, hn,
      tphn, hanoi, danang, haiphong, cantho) apply anywhere; names (ho chi minh, sai gon,
      ha noi, da nang, hai phong, can tho, hue) only where a unit name starts (at the start,
      after "thanh pho"/"tp", or after a comma, semicolon, bracket or spaced dash), so
      "Phường Sài Gòn", "đường Hồ Chí Minh" and "Thừa Thiên Huế" keep their words.

    >>> expand("TP.HCM"), expand("tp hcm"), expand("Sài Gòn")
    ('thanh pho ho chi minh', 'thanh pho ho chi minh', 'thanh pho ho chi minh')
    >>> expand("Q.1"), expand("P. 06"), expand("F5"), expand("H. Gia Lâm")
    ('quan 1', 'phuong 6', 'phuong 5', 'huyen gia lam')
    >>> expand("Phường Bến Nghé, Quận 01, Hồ Chí Minh")
    'phuong ben nghe quan 1 thanh pho ho chi minh'
    """
    out: list[str] = []
    for segment in _SEGMENT_BREAK.split(text):
        _expand_segment(segment, out)
    return " ".join(out)


def strip_unit_type(folded: str) -> tuple[str | None, str]:
    """Split a folded unit name into (type from :data:`UNIT_TYPES` or None, bare name).

    Nothing is stripped when nothing would remain. Folded text cannot tell "tỉnh" from
    "Tịnh" or "quận" from "Quan"; :func:`name_keys` checks the original spelling.

    >>> strip_unit_type("phuong xuan hoa"), strip_unit_type("thanh pho ho chi minh")
    (('phuong', 'xuan hoa'), ('thanh pho', 'ho chi minh'))
    >>> strip_unit_type("phuong 6"), strip_unit_type("ba dinh"), strip_unit_type("phuong")
    (('phuong', '6'), (None, 'ba dinh'), (None, 'phuong'))
    """
    for unit_type in UNIT_TYPES:
        bare = folded[len(unit_type) + 1 :].strip()
        if folded.startswith(unit_type + " ") and bare:
            return unit_type, bare
    return None, folded


def _type_spelled_out(name: str, unit_type: str) -> bool:
    """False when ``name`` only seems to start with ``unit_type`` once folded ("Quan Hóa")."""
    lowered = clean(name).lower()
    if lowered.isascii() or not fold(lowered).startswith(unit_type + " "):
        return True  # typed without diacritics, abbreviated ("Q.1") or implied ("Hà Nội")
    return lowered.startswith(_TYPE_SPELLING[unit_type] + " ")


def name_keys(name: str) -> list[str]:
    """The folded keys an admin-unit name is found under, without duplicates, in stable order.

    The :func:`expand` form, the bare name without its type, and for the six cities every
    alias :func:`expand` knows. A query matches when its :func:`expand` form equals a key or
    is a prefix of one.

    >>> name_keys("Thành phố Hồ Chí Minh")
    ['thanh pho ho chi minh', 'ho chi minh', 'hcm', 'tphcm', 'sg', 'saigon', 'sai gon']
    >>> name_keys("Phường 06"), name_keys("Huyện Quan Hóa"), name_keys("Ba Đình")
    (['phuong 6', '6'], ['huyen quan hoa', 'quan hoa'], ['ba dinh'])
    """
    full = expand(name)
    unit_type, bare = strip_unit_type(full)
    if unit_type is not None and not _type_spelled_out(name, unit_type):
        unit_type, bare = None, full
    keys = [full, bare]
    if unit_type == "thanh pho" and bare in _CITIES:
        keys += chain.from_iterable(_CITIES[bare])
    return list(dict.fromkeys(keys))


# --- ranking -----------------------------------------------------------------------------------


def _letters(text: str) -> list[tuple[str, str]]:
    """(folded, as written) for each letter and digit of ``clean(text)``, lower-cased."""
    return [(c.translate(_FOLD_TABLE), c) for c in clean(text).lower() if c.isalnum()]


@lru_cache(maxsize=65_536)
def diacritic_similarity(typed: str, candidate: str) -> float:
    """How well ``candidate``'s diacritics agree with those typed, in [0, 1].

    Both are cleaned and lower-cased and their letters aligned one to one, as for candidates
    whose :func:`fold` matches the query (a prefix is enough). A position counts only where
    the folded letters are equal and one side carries a diacritic: it *agrees* when both
    letters are the same, else it *conflicts* (other mark, or a mark on one side only). The
    score is ``0.5 + 0.5 * (agree - conflict) / (agree + conflict)``; it is 0.5 when nothing
    counts or when the user typed no diacritic at all, so bare queries rank all spellings
    alike.

    >>> diacritic_similarity("Thạnh An", "Thạnh An"), diacritic_similarity("Thạnh An", "Thanh An")
    (1.0, 0.0)
    >>> diacritic_similarity("thanh an", "Thạnh An"), diacritic_similarity("thanh an", "Thanh An")
    (0.5, 0.5)

    The typed text is compared where it occurs in the candidate (a unit type may precede it):

    >>> typed = "Thạnh An"
    >>> diacritic_similarity(typed, "Xã Thạnh An"), diacritic_similarity(typed, "Xã Thanh An")
    (1.0, 0.0)
    """
    typed_letters = _letters(typed)
    if all(base == letter for base, letter in typed_letters):
        return 0.5
    candidate_letters = _letters(candidate)
    return max(
        _agreement(typed_letters, candidate_letters[start:])
        for start in _alignments(typed_letters, candidate_letters)
    )


def _alignments(typed: list[tuple[str, str]], candidate: list[tuple[str, str]]) -> list[int]:
    """Offsets where the typed letters' bases occur in the candidate (else just 0)."""
    bases = "".join(b for b, _ in typed)
    other = "".join(b for b, _ in candidate)
    starts = [i for i in range(len(other) - len(bases) + 1) if other.startswith(bases, i)]
    return starts or [0]


def _agreement(typed: list[tuple[str, str]], candidate: list[tuple[str, str]]) -> float:
    agree = conflict = 0
    for (base, letter), (other_base, other) in zip(typed, candidate, strict=False):
        if base != other_base or letter == other == base:
            continue
        agree += letter == other
        conflict += letter != other
    if agree + conflict == 0:
        return 0.5
    return 0.5 + 0.5 * (agree - conflict) / (agree + conflict)


def one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are at most one edit apart (Damerau: a swap of neighbours is
    one edit).

    >>> one_edit("lang son", "lag son"), one_edit("tinh", "tihn"), one_edit("hue", "hoa")
    (True, True, False)
    """
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
