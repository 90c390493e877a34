"""Old -> new successions from the official GSO conversion table (and the provinces' from it).

The table has a two-line header and a banner row before each province; every other row is
(new province, new commune name, new code, old commune name, old code, note, old district,
old province). Rows that cannot be used as they stand are reported, never repaired.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import NamedTuple

from importers.admin_sources import files
from importers.admin_sources.model import (
    SRC_CONVERSION,
    SRC_CONVERSION_DERIVED,
    Succession,
    UnitVersion,
)
from importers.admin_sources.names import name_key

HEADER_LINES = 2


class Row(NamedTuple):
    """The fields of one conversion-table row that matter, stripped."""

    new_name: str
    new_code: str
    old_name: str
    old_code: str
    note: str

    @classmethod
    def of(cls, fields: list[str]) -> Row:
        cells = [" ".join(field.split()) for field in fields] + [""] * 6
        return cls(*cells[1:6])

    def __str__(self) -> str:
        return f"{self.old_name} {self.old_code} -> {self.new_name} {self.new_code}, {self.note!r}"


class Units(NamedTuple):
    """The units a row must refer to: pre-2025 communes and districts, 2025 communes."""

    old: dict[str, UnitVersion]
    old_districts: dict[str, UnitVersion]
    new: dict[str, UnitVersion]
    by_district_and_name: dict[tuple[str | None, str], str]

    @classmethod
    def of(cls, pre2025: list[UnitVersion], current: list[UnitVersion]) -> Units:
        old = {unit.code: unit for unit in pre2025 if unit.level == "commune"}
        keys = Counter((unit.parent_code, name_key(unit.name)) for unit in old.values())
        return cls(
            old=old,
            old_districts={unit.code: unit for unit in pre2025 if unit.level == "district"},
            new={unit.code: unit for unit in current if unit.level == "commune"},
            by_district_and_name={
                (unit.parent_code, name_key(unit.name)): unit.code
                for unit in old.values()
                if keys[unit.parent_code, name_key(unit.name)] == 1
            },
        )


def read_successions(
    data_dir: Path, pre2025: list[UnitVersion], current: list[UnitVersion], skipped: list[str]
) -> list[Succession]:
    """Commune successions from the conversion table, then the provinces' derived from them."""
    units = Units.of(pre2025, current)
    communes: dict[tuple[str, str], Succession] = {}
    for number, fields in files.read_csv(data_dir / files.CONVERSION_TABLE, HEADER_LINES):
        row = Row.of(fields)
        if not row.new_name and not row.new_code:
            continue  # a province banner: layout, not data
        result = _succession(row, units)
        if isinstance(result, Succession) and (result.old_code, result.new_code) in communes:
            result = "conversion-table row repeating an earlier pair", ""
        if isinstance(result, Succession):
            communes[result.old_code, result.new_code] = result
        else:
            reason, why = result
            skipped.append(f"{reason}: line {number}: {row}{why}")
    return list(communes.values()) + _province_successions(list(communes.values()), units)


def _succession(row: Row, units: Units) -> Succession | tuple[str, str]:
    """The row's succession, or why it cannot be used: (reason, further detail)."""
    if not row.old_code:
        return "conversion-table row without an old commune code", ""
    if row.new_code not in units.new:
        return "conversion-table row whose new code is not a 2025 commune", ""
    if row.old_code not in units.old:
        return "conversion-table row whose old code is not a pre-2025 commune", ""
    whole = whole_from_note(row.note)
    if whole is None:
        return "conversion-table row with an unrecognised note", ""
    other = _other_commune_named(row, units)
    if other is not None:
        old_name = units.old[row.old_code].name
        return (
            "conversion-table row whose old name is another commune's",
            f" ({row.old_code} is {old_name} in the GSO list; {row.old_name} is {other})",
        )
    return Succession(row.old_code, row.new_code, whole, SRC_CONVERSION)


def whole_from_note(note: str) -> bool | None:
    """Whether a note says the whole old commune went to the new one; None if unrecognised.

    Whole: "Nhập toàn bộ" (also "… diện tích": all the territory), "Giữ nguyên" (kept as
    it was), "Đổi tên" (renamed), "Đổi loại hình" (type changed), "Sắp xếp toàn bộ …".
    Partial: anything with "một phần" (part of the area or population) and "Phần còn lại"
    (what remained after a part was split off).

    >>> whole_from_note("Nhập toàn bộ"), whole_from_note("Nhâp một phần diện tích")
    (True, False)
    >>> whole_from_note("Đổi tên, đổi loại hình từ một phần thị trấn Lai Uyên")
    False
    """
    text = " ".join(note.replace("Nhâp", "Nhập").split())
    if "một phần" in text or text.startswith("Phần còn lại"):
        return False
    if text.startswith(("Nhập toàn bộ", "Sắp xếp toàn bộ")):
        return True
    return True if text in ("Giữ nguyên", "Đổi tên", "Đổi loại hình") else None


def _other_commune_named(row: Row, units: Units) -> str | None:
    """The code of another commune of the same district that bears the row's old name.

    Spellings vary a lot ("Đăk"/"Đắk", "Quý"/"Quí"), so a name that differs from the code's is
    only an error when it is exactly another commune's name in that district.
    """
    old = units.old[row.old_code]
    if name_key(row.old_name) == name_key(old.name):
        return None
    other = units.by_district_and_name.get((old.parent_code, name_key(row.old_name)))
    return None if other == row.old_code else other


def _province_successions(communes: list[Succession], units: Units) -> list[Succession]:
    """Old province -> new province, whole when all its communes went to that one province."""
    targets: defaultdict[str, set[str]] = defaultdict(set)
    for succession in communes:
        district = units.old_districts[str(units.old[succession.old_code].parent_code)]
        targets[str(district.parent_code)].add(str(units.new[succession.new_code].parent_code))
    return [
        Succession(old, new, len(news) == 1, SRC_CONVERSION_DERIVED)
        for old, news in sorted(targets.items())
        for new in sorted(news)
    ]
