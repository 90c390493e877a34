"""Shared FastAPI dependencies: the database connection of the request, settings.

FastAPI runs a plain ``def`` dependency or endpoint in its thread pool: one hand-over
between the event loop and a thread each, and the result handed back. The dependencies
that only read ``app.state`` are ``async def``, so they cost no hand-over; a hot endpoint
does its whole work in one hand-over with :func:`run_read`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy import Connection

from registry.config import Settings
from registry.database import Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def database_dependency(request: Request) -> Database:
    """The app's :class:`Database`, without a trip to the thread pool."""
    return get_database(request)


async def settings_dependency(request: Request) -> Settings:
    """The app's :class:`Settings`, without a trip to the thread pool."""
    return get_settings(request)


DatabaseDep = Annotated[Database, Depends(database_dependency)]
SettingsDep = Annotated[Settings, Depends(settings_dependency)]


def read_connection(database: DatabaseDep) -> Iterator[Connection]:
    """One read-only transaction for the whole request."""
    with database.read() as conn:
        yield conn


ReadConn = Annotated[Connection, Depends(read_connection)]

T = TypeVar("T")


async def run_read(database: Database, work: Callable[[Connection], T]) -> T:
    """``work(conn)`` in one read-only transaction, run in the thread pool in one
    hand-over: the transaction, the work and whatever ``work`` serialises. With
    :data:`ReadConn` and a ``def`` endpoint the same request makes four or five
    (opening the transaction, the endpoint, validating its answer, closing)."""

    def run() -> T:
        with database.read() as conn:
            return work(conn)

    return await run_in_threadpool(run)


def json_response(model: BaseModel) -> Response:
    """``model`` as the JSON response, serialised by pydantic once: an endpoint that
    returns a model has FastAPI validate it against ``response_model`` again first."""
    return Response(model.model_dump_json(), media_type="application/json")
