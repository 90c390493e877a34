"""Readers that turn the bundled admin-unit files (data/) into typed records.

Pre-2025 units (63 provinces, 696 districts, 10,035 communes), the 2025 units (34 provinces,
3,321 communes, versioned where a name changed since 1 July 2025), the official old -> new
successions, former names, and where other mapping sources disagree with the official one.
No database here: the loader writes these records.
"""

from importers.admin_sources.dataset import read_admin_dataset
from importers.admin_sources.files import INPUT_FILES, source_digest
from importers.admin_sources.model import (
    DONG_NAI_CITY_DATE,
    REFORM_DATE,
    SNAPSHOT_DATE,
    AdminDataset,
    Alias,
    Disagreement,
    Level,
    Succession,
    UnitVersion,
)

__all__ = [
    "DONG_NAI_CITY_DATE",
    "INPUT_FILES",
    "REFORM_DATE",
    "SNAPSHOT_DATE",
    "AdminDataset",
    "Alias",
    "Disagreement",
    "Level",
    "Succession",
    "UnitVersion",
    "read_admin_dataset",
    "source_digest",
]
