"""Resolving the administrative part of an address to 2025 communes.

Old (pre-2025) names resolve through the official succession table; a split
old commune gives every new commune it went into, marked partial, for the
street and house match to decide.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from geo.address import ParsedAddress, UnitMention
from geo.geocode import cache
from geo.text import diacritic_similarity, fold, strip_unit_type
from registry.admin_units import REFORM_DATE


@dataclass(frozen=True)
class Unit:
    """A matched unit version (id, code, level, name) and how it matched."""

    id: int
    code: str
    level: str
    name: str
    parent_code: str | None
    old: bool
    via_alias: bool
    fuzzy: bool


@dataclass(frozen=True)
class CommuneCandidate:
    """A 2025 commune the address may be in, and why."""

    commune: Unit
    province: Unit
    via_old: Unit | None = None
    partial: bool = False
    guessed: bool = False  # named after a former district, not named itself
    shadowed: bool = False  # a former unit of the same name went elsewhere
    by_street: bool = False  # not named: a street of the address runs through it
    sole_part: bool = False  # took part of the former unit, the only successor listed


@dataclass
class AdminMatch:
    """The communes (2025) the address may be in, with the notes that explain it."""

    communes: list[CommuneCandidate] = field(default_factory=list)
    provinces: list[Unit] = field(default_factory=list)
    old_units: list[Unit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    commune_named: bool = False
    province_named: bool = False
    fuzzy: bool = False
    old_context: bool = False  # the writer named a former province: prefer former units
    marked_old_unmatched: bool = False  # "(cũ)" written, but only a current unit matches
    several_named: bool = False  # other communes written lead elsewhere


NEAR_MIN = 6  # a key this long may be one slip from another ("lag son"); shorter ones not

_KEY_SQL = """
SELECT DISTINCT ON (u.id) u.id, u.code, u.level, u.name, u.parent_code,
       upper(u.valid) IS NOT NULL AND upper(u.valid) <= :reform AS old,
       k.alias_id IS NOT NULL AS via_alias, false AS fuzzy
FROM admin_unit_key k JOIN admin_unit u ON u.id = k.unit_id
WHERE k.key = :key AND u.level = ANY(:levels)
  AND (upper(u.valid) IS NULL OR upper(u.valid) <= :reform OR u.valid @> CAST(:at AS date))
ORDER BY u.id, k.alias_id NULLS FIRST
"""

_FUZZY_SQL = """
SELECT DISTINCT ON (u.id) u.id, u.code, u.level, u.name, u.parent_code,
       upper(u.valid) IS NOT NULL AND upper(u.valid) <= :reform AS old,
       k.alias_id IS NOT NULL AS via_alias, true AS fuzzy
FROM admin_unit_key k JOIN admin_unit u ON u.id = k.unit_id
WHERE k.key % :key AND similarity(k.key, :key) >= 0.55 AND u.level = ANY(:levels)
  AND (upper(u.valid) IS NULL OR upper(u.valid) <= :reform OR u.valid @> CAST(:at AS date))
