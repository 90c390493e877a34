"""Issuing codes: random serials, never reused; leases of code blocks to field devices.

Every code ever reserved, leased or issued has one row in ``code_issuance``
(primary key: the code; unique: zone + serial). A serial is drawn uniformly at
random among the zone's serial space and inserted with ``ON CONFLICT DO
NOTHING`` under a non-blocking advisory lock on the code: a collision (already
taken, or being taken by another open transaction) is simply drawn again, so
concurrent clients never wait on each other and never see an error.
Burnt codes (retired, withdrawn, leased but unused) keep their row and are
therefore never drawn again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from registry.changes import ChangeTx
from registry.codes import Code, make_code
from registry.errors import Conflict, InvalidInput, NotFound

SERIAL_SPACE = 100_000_000
MAX_DRAWS = 10_000
# Advisory-lock keys of codes being drawn: a code another open transaction is
# inserting is skipped, never waited for, so concurrent draws cannot deadlock
# (T1 inserts A then tries B while T2 inserted B and tries A).
CODE_LOCK_BASE = 10**13


class ZoneFull(Conflict):
    """No unused serial could be found in the zone (the serial space is exhausted)."""

    type = "zone-full"
    title = "Hết mã trong vùng / No unused code left in the zone"


def draw(
    conn: Connection,
    tx: ChangeTx,
    zone: int,
    *,
    status: str = "issued",
    place_id: int | None = None,
    lease_id: int | None = None,
    serial_space: int = SERIAL_SPACE,
) -> Code:
    """Reserve a fresh random code of ``zone`` with ``status``; retried on collision.

    ``serial_space`` narrows the serials drawn from (tests use a few hundred
    so collisions really happen). Raises :class:`ZoneFull` after
    ``MAX_DRAWS`` collisions in a row.
    """
    for _ in range(MAX_DRAWS):
        code = make_code(zone, secrets.randbelow(serial_space))
        inserted = conn.execute(
            text(
                "INSERT INTO code_issuance (code, zone, serial, status, place_id, lease_id, tx_id)"
                " SELECT :code, :zone, :serial, :status, :place, :lease, :tx"
                " WHERE pg_try_advisory_xact_lock(:lock)"
                " ON CONFLICT DO NOTHING RETURNING code"
            ),
            {
                "code": code.value,
                "lock": CODE_LOCK_BASE + code.value,
                "zone": zone,
                "serial": code.serial,
                "status": status,
                "place": place_id,
                "lease": lease_id,
                "tx": tx.id,
            },
        ).scalar()
        if inserted is not None:
            return code
    raise ZoneFull(f"no unused serial found in zone {zone:02d} after {MAX_DRAWS} draws")


def assign_leased(conn: Connection, code: Code, place_id: int) -> None:
    """Issue a code that was leased to a device to ``place_id``.

    Raises :class:`Conflict` when the code is not leased or its lease has ended.
    """
    row = conn.execute(
        text(
            "UPDATE code_issuance c SET status = 'issued', place_id = :place"
            " FROM code_lease l WHERE c.code = :code AND c.status = 'leased'"
            " AND l.id = c.lease_id AND l.released_at IS NULL AND l.expires_at > now()"
            " RETURNING c.code"
        ),
        {"code": code.value, "place": place_id},
    ).scalar()
    if row is None:
        raise Conflict(f"code {code} is not an open leased code (already used, burnt or expired)")


def burn(conn: Connection, code: int) -> None:
    """Mark a code burnt: it stays in the table and is never issued again."""
    conn.execute(text("UPDATE code_issuance SET status = 'burnt' WHERE code = :c"), {"c": code})


def issued_among(conn: Connection, codes: list[Code]) -> list[Code]:
    """The subset of ``codes`` that were ever issued (for typo suggestions)."""
    if not codes:
        return []
    rows = conn.execute(
        text("SELECT code FROM code_issuance WHERE code = ANY(:codes) AND place_id IS NOT NULL"),
        {"codes": [c.value for c in codes]},
    ).scalars()
    found = set(rows)
    return [c for c in codes if c.value in found]


@dataclass(frozen=True)
class Lease:
    """A block of codes leased to a device for offline work."""

    id: int
    device: str
    zone: int
    created_at: datetime
    expires_at: datetime
    released_at: datetime | None
    codes: list[tuple[Code, str]]


def create_lease(
    conn: Connection,
    tx: ChangeTx,
    *,
    device: str,
    zone: int,
    count: int,
    hours: int,
    serial_space: int = SERIAL_SPACE,
) -> Lease:
    """Lease ``count`` fresh codes of ``zone`` to ``device`` for ``hours``."""
    if not 1 <= count <= 10_000:
        raise InvalidInput("count must be between 1 and 10000")
    lease_id = conn.execute(
        text(
            "INSERT INTO code_lease (device, api_key_id, zone, expires_at, tx_id)"
            " VALUES (:device, :key, :zone, now() + make_interval(hours => :hours), :tx)"
            " RETURNING id"
        ),
        {"device": device, "key": tx.actor.key_id, "zone": zone, "hours": hours, "tx": tx.id},
    ).scalar_one()
    for _ in range(count):
        draw(conn, tx, zone, status="leased", lease_id=lease_id, serial_space=serial_space)
    return get_lease(conn, lease_id)


def get_lease(conn: Connection, lease_id: int) -> Lease:
    """A lease and the status of each of its codes. Raises :class:`NotFound`."""
    row = (
        conn.execute(text("SELECT * FROM code_lease WHERE id = :id"), {"id": lease_id})
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no code lease {lease_id}")
    codes = conn.execute(
        text("SELECT code, status FROM code_issuance WHERE lease_id = :id ORDER BY code"),
        {"id": lease_id},
    ).all()
    return Lease(
        id=row["id"],
        device=row["device"],
        zone=row["zone"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        released_at=row["released_at"],
        codes=[(Code(c.code), c.status) for c in codes],
    )


def release_lease(conn: Connection, lease_id: int) -> Lease:
    """End a lease: every code not used (still 'leased') is burnt. Idempotent."""
    get_lease(conn, lease_id)
    conn.execute(
        text("UPDATE code_lease SET released_at = coalesce(released_at, now()) WHERE id = :id"),
        {"id": lease_id},
    )
    conn.execute(
        text(
            "UPDATE code_issuance SET status = 'burnt' WHERE lease_id = :id AND status = 'leased'"
        ),
        {"id": lease_id},
    )
    return get_lease(conn, lease_id)


def burn_expired_leases(conn: Connection) -> int:
    """Burn the unused codes of every lease past its expiry; returns codes burnt."""
    return conn.execute(
        text(
            "UPDATE code_issuance c SET status = 'burnt' FROM code_lease l"
            " WHERE c.lease_id = l.id AND c.status = 'leased' AND l.expires_at <= now()"
        )
    ).rowcount
