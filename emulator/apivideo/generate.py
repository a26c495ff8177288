"""Generated sessions, derived on demand from (seed, source, index) and never stored.

A generated session is a *placement* and a *shape*. The placement is what is its own: ``loadedAt``
(session ``i`` of ``n`` loads in slot ``i`` of ``n`` equal slots over ``[start, end)``, at a seeded
offset inside it, so ``loadedAt`` is strictly increasing in ``i`` and a period is a binary search
over indexes), the delays to ``ready`` and ``play``, the slack before ``endedAt``, location,
referrer, platform, and which shape it plays. The shape is the player run after the first
``play``, relative to it: watch time, number of events, pauses, seeks, ends and replays. A source
has one shape per session up to ``SHAPES`` sessions; above, sessions draw one of ``SHAPES``.

Why two parts: the /data/* columns need a million sessions' facts in well under a second, which
no per-session Python loop gives. Shapes are simulated all at once (one vectorised step per event
slot, numpy) and a million placements are a handful of array operations; the listings render one
session from the same arrays, so a session listed and a session counted are one session.

Randomness is numpy's Philox, a counter-based generator: the draws of session ``i`` are words
``[i * W, (i + 1) * W)`` of its source's stream, so one session or a million are drawn alike. Only
the raw 64-bit words are used (NumPy keeps a bit generator's stream fixed across releases; its
distribution methods are not), turned into numbers by integer arithmetic, and the few float
operations are IEEE-exact (products, a square root): the same seed gives the same sessions on
every machine and numpy 2.x.
"""
from __future__ import annotations

import bisect
import hashlib
import threading
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .ids import SessionIdCodec
from .period import Period
from .player import MOVES, Shapes, bits16, bits32, heads, simulate
from .pools import Pools
from .render import to_json
from .timefmt import iso_ms

NULL_CITY = 3932  # of 65536: a city unknown in about 6 % of video sessions
LIVE_STREAM_SECONDS = 4 * 3600
SHAPES = 32_768  # player runs of a source at most (sessions above that share them)
SHAPE_SLOTS = 2_000_000  # event slots simulated at once at most (shapes x events per session)
PLACEMENT_WORDS = 4  # Philox words per session placement (one counter step)
CHUNK = 262_144  # placements drawn per Philox call in bulk

RENDER_CACHE_SIZE = 4096  # serialised sessions kept per video (about 2 KB each)
LOADED_MEMO_SIZE = 65_536  # loadedAt values kept per video (a few MB at most)

# Philox streams of a source (the counter's highest word): never overlapping
PLACEMENTS, METADATA, SHAPE_DRAWS = 0, 1, 2


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
    """What the listing shows about one session: its placement, and its shape's size."""

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
    shape: int


