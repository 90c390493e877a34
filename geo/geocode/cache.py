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

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection, text

__all__ = ["AdminCache", "SuccessorRow", "UnitRow", "current", "scope"]

DATASET = "admin-units"
MAX_CACHES = 4  # databases (tests copy templates) or imports held at once
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
    memo: dict[Hashable, Any]

    @classmethod
    def load(cls, conn: Connection) -> AdminCache:
        """Read every unit, key and succession (three queries)."""
        units = {
            r[0]: UnitRow(*r)
            for r in conn.execute(
                text(
                    "SELECT id, code, level, name, parent_code, lower(valid), upper(valid),"
                    " isempty(valid) FROM admin_unit"
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
        return cls(units, keys, successors_of, provinces, predecessors_of, {})

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
_active: ContextVar[bool] = ContextVar("diachi_admin_cache_active", default=False)


def _for(conn: Connection) -> AdminCache | None:
    row = conn.execute(
        text(
            "SELECT current_database(), digest, imported_at::text FROM dataset_import"
            " WHERE dataset = :d"
        ),
        {"d": DATASET},
    ).first()
    if row is None:
        return None
    key = (str(row[0]), str(row[1]), str(row[2]))
    cache = _caches.get(key)
    if cache is None:
        with _lock:
            cache = _caches.get(key)
            if cache is None:
                cache = AdminCache.load(conn)
                while len(_caches) >= MAX_CACHES:
                    del _caches[next(iter(_caches))]
                _caches[key] = cache
    return cache


@contextmanager
def scope(conn: Connection) -> Iterator[AdminCache | None]:
    """Within the block, :func:`current` is the cache of ``conn``'s database at its current
    admin import (None without one). Nested scopes reuse the outer one: a batch opens one
    per chunk, and each ``geocode`` inside it costs no extra round trip."""
    if _active.get():
        yield _current.get()
        return
    cache_token = _current.set(_for(conn))
    active_token = _active.set(True)
    try:
        yield _current.get()
    finally:
        _active.reset(active_token)
        _current.reset(cache_token)


def current() -> AdminCache | None:
    """The cache of the enclosing :func:`scope`, or None (outside one, or no import)."""
    return _current.get()
