"""Safe retries: the storage and rules of ``Idempotency-Key`` (IETF httpapi draft).

A write request that carries a key first *claims* it (:func:`claim`, in a short
transaction of its own, committed at once so that a concurrent retry sees it).
The claim answers one of:

- a new :class:`Claim`: run the request; then :func:`complete` records the
  response **inside the same transaction as the write**, so the write and its
  recorded response commit together or not at all (a crash between the two
  cannot leave a done write whose retry would write again);
- a :class:`StoredResponse`: the same request was answered; send that again;
- :class:`IdempotencyKeyReused`: the key was used for a different request;
- :class:`RequestInProgress`: the first request is still running.

A claim left unfinished for ``stale_after_s`` seconds belonged to a process
that died (its write was rolled back with its connection) and is taken over.
The claim's ``started_at`` is a fencing token: if a slow request is taken
over, its own :func:`complete` finds the token changed and raises, so its
write rolls back and only one of the two takes effect.

Keys are scoped to the API key that sent them and kept at least 24 hours
(:func:`purge` deletes records older than 48 hours by default).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, text
from sqlalchemy.exc import DBAPIError

from registry.database import Database
from registry.errors import IdempotencyKeyReused, InvalidInput, RequestInProgress

STALE_AFTER_S = 60.0
MIN_RETENTION_HOURS = 24
LOCK_NOT_AVAILABLE = "55P03"


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to run one request; ``started_at`` is its fencing token."""

    key_id: int
    key: str
    started_at: datetime


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The response recorded for a request, to be sent again on a retry."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


