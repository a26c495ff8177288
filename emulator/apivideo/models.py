"""Prepared data: videos and live streams, their explicit and generated sessions, lookups.

Built once per scenario load by :func:`prepare` and shared, read-only, by every tenant. A
listing is a :class:`Selection`: the explicit sessions that match (a short list) merged in
``(loadedAt, sessionId)`` order with the generated ones (an index range, or the indexes a
metadata filter kept). A page is cut from the merge in O(log n + page size).
"""
from __future__ import annotations

import heapq
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from . import workload
from .constants import LIVE, VIDEO
from .generate import GeneratedSessions, GenerateSpec
from .ids import SessionIdCodec
from .period import Period, parse_period
from .pools import Pools, build_pools
from .render import to_json
from .timefmt import iso_ms, parse_ms
from .viewers import CollectorSettings, read_collector

ENVIRONMENT_LIMITS = {"sandbox": 100, "production": 500}
WINDOW_SECONDS = 60
MEMO_SIZE = 16
_V = TypeVar("_V")


@dataclass(frozen=True)
class ExplicitSession:
    """A session written in the scenario, normalised to the vendor's shape."""

    session_id: str
    loaded_ms: int
    metadata: tuple[tuple[str, str], ...]
    body: Mapping[str, Any]
    events: tuple[Mapping[str, Any], ...]

    @property
    def key(self) -> tuple[int, str]:
        return self.loaded_ms, self.session_id


def _filled(raw: Mapping | None, names: Sequence[str], default: Any, nullable: Sequence[str] = ()) -> dict:
    raw = raw or {}
    return {n: raw[n] if n in raw and (raw[n] is not None or n in nullable) else default for n in names}


def _event(raw: Mapping) -> dict:
    out = {"type": raw["type"], "emittedAt": iso_ms(parse_ms(raw["emittedAt"]))}
    for name in ("from", "to") if raw["type"].startswith("seek.") else ("at",):
        out[name] = int(raw[name])
    return out


def explicit_session(raw: Mapping, kind: str) -> ExplicitSession:
    """Normalise a scenario session: vendor key order, canonical dates, "unknown" (or null) defaults."""
    s = raw["session"]
    live = kind == LIVE
    missing = "unknown" if live else None
    loaded = parse_ms(s["loadedAt"])
    session: dict[str, Any] = {"sessionId": s["sessionId"], "loadedAt": iso_ms(loaded),
                               "endedAt": iso_ms(parse_ms(s["endedAt"]))}
    metadata = tuple((m["key"], m["value"]) for m in s.get("metadata", []))
    if not live:
        session["metadata"] = [{"key": k, "value": v} for k, v in metadata]
    location = _filled(raw.get("location"), ("country", "city"), "unknown", () if live else ("city",))
    if "city" not in (raw.get("location") or {}):
        location["city"] = missing
    referrer = _filled(raw.get("referrer"), ("url", "medium", "source", "searchTerm"), "unknown",
                       () if live else ("url",))
    if "url" not in (raw.get("referrer") or {}):
        referrer["url"] = missing
    body = {
        "session": session,
        "location": location,
        "referrer": referrer,
        "device": _filled(raw.get("device"), ("type", "vendor", "model"), "unknown"),
        "os": _filled(raw.get("os"), ("name", "shortname", "version"), "unknown"),
        "client": _filled(raw.get("client"), ("type", "name", "version"), "unknown"),
    }
    events = sorted((_event(e) for e in raw.get("events", [])), key=lambda e: e["emittedAt"])
    return ExplicitSession(s["sessionId"], loaded, metadata, body, tuple(events))


