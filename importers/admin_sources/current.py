"""The 2025 units (34 provinces, 3,321 communes): names as of 1 July 2025 and as of today.

The GSO letters 1027/CTK-CSCL (communes) and 915/CTK-CSCL (provinces) give the names in
force on 2025-07-01; the current list (thanglequoc snapshot 2026-07-25) gives today's. A
unit whose name or type truly changed (not only tone placement, case or apostrophe) gets
two versions split at the change date. In this data that is Đồng Nai and ten of its xã,
all on 2026-04-30; the 191 other spelling differences are tone placement or case only.

Commune types are read from the names ("Đặc khu …" is "Đặc khu", which the current list
calls "Đặc khu tại hải đảo"). The sapnhap name of 2025-07-17 in wards_2025.csv is not used:
where it differs from the letter beyond spelling (Việt Hòa 10543, Vĩnh Hòa 11848, Tân Lộc
31213, Phong Điền 31299: xã/phường swapped) the letter and the current list agree.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import NamedTuple

from shapely.geometry.base import BaseGeometry

from importers.admin_sources import files
from importers.admin_sources.model import (
    DONG_NAI_CITY_DATE,
    REFORM_DATE,
    SNAPSHOT_DATE,
    SRC_BOUNDARY_2025,
    SRC_BOUNDARY_2025_FULLRES,
    SRC_BOUNDARY_2025_SIMPLIFIED,
    SRC_CURRENT,
    SRC_GSO_915,
    SRC_GSO_1027,
    Level,
    UnitVersion,
)
from importers.admin_sources.names import (
    bare_key,
    commune_type,
    display_name,
    name_key,
    province_name,
    province_type,
)

# Two codes differ between the letter 1027 and the current list; the official conversion
# table decides, and the other sources agree with it:
# * Xã Ba Chẽ (Quảng Ninh) is 06970 in the letter, the conversion table, dvhcvn and
#   vietnamadminunits; only the current list says 06978, a code no unit ever had (the
#   pre-2025 codes there run 06976, 06979). The current list and its polygons are corrected.
# * Xã Ia Mơ (Gia Lai) is 23938 in the conversion table ("Giữ nguyên": the pre-2025 Xã Ia Mơ
#   23938 kept as it was), the current list and vietnamadminunits; the letter (and dvhcvn,
#   which copied it) says 23737, the code of Xã Ia Mơ Nông, merged whole into Xã Ia Ly 23734.
#   The letter is corrected.
CURRENT_CODE_FIXES = {"06978": "06970"}
LETTER_1027_CODE_FIXES = {"23737": "23938"}

DONG_NAI = "75"


class Named(NamedTuple):
    """A unit's name and type at one time."""

    name: str
    unit_type: str


class Current(NamedTuple):
    """A unit as the current list has it."""

    named: Named
    parent_code: str | None


def read_2025_units(data_dir: Path, skipped: list[str]) -> list[UnitVersion]:
    """Every version of the 34 provinces and 3,321 communes in force since 2025-07-01.

    Raises ValueError when the letters and the current list do not name the same units.
    """
    province_shapes = _shapes(
        data_dir / files.PROVINCES_2025_GEOJSON, "province_code", SRC_BOUNDARY_2025, {}
    )
    commune_shapes = _commune_shapes(data_dir)
    provinces = _versions(
        "province", _read_915(data_dir), _read_current_provinces(data_dir), province_shapes
    )
    communes = _versions(
        "commune", _read_1027(data_dir), _read_current_communes(data_dir), commune_shapes
    )
    skipped.extend(_unused_shapes("province", province_shapes, provinces))
    skipped.extend(_unused_shapes("commune", commune_shapes, communes))
    return provinces + communes


def _read_915(data_dir: Path) -> dict[str, Named]:
    rows = files.read_dict_csv(data_dir / files.LETTER_915)
    names = {row["Mã số"]: province_name(row["Tên 34 tỉnh sau sáp nhập"]) for row in rows}
    return {code: Named(name, province_type(name)) for code, name in names.items()}


def _read_1027(data_dir: Path) -> dict[str, Named]:
    letter = files.read_1027_letter(data_dir / files.LETTER_1027)
    names = {LETTER_1027_CODE_FIXES.get(c, c): display_name(n) for c, n in letter.items()}
    return {code: Named(name, commune_type(name)) for code, name in names.items()}


