"""The request journal: what the code under test sent, newest last, bounded."""

from __future__ import annotations

import fnmatch
import itertools
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_CAP = 100_000


def _header_name(key: str) -> str:
    """``HTTP_X_EMULATOR_TENANT`` → ``X-Emulator-Tenant`` (Werkzeug's spelling)."""
    return key[5:].replace("_", "-").title() if key.startswith("HTTP_") else key.replace("_", "-").title()


def _flat_query(query_string: str) -> dict[str, Any]:
    """One value as a string, repeated values as a list, in the order sent."""
    from urllib.parse import parse_qsl

    out: dict[str, Any] = {}
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        if key in out:
            out[key] = (out[key] if isinstance(out[key], list) else [out[key]]) + [value]
        else:
            out[key] = value
    return out


class RawEntry:
    """A journal entry as captured on the hot path; turned into a dict only when read."""

    __slots__ = (
        "_dict",
        "api",
        "body",
        "duration_ms",
        "environ_headers",
        "fault",
        "fault_kind",
        "id",
        "method",
        "path",
        "query_string",
        "remote_addr",
        "status",
        "time",
    )

    def __init__(self, time: str, api: str, method: str, path: str, query_string: str,
                 environ_headers: list, body: bytes, remote_addr: str | None, status: int | None,
                 fault: str | None, fault_kind: str | None, duration_ms: float) -> None:
        self.id = 0
        self.time, self.api, self.method, self.path = time, api, method, path
        self.query_string, self.environ_headers, self.body = query_string, environ_headers, body
        self.remote_addr, self.status, self.fault, self.fault_kind = remote_addr, status, fault, fault_kind
        self.duration_ms = duration_ms
        self._dict: dict | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def to_dict(self) -> dict[str, Any]:
        if self._dict is None:
            self._dict = {
                "id": self.id, "time": self.time, "api": self.api, "method": self.method, "path": self.path,
                "query": _flat_query(self.query_string),
                "headers": {_header_name(k): v for k, v in self.environ_headers},
                "body": self.body.decode("utf-8", "replace"), "remote_addr": self.remote_addr,
                "status": self.status, "fault": self.fault, "fault_kind": self.fault_kind,
                "duration_ms": round(self.duration_ms, 3),
            }
        return self._dict


def _as_dict(entry: Any) -> dict[str, Any]:
    return entry.to_dict() if isinstance(entry, RawEntry) else entry


_ENTRY_TYPES = {"id": (int,), "time": (str,), "api": (str,), "method": (str,), "path": (str,), "query": (dict,),
                "headers": (dict,), "body": (str,), "status": (int, type(None)), "fault": (str, type(None))}


def _check_entry(index: int, entry: Any) -> None:
    if not isinstance(entry, dict):
        raise ValueError(f"journal.entries[{index}]: expected an entry object")
    for key, types in _ENTRY_TYPES.items():
        if not isinstance(entry.get(key, ...), types) or isinstance(entry.get(key), bool):
            raise ValueError(f"journal.entries[{index}].{key}: expected {' or '.join(t.__name__ for t in types)}, "
                             f"got {entry.get(key, 'nothing')!r}"[:200])


@dataclass
class Journal:
    """A bounded list of request entries; when full, the oldest is dropped and counted."""

    cap: int = DEFAULT_CAP
    dropped: int = 0
    _entries: deque = field(default_factory=deque)
    _ids: Iterable[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, entry: RawEntry) -> RawEntry:
        """Append an entry (its ``id`` is assigned here) and return it."""
        with self._lock:
            entry.id = next(self._ids)
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
        return total, [_as_dict(e) for e in matched]

    def export(self) -> dict:
        with self._lock:
            entries = list(self._entries)
        return {"cap": self.cap, "dropped": self.dropped, "entries": [_as_dict(e) for e in entries]}

    def load(self, data: dict) -> None:
        """Restore exported entries; ValueError naming the first malformed one."""
        entries = data.get("entries", [])
        if not isinstance(entries, list):
            raise ValueError("journal.entries: expected a list")
        for index, entry in enumerate(entries):
            _check_entry(index, entry)
        with self._lock:
            self._entries = deque(entries)
            self.dropped = int(data.get("dropped", 0))
            last = max((e.get("id", 0) for e in self._entries), default=0)
            self._ids = itertools.count(last + 1)
