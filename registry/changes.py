"""Change transactions and the change feed.

Every write belongs to one numbered change transaction (actor, source, reason,
time). The feed number ``seq`` is taken right before commit under a
transaction-scoped advisory lock (:func:`seal`): a writer holding the lock
commits before the next writer can take a number, so numbers become visible in
increasing order and a follower that has seen N never later sees a change at or
below N. (A plain sequence breaks that: T1 takes 5, T2 takes 6 and commits, a
follower reads 6, then T1 commits 5 and is lost to it.) Numbers may skip when a
transaction rolls back after sealing.

Feed cursors are ``"<seq>.<version id>"``: a transaction that touched 300,000
places is paged by version id within its number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, text

from registry.errors import FieldError, InvalidInput

FEED_LOCK = 7_346_201  # pg_advisory_xact_lock key of the feed numbering
_CURSOR = re.compile(r"^(\d{1,18})(?:\.(\d{1,18}))?$")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: the organisation (public), the person (shown to review keys only)."""

    organisation: str
    source: str
    key_id: int | None = None
    person: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeTx:
    """An open change transaction."""

    id: int
    actor: Actor
    reason: str | None
    recorded_at: datetime


def begin(conn: Connection, actor: Actor, reason: str | None) -> ChangeTx:
    """Open a change transaction inside the caller's database transaction.

    Its ``recorded_at`` (the clock when it began) is the record time of every
    version it writes.
    """
    row = conn.execute(
        text(
            "INSERT INTO change_transaction"
            " (api_key_id, organisation, person, source, reason, created_at)"
            " VALUES (:key, :org, :person, :source, :reason, clock_timestamp())"
            " RETURNING id, created_at"
        ),
        {
            "key": actor.key_id,
            "org": actor.organisation,
            "person": actor.person,
            "source": actor.source,
            "reason": reason,
        },
    ).one()
    return ChangeTx(id=row.id, actor=actor, reason=reason, recorded_at=row.created_at)


def seal(conn: Connection, tx: ChangeTx) -> int:
    """Number the transaction for the feed; the caller must commit right after.

    Takes the feed's advisory lock, held until commit, so feed numbers are
    assigned in commit order.
    """
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK})
    seq: int = conn.execute(
        text(
            "UPDATE change_transaction SET seq = nextval('change_seq') WHERE id = :id RETURNING seq"
        ),
        {"id": tx.id},
    ).scalar_one()
    return seq


@contextmanager
def recording(conn: Connection, actor: Actor, reason: str | None = None) -> Iterator[ChangeTx]:
    """Open a change transaction, and seal it when the block ends without error.

    Use as the last thing inside ``database.transaction()``, so the commit
    follows the seal immediately.
    """
    tx = begin(conn, actor, reason)
    yield tx
    seal(conn, tx)


def parse_cursor(cursor: str | None) -> tuple[int, int]:
    """``"<seq>.<version>"`` (or ``"<seq>"``) → (seq, version id); None → (0, 0).

    >>> parse_cursor("42.1007")
    (42, 1007)
    >>> parse_cursor("42")
    (42, 9223372036854775807)
    """
    if cursor is None or cursor == "":
        return (0, 0)
    match = _CURSOR.match(cursor)
    if match is None:
        raise InvalidInput(
            f"'{cursor}' is not a feed cursor (use the 'next' value of a previous page)",
            errors=[FieldError(("query", "after"), "expected <seq> or <seq>.<version>")],
        )
    version = int(match.group(2)) if match.group(2) else 2**63 - 1
    return (int(match.group(1)), version)


def format_cursor(seq: int, version_id: int) -> str:
    """The cursor of one feed entry."""
    return f"{seq}.{version_id}"


@dataclass(frozen=True)
class FeedEntry:
    """One place version in the feed, with its transaction."""

    seq: int
    version_id: int
    tx_id: int
    at: datetime
    organisation: str
    person: str | None
    source: str
    reason: str | None
    change: str
    place_id: int

    @property
    def cursor(self) -> str:
        return format_cursor(self.seq, self.version_id)


_FEED_SQL = """
SELECT t.seq, t.id AS tx_id, t.created_at AS at, t.organisation, t.person, t.source,
       t.reason, v.id AS version_id, v.change, v.place_id
FROM change_transaction t
JOIN place_version v ON v.tx_id = t.id
WHERE t.seq IS NOT NULL AND (t.seq, v.id) > (:seq, :vid) AND NOT isempty(v.recorded)
  AND (:include_proposed OR v.status <> 'proposed')
  AND (:include_proposed OR v.code IS NOT NULL)
ORDER BY t.seq, v.id
LIMIT :limit
"""


def feed(
    conn: Connection, after: str | None, limit: int, *, include_proposed: bool
) -> list[FeedEntry]:
    """Place versions written after ``after``, in feed order.

    Public followers (``include_proposed`` False) never see proposals that
    have no public code; numbers may skip.
    """
    seq, vid = parse_cursor(after)
    rows = conn.execute(
        text(_FEED_SQL),
        {"seq": seq, "vid": vid, "limit": limit, "include_proposed": include_proposed},
    ).mappings()
    return [_entry(r) for r in rows]


def _entry(r: RowMapping) -> FeedEntry:
    fields: dict[str, Any] = {
        k: r[k]
        for k in (
            "seq",
            "version_id",
            "tx_id",
            "at",
            "organisation",
            "person",
            "source",
            "reason",
            "change",
            "place_id",
        )
    }
    return FeedEntry(**fields)


@dataclass(frozen=True)
class TxInfo:
    """Who made a change transaction, when and why."""

    id: int
    seq: int | None
    at: datetime
    organisation: str
    person: str | None
    source: str
    reason: str | None


def transactions(conn: Connection, ids: list[int]) -> dict[int, TxInfo]:
    """Change transactions by id."""
    rows = conn.execute(
        text(
            "SELECT id, seq, created_at AS at, organisation, person, source, reason"
            " FROM change_transaction WHERE id = ANY(:ids)"
        ),
        {"ids": ids},
    ).mappings()
    return {r["id"]: TxInfo(**r) for r in rows}