def _read_current_provinces(data_dir: Path) -> dict[str, Current]:
    rows = files.read_dict_csv(data_dir / files.PROVINCES_2025)
    return {
        row["province_code"]: Current(Named(display_name(row["name"]), row["unit_type"]), None)
        for row in rows
    }


def _read_current_communes(data_dir: Path) -> dict[str, Current]:
    """Code -> current name, type (as its name spells it) and province."""
    communes: dict[str, Current] = {}
    for row in files.read_dict_csv(data_dir / files.WARDS_2025):
        name = display_name(row["name"])
        code = CURRENT_CODE_FIXES.get(row["ward_code"], row["ward_code"])
        communes[code] = Current(Named(name, commune_type(name)), row["province_code"])
    return communes


def _shapes(
    path: Path, code_key: str, source: str, code_fixes: dict[str, str]
) -> dict[str, tuple[BaseGeometry, str]]:
    """Code -> (polygon, boundary source) of each feature with a geometry."""
    return {
        code_fixes.get(feature.code, feature.code): (feature.geometry, source)
        for feature in files.read_features(path, code_key)
        if feature.geometry is not None
    }


def _commune_shapes(data_dir: Path) -> dict[str, tuple[BaseGeometry, str]]:
    """Simplified polygons, replaced by the full-resolution ones for Ho Chi Minh City."""
    fixes = CURRENT_CODE_FIXES
    shapes = _shapes(
        data_dir / files.WARDS_2025_GEOJSON, "ward_code", SRC_BOUNDARY_2025_SIMPLIFIED, fixes
    )
    hcm = data_dir / files.WARDS_2025_HCM_GEOJSON
    shapes.update(_shapes(hcm, "ward_code", SRC_BOUNDARY_2025_FULLRES, fixes))
    return shapes


def _versions(
    level: Level,
    on_reform_day: dict[str, Named],
    current: dict[str, Current],
    shapes: dict[str, tuple[BaseGeometry, str]],
) -> list[UnitVersion]:
    if on_reform_day.keys() != current.keys():
        raise ValueError(
            f"2025 {level} codes differ between the GSO letter and the current list: "
            f"{sorted(on_reform_day.keys() ^ current.keys())}"
        )
    versions: list[UnitVersion] = []
    for code in sorted(current):
        versions += _unit_versions(level, code, on_reform_day[code], current[code], shapes)
    return versions


def _unit_versions(
    level: Level,
    code: str,
    before: Named,
    now: Current,
    shapes: dict[str, tuple[BaseGeometry, str]],
) -> list[UnitVersion]:
    boundary, boundary_source = shapes.get(code, (None, None))
    source = SRC_GSO_915 if level == "province" else SRC_GSO_1027
    first = UnitVersion(
        code=code,
        level=level,
        name=before.name,
        unit_type=before.unit_type,
        parent_code=now.parent_code,
        valid_from=REFORM_DATE,
        valid_to=None,
        valid_from_known=True,
        source=source,
        boundary=boundary,
        boundary_source=boundary_source,
    )
    if _same(before, now.named):
        return [first]
    change, known = _change_date(code if level == "province" else now.parent_code, before, now)
    second = replace(first, name=now.named.name, unit_type=now.named.unit_type)
    return [
        replace(first, valid_to=change),
        replace(second, valid_from=change, valid_from_known=known, source=SRC_CURRENT),
    ]


def _same(before: Named, now: Named) -> bool:
    """True unless the name or type truly changed (tone placement, case: no change)."""
    return name_key(before.name) == name_key(now.name) and before.unit_type == now.unit_type


def _change_date(province: str | None, before: Named, now: Current) -> tuple[date, bool]:
    """(date of the change, whether the sources give it).

    Only one dated change is known: Resolution 30/2026/QH16 made Đồng Nai a centrally-run
    city and several of its xã phường on 2026-04-30, the name staying otherwise the same.
    Any other change is dated by the snapshot it was seen in, with the date flagged unknown.
    """
    if province == DONG_NAI and bare_key(before.name) == bare_key(now.named.name):
        return DONG_NAI_CITY_DATE, True
    return SNAPSHOT_DATE, False


def _unused_shapes(
    level: Level, shapes: dict[str, tuple[BaseGeometry, str]], units: list[UnitVersion]
) -> list[str]:
    codes = {unit.code for unit in units}
    return [
        f"2025 {level} polygon without a unit: code {code} ({source})"
        for code, (_, source) in sorted(shapes.items())
        if code not in codes
    ]
