"""An in-process cache of the geocoder's administrative lookups.

Administrative units change only by import, and every import records the digest of its input
in ``dataset_import`` ('admin-units'). :func:`scope` reads that row once (one round trip),
and for as long as the block runs, :func:`current` gives the :class:`AdminCache` loaded for
that database and digest — every key, unit, succession and province in memory (about 50,000
rows, loaded once per process and import, in well under a second) — so resolving the
administrative part of an address needs no round trip. Answers are exactly those of the SQL
in :mod:`geo.geocode.admin`; a new import (another digest) loads a new cache. Lookups that
are not worth holding whole (trigram matches, a unit's point on its surface) are memoised
per key. Without an admin import the cache is off and the SQL runs as before.

Thread-safe: the cache is read-only once built except for the memo, whose writes are single
dict assignments; loading happens under a lock.
"""

from __future__ import annotations

import re
import struct
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple, TypeVar, cast

import numpy as np
from sqlalchemy import Connection, text
from sqlalchemy.engine import Result
from sqlalchemy.sql.elements import TextClause

from geo.geocode.near_keys import NearKeys

__all__ = [
    "AdminCache",
    "SeatRow",
    "SuccessorRow",
    "UnitRow",
    "current",
    "memoised",
    "remember",
    "scope",
    "trigrams",
]

DATASET = "admin-units"
MAX_CACHES = 4  # databases (tests copy templates) or imports held at once
FUZZY_MIN = 0.55  # admin._FUZZY_SQL: similarity(k.key, :key) >= 0.55
_WORD = re.compile(r"[a-z0-9]+")
T = TypeVar("T")


class UnitRow(NamedTuple):
    """An admin unit version as the geocoder's SQL returns it (``id, code, level, name,
    parent_code``), with its validity as dates (``None`` for an infinite bound)."""

    id: int
    code: str
    level: str
    name: str
    parent_code: str | None
    lower: date | None
    upper: date | None
    empty: bool
    unit_type: str

    def in_force(self, at: date) -> bool:
        """``valid @> at``: the half-open range contains the day."""
        return (
            not self.empty
            and (self.lower is None or self.lower <= at)
            and (self.upper is None or at < self.upper)
        )

    def old(self, reform: date) -> bool:
        """``upper(valid) IS NOT NULL AND upper(valid) <= reform``."""
        return self.upper is not None and self.upper <= reform


class SeatRow(NamedTuple):
    """A row of ``admin._district_seat``'s SQL: a 2025 commune an old district's commune
    went into whole, the district's name, and whether that old commune was a thị trấn."""

    id: int
    code: str
    level: str
    name: str
    parent_code: str | None
    district: str
    town: bool


def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigrams of a folded (lower-case ASCII) key: each word padded with two
    spaces before and one after.

    >>> sorted(trigrams("xuan hoaa"))
    ['  h', '  x', ' ho', ' xu', 'aa ', 'an ', 'hoa', 'oaa', 'uan', 'xua']
    """
    out: set[str] = set()
    for word in _WORD.findall(text):
        padded = f"  {word} "
        out.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(out)


def _float4(value: float) -> float:
    """``value`` rounded to single precision, as pg_trgm's ``similarity`` returns it."""
    rounded: float = struct.unpack("f", struct.pack("f", value))[0]
    return rounded


class _TrigramIndex:
    """Keys found by pg_trgm similarity, all at once: every trigram has the array of the
    keys holding it, so the trigrams a key shares with the query are counted for every key
    by one ``bincount`` over the query's trigrams' arrays, and the similarity
    ``shared / (|A| + |B| - shared)`` is computed in single precision, as pg_trgm does."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        grams = [trigrams(k) for k in keys]
        self.sizes = np.array([len(g) for g in grams], dtype=np.float32)
        postings: dict[str, list[int]] = {}
        for i, key_grams in enumerate(grams):
            for g in key_grams:
                postings.setdefault(g, []).append(i)
        self.postings = {g: np.array(ids, dtype=np.int32) for g, ids in postings.items()}

    def similar(self, key: str) -> Iterator[tuple[str, float]]:
        """(key, similarity) for every key with similarity >= :data:`FUZZY_MIN` to ``key``,
        in index order; the similarity is single precision, as pg_trgm's."""
        wanted = trigrams(key)
        arrays = [self.postings[g] for g in wanted if g in self.postings]
        if not arrays:
            return
        shared = np.bincount(np.concatenate(arrays), minlength=len(self.keys)).astype(np.float32)
        similarity = shared / (np.float32(len(wanted)) + self.sizes - shared)
        # float4 >= 0.55 (double): the least float4 at or above 0.55 is float4(0.55) itself
        for i in np.flatnonzero(similarity >= np.float32(FUZZY_MIN)):
            yield self.keys[i], float(similarity[i])


