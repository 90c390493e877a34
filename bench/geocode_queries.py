"""The geocoding queries of the development set under each noise kind, and how an answer
is scored; shared by :mod:`bench.geocode_quality` and :mod:`bench.geocode_vs_nominatim`.

Queries: every row of ward_hq_addresses_dev.csv (its ``address_with_province``, source
``hq``) and of osm_address_points_dev.csv (``address_2025`` and ``address_as_tagged``,
sources ``osm_2025`` and ``osm_tagged``) in each noise kind of :mod:`bench.noise` that
applies to it (a kind that finds nothing to change makes no query).

What a query should give: its 2025 commune (``ward_code`` / ``ward_code_2025``); for the
OSM points also the point. The subsets:

- seat addresses: ``named_new`` / ``named_old_whole`` / ``named_old_split`` (the clean
  text names the commune by its 2025 name, by the name of a former unit that went into it
  whole, or of one that was split), ``district_only`` (a former district and no commune
  word), ``other``; ``still_named``: the clean text names the commune (new name, or a
  former unit that went in whole) and the variant still shows that name (up to case,
  diacritics, spacing and Unicode form, and reading Telex/VNI keystrokes back); never for
  ``ward_missing``;
- OSM points: ``in_registry`` (the registry holds an active place with that house number
  and street in that commune), ``not_in_registry``, and ``unknown_number`` for
  ``house_number_unknown`` (a number the registry does not have on that street).

An answer is the best candidate. Commune right: its 2025 commune is the query's. Exact
place: a house-level answer within 30 m of the OSM point. Right (for precision at
confidence >= 0.9): the commune, and the place when a house-level answer is claimed for an
OSM point.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import re
import subprocess
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from bench.noise import (
    KINDS,
    OldName,
    OldNames,
    bare_name,
    commune_mention,
    fold_chars,
    mixed_kinds,
    variant,
)
from geo.geocode.forward import geocode, street_key
from geo.house_number import parse_house_number
from registry.config import PROJECT_ROOT

DEFAULT_DATA = Path("/work/shared/data/geocode-groundtruth-dev")
HQ_FILE = "ward_hq_addresses_dev.csv"
OSM_FILE = "osm_address_points_dev.csv"
PLACE_RADIUS_M = 30.0
CONFIDENT = 0.9


@dataclass
class Query:
    """One query text and what it should give."""

    qid: str
    source: str  # hq | osm_2025 | osm_tagged
    kind: str
    text: str
    commune: str  # 2025 commune code
    lon: float | None = None
    lat: float | None = None
    # hq: named_new | named_old_whole | named_old_split | district_only | other;
    # osm: in_registry | not_in_registry | unknown_number
    subset: str = ""
    still_named: bool = False  # the variant still names the commune unambiguously (hq)
    old_whole: bool | None = None  # old_names: the former unit went whole into the commune
    commune_name: str = ""
    mix: str = ""  # mixed: the kinds combined ("reordered+telex")


@dataclass
class Answer:
    """A system's best answer to one query."""

    answered: bool
    commune: str | None = None
    lon: float | None = None
    lat: float | None = None
    house_level: bool = False
    confidence: float | None = None
    level: str | None = None
    error: str | None = None
    detail: str = ""
    communes: list[str] = field(default_factory=list)  # every candidate's commune
    ref: str | None = None  # Nominatim: the ref of a 2025 commune relation it answered
    commune_name: str | None = None


# ---------------------------------------------------------------- queries


def read_rows(path: Path, limit: int | None = None) -> list[dict[str, str]]:
    """The rows of a ground-truth CSV, the first ``limit`` of them when given."""
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows[:limit] if limit else rows


_COMMUNE_WORD = "(?<!thi )\\b(?:phuong|xa|thi tran|dac khu)\\b"
_DISTRICT_WORD = "\\b(?:huyen|quan|thi xa)\\b"


def hq_subset(address: str, new_name: str, old_names: dict[str, bool]) -> tuple[str, str | None]:
    """How a clean seat address names its commune, and the bare name it uses."""
    if commune_mention(address, [new_name]):
        return "named_new", new_name
    for old, whole in old_names.items():
        if commune_mention(address, [old]):
            return ("named_old_whole" if whole else "named_old_split"), old
    folded = fold_chars(address)
    if re.search(_DISTRICT_WORD, folded) and not re.search(_COMMUNE_WORD, folded):
        return "district_only", None
    return "other", None


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_TELEX_SHAPE = re.compile(r"(?<=[a-z])(?:w|(?<=a)a|(?<=e)e|(?<=o)o|(?<=d)d)")


