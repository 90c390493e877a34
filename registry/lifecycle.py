"""The place lifecycle: which status changes each operation allows.

::

    proposed ──approve──► active ──retire──► retired
        │                   │
        └──withdraw──► withdrawn   (update keeps proposed/active as they are)

Physical state (planned … demolished) is separate and changes by update.
"""

from __future__ import annotations

from typing import Literal

from registry.errors import Conflict

Status = Literal["proposed", "active", "retired", "withdrawn"]
Operation = Literal["propose", "approve", "update", "retire", "withdraw", "merge", "split"]

STATUSES: tuple[Status, ...] = ("proposed", "active", "retired", "withdrawn")
PHYSICAL_STATES = ("planned", "under_construction", "in_use", "vacant", "demolished")
KINDS = ("building", "entrance", "unit")
UNIT_KINDS = ("flat", "room", "kiosk", "office")
LOCATION_METHODS = ("gnss", "imagery", "geocoded", "imported")

_ALLOWED: dict[Operation, dict[Status, Status]] = {
    "approve": {"proposed": "active"},
    "update": {"proposed": "proposed", "active": "active"},
    "retire": {"active": "retired"},
    "withdraw": {"proposed": "withdrawn"},
    "merge": {"active": "retired"},
    "split": {"active": "retired"},
}


def next_status(operation: Operation, current: Status) -> Status:
    """The status after ``operation`` on a place in ``current`` status.

    >>> next_status("approve", "proposed")
    'active'
    >>> next_status("retire", "proposed")
    Traceback (most recent call last):
    ...
    registry.errors.Conflict: cannot retire a place that is proposed (allowed from: active)

    Raises :class:`Conflict` when the operation is not allowed from ``current``.
    """
    allowed = _ALLOWED.get(operation, {})
    if current not in allowed:
        sources = ", ".join(allowed) or "nothing"
        raise Conflict(f"cannot {operation} a place that is {current} (allowed from: {sources})")
    return allowed[current]