class SuccessorRow(NamedTuple):
    """One succession with its 2025 unit, the columns of ``admin._successors``' SQL."""

    old_unit_id: int
    whole: bool
    id: int
    code: str
    level: str
    name: str
    parent_code: str | None


@dataclass
class AdminCache:
    """The admin tables of one database at one import, indexed as the geocoder asks."""

    units: dict[int, UnitRow]
    keys: dict[str, list[tuple[int, bool]]]  # key → (unit id, via an alias)
    successors_of: dict[int, list[tuple[int, bool]]]  # old unit id → (new unit id, whole)
    provinces: dict[str, list[UnitRow]]  # code → its province versions
    predecessors_of: dict[str, set[str]]  # 2025 province code → codes of old provinces
    points: dict[int, tuple[float, float]]  # unit id → point on its surface (lon, lat)
    memo: dict[Hashable, Any]

    @classmethod
    def load(cls, conn: Connection) -> AdminCache:
        """Read every unit, key and succession (three queries)."""
        units = {
            r[0]: UnitRow(*r)
            for r in conn.execute(
                text(
                    "SELECT id, code, level, name, parent_code, lower(valid), upper(valid),"
                    " isempty(valid), unit_type FROM admin_unit"
                )
            )
        }
        keys: dict[str, list[tuple[int, bool]]] = {}
        for key, unit_id, alias in conn.execute(
            text("SELECT key, unit_id, alias_id IS NOT NULL FROM admin_unit_key ORDER BY id")
        ):
            keys.setdefault(key, []).append((unit_id, alias))
        successors_of: dict[int, list[tuple[int, bool]]] = {}
        predecessors_of: dict[str, set[str]] = {}
        for old_id, new_id, whole in conn.execute(
            text("SELECT old_unit_id, new_unit_id, whole FROM admin_succession")
        ):
            successors_of.setdefault(old_id, []).append((new_id, whole))
            new = units[new_id]
            if new.level == "province":
                predecessors_of.setdefault(new.code, set()).add(units[old_id].code)
        provinces: dict[str, list[UnitRow]] = {}
        for u in sorted(units.values()):
            if u.level == "province":
                provinces.setdefault(u.code, []).append(u)
        points = {
            unit_id: (float(lon), float(lat))
            for unit_id, lon, lat in conn.execute(
                text(
                    "SELECT id, ST_X(p), ST_Y(p) FROM (SELECT id, ST_PointOnSurface(boundary) AS p"
                    " FROM admin_unit WHERE boundary IS NOT NULL) s"
                )
            )
        }
        return cls(units, keys, successors_of, provinces, predecessors_of, points, {})

    def units_named(
        self, key: str, levels: Iterable[str], at: date, reform: date
    ) -> list[dict[str, Any]]:
        """The rows of ``admin._KEY_SQL``: units (2025 in force on ``at``, or pre-2025) with
        the search key ``key``, by id, ``via_alias`` only when no plain key matched."""
        wanted = set(levels)
        via_alias: dict[int, bool] = {}
        for unit_id, alias in self.keys.get(key, ()):
            u = self.units[unit_id]
            if u.level in wanted and (u.upper is None or u.upper <= reform or u.in_force(at)):
                via_alias[unit_id] = via_alias.get(unit_id, True) and alias
        return [self._unit_dict(self.units[i], reform, via_alias[i]) for i in sorted(via_alias)]

    def fuzzy_units(
        self, key: str, levels: Iterable[str], at: date, reform: date
    ) -> list[dict[str, Any]] | None:
        """The rows of ``admin._FUZZY_SQL`` (keys with pg_trgm similarity >= 0.55, per unit
        the most similar), or None when ``key`` is not plain ASCII (the SQL must decide)."""
        index = self._trigram_index()
        if index is None or not key.isascii():
            return None
        return self.remember(
            ("fuzzy", key, frozenset(levels), at, reform),
            lambda: self._fuzzy_units(index, key, set(levels), at, reform),
        )

    def _fuzzy_units(
        self, index: _TrigramIndex, key: str, wanted: set[str], at: date, reform: date
    ) -> list[dict[str, Any]]:
        best: dict[int, tuple[float, bool]] = {}
        for other, similarity in index.similar(key):
            for unit_id, alias in self.keys[other]:
                u = self.units[unit_id]
                if u.level not in wanted or not (
                    u.upper is None or u.upper <= reform or u.in_force(at)
                ):
                    continue
                if unit_id not in best or similarity > best[unit_id][0]:
                    best[unit_id] = (similarity, alias)
        return [
            self._unit_dict(self.units[i], reform, best[i][1]) | {"fuzzy": True}
            for i in sorted(best)
        ]

    def near_units(
        self, key: str, levels: Iterable[str], at: date, reform: date
    ) -> list[dict[str, Any]]:
        """Like :meth:`fuzzy_units`, for the keys one edit from ``key`` (a letter left out,
        added, changed or swapped: "lag son", "bac nonh"), which trigrams miss in short
        names; marked fuzzy."""
        if "near-keys" not in self.memo:
            with _lock:
                if "near-keys" not in self.memo:
                    self.memo["near-keys"] = NearKeys(self.keys)
        index: NearKeys = self.memo["near-keys"]
        wanted = set(levels)
        found: dict[int, bool] = {}
        for other in index.near(key):
            for unit_id, alias in self.keys[other]:
                u = self.units[unit_id]
                if u.level in wanted and (u.upper is None or u.upper <= reform or u.in_force(at)):
                    found[unit_id] = found.get(unit_id, True) and alias
        return [
            self._unit_dict(self.units[i], reform, found[i]) | {"fuzzy": True}
            for i in sorted(found)
        ]

    def _trigram_index(self) -> _TrigramIndex | None:
        """The keys' trigram index, built on first use; None when a key is not plain ASCII
        (then only the SQL computes its trigrams right)."""
        if "trigram-index" not in self.memo:
            with _lock:
                if "trigram-index" not in self.memo:
                    ascii_only = all(k.isascii() for k in self.keys)
                    index = _TrigramIndex(list(self.keys)) if ascii_only else None
                    self.memo["trigram-index"] = index
        found: _TrigramIndex | None = self.memo["trigram-index"]
        return found

    def district_seat(self, codes: Iterable[str], reform: date) -> list[SeatRow]:
        """The rows of ``admin._district_seat``'s SQL: the 2025 communes that old communes of
        the old districts ``codes`` went into whole, ordered by commune id."""
        rows: set[SeatRow] = set()
        for d in (self._old_districts(reform).get(c) for c in set(codes)):
            if d is None:
                continue
            for o in self._old_communes_of(d.code, reform):
                for new_id, whole in self.successors_of.get(o.id, ()):
                    n = self.units[new_id]
                    if whole:
                        town = o.unit_type == "Thị trấn"
                        rows.add(
                            SeatRow(n.id, n.code, n.level, n.name, n.parent_code, d.name, town)
                        )
        return sorted(rows)

    def _old_districts(self, reform: date) -> dict[str, UnitRow]:
        """Code → the district version whose last day is the eve of ``reform``."""
        key = ("old-districts", reform)
        found: dict[str, UnitRow] | None = self.memo.get(key)
        if found is None:
            found = {
                u.code: u
                for u in self.units.values()
                if u.level == "district" and u.upper == reform
            }
            self.memo[key] = found
        return found

    def _old_communes_of(self, district_code: str, reform: date) -> list[UnitRow]:
        key = ("old-communes", reform)
        by_parent: dict[str, list[UnitRow]] | None = self.memo.get(key)
        if by_parent is None:
            by_parent = {}
            for u in self.units.values():
                if u.level == "commune" and u.upper == reform and u.parent_code:
                    by_parent.setdefault(u.parent_code, []).append(u)
            self.memo[key] = by_parent
        return by_parent.get(district_code, [])

    @staticmethod
    def _unit_dict(u: UnitRow, reform: date, via_alias: bool) -> dict[str, Any]:
        return {
            "id": u.id,
            "code": u.code,
            "level": u.level,
            "name": u.name,
            "parent_code": u.parent_code,
            "old": u.old(reform),
            "via_alias": via_alias,
            "fuzzy": False,
        }

    def successors(self, unit_ids: Iterable[int]) -> list[SuccessorRow]:
        """The rows of ``admin._successors``' SQL, ordered by the new unit's code."""
        rows = [
            SuccessorRow(old_id, whole, n.id, n.code, n.level, n.name, n.parent_code)
            for old_id in dict.fromkeys(unit_ids)
            for new_id, whole in self.successors_of.get(old_id, ())
            for n in (self.units[new_id],)
        ]
        return sorted(rows, key=lambda r: r.code)

    def province_at(self, code: str, at: date) -> UnitRow | None:
        """The province version with ``code`` in force on ``at``."""
        return next((u for u in self.provinces.get(code, ()) if u.in_force(at)), None)

    def predecessor_provinces(self, new_codes: Iterable[str]) -> set[str]:
        """Codes of the old provinces that went into the 2025 provinces ``new_codes``."""
        return set().union(*(self.predecessors_of.get(c, set()) for c in new_codes))

    def district_parent(self, code: str | None, reform: date) -> str | None:
        """The province code of the pre-2025 district ``code`` whose last day is the eve of
        ``reform`` (a code names one unit on any day, so at most one), or None."""
        key = ("district-parents", reform)
        parents: dict[str, str | None] | None = self.memo.get(key)
        if parents is None:
            parents = {
                u.code: u.parent_code
                for u in self.units.values()
                if u.level == "district" and u.upper == reform
            }
            self.memo[key] = parents
        return parents.get(code or "")

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, once per ``key`` for the life of this cache."""
        try:
            value: T = self.memo[key]
        except KeyError:
            value = self.memo[key] = compute()
        return value


_caches: dict[tuple[str, str, str], AdminCache] = {}
_lock = threading.Lock()
_current: ContextVar[AdminCache | None] = ContextVar("diachi_admin_cache", default=None)
_data: ContextVar[dict[Hashable, Any] | None] = ContextVar("diachi_data_memo", default=None)
_basemap: ContextVar[dict[Hashable, Any] | None] = ContextVar("diachi_basemap_memo", default=None)
_active: ContextVar[bool] = ContextVar("diachi_admin_cache_active", default=False)
_data_memos: dict[tuple[str, int | None, str | None], dict[Hashable, Any]] = {}
MAX_DATA_ENTRIES = 200_000

_STATE_SQL = """
SELECT current_database(), i.digest, i.imported_at::text,
       (SELECT max(seq) FROM change_transaction),
       pg_current_xact_id_if_assigned() IS NULL AS read_only,
       (SELECT max(id) FROM street) AS street_max,
       (SELECT max(imported_at)::text FROM osm_dataset) AS osm_at
