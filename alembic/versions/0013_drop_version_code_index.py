"""Drop ``ix_place_version_code``: a place is found by its code through ``code_issuance``.

Every reader of a place by its code goes from the code to the place through
``code_issuance``'s primary key, then to the versions through ``ix_place_version_place_id``
(the lookup, history, the change feed; OGC API Features' ``/items/{code}`` now too). The
btree on the versions' codes, random values inserted one by one, cost about a second of
every 300,000-place bulk load and served nothing else.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX ix_place_version_code")


def downgrade() -> None:
    op.execute("CREATE INDEX ix_place_version_code ON place_version (code)")
