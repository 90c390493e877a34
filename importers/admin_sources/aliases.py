"""Former names of pre-2025 units, from the 2020 names of the postcode list.

A 2020 name that differs from the 2025-06-30 name of the same code (beyond tone, case,
punctuation and leading zeros: "Phường 06" is "Phường 6") is a former name of that unit.
A 2020 unit whose code is gone by 2025-06-30 was merged into a neighbour; where the data
shows which one, its name becomes an alias of that unit:

* a district: the district(s) that now hold its surviving communes;
* a commune: the one commune, in its district or the district(s) that absorbed it, that
  changed its name since 2020 to this commune's name (or to a "A - B" name with it as a
  part). Merged communes in Vietnam usually keep one predecessor's code and another's
  name, so a unit that took the vanished unit's name is the unit it became. Numbered
  wards ("Phường 15") are left out: they were renumbered as often as merged.

Any other vanished unit is reported in ``skipped``.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from importers.admin_sources import files
from importers.admin_sources.model import (
    SRC_POSTCODES_2020,
    SRC_POSTCODES_INFERRED,
    Alias,
    Level,
    UnitVersion,
)
from importers.admin_sources.names import alias_key, bare_key, display_name, name_key

LEVELS: dict[str, Level] = {"province": "province", "district": "district", "ward": "commune"}
FORMER_NAME = "former-name-2020"
MERGED = "merged-before-2025"

Row = dict[str, str]


def read_aliases(data_dir: Path, pre2025: list[UnitVersion], skipped: list[str]) -> list[Alias]:
    """Former (2020) names of pre-2025 units, and names of 2020 units merged into them."""
    rows = files.read_dict_csv(data_dir / files.POSTCODES_2020)
    units = {(unit.level, unit.code): unit for unit in pre2025}
    aliases: list[Alias] = []
    gone: list[Row] = []
    for row in rows:
        unit = units.get((LEVELS[row["level"]], row["gso_code"]))
        if unit is None:
            gone.append(row)
        elif alias_key(row["name"]) != alias_key(unit.name):
            aliases.append(_alias(unit, row, FORMER_NAME, SRC_POSTCODES_2020))
    aliases += _merged_aliases(gone, rows, units, skipped)
    return list(dict.fromkeys(aliases))


def _alias(unit: UnitVersion, row: Row, kind: str, source: str) -> Alias:
    return Alias(unit.code, unit.level, "pre2025", display_name(row["name"]), kind, source)


def _merged_aliases(
    gone: list[Row],
    rows: list[Row],
    units: dict[tuple[Level, str], UnitVersion],
    skipped: list[str],
) -> list[Alias]:
    absorbed_by = _district_successors(rows, units)
    communes = _communes_by_district(units)
    names_2020 = {row["gso_code"]: row["name"] for row in rows if row["level"] == "ward"}
    aliases = []
    for row in gone:
        if row["level"] == "district":
            targets = [units["district", code] for code in sorted(absorbed_by[row["gso_code"]])]
        elif row["level"] == "ward":
            districts = {row["district_code"]} | absorbed_by[row["district_code"]]
            candidates = [unit for code in districts for unit in communes.get(code, [])]
            targets = _renamed_to(row["name"], candidates, names_2020)
        else:
            targets = []
        if not targets:
            skipped.append(
                "2020 unit gone by 2025, successor unknown: "
                f"{row['level']} {row['gso_code']} {row['name']}"
            )
        aliases += [_alias(unit, row, MERGED, SRC_POSTCODES_INFERRED) for unit in targets]
    return aliases


def _district_successors(
    rows: list[Row], units: dict[tuple[Level, str], UnitVersion]
) -> defaultdict[str, set[str]]:
    """2020 district code -> the 2025-06-30 districts of its communes that still exist."""
    successors: defaultdict[str, set[str]] = defaultdict(set)
    for row in rows:
        unit = units.get(("commune", row["gso_code"])) if row["level"] == "ward" else None
        if unit is not None and unit.parent_code != row["district_code"]:
            successors[row["district_code"]].add(str(unit.parent_code))
    return successors


def _communes_by_district(
    units: dict[tuple[Level, str], UnitVersion],
) -> dict[str | None, list[UnitVersion]]:
    by_district: defaultdict[str | None, list[UnitVersion]] = defaultdict(list)
    for (level, _), unit in units.items():
        if level == "commune":
            by_district[unit.parent_code].append(unit)
    return by_district


def _renamed_to(
    name: str, candidates: list[UnitVersion], names_2020: dict[str, str]
) -> list[UnitVersion]:
    """The single candidate renamed since 2020 to ``name`` (or to "… - name - …"), if any."""
    bare = bare_key(name)
    if bare.isdigit():
        return []
    matches = [
        unit
        for unit in candidates
        if bare in {bare_key(unit.name), *bare_key(unit.name).split(" - ")}
        and name_key(names_2020.get(unit.code, "")) != name_key(unit.name)
    ]
    return matches if len(matches) == 1 else []