FROM (SELECT 1) one LEFT JOIN dataset_import i ON i.dataset = :d
"""


def _for(
    conn: Connection,
) -> tuple[AdminCache | None, dict[Hashable, Any] | None, dict[Hashable, Any] | None]:
    """The admin cache of ``conn``'s database at its admin import (None without one), the
    memo of base-map and place lookups for the state of its data, and the memo of lookups
    of the base map alone for the state of the base map (both None when this transaction
    has written anything: its own writes are not in any shared state)."""
    row = conn.execute(text(_STATE_SQL), {"d": DATASET}).one()
    db, digest, imported_at, seq, read_only, street_max, osm_at = row
    admin = f"{digest}|{imported_at}"
    data = _data_memo((str(db), seq, admin)) if read_only else None
    basemap = _data_memo((f"{db}|basemap", street_max, f"{admin}|{osm_at}")) if read_only else None
    if digest is None:
        return None, data, basemap
    key = (str(db), str(digest), str(imported_at))
    cache = _caches.get(key)
    if cache is None:
        with _lock:
            cache = _caches.get(key)
            if cache is None:
                cache = AdminCache.load(conn)
                while len(_caches) >= MAX_CACHES:
                    del _caches[next(iter(_caches))]
                _caches[key] = cache
    return cache, data, basemap


def _data_memo(state: tuple[str, int | None, str | None]) -> dict[Hashable, Any]:
    """The lookups memo of a data state: every write to places and the base map is a
    sealed change transaction whose ``seq`` is taken at commit in commit order, and every
    admin import changes the digest, so (database, newest seq, admin import) names what the
    geocoder reads. A new state starts empty; the memo of a past state of the same database
    is dropped."""
    memo = _data_memos.get(state)
    if memo is None or len(memo) > MAX_DATA_ENTRIES:
        with _lock:
            for old in [s for s in _data_memos if s[0] == state[0] or len(_data_memos) > 8]:
                del _data_memos[old]
            memo = _data_memos[state] = {}
    return memo


@contextmanager
def scope(conn: Connection) -> Iterator[AdminCache | None]:
    """Within the block, :func:`current` is the cache of ``conn``'s database at its current
    admin import (None without one) and :func:`remember` memoises base-map lookups for the
    current state of the data. One query. Nested scopes reuse the outer one: a batch opens
    one per chunk, and each ``geocode`` inside it costs no extra round trip."""
    if _active.get():
        yield _current.get()
        return
    cache, data, basemap = _for(conn)
    tokens = (_current.set(cache), _data.set(data), _active.set(True), _basemap.set(basemap))
    try:
        yield cache
    finally:
        _basemap.reset(tokens[3])
        _active.reset(tokens[2])
        _data.reset(tokens[1])
        _current.reset(tokens[0])


def current() -> AdminCache | None:
    """The cache of the enclosing :func:`scope`, or None (outside one, or no import)."""
    return _current.get()


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, memoised under ``key`` for as long as the data read is unchanged (see
    :func:`_data_memo`); computed every time outside a scope or in a transaction that has
    written. For lookups of places, whose answers depend only on the data and ``key``
    (lookups of the base map alone go to :func:`remember_basemap`)."""
    return _remember_in(_data.get(), key, compute)


