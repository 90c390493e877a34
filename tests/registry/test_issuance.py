"""Codes are random, unique under concurrency, and never issued twice."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import IntegrityError

from registry import changes, issuance
from registry.codes import Code

ACTOR = changes.Actor(organisation="test", source="test")
ZONE = 23  # Thành phố Hồ Chí Minh


@pytest.fixture
def own_engine(fresh_database_url: str) -> Iterator[Engine]:
    engine = create_engine(fresh_database_url, pool_size=10)
    yield engine
    engine.dispose()


def _issue_concurrently(
    engine: Engine, clients: int, total: int, serial_space: int, batch: int = 50
) -> tuple[list[Code], list[BaseException]]:
    codes: list[Code] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        try:
            done = 0
            while done < n:
                step = min(batch, n - done)
                with engine.begin() as conn, changes.recording(conn, ACTOR) as tx:
                    got = [
                        issuance.draw(conn, tx, ZONE, status="reserved", serial_space=serial_space)
                        for _ in range(step)
                    ]
                with lock:
                    codes.extend(got)
                done += step
        except BaseException as exc:
            errors.append(exc)

    share = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    threads = [threading.Thread(target=client, args=(n,)) for n in share]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes, errors


def test_eight_clients_issue_ten_thousand_unique_codes(own_engine: Engine) -> None:
    codes, errors = _issue_concurrently(own_engine, clients=8, total=10_000, serial_space=10**8)
    assert errors == []
    assert len(codes) == 10_000
    assert len({c.value for c in codes}) == 10_000
    with own_engine.connect() as conn:
        stored = conn.execute(text("SELECT count(DISTINCT code) FROM code_issuance")).scalar_one()
    assert stored == 10_000


def test_collisions_in_a_narrow_serial_space_are_retried_inside(own_engine: Engine) -> None:
    # 180 draws from 200 serials: most late draws collide and must be redrawn.
    codes, errors = _issue_concurrently(own_engine, clients=8, total=180, serial_space=200, batch=5)
    assert errors == []
    assert len({c.value for c in codes}) == 180
    assert all(c.serial < 200 for c in codes)


def test_a_full_zone_is_a_clear_error_not_a_duplicate(conn: Connection) -> None:
    with changes.recording(conn, ACTOR) as tx:
        for _ in range(20):
            issuance.draw(conn, tx, ZONE, status="reserved", serial_space=20)
        with pytest.raises(issuance.ZoneFull):
            issuance.draw(conn, tx, ZONE, status="reserved", serial_space=20)


def test_lease_unused_codes_are_burnt_and_never_reissued(conn: Connection) -> None:
    with changes.recording(conn, ACTOR) as tx:
        lease = issuance.create_lease(
            conn, tx, device="kobo-1", zone=ZONE, count=10, hours=24, serial_space=12
        )
    assert [s for _, s in lease.codes] == ["leased"] * 10
    with changes.recording(conn, ACTOR):
        released = issuance.release_lease(conn, lease.id)
    assert {s for _, s in released.codes} == {"burnt"}
    with changes.recording(conn, ACTOR) as tx:
        fresh = [
            issuance.draw(conn, tx, ZONE, status="reserved", serial_space=12) for _ in range(2)
        ]
        with pytest.raises(issuance.ZoneFull):
            issuance.draw(conn, tx, ZONE, status="reserved", serial_space=12)
    assert not {c.value for c in fresh} & {c.value for c, _ in lease.codes}


def test_a_code_row_is_its_zone_and_serial_with_their_check_digits(conn: Connection) -> None:
    """The primary key on the code is what keeps (zone, serial) unique: a row whose code
    is not its zone and serial with their check digits is refused."""
    insert = text(
        "INSERT INTO code_issuance (code, zone, serial, status, tx_id)"
        " VALUES (:code, 25, 0, 'reserved', :tx)"
    )
    with changes.recording(conn, changes.Actor(organisation="test", source="test")) as tx:
        for wrong in (250000000047, 250000000137, 260000000037):
            with pytest.raises(IntegrityError, match="ck_code_issuance_code"), conn.begin_nested():
                conn.execute(insert, {"code": wrong, "tx": tx.id})
        conn.execute(insert, {"code": 250000000037, "tx": tx.id})
