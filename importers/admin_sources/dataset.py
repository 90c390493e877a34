"""Reading the whole admin-unit dataset from the project's data/ folder."""

from __future__ import annotations

from pathlib import Path

from importers.admin_sources.aliases import read_aliases
from importers.admin_sources.current import read_2025_units
from importers.admin_sources.disagreements import read_disagreements
from importers.admin_sources.files import source_digest
from importers.admin_sources.legacy import read_pre2025_units
from importers.admin_sources.model import AdminDataset
from importers.admin_sources.successions import read_successions


def read_admin_dataset(data_dir: Path) -> AdminDataset:
    """Read every admin-unit source under ``data_dir`` (the project's data/ folder).

    Pure: no database, no network. Raises FileNotFoundError when an input file is missing
    and ValueError when the sources contradict each other beyond what can be reported row
    by row (e.g. the 2025 letters and the current list name different units).
    """
    digest = source_digest(data_dir)
    skipped: list[str] = []
    pre2025 = read_pre2025_units(data_dir, skipped)
    current = read_2025_units(data_dir, skipped)
    successions = read_successions(data_dir, pre2025, current, skipped)
    return AdminDataset(
        units=pre2025 + current,
        successions=successions,
        aliases=read_aliases(data_dir, pre2025, skipped),
        disagreements=read_disagreements(data_dir, successions, pre2025, skipped),
        skipped=skipped,
        digest=digest,
    )
