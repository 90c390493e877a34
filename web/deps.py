"""Shared FastAPI dependencies: the database connection of the request, settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from registry.config import Settings
from registry.database import Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def read_connection(database: Annotated[Database, Depends(get_database)]) -> Iterator[Connection]:
    """One read-only transaction for the whole request."""
    with database.read() as conn:
        yield conn


ReadConn = Annotated[Connection, Depends(read_connection)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
