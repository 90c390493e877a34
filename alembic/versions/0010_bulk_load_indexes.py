"""Three indexes that cost every bulk load and did no work of their own.

* ``ix_place_version_current_place`` (``place_id`` of current versions) goes:
  ``ix_place_version_place_id`` does its work. A place has a handful of versions, so
  finding its current one through the full index reads those few and filters them; the
  lookup by code already did (its ``known_at`` condition cannot use the partial index).
  The partial index also led the bulk autocomplete statement to scan every current version
  instead of the load's own (``ix_place_version_tx_id``).
* ``uq_code_issuance_zone_serial`` goes: a code is its zone and serial followed by their
  check digits, which ``ck_code_issuance_code`` now states, so the primary key on the
  code already makes (zone, serial) unique.
* ``ix_code_issuance_lease_id`` indexes only leased codes: most codes are issued without
  a lease, and a btree indexed their NULLs.

Together about 2 s of a 300,000-place load.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UPGRADE = """
DROP INDEX ix_place_version_current_place;
ALTER TABLE code_issuance ADD CONSTRAINT ck_code_issuance_code CHECK (
    code = (CAST(zone AS bigint) * 100000000 + serial) * 100 + 98
           - (CAST(zone AS bigint) * 100000000 + serial) * 100 % 97);
ALTER TABLE code_issuance DROP CONSTRAINT uq_code_issuance_zone_serial;
DROP INDEX ix_code_issuance_lease_id;
CREATE INDEX ix_code_issuance_lease_id ON code_issuance (lease_id) WHERE lease_id IS NOT NULL;
"""

DOWNGRADE = """
DROP INDEX ix_code_issuance_lease_id;
CREATE INDEX ix_code_issuance_lease_id ON code_issuance (lease_id);
ALTER TABLE code_issuance ADD CONSTRAINT uq_code_issuance_zone_serial UNIQUE (zone, serial);
ALTER TABLE code_issuance DROP CONSTRAINT ck_code_issuance_code;
CREATE INDEX ix_place_version_current_place ON place_version (place_id)
    WHERE upper_inf(recorded);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
