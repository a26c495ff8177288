"""One event store for both generations: every session, whatever its source, read as facts.

A session's facts are what the /data/* metrics count, derived from its player events in the v1
vocabulary (ready, play, pause, resume, seek.*, end) plus the v2 collector's ``timeupdate``
samples (kept, never listed): so a scenario session, a generated one, a ``/vod`` beacon and a
``/watch`` beacon are counted by one set of rules, and the sessions of a legacy listing are the
sessions counted here (docs/apivideo-analytics.md, "Metric definitions").

Facts of written sessions are computed once per source and kept in the prepared data's memo
(immutable); the tenant's ingested sessions are read again on every request (few, and they change).
Generated sessions (up to a million per source) are not objects: columns.py replays them into
columns, tally.py counts both.
"""
from __future__ import annotations

import bisect
import calendar
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from . import dimensions as dims
from .constants import LIVE, UNKNOWN, VIEW_DURATIONS
from .ingest import IngestedSession
from .models import ExplicitSession, Prepared, Source
from .timefmt import parse_ms

TIMEUPDATE = "timeupdate"


@dataclass(frozen=True, slots=True)
class PlayRun:
    """One play (playback begun, not a resume): its instant and every event until the next play."""

    start_ms: int
    event_ms: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """What /data/* needs of one session; instants are epoch milliseconds."""

    session_id: str
    media_id: str
    media_type: str
    tags: frozenset[str]
    loaded_ms: int
    country: str
    continent: str
    device_type: str
    operating_system: str
    browser: str
    referrer: str
    viewer: str
    impression_ms: int | None  # loading time until ready (None: never ready)
    start_ms: int | None
    plays: tuple[PlayRun, ...]
    ends: tuple[int, ...]
    playing: tuple[tuple[int, int], ...]  # [from, to) instants while the media played
    views: tuple[int | None, ...]  # instant the watch time reached each of VIEW_DURATIONS
    last_ms: int  # the latest event (or loadedAt): nothing of the session happens after it


def _run_events(events: Sequence[tuple[str, int]]) -> tuple[list[PlayRun], list[int], list[tuple[int, int]],
                                                               int | None]:
    """Plays, ends, playing intervals and the ready instant of a time-ordered event list."""
    plays: list[PlayRun] = []
    run: list[int] = []
    ends: list[int] = []
    playing: list[tuple[int, int]] = []
    ready: int | None = None
    since: int | None = None
    last = events[-1][1] if events else 0
    for kind, ms in events:
        if kind == "ready":
            ready = ms if ready is None else ready
            continue
        if kind == "play":
            if since is not None:
                playing.append((since, ms))
            if run:
                plays.append(PlayRun(run[0], tuple(run)))
            run, since = [ms], ms
            continue
        if run:
            run.append(ms)
        if kind == "resume" and since is None:
            since = ms
        elif kind in ("pause", "end") and since is not None:
            playing.append((since, ms))
            since = None
        if kind == "end":
            ends.append(ms)
    if since is not None:
        playing.append((since, last))
    if run:
        plays.append(PlayRun(run[0], tuple(run)))
    return plays, ends, [p for p in playing if p[1] > p[0]], ready


def view_instants(playing: Sequence[tuple[int, int]], unit: int) -> list[int | None]:
    """The instant the watch time reached each of VIEW_DURATIONS (None: never), with ``playing``
    in ``unit`` per second (1000: milliseconds; 1: seconds)."""
    out: list[int | None] = []
    for seconds in VIEW_DURATIONS:
        need, found = seconds * unit, None
        for a, b in playing:
            if b - a >= need:
                found = a + need
                break
            need -= b - a
        out.append(found)
    return out


def _views(playing: Sequence[tuple[int, int]]) -> tuple[int | None, ...]:
    return tuple(view_instants(playing, 1000))


def build(session_id: str, source: Source, body: Mapping, events: Iterable[tuple[str, int]],
          loaded_ms: int | None = None) -> SessionFacts:
    """Facts of one session from its listing body (the dimensions; ``session.loadedAt`` unless
    ``loaded_ms`` is given) and its events."""
    ordered = sorted(events, key=lambda e: e[1])
    plays, ends, playing, ready = _run_events(ordered)
    loaded = _instant_ms(body["session"]["loadedAt"]) if loaded_ms is None else loaded_ms
    location, device = body.get("location") or {}, body.get("device") or {}
    os, client = body.get("os") or {}, body.get("client") or {}
    url = (body.get("referrer") or {}).get("url")
    country = dims.country_code(location.get("country"))
    viewer = viewer_key(device.get("type"), device.get("model"), os.get("name"), os.get("version"),
                        client.get("name"), client.get("version"), location.get("country"), location.get("city"))
    return SessionFacts(
        session_id=session_id, media_id=source.id, media_type=media_type(source.kind),
        tags=frozenset(source.tags), loaded_ms=loaded,
        country=country, continent=dims.continent(country), device_type=dims.device_type(device.get("type")),
        operating_system=dims.operating_system(os.get("name")), browser=dims.browser(client.get("name")),
        referrer=referrer_value(url), viewer=viewer,
        impression_ms=None if ready is None else max(0, ready - loaded),
        start_ms=plays[0].start_ms if plays else None, plays=tuple(plays), ends=tuple(ends),
        playing=tuple(playing), views=_views(playing), last_ms=max(loaded, ordered[-1][1] if ordered else loaded))