@dataclass(frozen=True)
class Placements:
    """The placements of sessions ``[lo, hi)``, one array each (seconds are epoch seconds)."""

    loaded_ms: np.ndarray  # int64
    ready_s: np.ndarray  # int64
    play_s: np.ndarray  # int64
    ended_extra_ms: np.ndarray  # int64: endedAt is (play + watch) s plus this
    location: np.ndarray  # int64 index into the pools
    null_city: np.ndarray  # bool
    referrer: np.ndarray  # int64
    platform: np.ndarray  # int64
    shape: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.loaded_ms)


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
        self._philox_key = np.frombuffer(self._key[:16], dtype="<u8").astype(np.uint64)
        self._span = spec.end_ms - spec.start_ms
        self._meta_choices = [values for _, values in spec.metadata]
        self._meta_words = 4 * -(-len(self._meta_choices) // 4)
        self.duration = spec.duration or self._default_duration()
        lo, hi = spec.events
        self._slots = max(0, hi - 2)
        self.shape_count = min(spec.count, SHAPES, max(1024, SHAPE_SLOTS // max(1, self._slots)))
        self._shape_words = 4 * -(-(2 + self._slots) // 4)
        self._shapes: Shapes | None = None
        self._shapes_lock = threading.Lock()
        self._shape_memo: dict[int, list[tuple[int, ...]]] = {}
        self._head_table: tuple[np.ndarray, np.ndarray] | None = None
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

    # --- draws -------------------------------------------------------------------------------
    def _words(self, stream: int, first: int, count: int) -> np.ndarray:
        """``count`` raw words of a stream from word ``first`` (a multiple of 4: one counter step)."""
        bits = np.random.Philox(key=self._philox_key, counter=(first // 4) | (stream << 192))
        return bits.random_raw(count)

    def placements(self, lo: int, hi: int) -> Placements:
        """Placements of sessions ``[lo, hi)``: a few array operations for any number."""
        words = self._words(PLACEMENTS, lo * PLACEMENT_WORDS, (hi - lo) * PLACEMENT_WORDS).reshape(-1, 4)
        count = self.spec.count
        index = np.arange(lo, hi, dtype=np.int64)
        loaded = self._loaded(lo, hi, words[:, 0])
        ready = -(-loaded // 1000) + ((bits16(words[:, 1], 0) * 3) >> 16)
        pools = self.pools
        if count > self.shape_count:
            shape = (bits32(words[:, 3], True) * self.shape_count) >> 32
        else:
            shape = index
        return Placements(
            loaded_ms=loaded, ready_s=ready, play_s=ready + ((bits16(words[:, 1], 1) * 4) >> 16),
            ended_extra_ms=(bits16(words[:, 1], 2) * 15000) >> 16,
            location=(bits16(words[:, 1], 3) * len(pools.locations)) >> 16,
            null_city=bits16(words[:, 2], 0) < NULL_CITY,
            referrer=(bits16(words[:, 2], 1) * len(pools.referrers)) >> 16,
            platform=(bits16(words[:, 2], 2) * len(pools.platforms)) >> 16, shape=shape)

    def _loaded(self, lo: int, hi: int, first_words: np.ndarray) -> np.ndarray:
        """``loadedAt`` of sessions ``[lo, hi)``: slot ``i`` of ``count`` over the period, at the
        offset its first word picks. Slot bounds are ``start + i * span // count``, computed as
        ``i * q + i * r // count`` (``span = q * count + r``) so that no product passes 2**63."""
        start, count, span = self.spec.start_ms, self.spec.count, self._span
        index = np.arange(lo, hi + 1, dtype=np.int64)
        q, r = divmod(span, count)
        bounds = start + index * q + (index * r) // count
        width = (bounds[1:] - bounds[:-1]).astype(np.uint64)
        return bounds[:-1] + (first_words % width).astype(np.int64)

    def placements_chunked(self) -> list[Placements]:
        """Every session's placement, ``CHUNK`` sessions at a time (bounded transient memory)."""
        n = self.spec.count
        return [self.placements(lo, min(n, lo + CHUNK)) for lo in range(0, n, CHUNK)]

    def _shape_words_of(self, shapes: np.ndarray) -> np.ndarray:
        """The draws of these shapes (one row each): one read for a run of consecutive shapes."""
        w = self._shape_words
        if len(shapes) and int(shapes[-1]) - int(shapes[0]) + 1 == len(shapes):
            first = int(shapes[0])
            rows = self._words(SHAPE_DRAWS, first * w, len(shapes) * w).reshape(len(shapes), w)
        else:
            rows = np.stack([self._words(SHAPE_DRAWS, int(j) * w, w) for j in shapes]) if len(shapes) else \
                np.zeros((0, w), dtype=np.uint64)
        return rows[:, :2 + self._slots]

    def shapes(self) -> Shapes:
        """The source's shapes, simulated once at first use (one vectorised pass, all of them)."""
        with self._shapes_lock:
            if self._shapes is None:
                lo, hi = self.spec.events
                words = self._shape_words_of(np.arange(self.shape_count, dtype=np.int64))
                self._shapes = simulate(words, lo, hi, self.duration, self.kind == "live")
            return self._shapes

    def _heads(self, shapes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(events per session, watch time) of these shapes, from a table of every shape's header
        words (a listing page needs no simulation; the table is a few ms and 16 bytes a shape)."""
        with self._shapes_lock:
            if self._head_table is None:
                built = self._shapes
                if built is not None:
                    self._head_table = built.n_events, built.watch
                else:
                    lo, hi = self.spec.events
                    words = self._shape_words_of(np.arange(self.shape_count, dtype=np.int64))
                    n_events, watch, _ = heads(words, lo, hi, self.duration, self.kind == "live")
                    self._head_table = n_events, watch
            n_events, watch = self._head_table
        return n_events[shapes], watch[shapes]

    def _moves_of(self, shape: int) -> list[tuple[int, ...]]:
        """One shape's moves: from the catalogue once built, else that shape simulated alone (its
        row is the same either way: a shape's run depends on its own draws only)."""
        built = self._shapes
        if built is None:
            moves = self._shape_memo.get(shape)  # a dict read: atomic under the GIL
            if moves is not None:
                return moves
            lo, hi = self.spec.events
            one = simulate(self._shape_words_of(np.array([shape])), lo, hi, self.duration, self.kind == "live")
            moves = one.moves.of(0)
            if len(self._shape_memo) >= RENDER_CACHE_SIZE:  # emptied when full, like the loadedAt memo
                self._shape_memo.clear()
            self._shape_memo[shape] = moves
            return moves
        return built.moves.of(shape)

    # --- ordering --------------------------------------------------------------------------
    def loaded_ms(self, i: int) -> int:
        """``loadedAt`` of session ``i`` in epoch ms (strictly increasing in ``i``).

        Memoised: every listing's binary searches and merge ask for the same few indexes again.
        The memo is a plain dict emptied when full (reads and writes are atomic under the GIL).
        """
        loaded = self._loaded_memo.get(i)
        if loaded is None:
            loaded = int(self._loaded(i, i + 1, self._words(PLACEMENTS, i * PLACEMENT_WORDS, 1))[0])
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
    def _meta_picks(self, i: int) -> list[int]:
        return self._meta_block(i, i + 1)[0].tolist()

    def _meta_block(self, lo: int, hi: int) -> np.ndarray:
        """Value index per session of ``[lo, hi)`` and metadata key (one row per session)."""
        w = self._meta_words
        words = self._words(METADATA, lo * w, (hi - lo) * w).reshape(hi - lo, w)
        sizes = np.array([len(v) for v in self._meta_choices], dtype=np.int64)
        return (bits32(words[:, :len(sizes)], True) * sizes) >> 32

    def metadata(self, i: int) -> list[dict[str, str]]:
        """The session's ``metadata``: one value per configured key, in the scenario's order."""
        return self._metadata_of(self._meta_picks(i) if self._meta_choices else [])

    def _metadata_of(self, picks: Sequence[int]) -> list[dict[str, str]]:
        return [{"key": key, "value": values[picks[j]]} for j, (key, values) in enumerate(self.spec.metadata)]

    def matching(self, lo: int, hi: int, wanted: dict[str, str]) -> Sequence[int]:
        """Indexes in ``[lo, hi)`` whose metadata holds every wanted pair (array operations over
        the range, ``CHUNK`` sessions at a time), as Python ints."""
        positions = {key: j for j, (key, _) in enumerate(self.spec.metadata)}
        tests = []
        for key, value in wanted.items():
            j = positions.get(key)
            values = self.spec.metadata[j][1] if j is not None else ()
            if value not in values:
                return array("q")
            tests.append((j, values.index(value)))
        if not tests:
            return range(lo, hi)
        found = array("q")
        for start in range(lo, hi, CHUNK):
            end = min(hi, start + CHUNK)
            picks = self._meta_block(start, end)
            keep = np.ones(end - start, dtype=bool)
            for j, v in tests:
                keep &= picks[:, j] == v
            found.frombytes((start + np.flatnonzero(keep)).astype(np.int64).tobytes())
        return found

    # --- one session -----------------------------------------------------------------------
    def plan(self, i: int) -> Plan:
        """What the listing shows about session ``i``."""
        return self.plans(i, i + 1)[0]

    def plans(self, lo: int, hi: int) -> list[Plan]:
        """The plans of sessions ``[lo, hi)`` (one draw for the range)."""
        p = self.placements(lo, hi)
        n_events, watch_s = self._heads(p.shape)
        shape, watch, events = p.shape.tolist(), watch_s.tolist(), n_events.tolist()
        play = p.play_s.tolist()
        extra = p.ended_extra_ms.tolist()
        return [Plan(loaded_ms=loaded, ready_s=ready, play_s=play[k], watch_s=watch[k],
                     ended_ms=(play[k] + watch[k]) * 1000 + extra[k], n_events=events[k], location=location,
                     null_city=null, referrer=referrer, platform=platform, shape=shape[k])
                for k, (loaded, ready, location, null, referrer, platform) in enumerate(zip(
                    p.loaded_ms.tolist(), p.ready_s.tolist(), p.location.tolist(), p.null_city.tolist(),
                    p.referrer.tolist(), p.platform.tolist()))]

    def render(self, i: int) -> dict:
        """Session ``i`` in the vendor's JSON shape (live streams: no metadata, no nulls)."""
        return self._render(i, self.plan(i), self.metadata(i))

    def _render(self, i: int, p: Plan, metadata: list[dict[str, str]]) -> dict:
        live = self.kind == "live"
        country, city = self.pools.locations[p.location]
        ref = self.pools.referrers[p.referrer]
        platform = self.pools.platforms[p.platform]
        session: dict[str, Any] = {"sessionId": self.session_id(i), "loadedAt": iso_ms(p.loaded_ms),
                                   "endedAt": iso_ms(p.ended_ms)}
        if not live:
            session["metadata"] = metadata
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

    def render_json_many(self, indexes: Sequence[int]) -> list[str]:
        """Sessions serialised (a listing page), from a bounded LRU (pages a client polls again
        cost no work); those not in it drawn a run of consecutive indexes at a time (one draw of
        placements and metadata for the run, not one per session)."""
        found: dict[int, str] = {}
        with self._rendered_lock:
            for i in indexes:
                text = self._rendered.get(i)
                if text is not None:
                    self._rendered.move_to_end(i)
                    found[i] = text
        missing = sorted({i for i in indexes if i not in found})
        for lo, hi in _runs(missing):
            picks = self._meta_block(lo, hi).tolist() if self._meta_choices else [[]] * (hi - lo)
            for k, p in enumerate(self.plans(lo, hi)):
                found[lo + k] = to_json(self._render(lo + k, p, self._metadata_of(picks[k])))
        with self._rendered_lock:
            for i in missing:
                self._rendered[i] = found[i]
            while len(self._rendered) > RENDER_CACHE_SIZE:
                self._rendered.popitem(last=False)
        return [found[i] for i in indexes]

    def events(self, i: int) -> list[dict]:
        """The session's player events, ordered by ``emittedAt``, within loadedAt..endedAt."""
        return player_events(self.replay(i)[1])

    def replay(self, i: int) -> tuple[Plan, list[tuple]]:
        """Session ``i``'s plan and its moves (``moves``)."""
        p = self.plan(i)
        return p, self.moves(p)

    def moves(self, p: Plan) -> list[tuple]:
        """A session's moves as ``(type, second, at)`` / ``(type, second, from, to)`` tuples: ready,
        play, then its shape's moves at its play second."""
        out: list[tuple] = [("ready", p.ready_s, 0)]
        if p.n_events >= 2:
            out.append(("play", p.play_s, 0))
        for kind, dt, at, to in self._moves_of(p.shape):
            second = p.play_s + dt
            out.append((MOVES[kind], second, at) if to < 0 else (MOVES[kind], second, at, to))
        return out


def _runs(indexes: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted distinct indexes as ``[lo, hi)`` runs of consecutive ones."""
    out: list[tuple[int, int]] = []
    for i in indexes:
        if out and out[-1][1] == i:
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return out


def player_events(moves: list[tuple]) -> list[dict]:
    """Moves in the vendor's JSON shape."""
    out = []
    for move in moves:
        if len(move) == 3:
            out.append({"type": move[0], "emittedAt": iso_ms(move[1] * 1000), "at": move[2]})
        else:
            out.append({"type": move[0], "emittedAt": iso_ms(move[1] * 1000), "from": move[2], "to": move[3]})
    return out
