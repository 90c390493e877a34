"""Settings of the registry, read from the environment (prefix ``DIACHI_``).

Nothing here is built at import time: callers construct :class:`Settings` and
pass it on (``create_app(settings)``, the CLI, the tests).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """All settings; environment variables are ``DIACHI_<FIELD>``.

    ``database_url`` unset means "use the private cluster under ``state_dir``",
    which ``diachi db start`` creates and records there.
    """

    model_config = SettingsConfigDict(env_prefix="DIACHI_", env_nested_delimiter="__")

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of an existing PostGIS database; unset = the private cluster.",
    )
    state_dir: Path = Field(
        default=PROJECT_ROOT / ".diachi",
        description="Where the private cluster keeps its data, socket, port and password.",
    )
    data_dir: Path = Field(
        default=PROJECT_ROOT / "data", description="The bundled data (admin units, base maps)."
    )
    code_serial_space: int = Field(
        default=100_000_000,
        ge=10,
        le=100_000_000,
        description="Serials drawn from per zone; narrowed only in tests to force collisions.",
    )
    pool_size: int = Field(default=10, ge=1, le=200)
    statement_timeout_ms: int = Field(default=30_000, ge=100)

    @field_validator("database_url")
    @classmethod
    def _reject_placeholder(cls, value: str | None) -> str | None:
        if value is not None and ("changeme" in value or "CHANGEME" in value):
            raise ValueError("DIACHI_DATABASE_URL still holds a placeholder password")
        return value
