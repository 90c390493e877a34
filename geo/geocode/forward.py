"""Forward geocoding: Vietnamese address text → ranked candidates.

Pipeline: parse (``geo.address``) → administrative part to 2025 communes
(``geo.geocode.admin``; old names through the succession table) → street in
those communes → the registered place with that house number on that street.
Each candidate says the level matched (place, street, commune, province), a
confidence in [0, 1] and a category in the manner of Denmark's address
cleansing: **A** the same address up to case, punctuation and diacritics;
**B** small, explained differences; **C** uncertain. ``explain`` lists what
matched, what was corrected and what was ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import Connection, text

from geo.address import ParsedAddress, parse_address
from geo.geocode import cache
from geo.geocode.admin import AdminMatch, CommuneCandidate, Unit, province_at, resolve
from geo.geocode.house_match import Reading, place_readings, readings, street_names
from geo.text import fold, one_edit

LEVELS = ("place", "street", "commune", "province")
STREET_PREFIXES = ("duong ", "pho ", "dai lo ")
ALLEY_PREFIXES = ("ngo ", "hem ", "kiet ")  # "33 Lương Sử C" is on "Ngõ Lương Sử C"


@dataclass(frozen=True)
class Ref:
    code: str
    name: str


@dataclass
class Candidate:
    """One answer: where, at which level, how sure, and why."""

    level: str
    lon: float
    lat: float
    confidence: float
    category: str
    commune: Ref | None
    province: Ref | None
    code: str | None = None
    place_id: int | None = None
    street: str | None = None
    house_number: str | None = None
    old_units: list[Ref] = field(default_factory=list)
    explain: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        """The normalised address in 2025 unit names."""
        head = " ".join(p for p in (self.house_number, self.street) if p)
        parts = [head] if head else []
        parts += [u.name for u in (self.commune, self.province) if u is not None]
        return ", ".join(parts)


@dataclass
class GeocodeResult:
    query: str
    parsed: ParsedAddress
    candidates: list[Candidate]
    ambiguous: bool


def street_key(name: str) -> str:
    """Folded street name without its type word ("Đường Võ Văn Tần" → "vo van tan").

    >>> street_key("Đường Võ Văn Tần"), street_key("phố Huế")
    ('vo van tan', 'hue')
    """
    key = fold(name)
    for prefix in STREET_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix) + 1:
            return key[len(prefix) :]
    return key


_STREETS_SQL = """
SELECT s.id, s.name, ST_X(pt) AS lon, ST_Y(pt) AS lat
FROM street s
CROSS JOIN LATERAL (
    SELECT ST_ClosestPoint(s.geom, ST_PointOnSurface(a.boundary)) AS pt
    FROM admin_unit a WHERE a.id = :area
) p
WHERE s.name_folded = ANY(:keys)
  AND ST_Intersects(s.geom, (SELECT boundary FROM admin_unit WHERE id = :area))
ORDER BY array_position(CAST(:keys AS text[]), s.name_folded), ST_Length(s.geom::geography) DESC
LIMIT 1
"""

_PLACES_SQL = """
SELECT v.place_id, v.code, v.house_number, v.street_name, ST_X(v.location) AS lon,
       ST_Y(v.location) AS lat
FROM place_version v
WHERE upper_inf(v.recorded) AND v.commune_unit_id = :commune
  AND v.house_number_parts->>'base' = :base
  AND v.valid @> CAST(:at AS date) AND v.status = 'active'
ORDER BY v.kind <> 'building', v.place_id
LIMIT 200
"""


def geocode(conn: Connection, query: str, at: date, limit: int = 5) -> GeocodeResult:
    """Candidates for a free-text address, best first (at most ``limit``)."""
    parsed = parse_address(query)
    with cache.scope(conn):
        parsed = _unrun_street(conn, parsed)
        admin = resolve(conn, parsed, at)
        candidates = _candidates(conn, parsed, admin, at)
    candidates.sort(key=lambda c: (-c.confidence, LEVELS.index(c.level)))
    communes = {c.commune.code for c in candidates if c.commune}
    ambiguous = len(communes) > 1 and (
        len(candidates) > 1 and candidates[0].confidence - candidates[1].confidence < 0.1
    )
    return GeocodeResult(query, parsed, candidates[:limit], ambiguous)


_COMMUNES_BY_STREET_SQL = """
SELECT DISTINCT u.id, u.code, u.level, u.name, u.parent_code
FROM street s
JOIN admin_unit_part p ON p.level = 'commune' AND p.valid @> CAST(:at AS date)
     AND p.geom && s.geom AND ST_Intersects(p.geom, s.geom)