ORDER BY u.id, similarity(k.key, :key) DESC
"""


def units_named(
    conn: Connection, key: str, levels: list[str], at: date, *, fuzzy: bool = True
) -> list[Unit]:
    """Unit versions (2025 in force on ``at``, or pre-2025) whose search key is ``key``;
    with ``fuzzy``, trigram matches (a typo) when nothing matches exactly."""
    params = {"key": key, "levels": levels, "reform": REFORM_DATE, "at": at}
    cached = cache.current()
    if cached is not None:
        found = cached.units_named(key, levels, at, REFORM_DATE)
        if not found and fuzzy and len(key) >= 4:
            similar = cached.fuzzy_units(key, levels, at, REFORM_DATE)
            found = (
                similar
                if similar is not None
                else [dict(r._mapping) for r in conn.execute(text(_FUZZY_SQL), params)]
            )
        if not found and fuzzy and len(key) >= NEAR_MIN:
            found = cached.near_units(key, levels, at, REFORM_DATE)
        return [Unit(**r) for r in found]
    rows = conn.execute(text(_KEY_SQL), params).all()
    if not rows and fuzzy and len(key) >= 4:
        rows = conn.execute(text(_FUZZY_SQL), params).all()
    return [Unit(**r._mapping) for r in rows]


def prefer(found: list[Unit], mention: UnitMention) -> list[Unit]:
    """Among units whose folded name matches, keep those whose type word agrees with
    the one written ("xã" is not "phường"), then those whose diacritics agree best."""
    if mention.type_word:
        typed = fold(mention.type_word)
        agreeing = [u for u in found if fold(u.name).startswith(typed + " ")]
        found = agreeing or found
    if len(found) > 1:
        scores = [diacritic_similarity(mention.name, u.name) for u in found]
        best = max(scores)
        found = [u for u, score in zip(found, scores, strict=True) if score == best]
    return found


def _successors(conn: Connection, unit_ids: list[int]) -> list[tuple[int, Unit, bool]]:
    cached = cache.current()
    rows = (
        cached.successors(unit_ids)
        if cached is not None
        else conn.execute(
            text(
                "SELECT s.old_unit_id, s.whole, u.id, u.code, u.level, u.name, u.parent_code"
                " FROM admin_succession s JOIN admin_unit u ON u.id = s.new_unit_id"
                " WHERE s.old_unit_id = ANY(:ids) ORDER BY u.code"
            ),
            {"ids": unit_ids},
        ).all()
    )
    return [
        (
            r.old_unit_id,
            Unit(r.id, r.code, r.level, r.name, r.parent_code, False, False, False),
            r.whole,
        )
        for r in rows
    ]


def province_at(conn: Connection, code: str, at: date) -> Unit | None:
    """The 2025 province with ``code`` in force on ``at``; None when there is none."""
    cached = cache.current()
    row = (
        cached.province_at(code, at)
        if cached is not None
        else conn.execute(
            text(
                "SELECT id, code, level, name, parent_code FROM admin_unit"
                " WHERE level = 'province' AND code = :c AND valid @> CAST(:at AS date)"
            ),
            {"c": code, "at": at},
        ).first()
    )
    if row is None:
        return None
    return Unit(row.id, row.code, row.level, row.name, row.parent_code, False, False, False)


def resolve(conn: Connection, parsed: ParsedAddress, at: date) -> AdminMatch:
    """The 2025 communes the address's admin part points to (possibly none)."""
    match = AdminMatch()
    new_provinces, old_provinces = _provinces(conn, parsed.province, at, match)
    old_provinces = _narrow_to_old_province(conn, parsed, old_provinces, at, match)
    old_districts = _districts(conn, parsed.district, old_provinces, new_provinces, at, match)
    seat_of = _district_meant(conn, parsed, old_provinces, old_districts, at)
    if seat_of:
        match.commune_named = True
        match.old_units += [u for u in seat_of if u not in match.old_units]
        match.notes.append(
            f"'{parsed.commune.name if parsed.commune else ''}' read as the former district"
        )
        _district_seat(conn, {u.code for u in seat_of}, at, match)
    elif parsed.commune is not None:
        match.commune_named = True
        _communes(conn, parsed.commune, new_provinces, old_provinces, old_districts, at, match)
        for other in parsed.units:  # "TT20 (số cũ LL1) Tam Đảo, phường 15": the next one
            if match.communes:
                break
            if other is not parsed.commune and other.level == "commune":
                _communes(conn, other, new_provinces, old_provinces, old_districts, at, match)
        _other_communes(conn, parsed, new_provinces, old_provinces, old_districts, at, match)
    elif old_districts:
        _district_seat(conn, old_districts, at, match)
    if not match.communes and new_provinces:
        match.provinces = [p for p in (province_at(conn, c, at) for c in new_provinces) if p]
    return match


_DISTRICT_ORGANS = ("huyen uy", "quan uy", "thi uy", "thanh uy")  # a district's party committee


