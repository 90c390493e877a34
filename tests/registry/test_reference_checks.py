"""References to append-only tables are checked per statement (migration 0007): a missing
row is still a foreign-key violation naming the constraint, column and value, and the
referenced rows can never be deleted, truncated or re-keyed."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

import psycopg.errors
import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import DBAPIError

from registry import bulk, changes, places
from registry.bulk import BulkPlace
from registry.places import Facts

ACTOR = changes.Actor(organisation="test", source="test")
FACTS = Facts(kind="building", lon=106.68957, lat=10.784813, location_method="gnss", source="t")
MISSING = 9_000_000_000

# A copy of one version with one column replaced: everything else valid. The copy is a
# different place (a new one) so the exclusion constraint does not interfere.
_COPY = (
    "INSERT INTO place_version (place_id, valid, recorded, tx_id, change, status,"
    " physical_state, kind, location, location_method, source, commune_unit_id, code,"
    " parent_place_id)"
    " SELECT {place_id}, valid, recorded, {tx_id}, change, status, physical_state, kind,"
    " location, location_method, source, {commune_unit_id}, {code}, {parent_place_id}"
    " FROM place_version v CROSS JOIN (SELECT * FROM {rows}) r WHERE v.id = :id"
)
_COLUMNS = ("place_id", "tx_id", "commune_unit_id", "code", "parent_place_id")


def _copy(rows: str, bad_column: str | None) -> str:
    """Each row of ``rows`` (columns ``n`` and ``new_place``) gives one copy; where ``n``
    is 2, ``bad_column`` holds a value that refers to nothing."""
    values = {
        "place_id": "r.new_place",
        "tx_id": "v.tx_id",
        "commune_unit_id": "v.commune_unit_id",
        "code": "NULL::bigint",
        "parent_place_id": "NULL::bigint",
    }
    if bad_column is not None:
        values[bad_column] = f"CASE WHEN r.n = 2 THEN {MISSING} ELSE {values[bad_column]} END"
    return _COPY.format(rows=rows, **values)


@pytest.fixture
def written(conn: Connection) -> dict[str, Any]:
    """One proposed place, and two new places to copy its version onto."""
    with changes.recording(conn, ACTOR) as tx:
        version = places.propose(conn, tx, FACTS, date(2026, 1, 1))
        new_places = conn.execute(
            text(
                "INSERT INTO place (created_tx) SELECT :tx FROM generate_series(1, 3) RETURNING id"
            ),
            {"tx": tx.id},
        ).scalars()
        return {"id": version.id, "tx": tx.id, "new_places": list(new_places)}


def _violation(error: pytest.ExceptionInfo[DBAPIError]) -> psycopg.errors.Diagnostic:
    orig = error.value.orig
    assert isinstance(orig, psycopg.errors.ForeignKeyViolation)
    return orig.diag


def _versions_of(conn: Connection, place_ids: list[int]) -> int:
    return int(
        conn.execute(
            text("SELECT count(*) FROM place_version WHERE place_id = ANY(:ids)"),
            {"ids": place_ids},
        ).scalar_one()
    )


@pytest.mark.parametrize("column", _COLUMNS)
def test_a_single_row_referring_to_nothing_is_a_foreign_key_violation(
    conn: Connection, written: dict[str, Any], column: str
) -> None:
    rows = f"(VALUES (2, {written['new_places'][0]})) AS r (n, new_place)"
    with pytest.raises(DBAPIError) as error, conn.begin_nested():
        conn.execute(text(_copy(rows, column)), {"id": written["id"]})
    diag = _violation(error)
    assert diag.table_name == "place_version"
    assert diag.constraint_name is not None and column in diag.constraint_name
    assert f"Key ({column})=({MISSING}) is not present" in (diag.message_detail or "")
    assert diag.constraint_name in str(error.value)


@pytest.mark.parametrize("column", _COLUMNS)
def test_one_bad_row_among_good_ones_writes_nothing(
    conn: Connection, written: dict[str, Any], column: str
) -> None:
    new_places = written["new_places"]
    rows = (
        "(SELECT n, (CAST(:places AS bigint[]))[n] FROM generate_series(1, 3) n)"
        " AS r (n, new_place)"
    )
    with pytest.raises(DBAPIError) as error, conn.begin_nested():
        conn.execute(text(_copy(rows, column)), {"id": written["id"], "places": new_places})
    assert f"Key ({column})=({MISSING})" in (_violation(error).message_detail or "")
    assert _versions_of(conn, new_places) == 0


def test_good_rows_are_written(conn: Connection, written: dict[str, Any]) -> None:
    new_places = written["new_places"]
    rows = (
        "(SELECT n, (CAST(:places AS bigint[]))[n] FROM generate_series(1, 3) n)"
        " AS r (n, new_place)"
    )
    conn.execute(text(_copy(rows, None)), {"id": written["id"], "places": new_places})
    assert _versions_of(conn, new_places) == 3


def test_an_update_to_a_missing_row_is_a_foreign_key_violation(
    conn: Connection, written: dict[str, Any]
) -> None:
    with pytest.raises(DBAPIError) as error, conn.begin_nested():
        conn.execute(
            text("UPDATE place SET created_tx = :missing WHERE id = :id"),
            {"missing": MISSING, "id": written["new_places"][0]},
        )
    diag = _violation(error)
    assert (diag.table_name, diag.column_name) == ("place", "created_tx")
    assert diag.constraint_name == "fk_place_created_tx_change_transaction"


def test_a_reference_to_a_row_rolled_back_is_a_violation(
    conn: Connection, written: dict[str, Any]
) -> None:
    savepoint = conn.begin_nested()
    gone = conn.execute(
        text("INSERT INTO place (created_tx) VALUES (:tx) RETURNING id"), {"tx": written["tx"]}
    ).scalar_one()
    savepoint.rollback()
    rows = f"(VALUES (1, {gone})) AS r (n, new_place)"
    with pytest.raises(DBAPIError) as error, conn.begin_nested():
        conn.execute(text(_copy(rows, None)), {"id": written["id"]})
    assert f"Key (place_id)=({gone}) is not present" in (_violation(error).message_detail or "")


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("place", "id"),
        ("change_transaction", "id"),
        ("code_issuance", "code"),
        ("code_lease", "id"),
    ],
)
def test_referenced_rows_are_never_deleted_truncated_or_rekeyed(
    conn: Connection, written: dict[str, Any], table: str, key: str
) -> None:
    with changes.recording(conn, ACTOR) as tx:
        conn.execute(
            text(
                "INSERT INTO code_lease (device, zone, expires_at, tx_id)"
                " VALUES ('test', 25, now() + interval '1 day', :tx)"
            ),
            {"tx": tx.id},
        )
        conn.execute(
            text(
                "INSERT INTO code_issuance (code, zone, serial, status, tx_id)"
                " VALUES (250000000037, 25, 0, 'reserved', :tx)"
            ),
            {"tx": tx.id},
        )
    row = conn.execute(text(f"SELECT max({key}) FROM {table}")).scalar_one()
    statements = [
        (f"DELETE FROM {table} WHERE {key} = :k", "never deleted"),
        (f"TRUNCATE {table} CASCADE", "never deleted"),
        (f"UPDATE {table} SET {key} = {key} + 1 WHERE {key} = :k", "never changes"),
    ]
    for statement, message in statements:
        with pytest.raises(DBAPIError, match=f"{table}.*{message}") as error, conn.begin_nested():
            conn.execute(text(statement), {"k": row})
        assert isinstance(error.value.orig, psycopg.errors.RestrictViolation)
    assert conn.execute(text(f"SELECT count(*) FROM {table} WHERE {key} = :k"), {"k": row}).one()


def test_the_bulk_load_still_loads_and_rejects(conn: Connection) -> None:
    batch = [
        BulkPlace(kind="building", lon=FACTS.lon, lat=FACTS.lat, source="t"),
        BulkPlace(kind="unit", lon=FACTS.lon, lat=FACTS.lat, source="t", parent_ref=0),
        BulkPlace(kind="unit", lon=FACTS.lon, lat=FACTS.lat, source="t", parent_ref=7),
        BulkPlace(kind="building", lon=107.9, lat=16.9, source="t"),  # at sea
    ]
    report = bulk.load_places(
        conn, ACTOR, batch, approve=True, valid_from=date(2026, 1, 1), reason="test"
    )
    assert report.loaded == 2 and report.issued == 2
    assert [(r.ref, r.reason) for r in report.rejected] == [
        (2, "invalid-parent"),
        (3, "outside-commune"),
    ]
    rows = conn.execute(
        text(
            "SELECT v.kind, v.parent_place_id, c.place_id = v.place_id AS code_of_place"
            " FROM place_version v JOIN code_issuance c ON c.code = v.code"
            " WHERE v.tx_id = :tx ORDER BY v.place_id"
        ),
        {"tx": report.tx_id},
    ).all()
    assert [(kind, parent, own) for kind, parent, own in rows] == [
        ("building", None, True),
        ("unit", report.place_ids[0], True),
    ]


# --- admin units (migration 0009): checked per statement, their deletion checked back ---

_SPARE_UNIT = (
    "INSERT INTO admin_unit (code, level, name, unit_type, parent_code, valid,"
    " valid_from_known, source)"
    " VALUES ('99999', 'commune', 'Phường Thử', 'phường', '79', daterange('2025-07-01', NULL),"
    " true, 'test') RETURNING id"
)


def _refer(conn: Connection, version_id: int, unit_id: int, column: str) -> None:
    """A new place whose version copies ``version_id`` but has ``column`` = ``unit_id``."""
    units = {"commune_unit_id": "v.commune_unit_id", "province_unit_id": "v.province_unit_id"}
    units[column] = ":unit"
    with changes.recording(conn, ACTOR) as tx:
        place = conn.execute(
            text("INSERT INTO place (created_tx) VALUES (:tx) RETURNING id"), {"tx": tx.id}
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO place_version (place_id, valid, recorded, tx_id, change, status,"
                " physical_state, kind, location, location_method, source, commune_unit_id,"
                " province_unit_id)"
                " SELECT :place, valid, recorded, :tx, change, status, physical_state, kind,"
                " location, location_method, source,"
                f" {units['commune_unit_id']}, {units['province_unit_id']}"
                " FROM place_version v WHERE v.id = :id"
            ),
            {"place": place, "tx": tx.id, "id": version_id, "unit": unit_id},
        )


def _delete_unit(conn: Connection, unit_id: int) -> None:
    conn.execute(text("DELETE FROM admin_unit WHERE id = :id"), {"id": unit_id})


@pytest.mark.parametrize("column", ["commune_unit_id", "province_unit_id"])
def test_an_admin_unit_a_place_refers_to_cannot_be_deleted(
    conn: Connection, written: dict[str, Any], column: str
) -> None:
    unit = conn.execute(text(_SPARE_UNIT)).scalar_one()
    _refer(conn, written["id"], unit, column)
    with pytest.raises(DBAPIError) as error, conn.begin_nested():
        _delete_unit(conn, unit)
    diag = _violation(error)
    assert diag.constraint_name == f"fk_place_version_{column}_admin_unit"
    assert f"Key (id)=({unit}) is still referenced" in (diag.message_detail or "")
    assert conn.execute(text("SELECT count(*) FROM admin_unit WHERE id = :id"), {"id": unit})


def test_an_admin_unit_no_place_refers_to_is_deleted(conn: Connection) -> None:
    unit = conn.execute(text(_SPARE_UNIT)).scalar_one()
    _delete_unit(conn, unit)
    gone = conn.execute(text("SELECT count(*) FROM admin_unit WHERE id = :id"), {"id": unit})
    assert gone.scalar_one() == 0


def test_admin_units_places_refer_to_are_not_truncated_nor_rekeyed(
    conn: Connection, written: dict[str, Any]
) -> None:
    unit = conn.execute(
        text("SELECT commune_unit_id FROM place_version WHERE id = :id"), {"id": written["id"]}
    ).scalar_one()
    with pytest.raises(DBAPIError, match="place versions refer to it"), conn.begin_nested():
        conn.execute(text("TRUNCATE admin_unit CASCADE"))
    with pytest.raises(DBAPIError, match="never changes") as error, conn.begin_nested():
        conn.execute(text("UPDATE admin_unit SET id = -id WHERE id = :id"), {"id": unit})
    assert isinstance(error.value.orig, psycopg.errors.RestrictViolation)


def test_a_unit_deleted_while_a_place_is_written_to_it_is_refused(
    fresh_database_url: str,
) -> None:
    """The writer's check sees the unit (its deletion is not committed); the deleting
    transaction waits for the writer, then sees its version and fails: no dangling unit."""
    engine = create_engine(fresh_database_url, pool_size=3)
    try:
        with engine.begin() as setup:
            unit = setup.execute(text(_SPARE_UNIT)).scalar_one()
            with changes.recording(setup, ACTOR) as tx:
                version = places.propose(setup, tx, FACTS, date(2026, 1, 1)).id
        writer = engine.connect()
        writing = writer.begin()
        _refer(writer, version, unit, "commune_unit_id")  # checked, not committed
        outcome: list[DBAPIError | None] = []

        def delete() -> None:
            try:
                with engine.begin() as deleter:
                    _delete_unit(deleter, unit)
                outcome.append(None)
            except DBAPIError as error:
                outcome.append(error)

        thread = threading.Thread(target=delete)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the delete must wait for the writer to finish"
        writing.commit()
        writer.close()
        thread.join(10)
        assert len(outcome) == 1 and isinstance(outcome[0], DBAPIError)
        assert isinstance(outcome[0].orig, psycopg.errors.ForeignKeyViolation)
        with engine.connect() as check:
            kept = check.execute(
                text("SELECT count(*) FROM admin_unit WHERE id = :id"), {"id": unit}
            )
            assert kept.scalar_one() == 1
    finally:
        engine.dispose()