def basemap_shared() -> bool:
    """Whether :func:`remember_basemap` keeps what it computes (within a scope, in a
    transaction that has not written)."""
    return _basemap.get() is not None


def remember_basemap(key: Hashable, compute: Callable[[], T]) -> T:
    """Like :func:`remember`, for lookups that read only the base map (streets) and the
    administrative units: kept while neither changes — streets change only by an OSM
    import (``osm_dataset``) or by adding streets (``max(street.id)``) — so registering
    places does not drop them."""
    return _remember_in(_basemap.get(), key, compute)


def _remember_in(memo: dict[Hashable, Any] | None, key: Hashable, compute: Callable[[], T]) -> T:
    """``memo[key]``, computed and stored on first use; computed every time without a memo."""
    if memo is None:
        return compute()
    try:
        found: T = memo[key]
    except KeyError:
        found = memo[key] = compute()
    return found


class _MemoisedConnection:
    """``conn`` whose read statements (``text()`` SELECTs) are answered, once run, from the
    memo of the data state (see :func:`remember`); anything else goes to ``conn``."""

    def __init__(self, conn: Connection, memo: dict[Hashable, Any]) -> None:
        self._conn, self._memo = conn, memo

    def execute(
        self, statement: Any, parameters: Mapping[str, Any] | None = None, **kw: Any
    ) -> Result[Any]:
        key = _statement_key(statement, parameters) if not kw else None
        if key is None:
            return self._conn.execute(statement, parameters, **kw)
        frozen = self._memo.get(key)
        if frozen is None:
            frozen = self._memo[key] = self._conn.execute(statement, parameters).freeze()
        return frozen()  # a fresh Result over the stored rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _statement_key(statement: Any, parameters: Mapping[str, Any] | None) -> Hashable | None:
    """The memo key of a read statement, or None (not a SELECT, or unhashable values)."""
    if not isinstance(statement, TextClause):
        return None
    if not _READ.match(statement.text):
        return None
    items = (parameters or {}).items()
    try:
        values = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in items))
        hash(values)
    except TypeError:
        return None
    return ("sql", statement.text, values)


_READ = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)


def memoised(conn: Connection) -> Connection:
    """Within a :func:`scope`, ``conn`` as a connection whose read statements are run once
    per data state: the same statement with the same parameters is answered from memory,
    so lookups a caller does not memoise itself are shared by every address of a batch.
    Sound for the geocoder's statements, which read only the registry and the base map and
    depend only on their parameters (no ``now()``, no ``random()``); outside a scope, or in
    a transaction that has written, ``conn`` itself."""
    memo = _data.get()
    return conn if memo is None else cast(Connection, _MemoisedConnection(conn, memo))
