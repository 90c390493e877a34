"""Cross-origin reads: other agencies' web maps may read tiles and the public API.

Any origin may GET (tiles, TileJSON, OGC API Features, lookups) with an API key header;
writes are for the agencies' own servers and field apps, so browsers on other sites get no
preflight approval for them.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware


def install(app: FastAPI) -> None:
    """Allow cross-origin GET and HEAD from anywhere, exposing the caching headers."""
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["Authorization", "X-API-Key", "If-None-Match", "Accept"],
        expose_headers=["ETag", "Link", "Retry-After", "Content-Crs"],
        max_age=86_400,
    )
