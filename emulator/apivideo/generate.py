"""Generated sessions, derived on demand from (seed, source, index) and never stored.

Session ``i`` of a source with ``n`` generated sessions over ``[start, end)`` loads in slot ``i``
of ``n`` equal slots, at a seeded offset inside the slot: ``loadedAt`` is strictly increasing in
``i`` (slots are at least 1 ms wide), so sessions are already in listing order and a period is a
binary search over indexes. Everything else about a session comes from keyed BLAKE2b digests of
its index (never Python's ``hash()``, which is salted per process) feeding ``random.Random``,
of which only ``random()`` is used: its sequence for an integer seed is stable across Python
releases and machines.
"""
from __future__ import annotations

import bisect
import hashlib
import threading
from _random import Random as _Random  # random.Random's C base: the same sequence, seeded twice as fast
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from typing import NamedTuple

from .ids import SessionIdCodec
from .period import Period
from .pools import Pools
from .render import to_json
from .timefmt import iso_ms

NULL_CITY_RATE = 0.06
LIVE_STREAM_SECONDS = 4 * 3600


RENDER_CACHE_SIZE = 4096  # serialised sessions kept per video (about 2 KB each)
LOADED_MEMO_SIZE = 65_536  # loadedAt values kept per video (a few MB at most)


@dataclass(frozen=True)
class GenerateSpec:
    """A scenario's ``generate:`` block, validated and resolved to numbers."""

    count: int
    start_ms: int
    end_ms: int
    events: tuple[int, int] = (3, 30)
    metadata: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: length of the video in seconds (positions ``at``/``from``/``to`` never exceed it)
    duration: int = 0


class Plan(NamedTuple):
    """The per-session draws the listing needs (the events reuse them); a tuple, as a million
    are drawn in a row for /data/* (columns.py)."""

    loaded_ms: int
    ready_s: int
    play_s: int
    watch_s: int
    ended_ms: int
    n_events: int
    location: int
    null_city: bool
    referrer: int
    platform: int