JOIN admin_unit u ON u.id = p.unit_id
WHERE s.name_folded = ANY(:keys)
  AND (CAST(:provinces AS text[]) IS NULL OR u.parent_code = ANY(:provinces))
  AND (CAST(:districts AS bigint[]) IS NULL OR EXISTS (
       SELECT 1 FROM admin_unit_part d WHERE d.unit_id = ANY(:districts)
       AND d.geom && s.geom AND ST_Intersects(d.geom, s.geom)))
ORDER BY u.code
LIMIT :limit
"""
SLIP_MIN = 6  # a street key this long, one edit from another, is that street mistyped
STREET_COMMUNES = 30  # communes a street name without a commune may point to, at most


def _candidates(
    conn: Connection, parsed: ParsedAddress, admin: AdminMatch, at: date
) -> list[Candidate]:
    names = street_names(parsed.house, parsed.street)
    if names and all(c.guessed for c in admin.communes):
        by_street = _by_street(conn, parsed, admin, names, at)
        if by_street:
            return by_street
    if not admin.communes:
        out = [_province_candidate(conn, p, parsed, admin) for p in admin.provinces]
        if not names and not out and parsed.house is not None and parsed.house.number:
            names = _units_as_streets(parsed)  # "87 Trần Quốc Toản City"
    else:
        out = [_best_in_commune(conn, parsed, admin, cc, at) for cc in admin.communes]
        if len(out) > 1:
            _penalise_ambiguity(out)
    if names and all(c.level in ("commune", "province") for c in out):
        elsewhere = _found_elsewhere(conn, parsed, admin, names, at, out)
        if elsewhere is not None:
            return [elsewhere, *out]
    return out


def _units_as_streets(parsed: ParsedAddress) -> list[str]:
    """Street names to try when no unit written is known: a street read as a unit ("87
    Trần Quốc Toản City" — "City" made it one)."""
    return [n for u in parsed.units for n in street_names(parsed.house, u.name)]


def _found_elsewhere(
    conn: Connection,
    parsed: ParsedAddress,
    admin: AdminMatch,
    names: list[str],
    at: date,
    written: list[Candidate],
) -> Candidate | None:
    """The house, registered in one commune of the province(s) but not in the commune
    the address names — the writer gave the former district ("20 Cát Linh, Đống Đa"), a
    neighbouring ward, or a ward that was split. Only a house match counts, and it stays
    below the confidence of a written commune that agrees. When what was written is
    doubtful itself (below 0.7: unknown, a typo's guess, only a province — "52 Phố
    Nguyễn Thái Học, Điện Biên, Đống Đa" is ward Điện Biên, not the province), the house
    is looked for in the whole country."""
    houses = [c for c in _by_street(conn, parsed, admin, names, at) if c.level == "place"]
    doubtful = max((c.confidence for c in written), default=0.0) < 0.7
    if len(houses) != 1 and doubtful:
        anywhere = AdminMatch(notes=list(admin.notes))
        houses = [c for c in _by_street(conn, parsed, anywhere, names, at) if c.level == "place"]
    if len(houses) != 1:
        return None
    house = houses[0]
    named = ", ".join(
        sorted({c.commune.name for c in written if c.commune})
        or sorted({c.province.name for c in written if c.province})
        or ["the units written"]
    )
    house.explain.append(f"the house is registered here, not in {named} as written")
    mention = parsed.commune or next(iter(parsed.units), None)
    untyped = mention is None or not mention.type_word
    house.confidence, house.category = (0.85, "B") if untyped else (0.75, "C")
    where = house.commune.name if house.commune else "another commune"
    for c in written:  # a commune the base map does not cover yet may still be right
        c.confidence, c.category = min(c.confidence, 0.8), "C"
        c.explain.append(f"a house with this address is registered in {where}")
    return house


def _by_street(
    conn: Connection, parsed: ParsedAddress, admin: AdminMatch, names: list[str], at: date
) -> list[Candidate]:
    """No commune written (or only a former district): the communes the address's street
    runs through, within the province or former district written, each searched for the
    house. One registered house on a street of that name is a B answer (0.9: on the
    development set such answers were right 617 of 617 times; it is only as good as the
    base map's coverage, since a street of that name where no base map is loaded is not
    seen); several, or the street alone, are ambiguous or only as sure as a street."""
    provinces = sorted(
        {p.code for p in admin.provinces} | {c.province.code for c in admin.communes}
    )
    districts = sorted({u.id for u in admin.old_units if u.level == "district"})
    keys = [k for name in names for k in _keys(name)]
    if not _any_street_named(conn, keys):
        return []
    params = {
        "keys": keys,
        "at": at,
        "provinces": provinces or None,
        "districts": districts or None,
        "limit": STREET_COMMUNES,
    }
    rows = cache.remember_basemap(
        ("communes by street", tuple(keys), at, tuple(provinces), tuple(districts)),
        lambda: conn.execute(text(_COMMUNES_BY_STREET_SQL), params).all(),
    )
    found: list[Candidate] = []
    for r in rows:
        province = province_at(conn, r.parent_code or "", at)
        if province is None:
            continue
        unit = Unit(r.id, r.code, r.level, r.name, r.parent_code, False, False, False)
        cc = CommuneCandidate(unit, province, by_street=True)
        found.append(_best_in_commune(conn, parsed, admin, cc, at))
    houses = [c for c in found if c.level == "place"]
    written = admin.province_named or bool(districts)
    for c in found:
        c.explain.append("commune not written: found by the street")
        if len(houses) == 1 and c is houses[0]:
            c.confidence, c.category = 0.9, "B"
        elif houses:
            c.confidence, c.category = min(c.confidence, 0.5), "C"
        elif len(found) == 1:
            c.confidence = min(c.confidence, 0.7 if written else 0.6)
        else:
            c.confidence, c.category = min(c.confidence, 0.5), "C"
            c.explain.append("ambiguous: the street runs through several communes")
    return found


def _keys(name: str) -> list[str]:
    key = street_key(name)
    return [key] + [p + key for p in (*STREET_PREFIXES, *ALLEY_PREFIXES) if not key.startswith(p)]


def _best_in_commune(
    conn: Connection, parsed: ParsedAddress, admin: AdminMatch, cc: CommuneCandidate, at: date
) -> Candidate:
    base = _commune_candidate(conn, cc, parsed, admin)
    names = street_names(parsed.house, parsed.street)
    if not names:
        return base
    place = _place(conn, parsed, cc, at)
    if place is not None:
        return _place_candidate(base, place, parsed)
    street = _street(conn, names, cc.commune.id)
    if street is None:
        return _street_not_found(conn, base, names[-1], cc)
    base.level, base.lon, base.lat, base.street = "street", street.lon, street.lat, street.name
    base.explain.append(f"street matched: {street.name}")
    if parsed.house and parsed.house.number:
        base.explain.append(f"house number {parsed.house.number} not in the registry")
        base.confidence = min(base.confidence, 0.7)
        base.category = "C"
    return base


def _street(conn: Connection, names: list[str], area: int) -> Any:
    """The longest base-map street in commune ``area`` named by the first of ``names``
    that it has (lon/lat: its point nearest the commune's inner point); None if none."""
    if not _covered(conn, area):  # no street of the base map there: none can match
        return None
    for name in names:
        keys = _keys(name)
        if not _any_street_named(conn, keys):
            continue
        street = cache.remember_basemap(
            ("street", tuple(keys), area),
            partial(_street_sql, conn, keys, area),
        )
        if street is not None:
            return street
    known = cache.remember_basemap(("street names", area), partial(_street_names_sql, conn, area))
    for name in names:  # a slip in the name: a street of the commune one edit away
        key = street_key(name)
        near = [k for k in known if len(key) >= SLIP_MIN and one_edit(street_key(k), key)]
        if len(near) == 1:
            return cache.remember_basemap(
                ("street", (near[0],), area), partial(_street_sql, conn, near, area)
            )
    return None


def _any_street_named(conn: Connection, keys: list[str]) -> bool:
    """Whether the base map has a street with one of the folded names ``keys`` anywhere:
    most addresses name streets of places the base map does not cover yet, and need no
    spatial query to learn it. The names are read once per state of the base map."""
    if not cache.basemap_shared():
        return True  # no shared state: let the spatial query answer
    return any(k in _street_names(conn) for k in keys)


def _street_names(conn: Connection) -> frozenset[str]:
    """Every folded street name of the base map (once per state of the base map)."""
    return cache.remember_basemap(
        ("street names",),
        lambda: frozenset(conn.execute(text("SELECT DISTINCT name_folded FROM street")).scalars()),
    )


def _unrun_street(conn: Connection, parsed: ParsedAddress) -> ParsedAddress:
    """Without commas or type words the units run on after the street ("180 nguyễn đình
    chiểu xuân hòa ho chi minh city", "87 Trần Quốc Toản City"): when the street read is
    no street of the base map but its first words are, the rest is read as what follows
    it."""
    street, names = parsed.street, None
    if not street or parsed.commune is not None:
        return parsed
    words = street.split()
    if len(words) < 3:
        return parsed
    names = _street_names(conn)
    if any(k in names for k in _keys(street)):
        return parsed
    for cut in range(len(words) - 1, 1, -1):
        if not any(k in names for k in _keys(" ".join(words[:cut]))):
            continue
        rest = " ".join(words[cut:])
        at = parsed.cleaned.find(rest)
        if at <= 0:
            return parsed
        again = parse_address(f"{parsed.cleaned[:at].rstrip()}, {parsed.cleaned[at:]}")
        known = again.street is not None and any(k in names for k in _keys(again.street))
        return again if again.commune is not None or known else parsed
    return parsed


def _street_names_sql(conn: Connection, area: int) -> list[str]:
    return list(
        conn.execute(
            text(
                "SELECT DISTINCT s.name_folded FROM street s, admin_unit a WHERE a.id = :area"
                " AND ST_Intersects(s.geom, a.boundary)"
            ),
            {"area": area},
        ).scalars()
    )


def _street_sql(conn: Connection, keys: list[str], area: int) -> Any:
    return conn.execute(text(_STREETS_SQL), {"keys": keys, "area": area}).first()


def _street_not_found(
    conn: Connection, base: Candidate, street: str, cc: CommuneCandidate
) -> Candidate:
    """A named street the base map does not have: suspicious only where the base map
    covers the commune; elsewhere the commune answer stands, unverified below it."""
    if _covered(conn, cc.commune.id):
        base.explain.append(f"street '{street}' not found in {cc.commune.name}")
        base.confidence = min(base.confidence, 0.6)
        base.category = "C"
    else:
        base.explain.append(f"no base map for {cc.commune.name} yet: street '{street}' not checked")
        base.confidence = min(base.confidence, 0.92)
        base.category = "B" if base.category == "A" else base.category
    return base


def _covered(conn: Connection, commune_id: int) -> bool:
    """Whether any street of the base map lies in the commune (a 2025 commune; a former
    unit is covered when any street lies in its boundary)."""
    if cache.basemap_shared():  # once per state of the base map, for every commune
        covered = cache.remember_basemap(("covered communes",), partial(_covered_sql, conn))
        if commune_id in covered.checked:
            return commune_id in covered
    return bool(  # no shared state (this transaction wrote), or not a commune in force
        cache.remember_basemap(
            ("covered", commune_id),
            lambda: conn.execute(
                text(
                    "SELECT EXISTS (SELECT 1 FROM street s, admin_unit a WHERE a.id = :id"
                    " AND ST_Intersects(s.geom, a.boundary))"
                ),
                {"id": commune_id},
            ).scalar(),
        )
    )


class _Covered(frozenset[int]):
    """The communes with a street, and (``checked``) every commune the query looked at."""

    checked: frozenset[int]


_COVERED_SQL = """
SELECT p.unit_id, bool_or(EXISTS (SELECT 1 FROM street s WHERE s.geom && p.geom
                                  AND ST_Intersects(s.geom, p.geom))) AS covered
FROM admin_unit_part p
WHERE p.level = 'commune' AND p.valid @> CURRENT_DATE
GROUP BY p.unit_id
"""


def _covered_sql(conn: Connection) -> _Covered:
    """Every commune in force today, and which have a street: one statement per state of
    the base map (0.4 s with the bundled extracts) instead of one per commune asked."""
    rows = conn.execute(text(_COVERED_SQL)).all()
    covered = _Covered(r.unit_id for r in rows if r.covered)
    covered.checked = frozenset(r.unit_id for r in rows)
    return covered


def _place(
    conn: Connection, parsed: ParsedAddress, cc: CommuneCandidate, at: date
) -> tuple[int, int | None, str, str, float, float, float] | None:
    """The registered active place(s) in the commune carrying the address's house number
    on its street (:mod:`geo.geocode.house_match`), the first with how far apart they lie."""
    wanted = readings(parsed.house, parsed.street)
    if not wanted or parsed.house is None or parsed.house.base is None:
        return None
    if cc.commune.id not in _communes_with_places(conn):
        return None  # most communes have no registered place yet: no round trip
    base = str(parsed.house.base)
    rows = cache.remember(
        ("places", base, cc.commune.id, at),
        lambda: conn.execute(
            text(_PLACES_SQL), {"base": base, "commune": cc.commune.id, "at": at}
        ).all(),
    )
    same = [r for r in rows if place_readings(r.house_number, r.street_name) & wanted]
    if not same:  # a slip in the street's name: the same path on a street one edit away
        same = [r for r in rows if _one_slip(place_readings(r.house_number, r.street_name), wanted)]
    if not same:
        return None
    r = same[0]
    return (r.place_id, r.code, r.house_number, r.street_name, r.lon, r.lat, _spread_m(same))


# The communes any current place version lies in, by a skip scan of the index on
# (commune_unit_id, base): one probe per commune, not a scan of every version.
_COMMUNES_WITH_PLACES_SQL = """
WITH RECURSIVE c AS (
    (SELECT commune_unit_id AS id FROM place_version
     WHERE upper_inf(recorded) AND commune_unit_id IS NOT NULL
     ORDER BY commune_unit_id LIMIT 1)
    UNION ALL
    SELECT (SELECT v.commune_unit_id FROM place_version v
            WHERE upper_inf(v.recorded) AND v.commune_unit_id > c.id
            ORDER BY v.commune_unit_id LIMIT 1)
    FROM c WHERE c.id IS NOT NULL
)
SELECT id FROM c WHERE id IS NOT NULL
"""


def _communes_with_places(conn: Connection) -> frozenset[int]:
    """Ids of the communes where some place is registered (any status), once per state of
    the data (:func:`geo.geocode.cache.remember`)."""
    return cache.remember(
        ("communes with places",),
        lambda: frozenset(conn.execute(text(_COMMUNES_WITH_PLACES_SQL)).scalars()),
    )


def _one_slip(have: frozenset[Reading], wanted: frozenset[Reading]) -> bool:
    """Whether a reading of ``have`` has a path of ``wanted`` on a street whose key is one
    edit from its (and long enough for that to say something)."""
    return any(
        path == p and len(street) >= SLIP_MIN and one_edit(street, s)
        for path, street in have
        for p, s in wanted
    )


def _spread_m(rows: list[Any]) -> float:
    """How far apart (metres, roughly) registered places with the same address lie."""
    lons = [float(r.lon) for r in rows]
    lats = [float(r.lat) for r in rows]
    return max(max(lons) - min(lons), max(lats) - min(lats)) * 111_000.0


def _place_candidate(
    base: Candidate,
    place: tuple[int, int | None, str, str, float, float, float],
    parsed: ParsedAddress,
) -> Candidate:
    from registry.codes import format_code

    place_id, code, house_number, street_name, lon, lat, spread_m = place
    base.level, base.lon, base.lat = "place", lon, lat
    base.place_id = place_id
    base.code = format_code(code) if code is not None else None
    base.house_number, base.street = house_number, street_name
    base.explain.append(f"place matched: {house_number} {street_name}")
    if not readings(parsed.house, parsed.street) & place_readings(house_number, street_name):
        base.explain.append(f"street '{parsed.street}' read as '{street_name}'")
        base.confidence = min(base.confidence, 0.9)
        base.category = "B" if base.category == "A" else base.category
    if spread_m > 30:
        base.explain.append(
            f"several registered places carry this address ({spread_m:.0f} m apart)"
        )
        base.confidence = min(base.confidence, 0.7)
        base.category = "C"
    return base


def _unit_point(conn: Connection, unit_id: int) -> tuple[float, float]:
    cached = cache.current()
    if cached is not None and unit_id in cached.points:
        return cached.points[unit_id]
    return _unit_point_sql(conn, unit_id)


def _unit_point_sql(conn: Connection, unit_id: int) -> tuple[float, float]:
    row = conn.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(boundary) AS p"
            " FROM admin_unit WHERE id = :id) s"
        ),
        {"id": unit_id},
    ).one()
    return float(row[0]), float(row[1])


