"""The bundled input files: where they are, how to read them, and their digest."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

READER_VERSION = "admin_sources/1"
"""Part of the digest: a change to the reading rules must look like new input."""

PROVINCES_2025 = "vn-admin-2025/provinces_2025.csv"
WARDS_2025 = "vn-admin-2025/wards_2025.csv"
PROVINCES_2025_GEOJSON = "vn-admin-2025/provinces_2025.geojson.gz"
WARDS_2025_GEOJSON = "vn-admin-2025/wards_2025_simplified10m.geojson.gz"
WARDS_2025_HCM_GEOJSON = "vn-admin-2025/wards_2025_hcm_fullres.geojson.gz"
GSO_DISTRICTS = "vn-admin-pre2025/gso_districts_2025-07-18.csv"
GSO_WARDS = "vn-admin-pre2025/gso_wards_2025-07-18.csv"
DISTRICTS_PRE2025_GEOJSON = "vn-admin-pre2025/districts_pre2025_gis_chinhphu.geojson.gz"
PROVINCES_PRE2025_GEOJSON = "vn-admin-pre2025/provinces_pre2025_gis_chinhphu.geojson.gz"
CONVERSION_TABLE = "vn-admin-mapping-2025/gso_conversion_table_old_to_new_2025.csv"
LETTER_1027 = "vn-admin-mapping-2025/official_1027_CTK-CSCL_ward_codes_2025-06-25.md"
LETTER_915 = "vn-admin-mapping-2025/official_915_CTK-CSCL_province_codes.csv"
DVHCVN_SPLITS = "vn-admin-mapping-2025/dvhcvn_splits_old_to_new.json"
DVHCVN_MERGES = "vn-admin-mapping-2025/dvhcvn_merges_new_from_old.json"
VIETNAMADMINUNITS = "vn-admin-mapping-2025/vietnamadminunits_convert_legacy_2025.csv"
POSTCODES_2020 = "postcodes/postcodes_pre2025.csv"

INPUT_FILES = (
    PROVINCES_2025,
    WARDS_2025,
    PROVINCES_2025_GEOJSON,
    WARDS_2025_GEOJSON,
    WARDS_2025_HCM_GEOJSON,
    GSO_DISTRICTS,
    GSO_WARDS,
    DISTRICTS_PRE2025_GEOJSON,
    PROVINCES_PRE2025_GEOJSON,
    CONVERSION_TABLE,
    LETTER_1027,
    LETTER_915,
    DVHCVN_SPLITS,
    DVHCVN_MERGES,
    VIETNAMADMINUNITS,
    POSTCODES_2020,
)
"""Every file :func:`read_admin_dataset` reads, relative to the data folder."""

_TABLE_ROW = re.compile(r"^\|\s*\d+\s*\|\s*(\d{5})\s*\|([^|]*)\|", re.MULTILINE)


def source_digest(data_dir: Path) -> str:
    """sha256 (hex) over the reader version and every input file's name and bytes.

    Equal digests mean the same input read by the same rules: the loader has nothing to do.
    Raises FileNotFoundError when an input file is missing.
    """
    digest = hashlib.sha256(READER_VERSION.encode())
    for name in INPUT_FILES:
        digest.update(f"\0{name}\0".encode())
        digest.update((data_dir / name).read_bytes())
    return digest.hexdigest()


def read_csv(path: Path, skip_lines: int = 0) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each row after ``skip_lines`` rows; UTF-8, BOM dropped."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if number > skip_lines:
                yield number, row


def read_dict_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV with a one-line header, as dicts; UTF-8, BOM dropped."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_json(path: Path) -> Any:
    """The parsed JSON document at ``path`` (gzip-compressed when the name ends in .gz)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


class Feature(NamedTuple):
    """A GeoJSON feature: its code and name properties and its geometry (None if absent)."""

    code: str
    name: str
    geometry: BaseGeometry | None


def read_features(path: Path, code_key: str) -> Iterator[Feature]:
    """The features of a GeoJSON FeatureCollection, keyed by the ``code_key`` property.

    Geometries are shapely objects in the file's coordinates (EPSG:4326, lon/lat), unrepaired.
    """
    for feature in read_json(path)["features"]:
        properties, geometry = feature["properties"], feature.get("geometry")
        yield Feature(
            str(properties[code_key]),
            str(properties.get("name", "")),
            shape(geometry) if geometry else None,
        )


def read_1027_letter(path: Path) -> dict[str, str]:
    """Commune code -> name as written in the GSO letter 1027/CTK-CSCL (markdown tables).

    Table cells broken over lines (``<br>``) are joined with a space.
    """
    text = path.read_text(encoding="utf-8")
    return {code: cell.replace("<br>", " ") for code, cell in _TABLE_ROW.findall(text)}