def _district_meant(
    conn: Connection,
    parsed: ParsedAddress,
    old_provinces: set[str] | None,
    old_districts: set[str],
    at: date,
) -> list[Unit]:
    """The former districts the commune mention names, when the writer meant the district
    (its seat): the name has no type word and the text names the district's party
    committee ("Trụ sở Huyện ủy - UBND Thanh Liêm"), or it is marked former ("thị trấn
    Hải Lăng (cũ)") and no former commune of the province had that name. Else none."""
    mention = parsed.commune
    if mention is None or old_districts or old_provinces is None:
        return []
    organ = mention.type_word is None and any(o in fold(parsed.raw) for o in _DISTRICT_ORGANS)
    if not organ and not mention.old:
        return []
    districts = [
        u
        for u in units_named(conn, mention.key, ["district"], at, fuzzy=False)
        if u.old and u.parent_code in old_provinces
    ]
    if not districts or organ:
        return districts
    communes = [
        u
        for u in units_named(conn, mention.key, ["commune"], at, fuzzy=False)
        if u.old and _old_commune_fits(conn, u, old_provinces, set())
    ]
    return [] if communes else districts


def _provinces(
    conn: Connection, mention: UnitMention | None, at: date, match: AdminMatch
) -> tuple[set[str] | None, set[str] | None]:
    """(2025 province codes, pre-2025 province codes) consistent with the mention."""
    if mention is None:
        return None, None
    match.province_named = True
    found = prefer(units_named(conn, mention.key, ["province"], at), mention)
    if not found:
        match.notes.append(f"province '{mention.name}' not recognised; ignored")
        return None, None
    match.fuzzy |= any(u.fuzzy for u in found)
    new = {u.code for u in found if not u.old}
    old = {u.code for u in found if u.old}
    for _, successor, _ in _successors(conn, [u.id for u in found if u.old]):
        new.add(successor.code)
    if old and not any(not u.old for u in found):
        match.old_units += [u for u in found if u.old]
        match.notes.append(f"former province '{mention.name}' → its 2025 successor")
    return new, old | _predecessor_provinces(conn, new)


def _narrow_to_old_province(
    conn: Connection,
    parsed: ParsedAddress,
    old_provinces: set[str] | None,
    at: date,
    match: AdminMatch,
) -> set[str] | None:
    """A former province written besides the current one ("phường Tân Bình, tỉnh Bình
    Dương cũ, Thành phố Hồ Chí Minh") narrows the old units to that province."""
    for mention in parsed.units:
        if mention.level != "province" or not mention.old or mention is parsed.province:
            continue
        old = {u.code for u in units_named(conn, mention.key, ["province"], at) if u.old}
        if old and (old_provinces is None or old & old_provinces):
            match.old_context = True
            match.notes.append(f"former province {mention.name} narrows the old names")
            return old if old_provinces is None else old & old_provinces
    return old_provinces


def _predecessor_provinces(conn: Connection, new_codes: set[str]) -> set[str]:
    cached = cache.current()
    if cached is not None:
        return cached.predecessor_provinces(new_codes)
    rows = conn.execute(
        text(
            "SELECT o.code FROM admin_succession s JOIN admin_unit o ON o.id = s.old_unit_id"
            " JOIN admin_unit n ON n.id = s.new_unit_id"
            " WHERE n.level = 'province' AND n.code = ANY(:codes)"
        ),
        {"codes": list(new_codes)},
    ).scalars()
    return set(rows)


def _districts(
    conn: Connection,
    mention: UnitMention | None,
    old_provinces: set[str] | None,
    new_provinces: set[str] | None,
    at: date,
    match: AdminMatch,
) -> set[str]:
    """Pre-2025 district codes the mention may name (within the province if known)."""
    if mention is None:
        return set()
    found = [
        u
        for u in units_named(conn, mention.key, ["district"], at)
        if old_provinces is None or u.parent_code in old_provinces
    ]
    if not found:
        match.notes.append(f"district '{mention.name}' not recognised; ignored")
        return set()
    match.fuzzy |= any(u.fuzzy for u in found)
    match.old_units += found
    return {u.code for u in found}


