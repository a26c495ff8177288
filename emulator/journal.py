"""The request journal: what the code under test sent, newest last, bounded.

Bounded three ways: entries per tenant (``cap``), bytes per entry (a body or the headers past
their own cap are cut and marked), and bytes over *every* tenant's journal together
(:class:`JournalBudget`): past it the oldest entry of any tenant is dropped and counted in that
journal's ``dropped``, so the journal costs at most about ``max_bytes`` whatever the traffic.
"""

from __future__ import annotations

import fnmatch
import functools
import itertools
import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

DEFAULT_CAP = 100_000
DEFAULT_MAX_BYTES = 128 * 1024 * 1024
DEFAULT_BODY_BYTES = 64 * 1024
DEFAULT_HEADER_BYTES = 16 * 1024
ENTRY_OVERHEAD = 700  # bytes of Python objects around an entry's own strings (measured by `make bench`)


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


def truncation_marker(kept: int, size: int) -> str:
    """What a cut body or header value ends with, so nobody mistakes it for what was sent."""
    return f"...[analytics-emulator: truncated, {kept:,} of {size:,} bytes kept]"


class RawEntry:
    """A journal entry as captured on the hot path; turned into a dict each time it is read.

    No decoded copy is cached: reading the journal would otherwise keep a second copy of every
    body it ever returned, for as long as the entry lives.
    """

    __slots__ = (
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
        "truncated",
    )

    def __init__(self, time: str, api: str, method: str, path: str, query_string: str,
                 environ_headers: list, body: bytes, remote_addr: str | None, status: int | None,
                 fault: str | None, fault_kind: str | None, duration_ms: float) -> None:
        self.id = 0
        self.time, self.api, self.method, self.path = time, api, method, path
        self.query_string, self.environ_headers, self.body = query_string, environ_headers, body
        self.remote_addr, self.status, self.fault, self.fault_kind = remote_addr, status, fault, fault_kind
        self.duration_ms = duration_ms
        self.truncated: dict[str, int] | None = None  # field -> bytes received, when cut

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def clip(self, body_bytes: int, header_bytes: int) -> RawEntry:
        """Cut the body and the headers to their caps, marking what was cut (in place)."""
        truncated = {}
        if len(self.body) > body_bytes:
            truncated["body"] = len(self.body)
            self.body = self.body[:body_bytes]
        total = sum(len(k) + len(v) for k, v in self.environ_headers)
        if total > header_bytes:
            truncated["headers"] = total
            kept, room = [], header_bytes
            for key, value in self.environ_headers:
                if len(key) + len(value) > room:
                    if room > len(key):
                        cut = value[:room - len(key)]
                        kept.append((key, cut + truncation_marker(len(cut), len(value))))
                    break
                kept.append((key, value))
                room -= len(key) + len(value)
            self.environ_headers = kept
        self.truncated = truncated or None
        return self

    def size(self) -> int:
        """Bytes this entry holds, about (what the journal's byte budget counts)."""
        return (ENTRY_OVERHEAD + len(self.body) + len(self.path) + len(self.query_string) + len(self.method)
                + sum(len(k) + len(v) + 120 for k, v in self.environ_headers))

    def to_dict(self) -> dict[str, Any]:
        body = self.body.decode("utf-8", "replace")
        if self.truncated and "body" in self.truncated:
            body += truncation_marker(len(self.body), self.truncated["body"])
        data = {
            "id": self.id, "time": self.time, "api": self.api, "method": self.method, "path": self.path,
            "query": _flat_query(self.query_string),
            "headers": {_header_name(k): v for k, v in self.environ_headers},
            "body": body, "remote_addr": self.remote_addr,
            "status": self.status, "fault": self.fault, "fault_kind": self.fault_kind,
            "duration_ms": round(self.duration_ms, 3),
        }
        if self.truncated:
            data["truncated"] = dict(self.truncated)
        return data


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


def _dict_size(entry: dict) -> int:
    return ENTRY_OVERHEAD + len(json.dumps(entry, separators=(",", ":")))


def _fault_matches(entry: Any, wanted: str) -> bool:
    """``wanted`` is a rule id, or ``*`` for any entry a fault answered."""
    got = entry.get("fault")
    return got == wanted or (wanted == "*" and bool(got))


class _Filter(Protocol):
    """Does ``entry`` pass the filter with the value asked for (``wanted`` is passed by name)."""

    def __call__(self, entry: Any, wanted: Any) -> bool: ...


#: filter name -> does ``entry`` pass it with the value asked for (every filter given must pass)
_FILTERS: dict[str, _Filter] = {
    "api": lambda entry, wanted: entry["api"] == wanted,
    "method": lambda entry, wanted: entry["method"] == wanted,
    "path": lambda entry, wanted: fnmatch.fnmatchcase(entry["path"], wanted),
    "status": lambda entry, wanted: entry["status"] == wanted,
    "since": lambda entry, wanted: entry["time"] >= wanted,
    "since_id": lambda entry, wanted: entry["id"] > wanted,
    "fault": _fault_matches,
}


def _entry_tests(**wanted: Any) -> list[Callable[[Any], bool]]:
    """One test per filter given (None: not filtered on)."""
    return [functools.partial(_FILTERS[name], wanted=value) for name, value in wanted.items() if value is not None]


def _newest(matched: list, limit: int | None) -> list:
    """The last ``limit`` of ``matched`` (None: all of them; 0: none)."""
    if limit is None:
        return matched
    return matched[-limit:] if limit else []


