"""Unexpected failures and an unreachable database are problem+json too."""

from __future__ import annotations

from fastapi.testclient import TestClient

from registry.config import Settings
from registry.database import Database
from tests.web.problems import assert_problem
from web.app import create_app


def test_unhandled_exception_is_500_problem_without_internals(
    database: Database, settings: Settings
) -> None:
    app = create_app(settings, database=database)

    def boom() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        body = assert_problem(client.get("/boom"), 500, "internal-error")
    assert "secret" not in str(body)


def test_unreachable_database_is_503_problem(settings: Settings) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(
        "postgresql+psycopg://nobody:x@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    app = create_app(settings, database=Database(engine))
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/healthz")
    assert_problem(r, 503, "database-unavailable")
    assert r.headers["retry-after"] == "5"
