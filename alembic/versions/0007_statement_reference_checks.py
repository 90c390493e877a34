"""References to append-only tables are checked once per statement, not once per row.

A declarative foreign key fires one RI trigger per written row: a query through SPI that
finds the referenced row and locks it ``FOR KEY SHARE``. A bulk load of 300,000 places
made about 2.7 million of them (``place_version`` 15 s, ``code_issuance`` 10 s at load 4),
almost all for rows the same load had just written or for the same one change transaction.

The referenced tables here never lose rows: ``change_transaction``, ``place``,
``code_issuance`` and ``code_lease`` are history (a code is never reused; a place is
retired, not deleted; a lease is released or expires). This migration makes that a rule
of the schema: each refuses DELETE (a BEFORE DELETE row trigger), TRUNCATE (a BEFORE
TRUNCATE statement trigger) and a change of its key (a BEFORE UPDATE row trigger), all
raising ``restrict_violation`` (SQLSTATE 23001). No code path deleted from them.

With that, every reference to them is checked by one AFTER statement trigger per table
and event (``fk_check_insert``; ``fk_check_update`` where the column can be updated)
over the statement's transition table: for each reference, one anti-join of the new rows
against the referenced key. The smallest missing value raises ``foreign_key_violation``
(SQLSTATE 23503) with PostgreSQL's own message, detail and fields (constraint named as the
dropped foreign key, table, column). The query is planned each time (``EXECUTE``), when the
planner knows the transition table's row count: a few rows probe the key's index, 300,000
are hashed against it. (``SELECT DISTINCT`` first, or ``LIMIT 1``, made it guess 200 rows
and probe the index 300,000 times: 2.3 s instead of 0.3 s for ``code_issuance.place_id``.)
``place_version`` has no update check: its guard (migration 0002) refuses every update but
closing the record time.

No lock on the referenced rows is needed. The foreign key's ``FOR KEY SHARE`` exists only
so that a concurrent transaction cannot delete the referenced row, or change its key,
between the check and the commit. Here no transaction can do either, so a row the check
sees stays for good. A referenced row that is not committed (another transaction's, or
one rolled back to a savepoint) is not seen and the write fails, as with the foreign key.
The checks run at the end of each statement, as the non-deferrable foreign keys did.

References to tables that do lose rows keep their declarative foreign keys:
``admin_unit`` (the admin import deletes versions a source no longer has), ``api_key``,
``occupant`` (personal data), ``geocode_job``, ``admin_unit_alias``.

Downgrade drops the triggers and guards and restores the foreign keys (validated).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# (table, column, referenced table, referenced column): each was the foreign key
# fk_<table>_<column>_<referenced table>.
REFERENCES = (
    ("code_lease", "tx_id", "change_transaction", "id"),
    ("place", "created_tx", "change_transaction", "id"),
    ("code_issuance", "place_id", "place", "id"),
    ("code_issuance", "lease_id", "code_lease", "id"),
    ("code_issuance", "tx_id", "change_transaction", "id"),
    ("place_version", "place_id", "place", "id"),
    ("place_version", "tx_id", "change_transaction", "id"),
    ("place_version", "code", "code_issuance", "code"),
    ("place_version", "parent_place_id", "place", "id"),
    ("place_lineage", "from_place_id", "place", "id"),
    ("place_lineage", "to_place_id", "place", "id"),
    ("place_lineage", "tx_id", "change_transaction", "id"),
    ("occupant", "tx_id", "change_transaction", "id"),
    ("occupancy", "place_id", "place", "id"),
    ("occupancy", "tx_id", "change_transaction", "id"),
    ("osm_dataset", "tx_id", "change_transaction", "id"),
    ("street", "tx_id", "change_transaction", "id"),
    ("building", "tx_id", "change_transaction", "id"),
    ("poi", "tx_id", "change_transaction", "id"),
    ("hamlet", "tx_id", "change_transaction", "id"),
    ("review_flag", "place_id", "place", "id"),
    ("review_flag", "created_tx", "change_transaction", "id"),
    ("review_flag", "resolved_tx", "change_transaction", "id"),
)
# The referenced tables and their keys: rows are never deleted, keys never change.
APPEND_ONLY = (
    ("change_transaction", "id"),
    ("place", "id"),
    ("code_issuance", "code"),
    ("code_lease", "id"),
)
# Tables whose guard already refuses any update of these columns.
NO_UPDATE_CHECK = frozenset({"place_version"})

FUNCTIONS = """
-- TG_ARGV: groups of (constraint, column, referenced table, referenced column). The new
-- rows are the transition table ``new_rows``; the referenced table is in the same schema.
CREATE FUNCTION fk_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    i integer := 0;
    missing text;