class GeneratedSessions:
    """The generated sessions of one video or live stream."""

    def __init__(self, seed: str, kind: str, source_id: str, ordinal: int, spec: GenerateSpec,
                 pools: Pools, codec: SessionIdCodec) -> None:
        self.kind = kind
        self.ordinal = ordinal
        self.spec = spec
        self.pools = pools
        self.codec = codec
        self._key = hashlib.blake2b(f"{seed}\x00{kind}\x00{source_id}".encode(), digest_size=32).digest()
        self._span = spec.end_ms - spec.start_ms
        self._meta_choices = [values for _, values in spec.metadata]
        self.duration = spec.duration or self._default_duration()
        self._rendered: OrderedDict[int, str] = OrderedDict()
        self._loaded_memo: dict[int, int] = {}
        self._rendered_lock = threading.Lock()

    def __len__(self) -> int:
        return self.spec.count

    def _default_duration(self) -> int:
        if self.kind == "live":
            return LIVE_STREAM_SECONDS
        digest = hashlib.blake2b(b"duration", key=self._key, digest_size=4).digest()
        return 45 + int.from_bytes(digest, "big") % 1455  # 45 s to 25 min

    # --- ordering --------------------------------------------------------------------------
    def _digest(self, i: int) -> bytes:
        return hashlib.blake2b(i.to_bytes(8, "big"), key=self._key, digest_size=40).digest()

    def _loaded(self, i: int, digest: bytes) -> int:
        start, count = self.spec.start_ms, self.spec.count
        slot_start = start + i * self._span // count
        width = start + (i + 1) * self._span // count - slot_start
        return slot_start + int.from_bytes(digest[:8], "big") % width

    def loaded_ms(self, i: int) -> int:
        """``loadedAt`` of session ``i`` in epoch ms (strictly increasing in ``i``).

        Memoised: every listing's binary searches and merge ask for the same few indexes again.
        The memo is a plain dict emptied when full (reads and writes are atomic under the GIL).
        """
        loaded = self._loaded_memo.get(i)
        if loaded is None:
            loaded = self._loaded(i, self._digest(i))
            if len(self._loaded_memo) >= LOADED_MEMO_SIZE:
                self._loaded_memo.clear()
            self._loaded_memo[i] = loaded
        return loaded

    def session_id(self, i: int) -> str:
        return self.codec.encode(self.ordinal, i)

    def key(self, i: int) -> tuple[int, str]:
        """The listing sort key ``(loadedAt, sessionId)``."""
        return self.loaded_ms(i), self.session_id(i)

    def index_range(self, period: Period) -> tuple[int, int]:
        """Indexes ``[lo, hi)`` whose ``loadedAt`` lies in the period: two binary searches."""
        if period.end_ms <= self.spec.start_ms or period.start_ms >= self.spec.end_ms:
            return 0, 0
        indexes = range(self.spec.count)
        lo = bisect.bisect_left(indexes, period.start_ms, key=self.loaded_ms)
        hi = bisect.bisect_left(indexes, period.end_ms, lo=lo, key=self.loaded_ms)
        return lo, hi

    # --- metadata --------------------------------------------------------------------------
    def _meta_picks(self, i: int) -> bytes:
        size = max(1, 2 * len(self._meta_choices))
        return hashlib.blake2b(b"m" + i.to_bytes(8, "big"), key=self._key, digest_size=size).digest()

    def metadata(self, i: int) -> list[dict[str, str]]:
        """The session's ``metadata``: one value per configured key, in the scenario's order."""
        if not self._meta_choices:
            return []
        picks = self._meta_picks(i)
        return [{"key": key, "value": values[int.from_bytes(picks[2 * j:2 * j + 2], "big") % len(values)]}
                for j, (key, values) in enumerate(self.spec.metadata)]

    def matching(self, lo: int, hi: int, wanted: dict[str, str]) -> array:
        """Indexes in ``[lo, hi)`` whose metadata holds every wanted pair (a scan, O(hi - lo))."""
        positions = {key: j for j, (key, _) in enumerate(self.spec.metadata)}
        tests = []
        for key, value in wanted.items():
            j = positions.get(key)
            values = self.spec.metadata[j][1] if j is not None else ()
            if value not in values:
                return array("L")
            tests.append((2 * j, len(values), values.index(value)))
        out = array("L")
        if not tests:
            out.extend(range(lo, hi))
            return out
        for i in range(lo, hi):
            picks = self._meta_picks(i)
            if all(int.from_bytes(picks[b:b + 2], "big") % n == v for b, n, v in tests):
                out.append(i)
        return out

    # --- one session -----------------------------------------------------------------------
    def plan(self, i: int) -> Plan:
        """Draw what the listing shows about session ``i``."""
        return self._plan(i, self._digest(i))

    def _plan(self, i: int, digest: bytes) -> Plan:
        loaded = self._loaded(i, digest)
        rnd = _Random(int.from_bytes(digest[8:24], "big")).random
        lo, hi = self.spec.events
        n_events = lo + int(rnd() * (hi - lo + 1))
        if self.kind == "live":
            watch = 20 + int(rnd() ** 2 * 5400)
        else:
            played = max(1, round(self.duration * rnd() ** 0.5))
            watch = played + int(rnd() * 0.25 * played)
        ready = -(-loaded // 1000) + int(rnd() * 3)
        play = ready + int(rnd() * 4)
        ended = (play + watch) * 1000 + int(rnd() * 15000)
        pools = self.pools
        return Plan(
            loaded_ms=loaded, ready_s=ready, play_s=play, watch_s=watch, ended_ms=ended,
            n_events=n_events,
            location=int(rnd() * len(pools.locations)),
            null_city=rnd() < NULL_CITY_RATE,
            referrer=int(rnd() * len(pools.referrers)),
            platform=int(rnd() * len(pools.platforms)),
        )

    def render(self, i: int) -> dict:
        """Session ``i`` in the vendor's JSON shape (live streams: no metadata, no nulls)."""
        p = self.plan(i)
        live = self.kind == "live"
        country, city = self.pools.locations[p.location]
        ref = self.pools.referrers[p.referrer]
        platform = self.pools.platforms[p.platform]
        session = {"sessionId": self.session_id(i), "loadedAt": iso_ms(p.loaded_ms),
                   "endedAt": iso_ms(p.ended_ms)}
        if not live:
            session["metadata"] = self.metadata(i)
        missing = "unknown" if live else None
        return {
            "session": session,
            "location": {"country": country, "city": missing if p.null_city else city},
            "referrer": {"url": ref.url if ref.url is not None else missing, "medium": ref.medium,
                         "source": ref.source, "searchTerm": ref.search_term},
            "device": dict(zip(("type", "vendor", "model"), platform.device)),
            "os": dict(zip(("name", "shortname", "version"), platform.os)),
            "client": dict(zip(("type", "name", "version"), platform.client)),
        }

    def render_json(self, i: int) -> str:
        """Session ``i`` serialised, from a bounded LRU: pages a client polls again cost no work."""
        with self._rendered_lock:
            text = self._rendered.get(i)
            if text is not None:
                self._rendered.move_to_end(i)
                return text
        text = to_json(self.render(i))
        with self._rendered_lock:
            self._rendered[i] = text
            if len(self._rendered) > RENDER_CACHE_SIZE:
                self._rendered.popitem(last=False)
        return text

    def events(self, i: int) -> list[dict]:
        """The session's player events, ordered by ``emittedAt``, within loadedAt..endedAt."""
        return player_events(self.replay(i)[1])

    def replay(self, i: int) -> tuple[Plan, list[tuple]]:
        """Session ``i``'s plan and its ``player_moves``, without rendering (the listings render
        them: ``events``; the /data/* columns replay a million sessions this way)."""
        digest = self._digest(i)
        p = self._plan(i, digest)
        rnd = _Random(int.from_bytes(digest[24:40], "big")).random
        times = sorted([p.play_s + int(rnd() * (p.watch_s + 1)) for _ in range(max(0, p.n_events - 2))])
        # a live viewer can only move within what was streamed while watching
        duration = max(1, p.watch_s) if self.kind == "live" else self.duration
        return p, player_moves(p.ready_s, p.play_s, times, p.n_events, duration, rnd)


def player_moves(ready: int, play: int, times: list[int], n: int, duration: int, rnd) -> list[tuple]:
    """A plausible player run as ``(type, second, at)`` and ``(type, second, from, to)`` tuples:
    ready, play, then pauses/resumes/seeks, ``end`` at the end.

    Positions advance with the wall clock only while playing and never pass ``duration``;
    after ``end`` the viewer may replay from 0. All positions are integer seconds. The /data/*
    columns (columns.py) read these tuples directly; the listings render them (``player_events``).
    """
    out: list[tuple] = [("ready", ready, 0)]
    if n >= 2:
        out.append(("play", play, 0))
    state, pos, last = "playing", 0, play
    for t in times:
        if state == "playing":
            pos = min(duration, pos + t - last)
        last = t
        r = rnd()
        if state == "playing" and pos >= duration:
            out.append(("end", t, duration))
            state = "ended"
        elif state == "ended":
            out.append(("play", t, 0))
            state, pos = "playing", 0
        elif state == "playing" and r < 0.6:
            out.append(("pause", t, pos))
            state = "paused"
        elif state == "paused" and r < 0.85:
            out.append(("resume", t, pos))
            state = "playing"
        elif pos < duration - 1 and (r < 0.93 or pos == 0):
            to = pos + 1 + int(rnd() * (duration - 1 - pos) * 0.5)
            out.append(("seek.forward", t, pos, to))
            pos = to
        elif pos > 0:
            to = int(rnd() * pos)
            out.append(("seek.backward", t, pos, to))
            pos = to
        else:
            out.append(("pause", t, pos))
            state = "paused"
    return out


def player_events(moves: list[tuple]) -> list[dict]:
    """``player_moves`` in the vendor's JSON shape."""
    out = []
    for move in moves:
        if len(move) == 3:
            out.append({"type": move[0], "emittedAt": iso_ms(move[1] * 1000), "at": move[2]})
        else:
            out.append({"type": move[0], "emittedAt": iso_ms(move[1] * 1000), "from": move[2], "to": move[3]})
    return out
