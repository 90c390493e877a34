"""API keys: stored only as hashes, authenticated until revoked, scopes with one implication."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import Connection, text

from registry.access import (
    SCOPES,
    Principal,
    authenticate,
    create_key,
    list_keys,
    require,
    revoke_key,
)
from registry.errors import Forbidden, InvalidInput, NotFound, Unauthenticated


def _key(conn: Connection, *scopes: str, person: str | None = None) -> tuple[Principal, str]:
    return create_key(
        conn, name="field app", organisation="UBND phường Bến Thành", scopes=scopes, person=person
    )


def test_token_is_long_random_and_stored_only_as_its_sha256(conn: Connection) -> None:
    principal, token = _key(conn, "field")
    _, other = _key(conn, "field")

    assert token.startswith("dc_") and len(token) >= 40
    assert token != other
    row = conn.execute(
        text(
            "SELECT token_sha256, row_to_json(api_key)::text AS everything FROM api_key"
            " WHERE id = :id"
        ),
        {"id": principal.key_id},
    ).one()
    assert bytes(row.token_sha256) == hashlib.sha256(token.encode()).digest()
    assert token not in row.everything
    assert token[3:] not in row.everything


def test_authenticate_gives_the_principal_until_revoked(conn: Connection) -> None:
    created, token = _key(conn, "review", person="Nguyễn Văn An")

    assert authenticate(conn, token) == created
    assert created.organisation == "UBND phường Bến Thành"
    assert created.person == "Nguyễn Văn An"
    assert created.scopes == frozenset({"review"})

    revoke_key(conn, created.key_id)
    assert authenticate(conn, token) is None
    revoke_key(conn, created.key_id)  # twice is harmless
    (listed,) = [k for k in list_keys(conn) if k.id == created.key_id]
    assert listed.revoked_at is not None


def test_unknown_or_altered_token_is_not_authenticated(conn: Connection) -> None:
    _, token = _key(conn, "field")

    assert authenticate(conn, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert authenticate(conn, "dc_" + "x" * 43) is None
    assert authenticate(conn, "") is None


def test_revoking_a_missing_key_is_not_found(conn: Connection) -> None:
    with pytest.raises(NotFound):
        revoke_key(conn, 987_654_321)


@pytest.mark.parametrize(
    ("granted", "allowed"),
    [
        ({"field"}, {"field"}),
        ({"review"}, {"review", "field"}),
        ({"admin"}, {"admin"}),
        ({"private-read"}, {"private-read"}),
        (set(), set()),
    ],
)
def test_review_implies_field_and_nothing_else_implies_anything(
    conn: Connection, granted: set[str], allowed: set[str]
) -> None:
    principal, _ = _key(conn, *granted)
    assert {s for s in SCOPES if principal.has(s)} == allowed


def test_unknown_scope_is_rejected_and_nothing_is_stored(conn: Connection) -> None:
    before = len(list_keys(conn))
    with pytest.raises(InvalidInput) as raised:
        _key(conn, "field", "superuser")
    assert "superuser" in raised.value.detail
    assert len(list_keys(conn)) == before


def test_empty_organisation_is_rejected(conn: Connection) -> None:
    with pytest.raises(InvalidInput):
        create_key(conn, name="x", organisation="  ", scopes=["field"])


def test_require_says_401_without_a_key_and_403_without_the_scope(conn: Connection) -> None:
    field, _ = _key(conn, "field")

    with pytest.raises(Unauthenticated):
        require(None, "field")
    with pytest.raises(Forbidden):
        require(field, "review")
    assert require(field, "field") is field
    with pytest.raises(ValueError):
        require(field, "feild")