class _Slot:
    """An entry in its journal and in the shared ledger; ``live`` turns False once it left its journal."""

    __slots__ = ("entry", "journal", "live", "size")

    def __init__(self, journal: Journal, entry: Any, size: int) -> None:
        self.journal, self.entry, self.size, self.live = journal, entry, size, True


class JournalBudget:
    """The byte cap over every tenant's journal of one process, and the lock they all share.

    The ledger lists every kept entry in arrival order, whatever its tenant; past ``max_bytes``
    the oldest is dropped from its journal. Entries that left their journal first (cleared, or
    over their journal's own entry cap) stay in the ledger as dead slots until it is compacted.
    A dropped tenant's entries count until they age out, so memory stays bounded either way.
    One lock for all journals: the work under it is an append, and no lock order can deadlock.
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self.dropped = 0
        self.lock = threading.Lock()
        self._ledger: deque[_Slot] = deque()
        self._dead = 0

    def charge(self, slot: _Slot) -> None:
        """Count a new slot and drop the oldest entries past the cap (the newest is always kept). Lock held."""
        self._ledger.append(slot)
        self.used += slot.size
        while self.used > self.max_bytes and len(self._ledger) > 1:
            oldest = self._ledger.popleft()
            if not oldest.live:
                self._dead -= 1
                continue
            oldest.live = False
            self.used -= oldest.size
            oldest.journal._remove(oldest)
            oldest.journal.dropped += 1
            self.dropped += 1

    def release(self, slot: _Slot) -> None:
        """A slot left its journal. Lock held."""
        slot.live = False
        self.used -= slot.size
        self._dead += 1
        if self._dead > 1024 and self._dead > len(self._ledger) // 2:
            self._ledger = deque(s for s in self._ledger if s.live)
            self._dead = 0


@dataclass
class Journal:
    """A bounded list of request entries; when full, the oldest is dropped and counted.

    With a :class:`JournalBudget` (every tenant's journal shares the app's), its bytes count
    against the process-wide cap too and it shares the budget's lock.
    """

    cap: int = DEFAULT_CAP
    dropped: int = 0
    budget: JournalBudget | None = None
    body_bytes: int = DEFAULT_BODY_BYTES
    header_bytes: int = DEFAULT_HEADER_BYTES
    _entries: deque = field(default_factory=deque)  # of _Slot, oldest first
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.budget is not None:
            self._lock = self.budget.lock

    def _remove(self, slot: _Slot) -> None:
        """Take ``slot`` (normally the oldest) out of this journal. Lock held."""
        if self._entries and self._entries[0] is slot:
            self._entries.popleft()
        else:
            self._entries.remove(slot)

    def _drop(self, slot: _Slot) -> None:
        """Remove ``slot`` past this journal's own cap, and count it. Lock held."""
        self._remove(slot)
        self.dropped += 1
        self._release(slot)

    def _release(self, slot: _Slot) -> None:
        if self.budget is not None:
            self.budget.release(slot)
        else:
            slot.live = False

    def record(self, entry: RawEntry) -> RawEntry:
        """Cut the entry to the caps, append it (its ``id`` is assigned here) and return it."""
        entry.clip(self.body_bytes, self.header_bytes)
        slot = _Slot(self, entry, entry.size())
        with self._lock:
            entry.id = next(self._ids)
            self._entries.append(slot)
            while len(self._entries) > self.cap:
                self._drop(self._entries[0])
            if self.budget is not None:
                self.budget.charge(slot)
        return entry

    def clear(self) -> None:
        with self._lock:
            for slot in self._entries:
                self._release(slot)
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        """Bytes the kept entries hold, about."""
        with self._lock:
            return sum(slot.size for slot in self._entries)

    def query(self, *, api: str | None = None, method: str | None = None, path: str | None = None,
              status: int | None = None, since: str | None = None,
              since_id: int | None = None, fault: str | None = None,
              limit: int | None = None) -> tuple[int, list[dict]]:
        """Entries matching every filter given: (total before ``limit``, the newest ``limit`` of them)."""
        tests = _entry_tests(api=api, method=method.upper() if method else None, path=path, status=status,
                             since=since, since_id=since_id, fault=fault)
        with self._lock:
            entries = [slot.entry for slot in self._entries]
        matched = [entry for entry in entries if all(test(entry) for test in tests)]
        return len(matched), [_as_dict(entry) for entry in _newest(matched, limit)]

    def export(self) -> dict:
        with self._lock:
            entries = [slot.entry for slot in self._entries]
        return {"cap": self.cap, "dropped": self.dropped, "entries": [_as_dict(e) for e in entries]}

    def load(self, data: dict) -> None:
        """Restore exported entries; ValueError naming the first malformed one."""
        entries = data.get("entries", [])
        if not isinstance(entries, list):
            raise ValueError("journal.entries: expected a list")
        for index, entry in enumerate(entries):
            _check_entry(index, entry)
        slots = [_Slot(self, entry, _dict_size(entry)) for entry in entries]
        with self._lock:
            for slot in self._entries:
                self._release(slot)
            self._entries = deque()
            self.dropped = int(data.get("dropped", 0))
            for slot in slots:
                self._entries.append(slot)
                while len(self._entries) > self.cap:
                    self._drop(self._entries[0])
                if self.budget is not None:
                    self.budget.charge(slot)
            last = max((e.get("id", 0) for e in entries), default=0)
            self._ids = itertools.count(last + 1)