def _communes(
    conn: Connection,
    mention: UnitMention,
    new_provinces: set[str] | None,
    old_provinces: set[str] | None,
    old_districts: set[str],
    at: date,
    match: AdminMatch,
) -> None:
    levels = ["commune"] if mention.level in ("commune", None) else ["commune", "district"]
    found = [
        u
        for u in units_named(conn, mention.key, levels, at)
        if u.old or new_provinces is None or u.parent_code in new_provinces
    ]
    found = [
        u for u in found if not u.old or _old_commune_fits(conn, u, old_provinces, old_districts)
    ]
    found = prefer(found, mention)
    new = [
        u
        for u in found
        if not u.old
        and u.level == "commune"
        and (new_provinces is None or u.parent_code in new_provinces)
    ]
    old = [
        u
        for u in found
        if u.old
        and u.level == "commune"
        and _old_commune_fits(conn, u, old_provinces, old_districts)
    ]
    prefer_old = mention.old or bool((old_districts or match.old_context) and old)
    if new and not prefer_old:
        match.fuzzy |= any(u.fuzzy for u in new)
        if mention.old:
            match.marked_old_unmatched = True
            match.notes.append(
                f"'{mention.name}' is marked former but no former unit has that name here;"
                " the current one is assumed"
            )
        elsewhere = _successor_ids(conn, old)
        twin = mention.type_word is None and _district_twin(conn, mention, old_provinces, at)
        for u in new:
            province = province_at(conn, u.parent_code or "", at)
            if province is not None:
                shadowed = twin or any(u.id not in ids for ids in elsewhere)
                match.communes.append(CommuneCandidate(u, province, shadowed=shadowed))
        if any(c.shadowed for c in match.communes):
            match.notes.append(f"a former unit also named '{mention.name}' became another commune")
        return
    if old:
        match.fuzzy |= any(u.fuzzy for u in old)
        _via_succession(conn, old, at, match)
        return
    if new:
        for u in new:
            province = province_at(conn, u.parent_code or "", at)
            if province is not None:
                match.communes.append(CommuneCandidate(u, province))
        return
    match.notes.append(f"commune '{mention.name}' not recognised")


def _other_communes(
    conn: Connection,
    parsed: ParsedAddress,
    new_provinces: set[str] | None,
    old_provinces: set[str] | None,
    old_districts: set[str],
    at: date,
    match: AdminMatch,
) -> None:
    """Other communes the text names ("Trụ sở UBND xã Hòa Phong, Trụ sở UBND xã Cư Pui";
    "UBND xã Diễn Lộc và Diễn Thọ"): where they lead to some of the 2025 communes found,
    those are meant (an old commune and the one it became, or two that merged); where
    they lead elsewhere, no answer is sure."""
    first = parsed.commune
    if first is None or not match.communes:
        return
    codes = {c.commune.code for c in match.communes}
    for other in parsed.units:
        if other is first or other.level != "commune" or other.key == first.key:
            continue
        theirs = AdminMatch()
        _communes(conn, other, new_provinces, old_provinces, old_districts, at, theirs)
        both = codes & {c.commune.code for c in theirs.communes}
        if both:
            if both != codes:
                match.communes = [
                    replace(c, partial=False, shadowed=False)
                    for c in match.communes
                    if c.commune.code in both
                ]
                match.notes.append(f"'{other.name}' is also written: it narrows the communes")
            return
        if theirs.communes:
            match.several_named = True
    if match.several_named:
        match.notes.append("the text names several communes that lead to different places")


def _district_twin(
    conn: Connection, mention: UnitMention, old_provinces: set[str] | None, at: date
) -> bool:
    """Whether a former district of the province had the name too: written without a
    type word ("UBND Nghi Xuân, Hà Tĩnh"), the name may mean the district's seat."""
    return any(
        u.old and (old_provinces is None or u.parent_code in old_provinces)
        for u in units_named(conn, mention.key, ["district"], at, fuzzy=False)
    )


def _successor_ids(conn: Connection, old: list[Unit]) -> list[set[int]]:
    """For each old unit, the ids of the 2025 communes it went into."""
    by_old: dict[int, set[int]] = {u.id: set() for u in old}
    for old_id, successor, _ in _successors(conn, list(by_old)):
        by_old[old_id].add(successor.id)
    return list(by_old.values())


