"""Where dvhcvn or vietnamadminunits map an old commune differently from the official table.

Each source is read into old code -> {(new code, whole)}; every old code whose set differs
from the official one is a :class:`Disagreement`. The official table always wins: these
records only inform.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from importers.admin_sources import files
from importers.admin_sources.model import (
    OTHER_DVHCVN,
    OTHER_VIETNAMADMINUNITS,
    Disagreement,
    Succession,
    UnitVersion,
)

Mapping = dict[str, set[tuple[str, bool]]]
"""Old commune code -> {(new commune code, whole)}."""


def read_disagreements(
    data_dir: Path,
    successions: list[Succession],
    pre2025: list[UnitVersion],
    skipped: list[str],
) -> list[Disagreement]:
    """Every old commune on which dvhcvn or vietnamadminunits differ from the official table."""
    official: Mapping = defaultdict(set)
    for succession in successions:
        if len(succession.old_code) == 5:  # communes only; provinces are derived
            official[succession.old_code].add((succession.new_code, succession.whole))
    names = {unit.code: unit.name for unit in pre2025 if unit.level == "commune"}
    dvhcvn, dvhcvn_names = _read_dvhcvn(data_dir)
    others, others_names = _read_vietnamadminunits(data_dir, skipped)
    return _compare(official, OTHER_DVHCVN, dvhcvn, names | dvhcvn_names) + _compare(
        official, OTHER_VIETNAMADMINUNITS, others, names | others_names
    )


def _read_dvhcvn(data_dir: Path) -> tuple[Mapping, dict[str, str]]:
    """dvhcvn's old -> new codes (splits file), each flagged by the merges file's type."""
    full = {
        (unit["level2_id"], merge["old_id"]): merge["type"] == "full"
        for unit in _communes(files.read_json(data_dir / files.DVHCVN_MERGES), "level2s")
        for merge in unit["merges"]
    }
    mapping: Mapping = defaultdict(set)
    names: dict[str, str] = {}
    for old in _communes(files.read_json(data_dir / files.DVHCVN_SPLITS), "level3s"):
        code = old["level3_id"]
        names[code] = old["name"]
        for split in old["splits"]:
            mapping[code].add((split["new_id"], full.get((split["new_id"], code), False)))
    return mapping, names


def _communes(document: Any, key: str) -> Iterable[Any]:
    return (unit for province in document["data"] for unit in province.get(key, []))


def _read_vietnamadminunits(data_dir: Path, skipped: list[str]) -> tuple[Mapping, dict[str, str]]:
    """vietnamadminunits' old -> new codes; whole unless the old ward was divided."""
    mapping: Mapping = defaultdict(set)
    names: dict[str, str] = {}
    for row in files.read_dict_csv(data_dir / files.VIETNAMADMINUNITS):
        if not row["wardCode"]:
            skipped.append(
                "vietnamadminunits row without an old ward code: "
                f"{row['district']} -> {row['newWard']} {row['newWardCode']}"
            )
            continue
        code = f"{int(float(row['wardCode'])):05d}"
        names[code] = row["ward"]
        mapping[code].add((row["newWardCode"].zfill(5), row["isDividedWard"] != "True"))
    return mapping, names


def _compare(
    official: Mapping, other_source: str, other: Mapping, names: dict[str, str]
) -> list[Disagreement]:
    disagreements = []
    for code in sorted(official.keys() | other.keys()):
        ours, theirs = official.get(code, set()), other.get(code, set())
        if ours != theirs:
            disagreements.append(
                Disagreement(
                    old_code=code,
                    old_name=names.get(code, ""),
                    official=_codes(ours),
                    other_source=other_source,
                    other=_codes(theirs),
                    detail=_detail(ours, other_source, theirs),
                )
            )
    return disagreements


def _codes(pairs: set[tuple[str, bool]]) -> tuple[str, ...]:
    return tuple(sorted({code for code, _ in pairs}))


def _detail(ours: set[tuple[str, bool]], other_source: str, theirs: set[tuple[str, bool]]) -> str:
    if not ours:
        return "no successor in the official table"
    if not theirs:
        return f"no successor in {other_source}"
    if _codes(ours) != _codes(theirs):
        return "different successor set"
    return (
        f"partial flag differs (taken whole by: {_whole(ours)} in the official table, "
        f"{_whole(theirs)} in {other_source})"
    )


def _whole(pairs: set[tuple[str, bool]]) -> str:
    return ", ".join(sorted(code for code, whole in pairs if whole)) or "none"
