"""Whether a registered place carries the house number and street an address names.

The same house is written several ways: "160/22 Võ Thị Sáu", "22 hẻm 160 Võ Thị Sáu" and
(as OpenStreetMap tags it) house "160/22" on street "Hẻm 160 Võ Thị Sáu"; "20 Ngõ Thông
Phong" names a house on a named alley that the base map has as a street. So an address
is compared by its *readings*, each a pair (path, street key):

* the house's path — its alleys' numbers or names then its own number, joined by "/"
  ("160/22"; alley words and repeated alley numbers dropped) — on the street;
* when the house lies in an alley ("hẻm 160", "ngõ 27", "ngõ Thông Phong"), the rest of
  the path on the street named by that alley and the street ("22" on "hem 160 vo thi
  sau"), which is how the base map and OSM name alleys.

Two addresses carry the same house when they share a reading. Readings are folded
(``geo.text.fold``): case, diacritics and punctuation do not count.
"""

from __future__ import annotations

from functools import lru_cache

from geo.address import fold_street, parse_address
from geo.house_number import HouseNumber
from geo.text import fold

ALLEY_WORDS = {"hem": "hẻm", "ngo": "ngõ", "ngach": "ngách", "kiet": "kiệt"}

Reading = tuple[str, str]  # (path, street key)


def readings(house: HouseNumber | None, street: str | None) -> frozenset[Reading]:
    """The readings of ``house`` on ``street`` (see the module documentation); empty when
    the house has no number of its own.

    >>> from geo.house_number import parse_house_number
    >>> sorted(readings(parse_house_number("160/22 Hẻm 160"), "Võ Thị Sáu"))
    [('160/22', 'vo thi sau'), ('22', 'hem 160 vo thi sau')]
    >>> sorted(readings(parse_house_number("20 ngõ Thông Phong"), None))
    [('20', 'ngo thong phong')]
    """
    if house is None or not house.number:
        return frozenset()
    steps = _steps(house)
    number = fold(house.number)
    street_key = fold_street(street) if street else ""
    out: set[Reading] = set()
    if street_key:
        out.add(("/".join((*steps, number)), street_key))
    first = house.alleys[0] if house.alleys else None
    if first is not None and first.kind in ALLEY_WORDS:
        named = " ".join(p for p in (first.kind, fold(first.number), street_key) if p)
        out.add(("/".join((*steps[1:], number)), named))
    return frozenset(out)


def _steps(house: HouseNumber) -> tuple[str, ...]:
    """The alleys' numbers (or names), folded, a number repeated by "/" counted once
    ("160/22 hẻm 160" is house 22 in alley 160, not in alley 160 of alley 160)."""
    steps: list[str] = []
    for alley in house.alleys:
        step = fold(alley.number)
        if not steps or steps[-1] != step:
            steps.append(step)
    return tuple(steps)


@lru_cache(maxsize=65_536)
def place_readings(house_number: str | None, street_name: str | None) -> frozenset[Reading]:
    """The readings of a registered place's house number and street, read the way a
    query is (so "Hẻm 47 Phạm Ngọc Thạch" as a street is an alley of Phạm Ngọc Thạch)."""
    if not house_number:
        return frozenset()
    parsed = parse_address(f"{house_number} {street_name or ''}".strip())
    return readings(parsed.house, parsed.street)


def street_names(house: HouseNumber | None, street: str | None) -> list[str]:
    """Street names to look for in the base map, the most specific first: the alley the
    house lies in on its street ("Ngõ 27 Cát Linh", "Ngõ Thông Phong"), then the street.

    >>> from geo.house_number import parse_house_number
    >>> street_names(parse_house_number("22 ngõ 27"), "Cát Linh")
    ['Ngõ 27 Cát Linh', 'Cát Linh']
    """
    names: list[str] = []
    first = house.alleys[0] if house is not None and house.alleys else None
    if first is not None and first.kind in ALLEY_WORDS:
        word = ALLEY_WORDS[first.kind]
        names.append(" ".join(p for p in (word[:1].upper() + word[1:], first.number, street) if p))
    if street:
        names.append(street)
    return names
