"""``/changes``: the change feed other systems follow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from registry import changes, places
from web.auth import OptionalPrincipal
from web.deps import ReadConn
from web.schemas_places import ChangeOut, ChangesPage

router = APIRouter(tags=["Dòng thay đổi / Change feed"])


@router.get("/changes", response_model=ChangesPage)
def feed(
    conn: ReadConn,
    principal: OptionalPrincipal,
    after: Annotated[str | None, Query(description="the 'next' of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> ChangesPage:
    """Changes after ``after``, in order. Once a change at cursor N has been served,
    no change at or below N ever appears later (numbers may skip). Poll with the
    returned ``next``; an empty page returns the same cursor. Public form: no
    proposals without a code, no personal data."""
    reviewer = principal is not None and principal.has("review")
    entries = changes.feed(conn, after, limit, include_proposed=reviewer)
    versions = places.versions_by_id(conn, [e.version_id for e in entries])
    items = [ChangeOut.of(e, versions[e.version_id]) for e in entries]
    next_cursor = entries[-1].cursor if entries else (after or "0")
    return ChangesPage(items=items, next=next_cursor)
