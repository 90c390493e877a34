"""Suggestions for people typing an address: places, streets and administrative units.

Every token of the text is matched as a prefix of a word, without diacritics (``xuan hoa``,
``Xuân Hoà`` and ``x h`` all find Phường Xuân Hòa), against ``search_entry`` (migration 0004:
active places with a code, streets, units in force; kept by triggers). With ``near`` the
nearest matches come first; without it units, then streets, then places, shorter labels
first.

How a query is answered depends on how many entries its words match, estimated from the
vocabulary of the index (:class:`Vocabulary`, word → number of entries, cached):

* frequent words only (``1``, ``phuong``, ``thanh pho``): the entries read in order (of
  distance from ``near``, or of rank) and checked one by one, which finds the first matches
  after a few hundred rows — at most :data:`SCAN` rows;
* rare words, or too few found that way: the tsvector index on the three rarest words (a
  prefix of a frequent word would make the index read most of the table), at most
  :data:`RARE_CAP` rows, each checked against every word, then sorted;
* every word frequent but none around the point: a sample of the table's pages.

Entries whose name starts with the first two words as typed ("12 vo…") are looked up first,
through the btree on the folded label: they are the most telling, and found in a few rows
even when the words are everywhere.

Then, while fewer than ``limit`` suggestions were found, a word that starts no word of the
vocabulary is replaced by the prefixes one edit away that do (a typo per word: one letter
changed, missing, added or two swapped); and when there is still nothing, the entries
nearest ``near`` whose text is most like the query by trigrams (``word_similarity``). Each
suggestion says which way it was found (``match``).
"""

from __future__ import annotations

import math
import re
import threading
import time
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from sqlalchemy import Connection, Engine, text

from geo.text import fold

__all__ = [
    "Suggestion",
    "Vocabulary",
    "autocomplete",
    "edits",
    "tokens",
]

MAX_TOKENS = 8
SCAN = 1_000  # entries an ordered read looks at, at most
INDEX_SHARE = 0.2  # words in more entries than this share are checked on rows, not by index
INDEX_WORDS = 3  # the rarest words the index is asked for (the others checked on its rows)
CHEAP = 10_000  # entries the rarest word may match for the index to be asked to fill up
RARE_CAP = 1_000  # entries the index gives, at most (then checked against every word)
SIMILAR_SCAN = 300  # entries nearest the point the trigram fallback compares
SIMILAR_MIN = 0.5  # word_similarity(query, entry)
VOCABULARY_TTL_S = 300.0
_WORD = re.compile(r"[a-z0-9]+")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Suggestion:
    """One suggestion: ``kind`` place | street | admin, ``id`` the place, street or unit
    version; ``code`` the place's address code, ``unit_code`` the unit's GSO code; (lon, lat)
    EPSG:4326; ``distance_m`` from ``near`` in metres; ``match`` prefix | corrected |
    similar."""

    kind: str
    id: int
    label: str
    context: str
    code: str | None
    unit_code: str | None
    lon: float | None
    lat: float | None
    distance_m: float | None
    match: str


def tokens(query: str) -> list[str]:
    """The folded words of ``query`` (at most :data:`MAX_TOKENS`).

    >>> tokens("Số 12/3A Đường Võ Văn Tần, P.Xuân Hòa")
    ['so', '12', '3a', 'duong', 'vo', 'van', 'tan', 'p']
    """
    return _WORD.findall(fold(query))[:MAX_TOKENS]


