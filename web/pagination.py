"""``{"items": [...], "next": ...}`` pages with ``limit`` and ``offset``."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; ``next`` is the URL of the following page, or null."""

    items: list[T]
    next: str | None = Field(description="URL of the next page, null on the last page")


class PageParams:
    """``limit`` (1–1000, default 100) and ``offset`` (default 0)."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=1000, description="Items per page")] = 100,
        offset: Annotated[int, Query(ge=0, description="Items to skip")] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset

    def page(self, request: Request, items: list[T], has_more: bool) -> Page[T]:
        """Wrap ``items``; ``has_more`` says whether a next page exists."""
        next_url = None
        if has_more:
            next_url = str(request.url.include_query_params(offset=self.offset + self.limit))
        return Page[T](items=items, next=next_url)
