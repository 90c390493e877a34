"""Keys one typing slip away: a symmetric-deletion index (as in SymSpell).

Every key is filed under itself and under each string it gives with one letter deleted;
a query looks up the same. Two keys meet when they are equal or one edit apart — a letter
left out, added, changed, or two neighbours swapped ("lag son", "bac nonh", "ho chi imnh"
all meet their province) — without comparing the query with every key.
"""

from __future__ import annotations

from collections.abc import Iterable

from geo.text import one_edit


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))} | {key}


class NearKeys:
    """The keys one edit from a query (see the module documentation)."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.filed: dict[str, set[str]] = {}
        for key in keys:
            for deleted in _deletions(key):
                self.filed.setdefault(deleted, set()).add(key)

    def near(self, key: str) -> set[str]:
        """The keys at most one edit from ``key`` (``key`` itself included if it is one).

        >>> sorted(NearKeys(["lang son", "long son", "bac ninh"]).near("lag son"))
        ['lang son']
        """
        found: set[str] = set()
        for deleted in _deletions(key):
            found |= self.filed.get(deleted, set())
        return {k for k in found if one_edit(k, key)}