def _old_commune_fits(
    conn: Connection, unit: Unit, old_provinces: set[str] | None, old_districts: set[str]
) -> bool:
    if old_districts:
        return unit.parent_code in old_districts
    if old_provinces is None:
        return True
    cached = cache.current()
    if cached is not None:
        return cached.district_parent(unit.parent_code, REFORM_DATE) in old_provinces
    province = conn.execute(
        text(
            "SELECT parent_code FROM admin_unit WHERE level = 'district' AND code = :c"
            " AND upper(valid) = :reform"
        ),
        {"c": unit.parent_code, "reform": REFORM_DATE},
    ).scalar()
    return province in old_provinces


def _via_succession(conn: Connection, old: list[Unit], at: date, match: AdminMatch) -> None:
    """The 2025 successors of the former communes ``old``; of a split one, those that kept
    its name first ("xã Liên Hòa" → Phường Liên Hòa before Phường Hà An), which is where
    its seat most often went."""
    match.old_units += old
    by_id = {u.id: u for u in old}
    found: list[CommuneCandidate] = []
    rows = _successors(conn, list(by_id))
    parts = Counter(old_id for old_id, _, _ in rows)
    for old_id, successor, whole in rows:
        province = province_at(conn, successor.parent_code or "", at)
        if province is None:
            continue
        found.append(
            CommuneCandidate(
                successor,
                province,
                via_old=by_id[old_id],
                partial=not whole and parts[old_id] > 1,
                sole_part=not whole and parts[old_id] == 1,
            )
        )
    match.communes += sorted(found, key=lambda c: -_keeps_name(c))
    names = ", ".join(sorted({u.name for u in old}))
    match.notes.append(f"former commune {names} → 2025 successor(s) by the official table")


def _keeps_name(candidate: CommuneCandidate) -> int:
    """2 when the successor has its former unit's name, 1 when one name starts with the
    other ("Bình Trị Đông A" → "Bình Trị Đông"), else 0."""
    if candidate.via_old is None:
        return 0
    new = strip_unit_type(fold(candidate.commune.name))[1]
    old = strip_unit_type(fold(candidate.via_old.name))[1]
    if new == old:
        return 2
    return 1 if new.startswith(old + " ") or old.startswith(new + " ") else 0


def _district_seat(conn: Connection, districts: set[str], at: date, match: AdminMatch) -> None:
    """A former district named alone (e.g. "UBND huyện X (cũ)", its seat): the 2025
    commune that took its thị trấn (a huyện's seat), else the one named after the
    district, else every commune it became (ambiguous)."""
    cached = cache.current()
    rows = (
        cached.district_seat(districts, REFORM_DATE)
        if cached is not None
        else _district_seat_rows(conn, districts)
    )
    towns = [r for r in rows if r.town]
    named = [
        r for r in rows if strip_unit_type(fold(r.name))[1] == strip_unit_type(fold(r.district))[1]
    ]
    chosen, how = (
        (towns, "the 2025 commune that took its thị trấn (the district seat)")
        if len({r.id for r in towns}) == 1
        else (named, "the 2025 commune named after it")
        if named
        else (rows, "every commune it became")
    )
    seen: set[int] = set()
    for r in chosen:
        province = province_at(conn, r.parent_code or "", at)
        if province is not None and r.id not in seen:
            seen.add(r.id)
            unit = Unit(r.id, r.code, r.level, r.name, r.parent_code, False, False, False)
            match.communes.append(CommuneCandidate(unit, province, guessed=True))
    match.notes.append(f"only a former district is named: {how}")


def _district_seat_rows(conn: Connection, districts: set[str]) -> list[Any]:
    return list(
        conn.execute(
            text(
                "SELECT DISTINCT n.id, n.code, n.level, n.name, n.parent_code, d.name AS district,"
                " o.unit_type = 'Thị trấn' AS town"
                " FROM admin_unit d"
                " JOIN admin_unit o ON o.level = 'commune' AND o.parent_code = d.code"
                "  AND upper(o.valid) = :reform"
                " JOIN admin_succession s ON s.old_unit_id = o.id AND s.whole"
                " JOIN admin_unit n ON n.id = s.new_unit_id"
                " WHERE d.level = 'district' AND d.code = ANY(:codes) AND upper(d.valid) = :reform"
            ),
            {"codes": list(districts), "reform": REFORM_DATE},
        )
    )