def _commune_candidate(
    conn: Connection, cc: CommuneCandidate, parsed: ParsedAddress, admin: AdminMatch
) -> Candidate:
    lon, lat = _unit_point(conn, cc.commune.id)
    explain = [f"commune: {cc.commune.name}", f"province: {cc.province.name}", *admin.notes]
    confidence, category = _admin_confidence(cc, parsed, admin)
    old = [Ref(u.code, u.name) for u in admin.old_units]
    if cc.via_old is not None:
        how = " (part of it)" if cc.partial else " (whole)"
        if cc.sole_part:
            how = " (part of it, the only successor the official table lists)"
        explain.append(f"{cc.via_old.name} (old) → {cc.commune.name}{how}")
    return Candidate(
        level="commune",
        lon=lon,
        lat=lat,
        confidence=confidence,
        category=category,
        commune=Ref(cc.commune.code, cc.commune.name),
        province=Ref(cc.province.code, cc.province.name),
        old_units=old,
        explain=explain,
    )


def _admin_confidence(
    cc: CommuneCandidate, parsed: ParsedAddress, admin: AdminMatch
) -> tuple[float, str]:
    """Confidence and category of the administrative part alone."""
    if cc.guessed:
        return 0.6, "C"
    if cc.by_street:
        return 0.7, "B"
    if cc.partial:
        return 0.55, "C"
    if cc.sole_part:  # the table lists no other successor: as sure as a whole one, nearly
        return (0.9, "B") if admin.province_named else (0.85, "B")
    if admin.marked_old_unmatched:
        return 0.75, "C"
    if admin.several_named:
        return 0.7, "C"
    if cc.shadowed:
        return (0.85, "B") if admin.province_named else (0.7, "C")
    exact = not admin.fuzzy and cc.via_old is None and not cc.commune.via_alias
    if exact and admin.province_named and not admin.old_units:
        return 0.97, "A"
    if exact and not admin.old_units:
        return 0.93, "B"  # province inferred from a unique commune name
    if admin.fuzzy:
        return 0.8, "B"
    return 0.92, "B"  # old names resolved through a whole succession