def edits(word: str) -> set[str]:
    """Every string one edit from ``word``: a letter deleted, two neighbours swapped, a letter
    replaced or inserted (letters a–z).

    >>> sorted(w for w in edits("hoa") if len(w) == 2)
    ['ha', 'ho', 'oa']
    >>> "xuan" in edits("xaun"), "xuan" in edits("xuann"), "xuan" in edits("xuen")
    (True, True, True)
    """
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deleted = {a + b[1:] for a, b in splits if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaced = {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    inserted = {a + c + b for a, b in splits for c in _ALPHABET}
    return (deleted | swapped | replaced | inserted) - {""}


class Vocabulary:
    """The words of the index with the number of entries holding each (``ts_stat``), for
    estimating how many entries a prefix matches and for correcting typos."""

    def __init__(self, counts: Iterable[tuple[str, int]], entries: int = 0) -> None:
        pairs = sorted(counts)
        self.entries = max(entries, 1)
        self.words = [w for w, _ in pairs]
        self.cumulative = [0, *accumulate(n for _, n in pairs)]
        self.prefixes = {w[:i] for w in self.words for i in range(1, len(w) + 1)}
        self.loaded_at = time.monotonic()

    @classmethod
    def load(cls, conn: Connection) -> Vocabulary:
        rows = conn.execute(text("SELECT word, ndoc FROM ts_stat('SELECT tsv FROM search_entry')"))
        counts = [(str(w), int(n)) for w, n in rows]
        entries = conn.execute(text("SELECT count(*) FROM search_entry")).scalar_one()
        return cls(counts, entries)

    def estimate(self, prefix: str) -> int:
        """Entries holding a word that starts with ``prefix`` (an upper bound: an entry with
        two such words counts twice).

        >>> Vocabulary([("hoa", 5), ("hoang", 2), ("ho", 9)]).estimate("hoa")
        7
        """
        low = bisect_left(self.words, prefix)
        high = bisect_left(self.words, prefix + "\x7f")
        return self.cumulative[high] - self.cumulative[low]

    def corrections(self, token: str, most: int = 4) -> list[str]:
        """Prefixes one edit from ``token`` that start some word, most frequent first; none
        for numbers and words shorter than three letters.

        >>> Vocabulary([("xuan", 50), ("xuat", 3), ("hoa", 9)]).corrections("xaun")
        ['xuan']
        """
        if len(token) < 3 or not token.isalpha():
            return []
        found = [p for p in edits(token) if p in self.prefixes]
        return sorted(found, key=lambda p: (-self.estimate(p), p))[:most]


_vocabularies: dict[str, Vocabulary] = {}
_reloading: set[str] = set()
_lock = threading.Lock()


def vocabulary(conn: Connection) -> Vocabulary:
    """The vocabulary of ``conn``'s database: loaded on first use, then reloaded in the
    background (on a connection of its own) when older than :data:`VOCABULARY_TTL_S`; a
    stale vocabulary only makes estimates and corrections older, never answers wrong."""
    name = conn.engine.url.render_as_string(hide_password=True)
    found = _vocabularies.get(name)
    if found is None:
        found = _vocabularies[name] = Vocabulary.load(conn)
    elif time.monotonic() - found.loaded_at > VOCABULARY_TTL_S:
        _reload_later(conn.engine, name)
    return found


def _reload_later(engine: Engine, name: str) -> None:
    with _lock:
        if name in _reloading:
            return
        _reloading.add(name)

    def reload() -> None:
        try:
            with engine.connect() as conn:
                _vocabularies[name] = Vocabulary.load(conn)
        finally:
            _reloading.discard(name)

    threading.Thread(target=reload, name="autocomplete-vocabulary", daemon=True).start()


_COLUMNS = """
kind, ref_id, label, context, code, unit_code, ST_X(location) AS lon, ST_Y(location) AS lat,
CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL ELSE ST_Distance(location::geography,
    ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) END AS distance_m
"""
# The order of suggestions: distance from the point (the GiST index answers it nearest
# first), or rank (the btree index on it).
_NEAR = "location <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
_RANK = "ARRAY[weight, char_length(label)]"
_RANK_INDEX = "weight, char_length(label)"  # the same order, as the btree index reads it

_ORDERED_SQL = """
SELECT {columns} FROM (
    SELECT *, {order} AS o FROM search_entry ORDER BY {index_order} LIMIT :scan
) e
WHERE ts_match_vq(tsv, to_tsquery('simple', :all))
ORDER BY o LIMIT :limit
"""

_LABEL_SQL = """
SELECT {columns} FROM (
    SELECT *, {order} AS o FROM search_entry
    WHERE label_folded LIKE :label AND ts_match_vq(tsv, to_tsquery('simple', :all))
    LIMIT :cap  -- never reached (the range was counted), but it keeps the order out
) e
ORDER BY o LIMIT :limit
"""

_SAMPLE_SQL = """
SELECT {columns} FROM (
    SELECT *, {order} AS o FROM search_entry TABLESAMPLE SYSTEM (:percent) REPEATABLE (0)
    WHERE ts_match_vq(tsv, to_tsquery('simple', :all))
) e
ORDER BY o LIMIT :limit
"""

_RARE_SQL = """
SELECT {columns} FROM (
    SELECT *, {order} AS o FROM (
        SELECT * FROM search_entry WHERE tsv @@ to_tsquery('simple', :rare) LIMIT :cap
    ) r
    WHERE ts_match_vq(tsv, to_tsquery('simple', :all))
) e
ORDER BY o LIMIT :limit
"""

_SIMILAR_SQL = """
SELECT {columns} FROM (
    SELECT *, {order} AS o FROM search_entry ORDER BY {index_order} LIMIT :scan
) e
WHERE word_similarity(:folded, folded) >= :min
ORDER BY word_similarity(:folded, folded) DESC, o LIMIT :limit
"""


def autocomplete(
    conn: Connection, query: str, near: tuple[float, float] | None = None, limit: int = 10
) -> list[Suggestion]:
    """Up to ``limit`` suggestions for ``query`` as typed so far; ``near`` is (lon, lat) in
    EPSG:4326. No words: no suggestions."""
    words = tokens(query)
    if not words:
        return []
    vocab = vocabulary(conn)
    conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))  # small, quick reads
    params = {"lon": near[0] if near else None, "lat": near[1] if near else None}
    found = _by_label(conn, words, params, limit)
    if len(found) < limit:
        more = _search(conn, [[w] for w in words], vocab, params, limit, "prefix", bool(found))
        found = _merge(found, more)
    if len(found) < limit:
        groups = [[w] if vocab.estimate(w) else [w, *vocab.corrections(w)] for w in words]
        if any(len(g) > 1 for g in groups):
            found = _merge(found, _search(conn, groups, vocab, params, limit, "corrected"))
    if not found and near is not None:
        found = _similar(conn, " ".join(words), params, limit)
    return found[:limit]


