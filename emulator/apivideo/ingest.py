"""Ingested sessions: what one tenant's collector received, and what the listings show of it.

Per-tenant mutable state (part of the backend: exported, loaded, forgotten on reset). Every
method runs under the tenant's lock. Times are epoch milliseconds: ``loaded_ms`` and event
instants come from the beacon (the browser's clock), ``received_ms`` from the emulator clock,
which is what the ingestion lag is measured on.

A session's listing view is rebuilt on each read from what is visible at that instant (its
first beacon older than the lag; ``endedAt`` the latest visible event), as an
:class:`ExplicitSession`, so the listings merge it exactly like a scenario session.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..quota import Quota, unlimited_share
from .beacons import Beacon, BeaconEvent
from .constants import VIDEO
from .errors import AttributeInvalid
from .ids import DOMAIN, session_id_of
from .models import ExplicitSession, Prepared
from .schema import EVENT_TYPES
from .timefmt import iso_ms

MAX_SESSION_EVENTS = 10_000  # events of one ingested session (the vendor's player sends far fewer)


@dataclass
class Arrival:
    """An event and the emulator instant its beacon arrived."""

    event: BeaconEvent
    received_ms: int


@dataclass
class IngestedSession:
    """One session built from beacons; ``profile`` holds the location..client blocks."""

    session_id: str
    kind: str
    source_id: str
    loaded_ms: int
    received_ms: int
    metadata: tuple[tuple[str, str], ...]
    profile: dict[str, Any]
    arrivals: list[Arrival] = field(default_factory=list)
    seen: set[tuple] = field(default_factory=set)

    def add(self, events: tuple[BeaconEvent, ...], received_ms: int) -> None:
        """Append the events not already recorded (a retried beacon repeats them)."""
        for event in events:
            if event.fingerprint not in self.seen:
                self.seen.add(event.fingerprint)
                self.arrivals.append(Arrival(event, received_ms))

    def new_events(self, events: tuple[BeaconEvent, ...]) -> int:
        """How many of ``events`` would be added (for the cap check, before anything is added)."""
        return len({e.fingerprint for e in events} - self.seen)

    def view(self, visible_until_ms: int) -> ExplicitSession:
        """The session as the listings show it, counting only beacons that arrived by then."""
        # stable sort: same instant keeps arrival order; v2 samples (timeupdate) count, are not listed
        visible = sorted((a.event for a in self.arrivals if a.received_ms <= visible_until_ms),
                         key=lambda e: e.emitted_ms)
        events = [e for e in visible if e.type in EVENT_TYPES]
        ended = max([self.loaded_ms, *(e.emitted_ms for e in visible)])
        session: dict[str, Any] = {"sessionId": self.session_id, "loadedAt": iso_ms(self.loaded_ms),
                                   "endedAt": iso_ms(ended)}
        if self.kind == VIDEO:
            session["metadata"] = [{"key": k, "value": v} for k, v in self.metadata]
        body = {"session": session, **self.profile}
        return ExplicitSession(self.session_id, self.loaded_ms, self.metadata, body,
                               tuple(e.render() for e in events))

    def export(self) -> dict[str, Any]:
        return {"session_id": self.session_id, "kind": self.kind, "source_id": self.source_id,
                "loaded_ms": self.loaded_ms, "received_ms": self.received_ms,
                "metadata": [list(p) for p in self.metadata], "profile": self.profile,
                "events": [{"type": a.event.type, "emitted_ms": a.event.emitted_ms, "at": a.event.at,
                            "from": a.event.frm, "to": a.event.to, "received_ms": a.received_ms}
                           for a in self.arrivals]}

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> IngestedSession:
        session = cls(str(data["session_id"]), str(data["kind"]), str(data["source_id"]), int(data["loaded_ms"]),
                      int(data["received_ms"]), tuple((str(k), str(v)) for k, v in data.get("metadata", [])),
                      dict(data["profile"]))
        for e in data.get("events", []):
            event = BeaconEvent(str(e["type"]), int(e["emitted_ms"]), e.get("at"), e.get("from"), e.get("to"))
            session.add((event,), int(e["received_ms"]))
        return session


class IngestStore:
    """A tenant's ingested sessions, by id and by video / live stream, and its id counter."""

    def __init__(self, prepared: Prepared, tenant_name: str, quotas: Mapping[str, Quota] | None = None) -> None:
        self.prepared = prepared
        self.tenant_name = tenant_name
        quotas = quotas or {}
        # process-wide budgets shared with every other tenant (emulator/quota.py)
        self.session_share = quotas["ingested_sessions"].share(self) if "ingested_sessions" in quotas \
            else unlimited_share()
        self.event_share = quotas["ingested_events"].share(self) if "ingested_events" in quotas \
            else unlimited_share()
        self._key = hashlib.blake2b(f"{prepared.seed}".encode(), digest_size=32, person=b"apivideo-beacon").digest()
        self.issued = 0
        self.sessions: dict[str, IngestedSession] = {}
        self.by_source: dict[tuple[str, str], list[str]] = {}
        self.first_beacons: dict[str, str] = {}  # digest of a first beacon -> the session it created

    # --- ids -------------------------------------------------------------------------------
    def _new_id(self) -> str:
        """The next id of this tenant: a keyed hash of (seed, tenant, counter), never a taken id."""
        while True:
            self.issued += 1
            digest = hashlib.blake2b(f"{self.tenant_name}\x00{self.issued}".encode(), key=self._key,
                                     digest_size=16).digest()
            candidate = session_id_of(int.from_bytes(digest, "big") % DOMAIN)
            if candidate not in self.sessions and self.prepared.find_session(candidate) is None:
                return candidate

    def _first_digest(self, beacon: Beacon) -> str:
        """Identifies a first beacon, so that its retry gets the same session, not a second one."""
        text = json.dumps([beacon.kind, beacon.source_id, beacon.emitted_ms, beacon.loaded_ms, beacon.referrer,
                           beacon.metadata, [e.fingerprint for e in beacon.events]])
        return hashlib.blake2b(text.encode(), key=self._key, digest_size=16).hexdigest()

    # --- recording ---------------------------------------------------------------------------
    def knows(self, kind: str, source_id: str) -> bool:
        """Whether a beacon ever named this video / live stream (the open catalogue's ids)."""
        return (kind, source_id) in self.by_source

    def _target(self, beacon: Beacon) -> tuple[IngestedSession | None, str | None]:
        """The session a beacon continues (or None), and the digest of a first beacon."""
        if beacon.session_id is None:
            digest = self._first_digest(beacon)
            return self.sessions.get(self.first_beacons.get(digest, "")), digest
        session = self.sessions.get(beacon.session_id)
        if session is None and self.prepared.find_session(beacon.session_id) is not None:
            raise AttributeInvalid("session.session_id", detail="session.session_id: a scenario session; "
                                   "beacons only add to the sessions the collector created")
        if session is not None and (session.kind, session.source_id) != (beacon.kind, beacon.source_id):
            raise AttributeInvalid("session.session_id", detail="session.session_id: this session belongs to "
                                   f"{session.kind} {session.source_id}")
        return session, None

    def record(self, beacon: Beacon, profile: dict[str, Any], now_ms: int) -> str:
        """Record a checked beacon; return its session id. Raises (recording nothing) past the caps."""
        session, digest = self._target(beacon)
        if session is None:
            new = len({e.fingerprint for e in beacon.events})
            if new > MAX_SESSION_EVENTS:
                raise AttributeInvalid("events", detail=f"events: at most {MAX_SESSION_EVENTS} per session")
            if not self.session_share.take(1):
                raise AttributeInvalid("session", detail=(
                    f"session: the emulator keeps at most {self.session_share.limit:,} ingested sessions over all "
                    "tenants (the max_ingested_sessions setting, serve --max-ingested-sessions N; "
                    "POST /_emulator/reset forgets a tenant's)"))
            if not self.event_share.take(new):
                self.session_share.give(1)
                raise self._events_full()
            session_id = beacon.session_id or self._new_id()
            session = IngestedSession(session_id, beacon.kind, beacon.source_id, beacon.loaded_ms, now_ms,
                                      beacon.metadata, profile)
            session.add(beacon.events, now_ms)
            self.sessions[session_id] = session
            self.by_source.setdefault((beacon.kind, beacon.source_id), []).append(session_id)
            if digest is not None:
                self.first_beacons[digest] = session_id
            return session.session_id
        new = session.new_events(beacon.events)
        if len(session.arrivals) + new > MAX_SESSION_EVENTS:
            raise AttributeInvalid("events", detail=f"events: at most {MAX_SESSION_EVENTS} per session")
        if not self.event_share.take(new):
            raise self._events_full()
        session.add(beacon.events, now_ms)
        return session.session_id

    def _events_full(self) -> AttributeInvalid:
        return AttributeInvalid("events", detail=(
            f"events: the emulator keeps at most {self.event_share.limit:,} ingested events over all tenants "
            "(the max_ingested_events setting, serve --max-ingested-events N; POST /_emulator/reset forgets "
            "a tenant's)"))

    # --- reading -----------------------------------------------------------------------------
    def listing(self, kind: str, source_id: str, now_ms: int) -> list[ExplicitSession]:
        """The visible sessions of a video / live stream, in ``(loadedAt, sessionId)`` order."""
        until = now_ms - self.prepared.collector.lag_ms
        views = [self.sessions[sid].view(until) for sid in self.by_source.get((kind, source_id), ())
                 if self.sessions[sid].received_ms <= until]
        return sorted(views, key=lambda s: s.key)

    def visible(self, now_ms: int) -> list[tuple[IngestedSession, int]]:
        """Every session visible at ``now_ms`` and the instant up to which its beacons count."""
        until = now_ms - self.prepared.collector.lag_ms
        return [(s, until) for s in self.sessions.values() if s.received_ms <= until]

    def find(self, session_id: str, now_ms: int) -> ExplicitSession | None:
        """A visible ingested session by id (None while its first beacon is within the lag)."""
        session = self.sessions.get(session_id)
        until = now_ms - self.prepared.collector.lag_ms
        if session is None or session.received_ms > until:
            return None
        return session.view(until)

    # --- snapshots ---------------------------------------------------------------------------
    def export(self) -> dict[str, Any]:
        return {"issued": self.issued, "first_beacons": dict(self.first_beacons),
                "sessions": [s.export() for s in self.sessions.values()]}

    def load(self, data: Mapping[str, Any]) -> None:
        """Restore exported sessions; ValueError when they do not fit the process-wide budgets."""
        self.issued = int(data.get("issued", 0))
        self.sessions, self.by_source = {}, {}
        self.session_share.release()
        self.event_share.release()
        for raw in data.get("sessions", []):
            session = IngestedSession.load(raw)
            if not self.session_share.take(1) or not self.event_share.take(len(session.arrivals)):
                raise ValueError(f"vendors.apivideo.ingested: more ingested sessions or events than the "
                                 f"max_ingested_sessions ({self.session_share.limit:,}) and max_ingested_events "
                                 f"({self.event_share.limit:,}) settings allow over all tenants")
            self.sessions[session.session_id] = session
            self.by_source.setdefault((session.kind, session.source_id), []).append(session.session_id)
        self.first_beacons = {str(k): str(v) for k, v in (data.get("first_beacons") or {}).items()
                              if str(v) in self.sessions}