BEGIN
    WHILE i < TG_NARGS LOOP
        EXECUTE format(
            'SELECT min(n.%1$I)::text FROM new_rows n WHERE n.%1$I IS NOT NULL'
            ' AND NOT EXISTS (SELECT FROM %2$I.%3$I r WHERE r.%4$I = n.%1$I)',
            TG_ARGV[i + 1], TG_TABLE_SCHEMA, TG_ARGV[i + 2], TG_ARGV[i + 3]
        ) INTO missing;
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"',
                    TG_TABLE_NAME, TG_ARGV[i]
                USING ERRCODE = 'foreign_key_violation',
                      DETAIL = format('Key (%s)=(%s) is not present in table "%s".',
                                      TG_ARGV[i + 1], missing, TG_ARGV[i + 2]),
                      CONSTRAINT = TG_ARGV[i], SCHEMA = TG_TABLE_SCHEMA,
                      TABLE = TG_TABLE_NAME, COLUMN = TG_ARGV[i + 1];
        END IF;
        i := i + 4;
    END LOOP;
    RETURN NULL;
END;
$$;

-- Rows of the tables others refer to (checked by fk_check, without locks) never go.
CREATE FUNCTION append_only_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'the key of a % row never changes (other rows refer to it)',
                TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME;
    END IF;
    RAISE EXCEPTION '% rows are never deleted (% refused: other rows refer to them)',
            TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME;
END;
$$;
"""


def _constraint(table: str, column: str, referenced: str) -> str:
    return f"fk_{table}_{column}_{referenced}"


def _by_table() -> dict[str, list[tuple[str, str, str]]]:
    tables: dict[str, list[tuple[str, str, str]]] = {}
    for table, column, referenced, key in REFERENCES:
        tables.setdefault(table, []).append((column, referenced, key))
    return tables


def _check_triggers() -> str:
    statements = []
    for table, refs in _by_table().items():
        args = ", ".join(
            f"'{_constraint(table, column, referenced)}', '{column}', '{referenced}', '{key}'"
            for column, referenced, key in refs
        )
        events = ["insert"] if table in NO_UPDATE_CHECK else ["insert", "update"]
        statements += [
            f"CREATE TRIGGER fk_check_{event} AFTER {event.upper()} ON {table}"
            f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
            f" EXECUTE FUNCTION fk_check({args});"
            for event in events
        ]
    return "\n".join(statements)


def _guards() -> str:
    statements = []
    for table, key in APPEND_ONLY:
        statements += [
            f"CREATE TRIGGER append_only_delete BEFORE DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION append_only_guard();",
            f"CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION append_only_guard();",
            f"CREATE TRIGGER append_only_key BEFORE UPDATE OF {key} ON {table} FOR EACH ROW"
            f" WHEN (OLD.{key} IS DISTINCT FROM NEW.{key})"
            " EXECUTE FUNCTION append_only_guard();",
        ]
    return "\n".join(statements)


def upgrade() -> None:
    op.execute(FUNCTIONS)
    op.execute(_guards())
    op.execute(
        "\n".join(
            f"ALTER TABLE {table} DROP CONSTRAINT {_constraint(table, column, referenced)};"
            for table, column, referenced, _ in REFERENCES
        )
    )
    op.execute(_check_triggers())


def downgrade() -> None:
    drops = [
        f"DROP TRIGGER fk_check_{event} ON {table};"
        for table in _by_table()
        for event in (["insert"] if table in NO_UPDATE_CHECK else ["insert", "update"])
    ]
    drops += [
        f"DROP TRIGGER append_only_{what} ON {table};"
        for table, _ in APPEND_ONLY
        for what in ("delete", "truncate", "key")
    ]
    op.execute("\n".join(drops))
    op.execute("DROP FUNCTION fk_check(); DROP FUNCTION append_only_guard();")
    op.execute(
        "\n".join(
            f"ALTER TABLE {table} ADD CONSTRAINT {_constraint(table, column, referenced)}"
            f" FOREIGN KEY ({column}) REFERENCES {referenced} ({key});"
            for table, column, referenced, key in REFERENCES
        )
    )