class Selection:
    """The sessions of one listing, in ``(loadedAt, sessionId)`` order, cut into pages lazily."""

    def __init__(self, explicit: Sequence[ExplicitSession], generated: GeneratedSessions | None,
                 indexes: Sequence[int]) -> None:
        self.explicit = explicit
        self.generated = generated
        self.indexes = indexes

    def __len__(self) -> int:
        return len(self.explicit) + len(self.indexes)

    def _explicit_before(self, e: int, g: int) -> bool:
        """Whether explicit session ``e`` sorts before generated position ``g``.

        ``loadedAt`` decides; the generated id (the costly part) is only computed on a tie.
        """
        if e >= len(self.explicit):
            return False
        if g >= len(self.indexes):
            return True
        assert self.generated is not None
        session, index = self.explicit[e], self.indexes[g]
        loaded = self.generated.loaded_ms(index)
        if session.loaded_ms != loaded:
            return session.loaded_ms < loaded
        return session.session_id < self.generated.session_id(index)

    def _split(self, k: int) -> int:
        """How many explicit sessions come among the first ``k`` merged ones (binary search)."""
        n_e, n_g = len(self.explicit), len(self.indexes)
        lo, hi = max(0, k - n_g), min(k, n_e)
        while lo < hi:
            c = (lo + hi) // 2
            if self._explicit_before(c, k - c - 1):
                lo = c + 1
            else:
                hi = c
        return lo

    def page_json(self, start: int, stop: int) -> list[str]:
        """Sessions ``[start, stop)`` serialised (what the listing route sends); the generated ones
        rendered together (one draw for each run of consecutive indexes)."""
        order: list[ExplicitSession | int] = []
        e = self._split(start) if self.explicit and start < stop else 0
        g = start - e
        while len(order) < stop - start:
            if self._explicit_before(e, g):
                order.append(self.explicit[e])
                e += 1
            else:
                order.append(self.indexes[g])
                g += 1
        generated = [x for x in order if isinstance(x, int)]
        if generated:
            assert self.generated is not None
            rendered = iter(self.generated.render_json_many(generated))
        return [to_json(x.body) if isinstance(x, ExplicitSession) else next(rendered) for x in order]


