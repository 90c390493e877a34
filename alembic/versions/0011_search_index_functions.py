"""The autocomplete indexes are made by one function, so a large bulk load can rebuild them.

``search_rebuild()`` (migration 0004) dropped and made the four secondary indexes of
``search_entry`` itself. They now come from ``search_indexes_drop()`` and
``search_indexes_create()``. (``registry.bulk`` first called them too, to rebuild the
indexes in a load that writes more entries than the table holds; it now rebuilds any
table's secondary indexes from their own definitions, ``pg_get_indexdef``.) The
definitions are the same as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UPGRADE = """
-- Takes search_entry in ACCESS EXCLUSIVE mode (DROP INDEX) until the transaction ends:
-- autocomplete waits for it.
CREATE FUNCTION search_indexes_drop() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DROP INDEX IF EXISTS ix_search_entry_tsv;
    DROP INDEX IF EXISTS ix_search_entry_location;
    DROP INDEX IF EXISTS ix_search_entry_rank;
    DROP INDEX IF EXISTS ix_search_entry_label;
END;
$$;

CREATE FUNCTION search_indexes_create() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CREATE INDEX ix_search_entry_tsv ON search_entry USING gin (tsv);
    CREATE INDEX ix_search_entry_location ON search_entry USING gist (location);
    CREATE INDEX ix_search_entry_rank ON search_entry (weight, char_length(label));
    CREATE INDEX ix_search_entry_label ON search_entry (label_folded text_pattern_ops);
END;
$$;

CREATE OR REPLACE FUNCTION search_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE search_entry IN ACCESS EXCLUSIVE MODE;
    PERFORM search_indexes_drop();
    TRUNCATE search_entry;
    PERFORM search_refresh_admin();
    PERFORM search_refresh_streets(ARRAY(SELECT DISTINCT name FROM street));
    PERFORM search_refresh_places(ARRAY(SELECT place_id FROM place_version
                                        WHERE upper_inf(recorded) AND status = 'active'));
    PERFORM search_indexes_create();
    ANALYZE search_entry;
END;
$$;
"""

DOWNGRADE = """
CREATE OR REPLACE FUNCTION search_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE search_entry IN ACCESS EXCLUSIVE MODE;
    DROP INDEX IF EXISTS ix_search_entry_tsv;
    DROP INDEX IF EXISTS ix_search_entry_location;
    DROP INDEX IF EXISTS ix_search_entry_rank;
    DROP INDEX IF EXISTS ix_search_entry_label;
    TRUNCATE search_entry;
    PERFORM search_refresh_admin();
    PERFORM search_refresh_streets(ARRAY(SELECT DISTINCT name FROM street));
    PERFORM search_refresh_places(ARRAY(SELECT place_id FROM place_version
                                        WHERE upper_inf(recorded) AND status = 'active'));
    CREATE INDEX ix_search_entry_tsv ON search_entry USING gin (tsv);
    CREATE INDEX ix_search_entry_location ON search_entry USING gist (location);
    CREATE INDEX ix_search_entry_rank ON search_entry (weight, char_length(label));
    CREATE INDEX ix_search_entry_label ON search_entry (label_folded text_pattern_ops);
    ANALYZE search_entry;
END;
$$;
DROP FUNCTION search_indexes_create();
DROP FUNCTION search_indexes_drop();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
