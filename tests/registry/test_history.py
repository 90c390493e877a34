"""History is data: versions are never deleted, and only an open record time closes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from registry import changes, places
from registry.places import Facts

ACTOR = changes.Actor(organisation="test", source="test")
FACTS = Facts(kind="building", lon=106.68957, lat=10.784813, location_method="gnss", source="t")


@pytest.fixture
def version_id(conn: Connection) -> int:
    with changes.recording(conn, ACTOR) as tx:
        return places.propose(conn, tx, FACTS, date(2026, 1, 1)).id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE place_version SET house_number = 'forged' WHERE id = :id",
        "UPDATE place_version SET valid = daterange('2020-01-01', NULL) WHERE id = :id",
        "UPDATE place_version SET recorded = tstzrange('2020-01-01', NULL) WHERE id = :id",
        "DELETE FROM place_version WHERE id = :id",
    ],
)
def test_rewriting_history_is_refused(conn: Connection, version_id: int, statement: str) -> None:
    with pytest.raises(DBAPIError, match="place_version"), conn.begin_nested():
        conn.execute(text(statement), {"id": version_id})


def test_closing_twice_is_refused(conn: Connection, version_id: int) -> None:
    close = "UPDATE place_version SET recorded = tstzrange(lower(recorded), :t) WHERE id = :id"
    conn.execute(text(close), {"id": version_id, "t": "2999-01-01"})
    with pytest.raises(DBAPIError), conn.begin_nested():
        conn.execute(text(close), {"id": version_id, "t": "2999-02-01"})


def test_overlapping_versions_are_refused(conn: Connection, version_id: int) -> None:
    copy = (
        "INSERT INTO place_version (place_id, valid, recorded, tx_id, change, status,"
        " physical_state, kind, location, location_method, source)"
        " SELECT place_id, valid, recorded, tx_id, change, status, physical_state, kind,"
        " location, location_method, source FROM place_version WHERE id = :id"
    )
    with pytest.raises(DBAPIError, match="ex_place_version_bitemporal"), conn.begin_nested():
        conn.execute(text(copy), {"id": version_id})
