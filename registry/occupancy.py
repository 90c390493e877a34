"""Occupancy: households, enterprises and agencies linked to places, dated.

Personal data lives only here. Nothing in this module is used by public
answers, tiles or the public change feed; reading it needs the
``private-read`` scope (checked by the caller).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, text

from registry.changes import ChangeTx


@dataclass(frozen=True)
class Occupancy:
    """An occupant at a place for a valid-time range [valid_from, valid_to)."""

    id: int
    occupant_kind: str
    name: str
    registration_number: str | None
    valid_from: date
    valid_to: date | None


def add(
    conn: Connection,
    tx: ChangeTx,
    place_id: int,
    *,
    kind: str,
    name: str,
    registration_number: str | None,
    valid_from: date,
) -> Occupancy:
    """Link a new occupant to a place from ``valid_from`` (open-ended)."""
    occupant_id = conn.execute(
        text(
            "INSERT INTO occupant (kind, name, registration_number, tx_id)"
            " VALUES (:kind, :name, :reg, :tx) RETURNING id"
        ),
        {"kind": kind, "name": name, "reg": registration_number, "tx": tx.id},
    ).scalar_one()
    occupancy_id = conn.execute(
        text(
            "INSERT INTO occupancy (occupant_id, place_id, valid, tx_id)"
            " VALUES (:o, :p, daterange(:vf, NULL), :tx) RETURNING id"
        ),
        {"o": occupant_id, "p": place_id, "vf": valid_from, "tx": tx.id},
    ).scalar_one()
    return Occupancy(occupancy_id, kind, name, registration_number, valid_from, None)


def at_place(conn: Connection, place_id: int, at: date | None) -> list[Occupancy]:
    """Occupancies of a place (all, or those valid on ``at``)."""
    rows = conn.execute(
        text(
            "SELECT y.id, o.kind AS occupant_kind, o.name, o.registration_number,"
            " lower(y.valid) AS valid_from, upper(y.valid) AS valid_to"
            " FROM occupancy y JOIN occupant o ON o.id = y.occupant_id"
            " WHERE y.place_id = :p AND (CAST(:at AS date) IS NULL OR y.valid @> CAST(:at AS date))"
            " ORDER BY lower(y.valid), y.id"
        ),
        {"p": place_id, "at": at},
    ).mappings()
    return [Occupancy(**r) for r in rows]