def canonical_json(value: Any) -> bytes:
    """JSON with sorted keys, no insignificant whitespace, UTF-8 (not ``\\u`` escapes).

    >>> canonical_json({"b": [1, 2], "a": "Hà Nội"}).decode()
    '{"a":"Hà Nội","b":[1,2]}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def request_fingerprint(method: str, path: str, body: bytes) -> bytes:
    """SHA-256 over the method, the path and the canonical JSON of ``body``.

    Key order and whitespace do not matter; a body that is not JSON is hashed
    as its raw bytes.

    >>> a = request_fingerprint("POST", "/places", b'{"a": 1, "b": 2}')
    >>> a == request_fingerprint("post", "/places", b'{"b":2,"a":1}')
    True
    >>> a == request_fingerprint("POST", "/places", b'{"a": 1, "b": 3}')
    False
    """
    try:
        canonical = canonical_json(json.loads(body))
    except ValueError:  # not JSON (UnicodeDecodeError is a ValueError too)
        canonical = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big"))  # length-prefixed: parts cannot run together
        digest.update(part)
    return digest.digest()


def claim(
    database: Database,
    key_id: int,
    key: str,
    fingerprint: bytes,
    method: str,
    path: str,
    stale_after_s: float = STALE_AFTER_S,
) -> Claim | StoredResponse:
    """Claim ``key`` for API key ``key_id``, in a transaction of its own, committed at once.

    Returns a new :class:`Claim` (run the request) or the :class:`StoredResponse`
    of the first request. Raises :class:`IdempotencyKeyReused` when the key was
    used with a different fingerprint, :class:`RequestInProgress` while the first
    request is unfinished and younger than ``stale_after_s`` seconds.
    """
    params = {"key_id": key_id, "key": key}
    try:
        with database.transaction() as conn:
            for _ in range(3):  # the record may be released between the INSERT and the SELECT
                started = conn.execute(
                    text(
                        "INSERT INTO idempotency_record"
                        " (api_key_id, key, request_sha256, method, path)"
                        " VALUES (:key_id, :key, :fingerprint, :method, :path)"
                        " ON CONFLICT DO NOTHING RETURNING started_at"
                    ),
                    {**params, "fingerprint": fingerprint, "method": method, "path": path},
                ).scalar_one_or_none()
                if started is not None:
                    return Claim(key_id, key, started)
                row = _record(conn, params, stale_after_s, lock=False)
                if row is not None:
                    return _decide(conn, row, params, fingerprint, stale_after_s)
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise _in_progress() from exc
        raise
    raise _in_progress()


def _decide(
    conn: Connection,
    row: RowMapping,
    params: dict[str, Any],
    fingerprint: bytes,
    stale_after_s: float,
) -> Claim | StoredResponse:
    """Decide on a key already recorded; take over a stale claim."""
    if bytes(row["request_sha256"]) != fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different request;"
            " use a new key for a new request"
        )
    if row["completed_at"] is None and row["stale"]:
        # Lock without waiting: a lock held means the first request is committing now.
        locked = _record(conn, params, stale_after_s, lock=True)
        if locked is None:
            raise _in_progress()
        row = locked
        if row["completed_at"] is None and row["stale"]:
            started = conn.execute(
                text(
                    "UPDATE idempotency_record SET started_at = clock_timestamp()"
                    " WHERE api_key_id = :key_id AND key = :key RETURNING started_at"
                ),
                params,
            ).scalar_one()
            return Claim(params["key_id"], params["key"], started)
    if row["completed_at"] is None:
        raise _in_progress()
    return StoredResponse(
        row["status"],
        bytes(row["response_body"]),
        tuple((str(name), str(value)) for name, value in row["response_headers"]),
    )


def _record(
    conn: Connection, params: dict[str, Any], stale_after_s: float, *, lock: bool
) -> RowMapping | None:
    return (
        conn.execute(
            text(
                "SELECT request_sha256, completed_at, status, response_body, response_headers,"
                " started_at < now() - make_interval(secs => :stale) AS stale"
                " FROM idempotency_record WHERE api_key_id = :key_id AND key = :key"
                + (" FOR UPDATE NOWAIT" if lock else "")
            ),
            {**params, "stale": stale_after_s},
        )
        .mappings()
        .one_or_none()
    )


def _in_progress() -> RequestInProgress:
    return RequestInProgress(
        "a request with this Idempotency-Key is still being processed; retry shortly"
    )


def complete(
    conn: Connection, claim: Claim, status: int, body: bytes, headers: Iterable[tuple[str, str]]
) -> None:
    """Record the response of a claimed request.

    Call it inside the transaction of the request's write, before it commits.
    Raises :class:`RequestInProgress` when the claim was taken over by a retry
    meanwhile; the caller's transaction must then roll back.
    """
    done = conn.execute(
        text(
            "UPDATE idempotency_record SET completed_at = now(), status = :status,"
            " response_body = :body, response_headers = CAST(:headers AS jsonb)"
            " WHERE api_key_id = :key_id AND key = :key AND started_at = :started"
            " AND completed_at IS NULL"
        ),
        {
            "key_id": claim.key_id,
            "key": claim.key,
            "started": claim.started_at,
            "status": status,
            "body": body,
            "headers": json.dumps([[name, value] for name, value in headers]),
        },
    ).rowcount
    if not done:
        raise RequestInProgress(
            "this request ran so long that a retry with the same Idempotency-Key took it over;"
            " its effect was not kept"
        )


def release(database: Database, claim: Claim) -> None:
    """Forget an unfinished claim (its request failed on the server), so a retry can run.

    In a transaction of its own; a claim taken over meanwhile is left alone.
    """
    with database.transaction() as conn:
        conn.execute(
            text(
                "DELETE FROM idempotency_record WHERE api_key_id = :key_id AND key = :key"
                " AND started_at = :started AND completed_at IS NULL"
            ),
            {"key_id": claim.key_id, "key": claim.key, "started": claim.started_at},
        )


def purge(conn: Connection, older_than_hours: float = 48) -> int:
    """Delete records started more than ``older_than_hours`` ago; returns how many.

    Raises :class:`InvalidInput` below 24 hours: the API promises keys are kept that long.
    """
    if older_than_hours < MIN_RETENTION_HOURS:
        raise InvalidInput(
            f"idempotency records are kept at least {MIN_RETENTION_HOURS} hours,"
            f" not {older_than_hours}"
        )
    return conn.execute(
        text(
            "DELETE FROM idempotency_record WHERE started_at < now() - :hours * interval '1 hour'"
        ),
        {"hours": older_than_hours},
    ).rowcount
