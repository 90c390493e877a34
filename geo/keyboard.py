"""Vietnamese typed with the keyboard method switched off: Telex and VNI remnants.

People type Vietnamese on a Latin keyboard with an input method: Telex ("Phuwowngf" →
"Phường": ``aa ee oo`` circumflex, ``aw ow uw`` breve and horn, ``dd`` đ, a final ``s f r
x j`` for the tones sắc, huyền, hỏi, ngã, nặng) or VNI ("Phu7o7ng2": digits 1–5 the tones,
6 circumflex, 7 horn, 8 breve, 9 đ). When the method is off, or the text went through a
system that lost it, the keystrokes stay in the text. :func:`untype` reads them back.

A word is read back only when what comes out is one Vietnamese syllable (an onset, a
vowel group, a final) and the keystrokes could not be a Vietnamese word as they stand:
Vietnamese never ends a word in s, f, r, x or j, never doubles a or e, never writes w,
and never glues digits inside a word; an "oo" alone ("Noong", "Xoong") is left as it
is. "Thais" is "Thái", "Haf" "Hà"; "Paris", "Rhodes" and "Pasteur" stay as they are.
A VNI digit at the end of a short word ("Lo2", "To1": "Lô 2", "Tổ 1" written together) is
read as VNI only when another word of the text is unmistakably VNI ("Pha8c5").
"""

from __future__ import annotations

import re
import unicodedata

from geo.text import fold, tone_index

__all__ = ["is_syllable", "untype"]