class SelectionMemo:
    """A small LRU of metadata-filter scans: paging through a filtered listing scans once."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: tuple, compute: Callable[[], _V]) -> _V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            value = self._items.setdefault(key, value)  # a racing first request's value wins: one shared
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


@dataclass(frozen=True)
class Source:
    """A video or a live stream: explicit sessions (sorted) and an optional generator."""

    kind: str
    id: str
    ordinal: int
    explicit: tuple[ExplicitSession, ...]
    generated: GeneratedSessions | None
    #: the scenario's ``tags`` of the video / live stream (the /data/* ``filterBy[tag]``)
    tags: tuple[str, ...] = ()

    def select(self, period: Period, wanted: Mapping[str, str], memo: SelectionMemo,
               ingested: Sequence[ExplicitSession] = ()) -> Selection:
        """The sessions loaded in ``period`` whose metadata holds every ``wanted`` pair.

        ``ingested`` (sorted, few: the tenant's beacons) is merged with the scenario's sessions.
        """
        explicit = [s for s in heapq.merge(self.explicit, ingested, key=lambda s: s.key)
                    if period.start_ms <= s.loaded_ms < period.end_ms
                    and all((k, v) in s.metadata for k, v in wanted.items())]
        gen = self.generated
        if gen is None:
            return Selection(explicit, None, range(0))
        lo, hi = gen.index_range(period)
        if not wanted:
            return Selection(explicit, gen, range(lo, hi))
        key = (self.ordinal, lo, hi, tuple(sorted(wanted.items())))
        return Selection(explicit, gen, memo.get(key, lambda: gen.matching(lo, hi, dict(wanted))))

    @property
    def total(self) -> int:
        return len(self.explicit) + (len(self.generated) if self.generated else 0)

    @classmethod
    def empty(cls, kind: str, source_id: str) -> Source:
        """A video / live stream the scenario does not list, known from beacons (open catalogue)."""
        return cls(kind, source_id, -1, (), None)


@dataclass(frozen=True)
class ApiKey:
    key: str
    environment: str
    limit: int


@dataclass(frozen=True)
class Prepared:
    """Everything the api.video routes read; immutable apart from the filter memo (a cache)."""

    seed: int
    api_keys: Mapping[str, ApiKey]
    enforce_rate_limits: bool
    window_seconds: int
    videos: Mapping[str, Source]
    live_streams: Mapping[str, Source]
    sources: tuple[Source, ...]
    explicit_ids: Mapping[str, tuple[Source, ExplicitSession]]
    codec: SessionIdCodec
    collector: CollectorSettings = field(default_factory=CollectorSettings)
    memo: SelectionMemo = field(default_factory=SelectionMemo, compare=False)
    #: /data/* facts of the scenario's sessions, per source (facts.py); a cache like ``memo``
    facts_memo: SelectionMemo = field(default_factory=lambda: SelectionMemo(256), compare=False)
    #: /data/* columns of each source's generated sessions (columns.py), by ordinal: never evicted
    #: (rebuilding them costs far more than keeping them; the scenario budget bounds their size)
    columns_memo: dict[int, Any] = field(default_factory=dict, compare=False)
    #: how far back /data/* reaches: "30d" (the vendor's default), "3m" or "12m"
    retention: str = "30d"

    def source(self, kind: str, source_id: str) -> Source | None:
        """The scenario's video or live stream of that id (the two kinds have separate ids)."""
        return (self.videos if kind == VIDEO else self.live_streams).get(source_id)

    def find_session(self, session_id: str) -> tuple[Source, ExplicitSession | int] | None:
        """The source and session (explicit, or generated index) of a session id."""
        found = self.explicit_ids.get(session_id)
        if found:
            return found
        decoded = self.codec.decode(session_id)
        if decoded is None:
            return None
        ordinal, index = decoded
        if ordinal >= len(self.sources):
            return None
        source = self.sources[ordinal]
        if source.generated is None or index >= len(source.generated):
            return None
        return source, index

    def session_events(self, found: tuple[Source, ExplicitSession | int]) -> Sequence[Mapping[str, Any]]:
        source, session = found
        if isinstance(session, ExplicitSession):
            return session.events
        assert source.generated is not None
        return source.generated.events(session)

    def counts(self) -> dict[str, int]:
        return {"videos": len(self.videos), "live_streams": len(self.live_streams),
                "sessions": sum(s.total for s in self.sources)}


def _generate_spec(raw: Mapping) -> GenerateSpec:
    period = parse_period(str(raw["period"]))
    metadata = tuple((k, tuple(str(v) for v in values)) for k, values in (raw.get("metadata") or {}).items())
    events = raw.get("events") or (3, 30)
    return GenerateSpec(int(raw["sessions"]), period.start_ms, period.end_ms, (int(events[0]), int(events[1])),
                        metadata, int(raw.get("duration", 0)))


def _api_keys(section: Mapping) -> tuple[dict[str, ApiKey], Mapping]:
    """The section's API keys, each with its environment's rate limit unless it names its own."""
    limits = dict(ENVIRONMENT_LIMITS)
    rate = section.get("rate_limits") or {}
    limits.update({env: rate[env] for env in ENVIRONMENT_LIMITS if env in rate})
    keys = {k["key"]: ApiKey(k["key"], k["environment"], k.get("rate_limit", limits[k["environment"]]))
            for k in section.get("api_keys", [])}
    return keys, rate


def _source(raw: Mapping, kind: str, index: int, seed: int, pools: Pools | None, codec: SessionIdCodec) -> Source:
    """One video or live stream: its written and workload sessions, sorted, and its generated ones."""
    raw_sessions = [*raw.get("sessions", []),
                    *(workload.sessions(raw["workload"], raw["id"], kind == LIVE) if "workload" in raw else ())]
    explicit = tuple(sorted((explicit_session(s, kind) for s in raw_sessions), key=lambda s: s.key))
    generated = None
    if "generate" in raw and pools is not None:
        generated = GeneratedSessions(str(seed), kind, raw["id"], index, _generate_spec(raw["generate"]), pools,
                                      codec)
    return Source(kind, raw["id"], index, explicit, generated, tuple(raw.get("tags", ())))


def prepare(section: Mapping | None, scenario: Any) -> Prepared:
    """Build the prepared data of a scenario (pools only if something is generated)."""
    section = section or {}
    seed = int(getattr(scenario, "seed", 0) or 0)
    keys, rate = _api_keys(section)
    codec = SessionIdCodec(f"{seed}")
    needs_pools = any("generate" in s for g in ("videos", "live_streams") for s in section.get(g, []))
    pools: Pools | None = build_pools(str(seed)) if needs_pools else None
    sources: list[Source] = []
    groups: dict[str, dict[str, Source]] = {VIDEO: {}, LIVE: {}}
    for group, kind in (("videos", VIDEO), ("live_streams", LIVE)):
        for raw in section.get(group, []):
            source = _source(raw, kind, len(sources), seed, pools, codec)
            sources.append(source)
            groups[kind][raw["id"]] = source
    explicit_ids = {s.session_id: (source, s) for source in sources for s in source.explicit}
    return Prepared(seed=seed, api_keys=keys, enforce_rate_limits=bool(rate.get("enforce", False)),
                    window_seconds=int(rate.get("window_seconds", WINDOW_SECONDS)),
                    videos=groups[VIDEO], live_streams=groups[LIVE], sources=tuple(sources),
                    explicit_ids=explicit_ids, codec=codec, collector=read_collector(section),
                    retention=str(section.get("retention", "30d")))
