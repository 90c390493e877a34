"""The records the admin-unit readers produce, and the dates and source ids they use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from shapely.geometry.base import BaseGeometry

Level = Literal["province", "district", "commune"]

REFORM_DATE = date(2025, 7, 1)
"""The 2025 reform: districts abolished, 63 provinces -> 34, ~10,000 communes -> 3,321."""

DONG_NAI_CITY_DATE = date(2026, 4, 30)
"""Resolution 30/2026/QH16: Đồng Nai became a centrally-run city; several of its xã became
phường on the same day."""

SNAPSHOT_DATE = date(2026, 7, 25)
"""Date of the current-names snapshot (thanglequoc): a change without a known date was in
force by then."""

# Short source ids (stored with every record).
SRC_GSO_LIST = "gso-2025-07-18"
SRC_GSO_1027 = "gso-1027-2025-06-25"
SRC_GSO_915 = "gso-915-2025"
SRC_CURRENT = "thanglequoc-2026-07-25"
SRC_CONVERSION = "gso-conversion-2025"
SRC_CONVERSION_DERIVED = "gso-conversion-2025-derived"
SRC_POSTCODES_2020 = "dvhcvn-postcodes-2020"
SRC_POSTCODES_INFERRED = "dvhcvn-postcodes-2020-inferred"
SRC_BOUNDARY_2025 = "thanglequoc-2026-07-25"
SRC_BOUNDARY_2025_SIMPLIFIED = "thanglequoc-2026-07-25-simplified10m"
SRC_BOUNDARY_2025_FULLRES = "thanglequoc-2026-07-25-fullres"
SRC_BOUNDARY_PRE2025 = "dvhcvn-gis-chinhphu-2023"
OTHER_DVHCVN = "dvhcvn"
OTHER_VIETNAMADMINUNITS = "vietnamadminunits"


@dataclass(frozen=True, slots=True)
class UnitVersion:
    """One version of an administrative unit, valid on [valid_from, valid_to).

    ``code`` is the GSO code, zero-padded (province 2 digits, district 3, commune 5).
    ``name`` is the full official name, :func:`geo.text.clean`-ed. ``valid_from`` None means
    unbounded/unknown (every pre-2025 unit); ``valid_to`` None means still in force.
    ``valid_from_known`` is False when the change is real but its date is not in the source
    (then ``valid_from`` is :data:`SNAPSHOT_DATE`, the date it was in force by).
    ``boundary`` is the Polygon/MultiPolygon as read, EPSG:4326 (lon, lat), possibly invalid;
    None where no polygon exists.
    """

    code: str
    level: Level
    name: str
    unit_type: str
    parent_code: str | None
    valid_from: date | None
    valid_to: date | None
    valid_from_known: bool
    source: str
    boundary: BaseGeometry | None
    boundary_source: str | None


@dataclass(frozen=True, slots=True)
class Succession:
    """Old (pre-2025) unit -> new (2025) unit; ``whole`` False = only part of the old unit.

    Commune codes are 5 digits; province successions (derived from the commune table) use
    the 2-digit province codes.
    """

    old_code: str
    new_code: str
    whole: bool
    source: str


@dataclass(frozen=True, slots=True)
class Alias:
    """Another name a unit was known by; ``period`` says which version set ``code`` is in."""

    code: str
    level: Level
    period: Literal["pre2025", "2025"]
    name: str
    kind: str
    source: str


@dataclass(frozen=True, slots=True)
class Disagreement:
    """An old commune whose successors differ between the official table and another source.

    ``official`` and ``other`` are sorted new codes (``official`` empty when the old code is
    not in the official table).
    """

    old_code: str
    old_name: str
    official: tuple[str, ...]
    other_source: str
    other: tuple[str, ...]
    detail: str


@dataclass(frozen=True)
class AdminDataset:
    """Everything read from the data folder, and why anything in it was not used.

    ``skipped`` holds one human-readable line per input row or feature not used, of the form
    "<reason>: <details>". ``digest`` is :func:`source_digest` of the input.
    """

    units: list[UnitVersion]
    successions: list[Succession]
    aliases: list[Alias]
    disagreements: list[Disagreement]
    skipped: list[str]
    digest: str = ""

    def source_digest(self) -> str:
        """sha256 (hex) of the input files and reading rules this dataset was read from."""
        return self.digest