def _merge(first: list[Suggestion], more: list[Suggestion]) -> list[Suggestion]:
    seen = {(s.kind, s.id) for s in first}
    return first + [s for s in more if (s.kind, s.id) not in seen]


def _tsquery(groups: list[list[str]]) -> str:
    """``[["xuan"], ["hoa", "hao"]]`` → ``(xuan:*) & (hoa:* | hao:*)``; words are [a-z0-9]+."""
    return " & ".join("(" + " | ".join(f"{w}:*" for w in g) + ")" for g in groups)


def _by_label(
    conn: Connection, words: list[str], params: dict[str, Any], limit: int
) -> list[Suggestion]:
    """Entries whose name starts with the first two words as typed ("12 vo…", "phuong
    xuan…"), or three when two start too many names ("phong 7 ly…"), through the btree on
    the folded label: the most telling matches, found in a few rows even when the words are
    everywhere. None when even that range is wide (more than :data:`RARE_CAP` names): the
    other ways order those better."""
    if len(words) < 2 and len(words[0]) < 3:
        return []
    prefixes = dict.fromkeys(_label_prefix(words, n) for n in (2, 3))
    label = next((p for p in prefixes if not _range_is_wide(conn, p)), None)
    if label is None:
        return []
    near = params["lon"] is not None
    sql = _LABEL_SQL.format(columns=_COLUMNS, order=_NEAR if near else _RANK)
    wanted = limit if near else max(4 * limit, 40)
    bind = params | {"label": label, "all": _tsquery([[w] for w in words]), "limit": wanted}
    rows = conn.execute(text(sql), bind | {"cap": RARE_CAP}).all()
    found = [_suggestion(r, "prefix") for r in rows]
    return found if near else _rerank(found, words)[:limit]


def _label_prefix(words: list[str], n: int) -> str:
    """The LIKE pattern of the first ``n`` words; words are [a-z0-9]+, so no wildcards."""
    return " ".join(words[:n]) + "%"


def _range_is_wide(conn: Connection, label: str) -> bool:
    """More than :data:`RARE_CAP` labels start so (read from the index alone)."""
    return bool(
        conn.execute(
            text(
                "SELECT count(*) >= :cap FROM (SELECT 1 FROM search_entry"
                " WHERE label_folded LIKE :label LIMIT :cap) s"
            ),
            {"label": label, "cap": RARE_CAP},
        ).scalar()
    )


