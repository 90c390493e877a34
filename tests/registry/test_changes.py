"""The change feed never loses a change to a follower, whatever the commit order."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Connection, Engine, create_engine, text

from registry import changes, places
from registry.places import Facts

ACTOR = changes.Actor(organisation="test", source="test")
FACTS = Facts(kind="building", lon=106.68957, lat=10.784813, location_method="gnss", source="t")


@pytest.fixture
def own_engine(fresh_database_url: str) -> Iterator[Engine]:
    engine = create_engine(fresh_database_url, pool_size=4)
    yield engine
    engine.dispose()


def _propose(conn: Connection) -> changes.ChangeTx:
    tx = changes.begin(conn, ACTOR, None)
    places.propose(conn, tx, FACTS, date(2026, 1, 1))
    return tx


def _follow(engine: Engine, after: str | None) -> list[changes.FeedEntry]:
    with engine.connect() as conn:
        return changes.feed(conn, after, 1000, include_proposed=True)


def test_a_later_transaction_cannot_overtake_an_earlier_sealed_one(own_engine: Engine) -> None:
    """T1 takes its number; T2 must wait for T1's commit before taking one, so a
    follower that has read T2 has necessarily been able to read T1."""
    c1 = own_engine.connect()
    t1 = c1.begin()
    tx1 = _propose(c1)
    seq1 = changes.seal(c1, tx1)  # T1 holds the feed lock until it commits

    sealed2: list[int] = []

    def second_writer() -> None:
        with own_engine.begin() as c2:
            tx2 = _propose(c2)
            sealed2.append(changes.seal(c2, tx2))

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive(), "T2 must wait for T1 to commit before taking a number"
    assert _follow(own_engine, None) == []  # nothing committed yet
    t1.commit()
    c1.close()
    thread.join(10)
    assert sealed2 and sealed2[0] > seq1
    seen = _follow(own_engine, None)
    assert [e.seq for e in seen] == [seq1, sealed2[0]]


def test_follower_at_n_never_sees_n_or_below_again(own_engine: Engine) -> None:
    cursors: list[str] = []
    for _ in range(3):
        with own_engine.begin() as conn, changes.recording(conn, ACTOR) as tx:
            places.propose(conn, tx, FACTS, date(2026, 1, 1))
    first = _follow(own_engine, None)
    cursors = [e.cursor for e in first]
    assert cursors == sorted(cursors, key=changes.parse_cursor)
    last = first[-1].cursor
    with own_engine.begin() as conn, changes.recording(conn, ACTOR) as tx:
        places.propose(conn, tx, FACTS, date(2026, 1, 1))
    later = _follow(own_engine, last)
    assert len(later) == 1
    assert changes.parse_cursor(later[0].cursor) > changes.parse_cursor(last)


def test_rolled_back_transaction_leaves_a_gap_not_a_late_entry(own_engine: Engine) -> None:
    with own_engine.connect() as conn:
        t = conn.begin()
        tx = _propose(conn)
        changes.seal(conn, tx)
        t.rollback()
    with own_engine.begin() as conn, changes.recording(conn, ACTOR) as tx:
        places.propose(conn, tx, FACTS, date(2026, 1, 1))
    entries = _follow(own_engine, None)
    assert len(entries) == 1


def test_a_large_transaction_is_paged(conn: Connection) -> None:
    with changes.recording(conn, ACTOR) as tx:
        for _ in range(25):
            places.propose(conn, tx, FACTS, date(2026, 1, 1))
    pages: list[list[changes.FeedEntry]] = []
    after: str | None = None
    while True:
        page = changes.feed(conn, after, 10, include_proposed=True)
        if not page:
            break
        pages.append(page)
        after = page[-1].cursor
    assert [len(p) for p in pages] == [10, 10, 5]
    assert len({e.version_id for p in pages for e in p}) == 25


def test_public_feed_hides_proposals(conn: Connection) -> None:
    with changes.recording(conn, ACTOR) as tx:
        places.propose(conn, tx, FACTS, date(2026, 1, 1))
    assert changes.feed(conn, None, 100, include_proposed=False) == []
    count = conn.execute(text("SELECT count(*) FROM place_version")).scalar_one()
    assert count == 1