def reading(text_: str, keyboard: bool = False) -> str:
    """``text_`` as a reader takes it in: folded, zero-width characters gone, words of
    letters and digits one space apart; with ``keyboard``, Telex and VNI keystrokes read
    back (a tone key at the end of a word, a vowel-mark key after its letter).

    >>> reading("Phuwowngf\u00a0Ngocj Ha\u200bf", keyboard=True)
    'phuong ngoc ha'
    >>> reading("Pho61 Ha2ng D9a4y", keyboard=True)
    'pho hang day'
    """
    folded = fold_chars(unicodedata.normalize("NFC", text_.translate(_ZERO_WIDTH)))
    words = "".join(c if c.isalnum() else " " for c in folded).split()
    if keyboard:
        words = [_unkey(w) for w in words]
    return " ".join(words)


def _unkey(word: str) -> str:
    if not word[0].isalpha():
        return word
    word = re.sub(r"(?<=[a-z])[1-9]+", "", word)  # VNI marks and tones
    if len(word) > 1 and word[-1] in "sfrxj":  # no Vietnamese syllable ends so
        word = word[:-1]
    return _TELEX_SHAPE.sub("", word)


def names_still(variant_text: str, bare: str | None, keyboard: bool = False) -> bool:
    """Whether ``variant_text`` still shows the folded bare name ``bare`` as whole words."""
    if bare is None:
        return False
    return f" {reading(bare, keyboard)} " in f" {reading(variant_text, keyboard)} "


def _keyboard(kind: str, mix: list[str]) -> bool:
    return kind in ("telex", "vni") or bool({"telex", "vni"} & set(mix))


def hq_queries(
    rows: list[dict[str, str]], olds: OldNames, seed: int, kinds: Iterable[str] = KINDS
) -> list[Query]:
    """The seat addresses (``address_with_province``) in each of ``kinds`` that applies."""
    out: list[Query] = []
    for row in rows:
        new_bare = bare_name(row["ward_name"])
        clean = row["address_with_province"]
        old_names = olds.names(row["ward_code"])
        subset, used = hq_subset(clean, new_bare, old_names)
        old = olds.choose(row["ward_code"], row["ward_name"], random.Random(f"{seed}|{row['id']}"))
        for kind in kinds:
            q = Query(row["id"], "hq", kind, "", row["ward_code"], commune_name=row["ward_name"])
            if kind in ("old_names", "old_names_messy"):
                if subset != "named_new" or old is None:
                    continue
                text_ = variant(clean, kind, seed, old, [new_bare])
                q.subset = "named_old_whole" if old.whole else "named_old_split"
                q.still_named = q.old_whole = old.whole
            else:
                names = [new_bare, *old_names]
                text_ = variant(clean, kind, seed, None, names, province=row["province_name"])
                mix = mixed_kinds(clean, seed) if kind == "mixed" else []
                q.mix = "+".join(mix)
                q.subset = subset
                q.still_named = (
                    kind != "ward_missing"
                    and subset in ("named_new", "named_old_whole")
                    and text_ is not None
                    and names_still(text_, used, _keyboard(kind, mix))
                )
            if text_ is None:
                continue
            q.text = text_
            out.append(q)
    return out


_HOUSE_NUMBERS_SQL = """
SELECT v.house_number_parts->>'normalized' AS hn, v.street_name
FROM place_version v JOIN admin_unit a ON a.id = v.commune_unit_id AND a.code = :code
WHERE upper_inf(v.recorded) AND v.status = 'active' AND v.valid @> CAST(:at AS date)
"""


def _street_numbers(
    conn: Connection, row: dict[str, str], at: date, cache: dict[str, list[tuple[str, str]]]
) -> set[str]:
    """The normalised house numbers of the active places on the row's street and commune."""
    code = row["ward_code_2025"]
    if code not in cache:
        cache[code] = [
            tuple(r) for r in conn.execute(text(_HOUSE_NUMBERS_SQL), {"code": code, "at": at})
        ]
    wanted = street_key(row["street"])
    return {hn for hn, street in cache[code] if street and street_key(street) == wanted}