def _search(
    conn: Connection,
    groups: list[list[str]],
    vocab: Vocabulary,
    params: dict[str, Any],
    limit: int,
    match: str,
    have: bool = False,
) -> list[Suggestion]:
    """Entries matching every group (a word, or a word and its corrections) as a prefix.
    When some were found already (``have``, by their name), only the cheap ways are tried."""
    entries = vocab.entries
    counts = [min(sum(vocab.estimate(w) for w in g), entries) for g in groups]
    expected = entries * math.prod(c / entries for c in counts)  # as if independent
    near = params["lon"] is not None
    wanted = limit if near else max(4 * limit, 40)  # without a point: re-ranked below
    order, index_order = (_NEAR, _NEAR) if near else (_RANK, _RANK_INDEX)
    bind = params | {"all": _tsquery(groups), "limit": wanted}
    rows: Sequence[Any] = []
    if expected * SCAN >= wanted * entries:  # frequent: read in order, found within SCAN
        sql = _ORDERED_SQL.format(columns=_COLUMNS, order=order, index_order=index_order)
        rows = conn.execute(text(sql), bind | {"scan": SCAN}).all()
    rarest = min(counts)
    if len(rows) < wanted and rarest <= (CHEAP if have else INDEX_SHARE * entries):
        # rare, or far from the point: through the index, on the rarest words
        by_count = sorted(zip(counts, range(len(groups)), strict=True))
        rare = [groups[i] for c, i in by_count[:INDEX_WORDS] if c <= INDEX_SHARE * entries]
        sql = _RARE_SQL.format(columns=_COLUMNS, order=order)
        rows = conn.execute(text(sql), bind | {"rare": _tsquery(rare), "cap": RARE_CAP}).all()
    elif len(rows) < wanted and not have:
        # every word is frequent, but not around the point nor among the first by rank: a
        # sample of the table's pages holds some (the index would read most of it)
        sql = _SAMPLE_SQL.format(columns=_COLUMNS, order=order)
        percent = min(100.0, 100.0 * SCAN / entries)
        seen = {(r.kind, r.ref_id) for r in rows}
        more = conn.execute(text(sql), bind | {"percent": percent}).all()
        rows = [*rows, *(r for r in more if (r.kind, r.ref_id) not in seen)]
    found = [_suggestion(r, match) for r in rows]
    return found if near else _rerank(found, [g[0] for g in groups])[:limit]


def _rerank(found: list[Suggestion], words: list[str]) -> list[Suggestion]:
    """Without a point: entries whose own name holds more of the words first (``xuan hoa``:
    Xã Xuân Hòa before Xã Xuân Du of Tỉnh Thanh Hóa), then units, streets, places, and shorter
    names; stable otherwise."""

    def in_label(s: Suggestion) -> int:
        label = _WORD.findall(fold(s.label))
        return sum(any(w.startswith(t) for w in label) for t in words)

    weight = {"admin": 0, "street": 1, "place": 2}
    return sorted(found, key=lambda s: (-in_label(s), weight[s.kind], len(s.label)))


def _similar(conn: Connection, folded: str, params: dict[str, Any], limit: int) -> list[Suggestion]:
    """Among the entries nearest the point, those whose text is most like the query by
    trigrams (typos the vocabulary could not mend: two in a word, or in a short one)."""
    sql = _SIMILAR_SQL.format(columns=_COLUMNS, order=_NEAR, index_order=_NEAR)
    bind = params | {"folded": folded, "min": SIMILAR_MIN, "limit": limit, "scan": SIMILAR_SCAN}
    return [_suggestion(r, "similar") for r in conn.execute(text(sql), bind)]


def _suggestion(row: Any, match: str) -> Suggestion:
    from registry.codes import format_code

    return Suggestion(
        kind=row.kind,
        id=row.ref_id,
        label=row.label,
        context=row.context,
        code=format_code(row.code) if row.code is not None else None,
        unit_code=row.unit_code,
        lon=row.lon,
        lat=row.lat,
        distance_m=round(row.distance_m, 1) if row.distance_m is not None else None,
        match=match,
    )
