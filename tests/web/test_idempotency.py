"""Safe retries and API keys over HTTP, on a database of the test's own (real commits).

A test-only ``POST /t-effect`` inserts one row into ``t_effect`` through
``web.idempotency.run_write``; the number of rows is the number of effects.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Connection, Engine, create_engine, text

from registry.access import create_key
from registry.config import Settings
from registry.database import Database
from registry.errors import InvalidInput
from registry.idempotency import purge
from tests.web.problems import assert_problem
from web.app import create_app
from web.auth import FieldKey, OptionalPrincipal
from web.idempotency import run_write


class NoteIn(BaseModel):
    note: str
    tags: list[str] = []


@dataclass
class Work:
    """What the test route does besides inserting its row."""

    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    failures_left: int = 1


@dataclass
class Env:
    client: TestClient
    engine: Engine
    work: Work
    writer: str
    other_writer: str
    reader: str
    revoked: str

    def post(
        self, body: object, key: str | None = None, token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.writer}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post("/t-effect", json=body, headers=headers)

    def effects(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(text("SELECT note FROM t_effect ORDER BY id")).scalars())


def _add_routes(app: object, work: Work) -> None:
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)

    def post_effect(request: Request, body: NoteIn, principal: FieldKey) -> Response:
        def effect(conn: Connection) -> JSONResponse:
            row_id = conn.execute(
                text("INSERT INTO t_effect (note) VALUES (:note) RETURNING id"),
                {"note": body.note},
            ).scalar_one()
            if body.note == "wait" and not work.entered.is_set():  # only the first run waits
                work.entered.set()
                assert work.release.wait(20)
            if body.note == "flaky" and work.failures_left:
                work.failures_left -= 1
                raise RuntimeError("transient failure")
            if body.note == "invalid":
                raise InvalidInput("a note may not say 'invalid'")
            return JSONResponse(
                {"id": row_id, "note": body.note, "by": principal.name},
                status_code=201,
                headers={"Location": f"/t-effect/{row_id}"},
            )

        return run_write(request, principal, body, effect)

    def public(principal: OptionalPrincipal) -> dict[str, str | None]:
        return {"key": principal.name if principal else None}

    app.add_api_route("/t-effect", post_effect, methods=["POST"])
    app.add_api_route("/t-public", public, methods=["GET"])


@pytest.fixture
def env(fresh_database_url: str, settings: Settings) -> Iterator[Env]:
    engine = create_engine(fresh_database_url, pool_size=5, max_overflow=5)
    database = Database(engine)
    with database.transaction() as conn:
        conn.execute(text("CREATE TABLE t_effect (id serial PRIMARY KEY, note text NOT NULL)"))
        org = "Sở Tài nguyên và Môi trường"
        _, writer = create_key(conn, name="writer", organisation=org, scopes=["field"])
        _, other = create_key(conn, name="other", organisation=org, scopes=["review"])
        _, reader = create_key(conn, name="reader", organisation=org, scopes=["private-read"])
        gone, revoked = create_key(conn, name="gone", organisation=org, scopes=["field"])
        conn.execute(
            text("UPDATE api_key SET revoked_at = now() WHERE id = :id"), {"id": gone.key_id}
        )
    app = create_app(settings, database=database)
    work = Work()
    _add_routes(app, work)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Env(client, engine, work, writer, other, reader, revoked)
    work.release.set()
    engine.dispose()


# --- safe retries ---------------------------------------------------------------------------


def test_same_key_and_body_answers_the_first_response_with_one_effect(env: Env) -> None:
    first = env.post({"note": "nhà số 12", "tags": ["a"]}, key="k-1")
    again = env.client.post(
        "/t-effect",
        content=b'{ "tags": ["a"],  "note": "nh\\u00e0 s\\u1ed1 12" }',  # same JSON, other bytes
        headers={
            "Authorization": f"Bearer {env.writer}",
            "Idempotency-Key": "k-1",
            "Content-Type": "application/json",
        },
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert env.effects() == ["nhà số 12"]


def test_defaults_do_not_make_a_body_different(env: Env) -> None:
    env.post({"note": "a"}, key="k-defaults")
    again = env.post({"note": "a", "tags": []}, key="k-defaults")

    assert again.headers["idempotent-replayed"] == "true"
    assert env.effects() == ["a"]


def test_quoted_key_of_the_draft_is_the_same_key(env: Env) -> None:
    env.post({"note": "a"}, key='"8e03978e-40d5-43e8"')
    again = env.post({"note": "a"}, key="8e03978e-40d5-43e8")

    assert again.headers["idempotent-replayed"] == "true"
    assert env.effects() == ["a"]


def test_same_key_with_a_different_body_is_422(env: Env) -> None:
    env.post({"note": "a"}, key="k-2")
    reused = env.post({"note": "b"}, key="k-2")

    body = assert_problem(reused, 422, "idempotency-key-reused")
    assert "different request" in body["detail"]
    assert env.effects() == ["a"]


def test_retry_while_the_first_runs_is_409_then_replays(env: Env) -> None:
    results: dict[str, httpx.Response] = {}
    first = threading.Thread(target=lambda: results.update(first=env.post({"note": "wait"}, "k")))
    first.start()
    try:
        assert env.work.entered.wait(20)
        assert_problem(env.post({"note": "wait"}, key="k"), 409, "request-in-progress")
    finally:
        env.work.release.set()
        first.join(20)

    assert results["first"].status_code == 201
    after = env.post({"note": "wait"}, key="k")
    assert after.status_code == 201
    assert after.headers["idempotent-replayed"] == "true"
    assert env.effects() == ["wait"]


def test_a_stale_claim_is_taken_over_and_the_slow_first_request_keeps_no_effect(
    env: Env,
) -> None:
    results: dict[str, httpx.Response] = {}
    first = threading.Thread(target=lambda: results.update(first=env.post({"note": "wait"}, "k")))
    first.start()
    try:
        assert env.work.entered.wait(20)
        with env.engine.begin() as conn:  # as if the first had started two minutes ago
            conn.execute(
                text("UPDATE idempotency_record SET started_at = now() - interval '2 minutes'")
            )
        retry = env.post({"note": "wait"}, key="k")
    finally:
        env.work.release.set()
        first.join(20)

    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
    assert_problem(results["first"], 409, "request-in-progress")
    assert env.effects() == ["wait"]
    assert env.post({"note": "wait"}, key="k").json() == retry.json()


def test_keys_belong_to_the_api_key_that_sent_them(env: Env) -> None:
    mine = env.post({"note": "a"}, key="shared")
    theirs = env.post({"note": "a"}, key="shared", token=env.other_writer)

    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["by"] == "other"
    assert env.effects() == ["a", "a"]


def test_a_server_failure_releases_the_key_so_a_retry_succeeds_once(env: Env) -> None:
    failed = env.post({"note": "flaky"}, key="k-3")
    assert_problem(failed, 500, "internal-error")
    assert env.effects() == []

    retried = env.post({"note": "flaky"}, key="k-3")
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers
    assert env.effects() == ["flaky"]


def test_a_domain_error_is_the_recorded_answer(env: Env) -> None:
    first = env.post({"note": "invalid"}, key="k-4")
    again = env.post({"note": "invalid"}, key="k-4")

    assert_problem(first, 422, "invalid-input")
    assert_problem(again, 422, "invalid-input")
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert env.effects() == []


def test_without_a_key_every_request_has_its_effect(env: Env) -> None:
    assert env.post({"note": "a"}).status_code == 201
    assert env.post({"note": "a"}).status_code == 201
    assert env.effects() == ["a", "a"]


@pytest.mark.parametrize("key", ["", "two words", "x" * 256, '""'])
def test_malformed_key_is_422(env: Env, key: str) -> None:
    body = assert_problem(env.post({"note": "a"}, key=key), 422, "invalid-input")
    assert body["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert env.effects() == []


def test_purged_keys_can_be_used_again_and_24_hours_are_kept(env: Env) -> None:
    env.post({"note": "a"}, key="old")
    with env.engine.begin() as conn:
        assert purge(conn) == 0
        conn.execute(text("UPDATE idempotency_record SET started_at = now() - interval '49 hours'"))
        assert purge(conn) == 1
        with pytest.raises(InvalidInput):
            purge(conn, older_than_hours=12)

    again = env.post({"note": "a"}, key="old")
    assert "idempotent-replayed" not in again.headers
    assert env.effects() == ["a", "a"]


# --- access ---------------------------------------------------------------------------------


def test_missing_key_is_401_with_www_authenticate(env: Env) -> None:
    response = env.client.post("/t-effect", json={"note": "a"}, headers={"Idempotency-Key": "x"})

    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    assert env.effects() == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer dc_not-a-real-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "dc_not-a-real-key"},
    ],
)
def test_wrong_key_is_401(env: Env, headers: dict[str, str]) -> None:
    response = env.client.post("/t-effect", json={"note": "a"}, headers=headers)

    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_key_is_401(env: Env) -> None:
    assert_problem(env.post({"note": "a"}, token=env.revoked), 401, "unauthorized")


def test_key_without_the_scope_is_403(env: Env) -> None:
    assert_problem(env.post({"note": "a"}, token=env.reader), 403, "forbidden")
    assert env.effects() == []


def test_x_api_key_header_is_accepted(env: Env) -> None:
    response = env.client.post("/t-effect", json={"note": "a"}, headers={"X-API-Key": env.writer})

    assert response.status_code == 201
    assert response.json()["by"] == "writer"


def test_public_reads_need_no_key_but_a_wrong_one_is_still_401(env: Env) -> None:
    assert env.client.get("/t-public").json() == {"key": None}
    with_key = env.client.get("/t-public", headers={"Authorization": f"Bearer {env.reader}"})
    assert with_key.json() == {"key": "reader"}
    wrong = env.client.get("/t-public", headers={"Authorization": "Bearer dc_wrong"})
    assert_problem(wrong, 401, "unauthorized")
