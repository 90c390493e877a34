"""The pre-2025 units (63 provinces, 696 districts, 10,035 communes) as of 2025-06-30.

Names, types and parents come from the GSO lists fetched 2025-07-18; every unit is valid on
[unknown, 2025-07-01). District and province polygons are those of ~2023 (gis.chinhphu.vn),
matched by code; communes have none.
"""

from __future__ import annotations

from pathlib import Path

from shapely.geometry.base import BaseGeometry

from importers.admin_sources import files
from importers.admin_sources.model import (
    REFORM_DATE,
    SRC_BOUNDARY_PRE2025,
    SRC_GSO_LIST,
    Level,
    UnitVersion,
)
from importers.admin_sources.names import (
    CENTRAL_CITY,
    CITY_IN_CENTRAL_CITY,
    PROVINCIAL_CITY,
    commune_type,
    display_name,
    province_type,
)


def read_pre2025_units(data_dir: Path, skipped: list[str]) -> list[UnitVersion]:
    """Every pre-2025 unit, one version each, valid until :data:`REFORM_DATE`."""
    district_rows = files.read_dict_csv(data_dir / files.GSO_DISTRICTS)
    commune_rows = files.read_dict_csv(data_dir / files.GSO_WARDS)
    provinces = _provinces(district_rows, data_dir)
    province_types = {unit.code: unit.unit_type for unit in provinces}
    districts = _districts(district_rows, province_types, data_dir, skipped)
    return provinces + districts + _communes(commune_rows)


def _unit(
    code: str,
    level: Level,
    name: str,
    unit_type: str,
    parent_code: str | None,
    boundary: BaseGeometry | None = None,
) -> UnitVersion:
    return UnitVersion(
        code=code,
        level=level,
        name=name,
        unit_type=unit_type,
        parent_code=parent_code,
        valid_from=None,
        valid_to=REFORM_DATE,
        valid_from_known=False,
        source=SRC_GSO_LIST,
        boundary=boundary,
        boundary_source=None if boundary is None else SRC_BOUNDARY_PRE2025,
    )


def _provinces(district_rows: list[dict[str, str]], data_dir: Path) -> list[UnitVersion]:
    """The provinces named in the district list's province columns; polygons where they exist
    (Quảng Ninh has none)."""
    names = {row["Mã TP"]: display_name(row["Tỉnh / Thành Phố"]) for row in district_rows}
    path = data_dir / files.PROVINCES_PRE2025_GEOJSON
    shapes = {
        feature.code: feature.geometry for feature in files.read_features(path, "province_code")
    }
    return [
        _unit(code, "province", name, province_type(name), None, shapes.get(code))
        for code, name in sorted(names.items())
    ]


def _districts(
    rows: list[dict[str, str]],
    province_types: dict[str, str],
    data_dir: Path,
    skipped: list[str],
) -> list[UnitVersion]:
    path = data_dir / files.DISTRICTS_PRE2025_GEOJSON
    features = {feature.code: feature for feature in files.read_features(path, "district_code")}
    districts = [
        _unit(
            row["Mã"],
            "district",
            display_name(row["Tên"]),
            _district_type(row["Cấp"], province_types[row["Mã TP"]]),
            row["Mã TP"],
            features[row["Mã"]].geometry if row["Mã"] in features else None,
        )
        for row in rows
    ]
    codes = {row["Mã"] for row in rows}
    skipped += [
        "district polygon whose code is not in the 2025-06-30 list: "
        f"{code} {features[code].name} (2023 polygon; the district was merged before 2025)"
        for code in sorted(features.keys() - codes)
    ]
    return districts


def _district_type(level_column: str, province_type_: str) -> str:
    """The type of a district from the list's "Cấp" column; a "Thành phố" is a city under a
    province or under a centrally-run city (Thủ Đức, Thủy Nguyên)."""
    if level_column != "Thành phố":
        return level_column
    return CITY_IN_CENTRAL_CITY if province_type_ == CENTRAL_CITY else PROVINCIAL_CITY


def _communes(rows: list[dict[str, str]]) -> list[UnitVersion]:
    units = []
    for row in rows:
        name = display_name(row["Tên"])
        units.append(_unit(row["Mã"], "commune", name, _commune_type(name, row), row["Mã QH"]))
    return units


def _commune_type(name: str, row: dict[str, str]) -> str:
    """The type word the official name starts with; the "Cấp" column only if it has none.

    The two disagree three times, the list giving "Xã" for Thị trấn Ngọc Lặc (15061),
    Phường 5 (27046) and Phường 15 (27076).
    """
    try:
        return commune_type(name)
    except ValueError:
        return row["Cấp"]
