"""Domain errors: each has a stable ``type`` slug and a message safe to show.

``web/errors.py`` maps these to HTTP statuses and RFC 9457 problem details;
nothing here knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One bad input field: where (``loc``, e.g. ``["query", "lat"]``) and why."""

    loc: tuple[str | int, ...]
    message: str


class DiachiError(Exception):
    """Base of every domain error.

    ``type`` is a stable slug (documented, never renamed); ``title`` a short
    Vietnamese-first human summary; ``detail`` the specific message.
    """

    type: str = "error"
    title: str = "Lỗi / Error"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class NotFound(DiachiError):
    """The thing asked for does not exist (at the date asked)."""

    type = "not-found"
    title = "Không tìm thấy / Not found"


class OutsideTerritory(NotFound):
    """A valid coordinate that no administrative unit contains (at sea, abroad)."""

    type = "outside-territory"
    title = "Ngoài lãnh thổ đất liền Việt Nam / Outside Vietnam's land units"


class InvalidInput(DiachiError):
    """Input that can never be right (out-of-range coordinate, malformed code)."""

    type = "invalid-input"
    title = "Dữ liệu không hợp lệ / Invalid input"


class Unauthenticated(DiachiError):
    """No API key, or one that is unknown or revoked."""

    type = "unauthorized"
    title = "Cần khoá API hợp lệ / A valid API key is required"


class Forbidden(DiachiError):
    """The API key lacks the scope the operation needs."""

    type = "forbidden"
    title = "Khoá API không có quyền này / The API key lacks this scope"


class Conflict(DiachiError):
    """The request conflicts with the current state (e.g. approving a retired place)."""

    type = "conflict"
    title = "Xung đột với trạng thái hiện tại / Conflicts with the current state"


class RequestInProgress(Conflict):
    """A request with the same Idempotency-Key is still being processed."""

    type = "request-in-progress"
    title = "Yêu cầu cùng khoá đang được xử lý / Same Idempotency-Key still in progress"


class IdempotencyKeyReused(InvalidInput):
    """The Idempotency-Key was already used with a different request body."""

    type = "idempotency-key-reused"
    title = "Khoá Idempotency đã dùng cho yêu cầu khác / Idempotency-Key reused"
