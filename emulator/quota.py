"""Counts shared by every tenant of one process (ingested sessions, events): one memory budget.

A per-tenant cap multiplies by the number of tenants; a :class:`Quota` does not. Each owner (a
tenant's store) holds a :class:`Share`; what a share took returns to the quota when the owner
releases it or is garbage-collected (its tenant evicted, reset or dropped).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any


class Quota:
    """A process-wide limit on a count; ``take`` refuses past ``limit`` instead of growing."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._lock = threading.Lock()

    def share(self, owner: Any) -> Share:
        """A share for ``owner``, given back automatically when the owner is collected."""
        share = Share(self)
        weakref.finalize(owner, share.release)
        return share

    def _take(self, n: int) -> bool:
        with self._lock:
            if self.used + n > self.limit:
                return False
            self.used += n
            return True

    def _give(self, n: int) -> None:
        with self._lock:
            self.used -= n


class Share:
    """What one owner took from a quota."""

    def __init__(self, quota: Quota) -> None:
        self.quota = quota
        self.held = 0

    @property
    def limit(self) -> int:
        return self.quota.limit

    def take(self, n: int) -> bool:
        """Take ``n`` more; False (nothing taken) when the quota has not that much left."""
        if n <= 0 or self.quota._take(n):
            self.held += max(n, 0)
            return True
        return False

    def give(self, n: int) -> None:
        """Give back ``n`` of what this share holds."""
        n = min(n, self.held)
        self.held -= n
        self.quota._give(n)

    def release(self) -> None:
        """Give back everything held (on reset, load, or when the owner goes)."""
        held, self.held = self.held, 0
        if held:
            self.quota._give(held)


def unlimited_share() -> Share:
    """A share of a quota that never refuses (a backend built outside an app, as in unit tests)."""
    return Share(Quota(2**62))