def _penalise_ambiguity(candidates: list[Candidate]) -> None:
    """Several communes fit: unless one matched deeper, none is sure."""
    best = min(LEVELS.index(c.level) for c in candidates)
    deepest = [c for c in candidates if LEVELS.index(c.level) == best]
    for c in candidates:
        if c in deepest and len(deepest) == 1 and c.level == "place":
            c.explain.append("several communes possible; the registered house decided")
            spread = any(e.startswith("several registered places") for e in c.explain)
            if c.confidence < 0.9 and not spread:
                c.confidence, c.category = 0.9, "B"
            continue
        if c in deepest and len(deepest) == 1 and c.level == "street":
            c.explain.append("several communes possible; the street match decided")
            continue
        c.confidence = min(c.confidence, 0.5)
        c.category = "C"
        c.explain.append("ambiguous: several communes possible")


def _province_candidate(
    conn: Connection, province: Unit, parsed: ParsedAddress, admin: AdminMatch
) -> Candidate:
    lon, lat = _unit_point(conn, province.id)
    return Candidate(
        level="province",
        lon=lon,
        lat=lat,
        confidence=0.4,
        category="C",
        commune=None,
        province=Ref(province.code, province.name),
        old_units=[Ref(u.code, u.name) for u in admin.old_units],
        explain=[f"province: {province.name}", *admin.notes],
    )
