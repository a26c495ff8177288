"""The request journal: what the code under test sent, newest last, bounded."""

from __future__ import annotations

import fnmatch
import itertools
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable

DEFAULT_CAP = 100_000


@dataclass
class Journal:
    """A bounded list of request entries; when full, the oldest is dropped and counted."""

    cap: int = DEFAULT_CAP
    dropped: int = 0
    _entries: deque = field(default_factory=deque)
    _ids: Iterable[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Append an entry (its ``id`` is assigned here) and return it."""
        with self._lock:
            entry = {"id": next(self._ids), **entry}
            self._entries.append(entry)
            while len(self._entries) > self.cap:
                self._entries.popleft()
                self.dropped += 1
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def query(self, *, api: str | None = None, method: str | None = None, path: str | None = None,
              status: int | None = None, since: str | None = None,
              since_id: int | None = None, fault: str | None = None,
              limit: int | None = None) -> tuple[int, list[dict]]:
        """Entries matching every filter given: (total before ``limit``, the newest ``limit`` of them)."""
        with self._lock:
            entries = list(self._entries)
        method = method.upper() if method else None
        matched = [
            e for e in entries
            if (api is None or e["api"] == api)
            and (method is None or e["method"] == method)
            and (path is None or fnmatch.fnmatchcase(e["path"], path))
            and (status is None or e["status"] == status)
            and (since is None or e["time"] >= since)
            and (since_id is None or e["id"] > since_id)
            and (fault is None or e.get("fault") == fault or (fault == "*" and e.get("fault")))
        ]
        total = len(matched)
        if limit is not None:
            matched = matched[-limit:] if limit else []
        return total, matched

    def export(self) -> dict:
        with self._lock:
            return {"cap": self.cap, "dropped": self.dropped, "entries": list(self._entries)}

    def load(self, data: dict) -> None:
        with self._lock:
            self._entries = deque(data.get("entries", []))
            self.dropped = int(data.get("dropped", 0))
            last = max((e.get("id", 0) for e in self._entries), default=0)
            self._ids = itertools.count(last + 1)