def viewer_key(*parts: object) -> str:
    """Who watched, for ``unique`` counts: device type and model, OS and version, browser and
    version, country and city, joined (interned: few distinct values)."""
    return sys.intern("\x00".join(str(x) for x in parts))


def referrer_value(url: object) -> str:
    """The ``referrer`` dimension of a referrer URL: empty for a direct visit (None, "unknown")."""
    return "" if url in (None, UNKNOWN) else str(url)


def media_type(source_kind: str) -> str:
    """The vendor's ``mediaType`` of a source kind."""
    return "live-stream" if source_kind == LIVE else "video"


def _instant_ms(text: str) -> int:
    """Epoch ms of an instant; the listings' own form (``2024-01-24T11:45:01.109Z``) read directly
    (generated sessions have millions of events), anything else by the general parser."""
    if len(text) == 24 and text[10] == "T" and text[23] == "Z":
        try:
            return calendar.timegm((int(text[:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
                                    int(text[14:16]), int(text[17:19]))) * 1000 + int(text[20:23])
        except ValueError:
            pass
    return parse_ms(text)


def _listed_events(events: Iterable[Mapping]) -> Iterator[tuple[str, int]]:
    for e in events:
        yield e["type"], _instant_ms(e["emittedAt"])


def of_explicit(source: Source, session: ExplicitSession) -> SessionFacts:
    return build(session.session_id, source, session.body, _listed_events(session.events))


def of_generated(source: Source) -> tuple[SessionFacts, ...]:
    """Every generated session of a source, from its rendered listing (the reference the
    column-wise replay of columns.py is tested against; too slow for a million sessions)."""
    gen = source.generated
    if gen is None:
        return ()
    return tuple(build(gen.session_id(i), source, gen.render(i), _listed_events(gen.events(i)))
                 for i in range(len(gen)))


def of_ingested(source: Source, session: IngestedSession, visible_until_ms: int) -> SessionFacts:
    """An ingested session as visible at that instant, its v2 ``timeupdate`` samples included."""
    events = [(a.event.type, a.event.emitted_ms) for a in session.arrivals if a.received_ms <= visible_until_ms]
    # the dimensions are the session's profile: no listing view (sorted, every event rendered) to build
    return build(session.session_id, source, session.profile, events, session.loaded_ms)


@dataclass(frozen=True)
class SourceFacts:
    """A source's scenario facts in ``loadedAt`` order, so a window is two binary searches away."""

    facts: tuple[SessionFacts, ...]
    loaded: tuple[int, ...]
    max_span_ms: int  # the longest loadedAt -> last event of any session

    @classmethod
    def of(cls, facts: Iterable[SessionFacts]) -> SourceFacts:
        ordered = tuple(sorted(facts, key=lambda f: f.loaded_ms))
        return cls(ordered, tuple(f.loaded_ms for f in ordered),
                   max((f.last_ms - f.loaded_ms for f in ordered), default=0))

    def touching(self, start_ms: int, end_ms: int) -> Sequence[SessionFacts]:
        """The sessions that may have something in ``[start_ms, end_ms)``."""
        lo = bisect.bisect_left(self.loaded, start_ms - self.max_span_ms)
        hi = bisect.bisect_left(self.loaded, end_ms)
        return self.facts[lo:hi]


def scenario_facts(prepared: Prepared, source: Source) -> SourceFacts:
    """The scenario's written sessions of a source, computed once per load (its generated
    sessions are read column-wise: columns.py)."""
    def compute() -> SourceFacts:
        return SourceFacts.of(of_explicit(source, s) for s in source.explicit)

    return prepared.facts_memo.get(("facts", source.ordinal), compute)


def object_facts(prepared: Prepared, ingested: Iterable[tuple[IngestedSession, int]],
                 start_ms: int, end_ms: int) -> list[SessionFacts]:
    """The tenant's written and visible ingested sessions that may count in ``[start_ms, end_ms)``:
    a superset, the metrics check every instant."""
    out: list[SessionFacts] = []
    for source in prepared.sources:
        if source.explicit:
            out.extend(scenario_facts(prepared, source).touching(start_ms, end_ms))
    for session, until in ingested:
        source = prepared.source(session.kind, session.source_id) or Source.empty(session.kind, session.source_id)
        out.append(of_ingested(source, session, until))
    return out