def osm_queries(
    conn: Connection,
    rows: list[dict[str, str]],
    olds: OldNames,
    seed: int,
    at: date,
    kinds: Iterable[str] = KINDS,
) -> list[Query]:
    """The OSM points (``address_2025``, ``address_as_tagged``) in each of ``kinds`` that
    applies."""
    kinds = list(kinds)
    out: list[Query] = []
    cache: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        taken = _street_numbers(conn, row, at, cache)
        normalized = parse_house_number(row["housenumber"]).normalized
        subset = "in_registry" if normalized in taken else "not_in_registry"
        code = row["ward_code_2025"]
        old = olds.choose(code, row["ward_name_2025"], random.Random(f"{seed}|{row['id']}"))
        names = [bare_name(row["ward_name_2025"])]
        for source, column in (("osm_2025", "address_2025"), ("osm_tagged", "address_as_tagged")):
            for kind in kinds:
                text_ = _osm_variant(row, column, kind, seed, old, names, taken)
                if text_ is None:
                    continue
                mix = mixed_kinds(row[column], seed) if kind == "mixed" else []
                out.append(
                    Query(
                        row["id"],
                        source,
                        kind,
                        text_,
                        code,
                        float(row["lon"]),
                        float(row["lat"]),
                        subset="unknown_number" if kind == "house_number_unknown" else subset,
                        old_whole=old.whole if kind.startswith("old_names") and old else None,
                        commune_name=row["ward_name_2025"],
                        mix="+".join(mix),
                    )
                )
    return out


def _osm_variant(
    row: dict[str, str],
    column: str,
    kind: str,
    seed: int,
    old: OldName | None,
    names: list[str],
    taken: set[str],
) -> str | None:
    return variant(
        row[column],
        kind,
        seed,
        old,
        names,
        province=row["province_name_2025"],
        house_number=row["housenumber"],
        taken=taken,
    )


# ---------------------------------------------------------------- answers


def diachi_answers(conn: Connection, queries: list[Query], at: date) -> list[Answer]:
    """diachi's best answer to each query, in-process (``geo.geocode.forward.geocode``);
    a crash is an unanswered query with its error."""
    answers = []
    for q in queries:
        try:
            result = geocode(conn, q.text, at)
        except Exception as exc:  # a crash is a wrong answer, and is reported
            conn.rollback()
            answers.append(Answer(False, error=f"{type(exc).__name__}: {exc}"[:300]))
            continue
        best = result.candidates[0] if result.candidates else None
        if best is None:
            answers.append(Answer(False))
            continue
        answers.append(
            Answer(
                True,
                best.commune.code if best.commune else None,
                best.lon,
                best.lat,
                best.level == "place",
                best.confidence,
                best.level,
                detail=best.address,
                communes=[c.commune.code for c in result.candidates if c.commune],
                commune_name=best.commune.name if best.commune else None,
            )
        )
    return answers


# ---------------------------------------------------------------- scoring


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (spherical Earth, R = 6,371,008.8 m).

    >>> round(distance_m(106.0, 10.0, 106.0, 10.001))
    111
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def error_m(q: Query, a: Answer) -> float | None:
    """How far the answer's point is from the query's (OSM points), None without both."""
    if a.lon is None or a.lat is None or q.lon is None or q.lat is None:
        return None
    return distance_m(a.lon, a.lat, q.lon, q.lat)


def commune_right(q: Query, a: Answer) -> bool:
    return a.answered and a.commune == q.commune


def place_right(q: Query, a: Answer) -> bool:
    error = error_m(q, a)
    return a.answered and a.house_level and error is not None and error <= PLACE_RADIUS_M


def right(q: Query, a: Answer) -> bool:
    """Right for the confidence precision: the commune, and the place where a place is
    claimed for an OSM point."""
    if not commune_right(q, a):
        return False
    return q.lon is None or not a.house_level or place_right(q, a)


def confident(a: Answer) -> bool:
    return (a.confidence or 0.0) >= CONFIDENT


@dataclass
class Tally:
    n: int = 0
    hits: int = 0

    def add(self, hit: bool) -> None:
        self.n += 1
        self.hits += hit

    @property
    def pct(self) -> float | None:
        return 100.0 * self.hits / self.n if self.n else None


@dataclass
class Scores:
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))

    def add(self, key: str, hit: bool) -> None:
        self.tallies[key].add(hit)

    def get(self, key: str) -> Tally:
        return self.tallies.get(key, Tally())


def code_state() -> dict[str, Any]:
    """The commit measured and the files of the geocoder's packages that differ from it
    (others edit them while this runs)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "modified": git("status", "--porcelain", "--", "geo", "registry", "web").splitlines(),
    }


def parse_kinds(value: str) -> list[str]:
    """``--kinds a,b``: noise kinds of :mod:`bench.noise`, checked."""
    kinds = [k.strip() for k in value.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown kinds {unknown}; known: {', '.join(KINDS)}")
    return kinds
