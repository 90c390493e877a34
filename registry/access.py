"""API keys and scopes: who may do what.

A key is a long random token (``dc_`` + 43 URL-safe characters, 256 bits) shown
once when it is created; only its SHA-256 is stored. A fast hash is enough for a
token of that entropy (there is no dictionary to guess from), and a slow
password hash would cost tens of milliseconds on every request for nothing.

Scopes: public reads need none; ``field`` proposes and updates places;
``review`` approves, retires, withdraws, merges and splits (and may do what
``field`` does); ``admin`` manages keys and nothing else; ``private-read`` sees
occupancy. A :class:`Principal` carries what a change transaction records about
who acted (key id, organisation, person).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, RowMapping, text

from registry.errors import FieldError, Forbidden, InvalidInput, NotFound, Unauthenticated

SCOPES: frozenset[str] = frozenset({"field", "review", "admin", "private-read"})
TOKEN_PREFIX = "dc_"
IMPLIED: dict[str, frozenset[str]] = {"review": frozenset({"field"})}


@dataclass(frozen=True, slots=True)
class Principal:
    """The holder of a valid (unrevoked) API key."""

    key_id: int
    name: str
    organisation: str
    person: str | None
    scopes: frozenset[str]

    def has(self, scope: str) -> bool:
        """Whether the key grants ``scope``; ``review`` implies ``field``, nothing else implies.

        >>> Principal(1, "app", "Sở TN&MT", None, frozenset({"review"})).has("field")
        True
        >>> Principal(1, "ops", "diachi", None, frozenset({"admin"})).has("review")
        False
        """
        return scope in self.scopes or any(scope in IMPLIED.get(s, ()) for s in self.scopes)


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """An API key as listed to administrators (never the token, nor its hash)."""

    id: int
    name: str
    organisation: str
    person: str | None
    scopes: frozenset[str]
    created_at: datetime
    revoked_at: datetime | None


def token_digest(token: str) -> bytes:
    """The SHA-256 of a token's UTF-8 bytes, as stored in ``api_key.token_sha256``."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def _checked_scopes(scopes: Iterable[str]) -> frozenset[str]:
    wanted = frozenset(scopes)
    unknown = sorted(wanted - SCOPES)
    if unknown:
        raise InvalidInput(
            f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(sorted(SCOPES))}",
            errors=[FieldError(("scope",), f"unknown scope {s!r}") for s in unknown],
        )
    return wanted


def _required_text(value: str, what: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise InvalidInput(f"{what} must not be empty", errors=[FieldError((what,), "empty")])
    return cleaned


def create_key(
    conn: Connection,
    *,
    name: str,
    organisation: str,
    scopes: Iterable[str],
    person: str | None = None,
) -> tuple[Principal, str]:
    """Create a key; returns its principal and the token, which is never available again.

    Raises :class:`InvalidInput` for an unknown scope or an empty name or organisation.
    """
    granted = _checked_scopes(scopes)
    name = _required_text(name, "name")
    organisation = _required_text(organisation, "organisation")
    person = (person or "").strip() or None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key_id = conn.execute(
        text(
            "INSERT INTO api_key (name, organisation, person, token_sha256, scopes)"
            " VALUES (:name, :organisation, :person, :digest, :scopes) RETURNING id"
        ),
        {
            "name": name,
            "organisation": organisation,
            "person": person,
            "digest": token_digest(token),
            "scopes": sorted(granted),
        },
    ).scalar_one()
    return Principal(key_id, name, organisation, person, granted), token


def authenticate(conn: Connection, token: str) -> Principal | None:
    """The principal of ``token``; ``None`` when it is unknown or revoked."""
    row = (
        conn.execute(
            text(
                "SELECT id, name, organisation, person, scopes FROM api_key"
                " WHERE token_sha256 = :digest AND revoked_at IS NULL"
            ),
            {"digest": token_digest(token)},
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        return None
    return Principal(row["id"], row["name"], row["organisation"], row["person"], _scopes(row))


def revoke_key(conn: Connection, key_id: int) -> None:
    """Revoke a key from now on (revoking twice is harmless); :class:`NotFound` if no such key."""
    found = conn.execute(
        text("UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE id = :id"),
        {"id": key_id},
    ).rowcount
    if not found:
        raise NotFound(f"no API key with id {key_id}")


def list_keys(conn: Connection) -> list[KeyRecord]:
    """Every key ever created, oldest first, revoked ones included."""
    rows = conn.execute(
        text(
            "SELECT id, name, organisation, person, scopes, created_at, revoked_at"
            " FROM api_key ORDER BY id"
        )
    ).mappings()
    return [
        KeyRecord(
            r["id"],
            r["name"],
            r["organisation"],
            r["person"],
            _scopes(r),
            r["created_at"],
            r["revoked_at"],
        )
        for r in rows
    ]


def require(principal: Principal | None, scope: str) -> Principal:
    """``principal`` if it grants ``scope``.

    Raises :class:`Unauthenticated` without a principal, :class:`Forbidden` when the
    key lacks the scope, and :class:`ValueError` for a scope that does not exist
    (a programming error, not a client's).
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    if principal is None:
        raise Unauthenticated("this operation needs an API key (Authorization: Bearer <key>)")
    if not principal.has(scope):
        raise Forbidden(f"this operation needs an API key with the {scope!r} scope")
    return principal


def _scopes(row: RowMapping) -> frozenset[str]:
    return frozenset(row["scopes"])
