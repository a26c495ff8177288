"""A tenant's recorded 23 Video reports (appended by the routes, listed by the control API, summed by
the extract methods) and the OAuth nonces it has seen.

One backend per tenant (created on every reset, so construction is trivial); all access goes
through the tenant's lock, so concurrent reports are each recorded exactly once. Bounded like the
journal (same cap): past it the oldest report is dropped and counted, so a soak run cannot exhaust memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from ..clock import format_instant, parse_instant
from .models import Sites
from .oauth import TIMESTAMP_WINDOW
from .reports import Accepted

KINDS = ("play", "download", "event")
DEFAULT_CAP = 100_000
NonceKey = tuple[str, str, int, str]   # consumer key, access token, timestamp, nonce


@dataclass(frozen=True)
class Record:
    """One accepted report as stored and listed."""

    id: int
    kind: str
    time: str
    domain: str
    site_id: str
    endpoint: str
    ip: str | None
    photo_id: str
    fields: Mapping[str, Any]
    params: Mapping[str, Any]
    batch_index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (control listing and state export)."""
        data = asdict(self)
        data["fields"], data["params"] = dict(self.fields), dict(self.params)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Record:
        """Inverse of :meth:`to_dict`; KeyError/TypeError/ValueError on a malformed entry."""
        if data["kind"] not in KINDS:
            raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {data['kind']!r}")
        parse_instant(data["time"])
        return cls(id=int(data["id"]), kind=str(data["kind"]), time=str(data["time"]),
                   domain=str(data["domain"]), site_id=str(data.get("site_id", "")),
                   endpoint=str(data["endpoint"]), ip=data.get("ip"), photo_id=str(data["photo_id"]),
                   fields=dict(data.get("fields") or {}), params=dict(data.get("params") or {}),
                   batch_index=data.get("batch_index"))


@dataclass(frozen=True)
class Query:
    """Filters of the reports listing (None = not filtered)."""

    kind: str | None = None
    photo_id: str | None = None
    domain: str | None = None
    session_id: str | None = None
    since_id: int | None = None
    limit: int | None = None

    def matches(self, record: Record) -> bool:
        return ((self.kind is None or record.kind == self.kind)
                and (self.photo_id is None or record.photo_id == self.photo_id)
                and (self.domain is None or record.domain == self.domain)
                and (self.session_id is None or record.fields.get("session_id") == self.session_id)
                and (self.since_id is None or record.id > self.since_id))


class Backend:
    """The recorded reports of one tenant, plus the scenario's (shared, immutable) sites."""

    def __init__(self, sites: Sites, lock: threading.RLock | None = None, cap: int = DEFAULT_CAP):
        self.sites = sites
        self.cap = cap
        self.dropped = 0
        self._lock = lock or threading.RLock()
        self._records: deque[Record] = deque()
        self._next_id = 1
        self._nonces: OrderedDict[NonceKey, int] = OrderedDict()
        self._nonces_swept = 0

    def _trim(self) -> None:
        while len(self._records) > self.cap:
            self._records.popleft()
            self.dropped += 1

    def record(self, accepted: Iterable[Accepted], *, when: datetime, domain: str, site_id: str,
               endpoint: str, ip: str | None, stamp: str | None = None) -> list[Record]:
        """Store accepted reports (one request's worth, atomically) and return them with their ids.

        ``stamp``: ``when`` already formatted (the request's journal entry shows the same text).
        """
        stamp = stamp or format_instant(when)
        with self._lock:
            new = [Record(id=self._next_id + i, kind=a.report.kind, time=stamp, domain=domain, site_id=site_id,
                          endpoint=endpoint, ip=ip, photo_id=a.report.photo_id, fields=a.report.fields(),
                          params=dict(a.params), batch_index=a.index)
                   for i, a in enumerate(accepted)]
            self._records.extend(new)
            self._next_id += len(new)
            self._trim()
        return new

    def snapshot(self) -> list[Record]:
        """Every recorded report, oldest first (a copy: the extract methods sum it without the lock)."""
        with self._lock:
            return list(self._records)

    def remember_nonce(self, key: NonceKey, timestamp: int, now: float) -> bool:
        """Remember an OAuth nonce; False if ``key`` was seen (a replay).

        Nonces whose timestamp has left the window are forgotten (such a timestamp is refused
        anyway); a full sweep runs when the book has doubled since the last one, and past the cap
        the oldest entry goes, so the book stays bounded even with a frozen clock.
        """
        with self._lock:
            if key in self._nonces:
                return False
            self._nonces[key] = timestamp
            if len(self._nonces) > max(1024, 2 * self._nonces_swept):
                cutoff = now - TIMESTAMP_WINDOW
                self._nonces = OrderedDict((k, t) for k, t in self._nonces.items() if t >= cutoff)
                self._nonces_swept = len(self._nonces)
            while len(self._nonces) > self.cap:
                self._nonces.popitem(last=False)
            return True

    def query(self, query: Query) -> tuple[int, list[dict[str, Any]]]:
        """(total matching, the newest ``limit`` of them, oldest first) — the journal's convention."""
        with self._lock:
            records = list(self._records)
        matched = [r for r in records if query.matches(r)]
        total = len(matched)
        if query.limit is not None:
            matched = matched[-query.limit:] if query.limit else []
        return total, [r.to_dict() for r in matched]

    def counts(self) -> dict[str, int]:
        """Recorded reports per kind (shown by /_emulator/ready)."""
        with self._lock:
            kinds = [r.kind for r in self._records]
        return {"reports": len(kinds), **{kind: kinds.count(kind) for kind in KINDS}, "dropped": self.dropped}

    def export(self) -> dict[str, Any]:
        """The mutable state: every recorded report, the next id and the OAuth nonces seen."""
        with self._lock:
            return {"reports": [r.to_dict() for r in self._records], "next_id": self._next_id,
                    "dropped": self.dropped, "nonces": [list(key) for key in self._nonces]}

    def load(self, data: Mapping[str, Any]) -> None:
        """Replace the recorded reports with an :meth:`export` (ValueError if malformed, state unchanged)."""
        try:
            records = [Record.from_dict(item) for item in data.get("reports", [])]
            next_id = int(data.get("next_id", max((r.id for r in records), default=0) + 1))
            dropped = int(data.get("dropped", 0))
            nonces = OrderedDict(((str(c), str(t), int(ts), str(n)), int(ts))
                                 for c, t, ts, n in data.get("nonces", []))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"twentythree state: malformed report ({exc})") from None
        with self._lock:
            self._records = deque(records)
            self._next_id = max(next_id, max((r.id for r in records), default=0) + 1)
            self.dropped = dropped
            self._nonces, self._nonces_swept = nonces, len(nonces)
            self._trim()
