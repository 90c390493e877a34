"""A place version's commune and province are checked once per statement, not once per row.

Migration 0007 turned the references to append-only tables into statement-level checks
(``fk_check``). The two references from ``place_version`` to ``admin_unit`` stayed
declarative because ``admin_unit`` loses rows: the admin import deletes the versions a
source no longer has. They fired one RI trigger per written version: 5.4 s of a
300,000-place bulk load. This migration checks them like the others, with the
referenced side kept safe by triggers on ``admin_unit``:

* inserting a place version: ``place_version``'s ``fk_check_insert`` now checks six
  references, these two among them (place versions are never updated but to close their
  record time, which the guard of migration 0002 enforces);
* deleting admin units: ``admin_unit_referenced_check``, an AFTER DELETE statement trigger
  over the deleted rows, raises ``foreign_key_violation`` (SQLSTATE 23503, PostgreSQL's own
  message and fields) when a place version refers to one of them. It first takes
  ``place_version`` in SHARE mode, which waits for transactions writing place versions
  and holds off new ones until the import commits: a version written concurrently, whose
  check saw the unit before the delete committed, is then seen by this check instead
  (the declarative key did the same with a row lock). Deleting admin units is rare
  (a re-import of the units, a source that lost versions); place writes wait for it;
* truncating ``admin_unit`` is refused while a place version refers to any unit;
* an admin unit's id never changes (a BEFORE UPDATE row trigger).

Downgrade restores the two foreign keys (validated) and ``fk_check_insert`` as it was.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# place_version's references as migration 0007 wrote them; the two admin ones added.
_BEFORE = (
    ("place_id", "place", "id"),
    ("tx_id", "change_transaction", "id"),
    ("code", "code_issuance", "code"),
    ("parent_place_id", "place", "id"),
)
_ADMIN = (
    ("commune_unit_id", "admin_unit", "id"),
    ("province_unit_id", "admin_unit", "id"),
)


def _constraint(column: str, referenced: str) -> str:
    return f"fk_place_version_{column}_{referenced}"


def _fk_check_insert(references: tuple[tuple[str, str, str], ...]) -> str:
    args = ", ".join(
        f"'{_constraint(column, referenced)}', '{column}', '{referenced}', '{key}'"
        for column, referenced, key in references
    )
    return (
        "DROP TRIGGER fk_check_insert ON place_version;"
        " CREATE TRIGGER fk_check_insert AFTER INSERT ON place_version"
        " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
        f" EXECUTE FUNCTION fk_check({args});"
    )


UPGRADE = """
CREATE FUNCTION admin_unit_referenced_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    used record;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT FROM place_version
                   WHERE commune_unit_id IS NOT NULL OR province_unit_id IS NOT NULL) THEN
            RAISE EXCEPTION 'cannot truncate admin_unit: place versions refer to it'
                USING ERRCODE = 'foreign_key_violation', TABLE = 'admin_unit';
        END IF;
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT FROM old_rows) THEN
        RETURN NULL;
    END IF;
    LOCK TABLE place_version IN SHARE MODE;
    -- One scan of place_version, each column probed in a hash of the deleted ids.
    SELECT CASE WHEN v.commune_unit_id IN (SELECT id FROM old_rows)
                THEN v.commune_unit_id ELSE v.province_unit_id END AS id,
           CASE WHEN v.commune_unit_id IN (SELECT id FROM old_rows)
                THEN 'commune_unit_id' ELSE 'province_unit_id' END AS column_name
    INTO used
    FROM place_version v
    WHERE v.commune_unit_id IN (SELECT id FROM old_rows)
       OR v.province_unit_id IN (SELECT id FROM old_rows)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'update or delete on table "admin_unit" violates foreign key '
                        'constraint "%" on table "place_version"',
                format('fk_place_version_%s_admin_unit', used.column_name)
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (id)=(%s) is still referenced from table '
                                  '"place_version".', used.id),
                  CONSTRAINT = format('fk_place_version_%s_admin_unit', used.column_name),
                  SCHEMA = TG_TABLE_SCHEMA, TABLE = 'place_version';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER admin_unit_referenced_delete AFTER DELETE ON admin_unit
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION admin_unit_referenced_check();
CREATE TRIGGER admin_unit_referenced_truncate BEFORE TRUNCATE ON admin_unit
    FOR EACH STATEMENT EXECUTE FUNCTION admin_unit_referenced_check();

CREATE FUNCTION admin_unit_key_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the id of an admin_unit row never changes (place versions refer to it)'
        USING ERRCODE = 'restrict_violation', TABLE = 'admin_unit';
END;
$$;
CREATE TRIGGER admin_unit_key BEFORE UPDATE OF id ON admin_unit FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION admin_unit_key_guard();

ALTER TABLE place_version DROP CONSTRAINT fk_place_version_commune_unit_id_admin_unit;
ALTER TABLE place_version DROP CONSTRAINT fk_place_version_province_unit_id_admin_unit;
"""

DOWNGRADE = """
DROP TRIGGER admin_unit_key ON admin_unit;
DROP FUNCTION admin_unit_key_guard();
DROP TRIGGER admin_unit_referenced_truncate ON admin_unit;
DROP TRIGGER admin_unit_referenced_delete ON admin_unit;
DROP FUNCTION admin_unit_referenced_check();
ALTER TABLE place_version ADD CONSTRAINT fk_place_version_commune_unit_id_admin_unit
    FOREIGN KEY (commune_unit_id) REFERENCES admin_unit (id);
ALTER TABLE place_version ADD CONSTRAINT fk_place_version_province_unit_id_admin_unit
    FOREIGN KEY (province_unit_id) REFERENCES admin_unit (id);
"""


def upgrade() -> None:
    op.execute(UPGRADE)
    op.execute(_fk_check_insert(_BEFORE + _ADMIN))


def downgrade() -> None:
    op.execute(_fk_check_insert(_BEFORE))
    op.execute(DOWNGRADE)