_TONES = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
_VNI_TONES = {"1": "\u0301", "2": "\u0300", "3": "\u0309", "4": "\u0303", "5": "\u0323"}
_TELEX_SHAPES: tuple[tuple[str, str], ...] = (
    ("dd", "đ"),
    ("aa", "â"),
    ("ee", "ê"),
    ("oo", "ô"),
    ("aw", "ă"),
    ("ow", "ơ"),
    ("uw", "ư"),
)
_VNI_SHAPES = {
    "6": {"a": "â", "e": "ê", "o": "ô"},
    "7": {"o": "ơ", "u": "ư"},
    "8": {"a": "ă"},
    "9": {"d": "đ"},
}
_ONSETS = frozenset(
    {"", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng"}
    | {"ngh", "nh", "p", "ph", "q", "qu", "r", "s", "t", "th", "tr", "v", "x"}
)
_NUCLEI = frozenset(
    {"a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay"}
    | {"âu", "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "ua"}
    | {"uâ", "uê", "ui", "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu", "yê", "iêu", "yêu"}
    | {"oai", "oao", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyê", "uyu"}
)
_FOLDED_NUCLEI = frozenset(fold(n) for n in _NUCLEI)
_STOPS = frozenset({"c", "ch", "k", "p", "t"})
# "k" ends the names of the Central Highlands: Đắk Lắk, Krông Búk
_SHAPE = re.compile(r"([bcdđghklmnpqrstvx]*)([aăâeêioôơuưy]+)(ch|nh|ng|[ckmnpt]?)")
_ASCII_WORD = re.compile(r"\b[A-Za-z][A-Za-z0-9]*\b")
_VNI_WORD = re.compile(r"(?:[A-Za-z]+[1-9])+[A-Za-z]*")


def untype(text: str) -> str:
    """``text`` with Telex and VNI keystroke remnants read back as Vietnamese letters.

    >>> untype("Xã Cát Tuwowngf, Tinhr Gia Lai")
    'Xã Cát Tường, Tỉnh Gia Lai'
    >>> untype("UBND thị trấn Na2 Pha8c5, Tinh3 Thai1 Nguye6n")
    'UBND thị trấn Nà Phặc, Tỉnh Thái Nguyên'
    >>> untype("6 Alexandre de Rhodes, Lo2 B, Paris, Nậm Noong, DDawks Lawks")
    '6 Alexandre de Rhodes, Lo2 B, Paris, Nậm Noong, Đắk Lắk'
    """
    if _ASCII_WORD.search(text) is None:
        return text
    sure_vni = any(
        _vni_word(m.group(), strict=True) is not None for m in _ASCII_WORD.finditer(text)
    )
    return _ASCII_WORD.sub(lambda m: _word(m.group(), sure_vni), text)


def _word(word: str, sure_vni: bool) -> str:
    if any(c.isdigit() for c in word):
        read = _vni_word(word, strict=not sure_vni)
    else:
        read = _telex_word(word)
    if read is None:
        return word
    if word.isupper() and len(word) > 1:
        return read.upper()
    return read[0].upper() + read[1:] if word[0].isupper() else read


def _telex_word(word: str) -> str | None:
    low = word.lower()
    tone = ""
    if len(low) > 1 and low[-1] in _TONES:
        tone, low = _TONES[low[-1]], low[:-1]
    shaped = low
    for keys, letter in _TELEX_SHAPES:
        shaped = shaped.replace(keys, letter)
    if shaped == low and not tone:
        return None  # nothing typed
    if shaped == low.replace("oo", "ô") and not tone:
        return None  # "Noong", "Boong", "Xoong" are words: an "oo" alone says nothing
    return _syllable(shaped, tone)


def _vni_word(word: str, strict: bool) -> str | None:
    """A VNI word read back; with ``strict``, only one that cannot be a word and a number
    written together (a digit inside it, or three letters or more before a final digit)."""
    if not _VNI_WORD.fullmatch(word):
        return None
    letters = [c for c in word.lower() if c.isalpha()]
    glued = word[-1].isdigit() and not any(c.isdigit() for c in word[:-1])
    if strict and glued and len(letters) < 3:
        return None
    out: list[str] = []
    tone = ""
    for char in word.lower():
        if char in _VNI_TONES:
            tone = _VNI_TONES[char]
        elif char in _VNI_SHAPES:
            shapes = _VNI_SHAPES[char]
            at = next((i for i in range(len(out) - 1, -1, -1) if out[i] in shapes), None)
            if at is None:
                return None
            out[at] = shapes[out[at]]
            if char == "7" and at > 0 and out[at] == "ơ" and out[at - 1] == "u":
                out[at - 1] = "ư"  # "u7o7" and the shorthand "uo7" are both ươ
        elif char.isdigit():
            return None
        else:
            out.append(char)
    return _syllable("".join(out), tone)


def is_syllable(folded: str) -> bool:
    """Whether ``folded`` (lower case, no diacritics) can be one Vietnamese syllable: an
    onset ("q" only before "u"; "p" only in "ph"), a vowel group, a final.

    >>> is_syllable("thinh"), is_syllable("phung"), is_syllable("tihn"), is_syllable("qan")
    (True, True, False, False)
    """
    match = _SHAPE.fullmatch(folded)
    if match is None or match.group(1) not in _ONSETS or match.group(1) == "p":
        return False
    if match.group(2) not in _FOLDED_NUCLEI:
        return False
    return match.group(1) != "q" or match.group(2).startswith("u")


def _syllable(shaped: str, tone: str) -> str | None:
    """``shaped`` (lower case, shape letters done) with ``tone`` on the right vowel, if it
    is one Vietnamese syllable that can carry that tone; else None."""
    match = _SHAPE.fullmatch(shaped)
    if match is None or match.group(1) not in _ONSETS or match.group(2) not in _NUCLEI:
        return None  # "Hoaa" is Hòa mistyped, not "Hoâ"
    if match.group(3) in _STOPS and tone not in ("\u0301", "\u0323"):
        return None  # a syllable ending in c, ch, p, t takes only sắc or nặng
    if not tone:
        return shaped
    index = tone_index(shaped)
    if index is None:
        return None
    return unicodedata.normalize("NFC", shaped[: index + 1] + tone + shaped[index + 1 :])
