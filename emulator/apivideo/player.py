"""A player run relative to its first ``play``, simulated for many runs at once (numpy).

generate.py gives every source up to 32,768 runs ("shapes"); this module turns their draws into
moves and into what /data/* counts of them, one vectorised step per event slot for all runs, so a
source's whole catalogue costs a fraction of a second. A run's result depends only on its own draws:
simulated alone (a listing's one session) or with all the others, it is the same.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import VIEW_DURATIONS

# the player's move types, as the shapes store them (0: no move in that slot)
MOVES = (None, "ready", "play", "pause", "resume", "end", "seek.forward", "seek.backward")
READY, PLAY, PAUSE, RESUME, END, FORWARD, BACKWARD = range(1, 8)
# a move's decision, of 65536: while playing pause below PAUSE_BELOW, while paused resume below
# RESUME_BELOW, else seek forward below SEEK_BELOW (or at position 0), backward otherwise
PAUSE_BELOW, RESUME_BELOW, SEEK_BELOW = 39_322, 55_706, 60_949


@dataclass(frozen=True)
class Ragged:
    """One list per shape, flattened: shape ``j``'s values are ``values[ptr[j]:ptr[j + 1]]``."""

    ptr: np.ndarray  # int64, one more than the shapes
    values: tuple[np.ndarray, ...]

    def of(self, j: int) -> list[tuple[int, ...]]:
        lo, hi = int(self.ptr[j]), int(self.ptr[j + 1])
        return list(zip(*(v[lo:hi].tolist() for v in self.values)))

    def gather(self, shapes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For sessions of these shapes: each listed value's session (position in ``shapes``) and
        its position in ``values`` (sessions in order, each one's values in order). 32-bit where
        they fit: half the memory to touch, for millions of values."""
        starts = self.ptr[shapes]
        counts = self.ptr[shapes + 1] - starts
        first = np.cumsum(counts) - counts
        total = int(first[-1] + counts[-1]) if len(first) else 0
        kind = np.int32 if max(total, len(shapes), int(self.ptr[-1])) < 2 ** 31 else np.int64
        owner = np.repeat(np.arange(len(shapes), dtype=kind), counts)
        pos = np.arange(total, dtype=kind)
        pos -= (first - starts).astype(kind)[owner]
        return owner, pos


def _ragged(owner: np.ndarray, count: int, *values: np.ndarray) -> Ragged:
    """Values listed with their owner shape (in each owner's order) as a ``Ragged``."""
    order = np.argsort(owner, kind="stable")
    ptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=count), out=ptr[1:])
    return Ragged(ptr, tuple(v[order] for v in values))


@dataclass(frozen=True)
class Shapes:
    """Every player run of a source, relative to its first ``play`` (seconds).

    ``moves``: the moves after that play (type, second, at or from, to or -1); and what /data/*
    counts of them: ``runs`` (each play, the first at 0, and every event until the next play, with
    a flag on the play), ``ends``, ``playing`` intervals ``[a, b)``, ``views`` (the second the
    watch time reached each of 3, 5, 10 and 30 s, or -1) and ``last`` (the last move's second).
    """

    n_events: np.ndarray
    watch: np.ndarray
    moves: Ragged
    runs: Ragged
    ends: Ragged
    playing: Ragged
    views: np.ndarray  # (shapes, 4)
    last: np.ndarray

    def __len__(self) -> int:
        return len(self.n_events)


def bits32(words: np.ndarray, high: bool) -> np.ndarray:
    """The high or low 32 bits of raw 64-bit words, as int64 (a draw of 2**32 values)."""
    return (words >> np.uint64(32) if high else words & np.uint64(0xFFFFFFFF)).astype(np.int64)


def bits16(words: np.ndarray, k: int) -> np.ndarray:
    """Bits ``16k`` to ``16k + 15`` of raw 64-bit words, as int64 (a draw of 65,536 values)."""
    return ((words >> np.uint64(16 * k)) & np.uint64(0xFFFF)).astype(np.int64)


def heads(words: np.ndarray, lo: int, hi: int, duration: int, live: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events per session, watch time and the positions' bound of shapes, from their two header
    words alone (what a listing shows of a session needs no simulation)."""
    n_events = lo + ((bits32(words[:, 0], False) * (hi - lo + 1)) >> 32)
    u1 = bits32(words[:, 0], True).astype(np.float64) / 2.0 ** 32
    u2 = bits32(words[:, 1], False).astype(np.float64) / 2.0 ** 32
    if live:
        watch = 20 + (u1 * u1 * 5400).astype(np.int64)
        dur = np.maximum(1, watch)  # a live viewer can only move within what was streamed while watching
    else:
        played = np.maximum(1, np.rint(duration * np.sqrt(u1)).astype(np.int64))
        watch = played + (u2 * 0.25 * played).astype(np.int64)
        dur = np.full(len(words), duration, dtype=np.int64)
    return n_events, watch, dur


def simulate(words: np.ndarray, lo: int, hi: int, duration: int, live: bool) -> Shapes:
    """Shapes from their draws (``words``: one row per shape, two header words then one per event
    slot): a vectorised run of the player, one step per event slot for every shape at once.

    The player: after ``play``, moves at sorted random seconds of the watch time; positions advance
    with the wall clock only while playing and never pass the duration; at the duration ``end``,
    after ``end`` a replay from 0; else pause / resume / seek by the move's decision.
    """
    count, slots = words.shape[0], words.shape[1] - 2
    n_events, watch, dur = heads(words, lo, hi, duration, live)
    middle = np.maximum(0, n_events - 2)
    slot = words[:, 2:]
    times = (bits32(slot, False) * (watch + 1)[:, None]) >> 32
    times[np.arange(slots)[None, :] >= middle[:, None]] = 1 << 40  # unused slots sort last
    times.sort(axis=1)
    decision, fraction = bits16(slot, 2), bits16(slot, 3)

    # shapes with the most moves first: step k works on the prefix still moving (no masks)
    order = np.argsort((slots - middle).astype(np.int16), kind="stable")  # a radix sort
    moving = np.searchsorted(-middle[order], -np.arange(slots), side="left")  # shapes with > k moves
    t_all, r_all, f_all = (np.ascontiguousarray(x[order].T) for x in (times, decision, fraction))
    d_all = dur[order]
    kind = np.zeros((slots, count), dtype=np.int8)
    at = np.zeros((slots, count), dtype=np.int64)
    to = np.full((slots, count), -1, dtype=np.int64)
    state = np.zeros(count, dtype=np.int8)  # 0 playing, 1 paused, 2 ended
    pos = np.zeros(count, dtype=np.int64)
    last = np.zeros(count, dtype=np.int64)
    since = np.where(n_events[order] >= 2, 0, -1)  # playing since that second (-1: not playing)
    closed: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (shape, a, b) of playing intervals
    for k in range(slots):
        m = int(moving[k]) if k < len(moving) else 0
        if m == 0:
            break
        t, r, f, d = t_all[k, :m], r_all[k, :m], f_all[k, :m], d_all[:m]
        st, p, was = state[:m], pos[:m], since[:m]
        playing = st == 0
        p = np.where(playing, np.minimum(d, p + t - last[:m]), p)
        last[:m] = t
        to_end = playing & (p >= d)
        replay = st == 2
        pause = playing & ~to_end & (r < PAUSE_BELOW)
        resume = (st == 1) & (r < RESUME_BELOW)
        rest = ~(to_end | replay | pause | resume)
        forward = rest & (p < d - 1) & ((r < SEEK_BELOW) | (p == 0))
        backward = rest & ~forward & (p > 0)
        pause |= rest & ~forward & ~backward
        seek = forward | backward
        kind[k, :m] = (END * to_end + PLAY * replay + PAUSE * pause + RESUME * resume + FORWARD * forward
                       + BACKWARD * backward)
        at[k, :m] = np.where(to_end, d, np.where(replay, 0, p))
        seek_to = np.where(forward, p + 1 + ((f * (d - 1 - p)) >> 17), (f * p) >> 16)
        to[k, :m] = np.where(seek, seek_to, -1)
        pos[:m] = np.where(replay, 0, np.where(seek, seek_to, p))
        state[:m] = np.where(to_end, 2, np.where(pause, 1, np.where(replay | resume, 0, st)))
        stops = (to_end | pause | replay) & (was >= 0)
        closed.append((order[:m][stops], was[stops], t[stops]))
        since[:m] = np.where(replay, t, np.where(to_end | pause, -1, np.where(resume & (was < 0), t, was)))
    still = np.flatnonzero(since >= 0)
    closed.append((order[still], since[still], last[still]))
    # back to shape order, one row per shape
    kind, at, to = (np.ascontiguousarray(x.T) for x in (kind, at, to))
    unsorted = np.empty_like(order)
    unsorted[order] = np.arange(count)
    kind, at, to, last = kind[unsorted], at[unsorted], to[unsorted], last[unsorted]

    shape_of, a, b = (np.concatenate(parts) for parts in zip(*closed))
    keep = b > a
    playing_intervals = _ragged(shape_of[keep], count, a[keep], b[keep])
    rows, cols = np.nonzero(kind)  # row-major: each shape's moves in time order
    moves = Ragged(_counts_ptr(rows, count), (kind[rows, cols], times[rows, cols], at[rows, cols], to[rows, cols]))
    # runs: the first play (at second 0) and every move, each flagged when it begins a run
    has_play = np.flatnonzero(n_events >= 2)
    run_rows = np.concatenate([has_play, rows])
    run_t = np.concatenate([np.zeros(len(has_play), dtype=np.int64), times[rows, cols]])
    run_flag = np.concatenate([np.ones(len(has_play), dtype=bool), kind[rows, cols] == PLAY])
    ends = np.flatnonzero(moves.values[0] == END)
    return Shapes(n_events=n_events, watch=watch, moves=_narrow(moves),
                  runs=_narrow(_ragged(run_rows, count, run_t, run_flag)),
                  ends=_narrow(_ragged(rows[ends], count, moves.values[1][ends])),
                  playing=_narrow(playing_intervals), views=_views(playing_intervals, count), last=last)


def _narrow(ragged: Ragged) -> Ragged:
    """A shape table kept in 32 bits (seconds and positions of one run fit): half the memory."""
    return Ragged(ragged.ptr, tuple(v.astype(np.int32) if v.dtype == np.int64 else v for v in ragged.values))


def _counts_ptr(rows: np.ndarray, count: int) -> np.ndarray:
    ptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=count), out=ptr[1:])
    return ptr


def _views(playing: Ragged, count: int) -> np.ndarray:
    """The second each shape's watch time reached 3, 5, 10 and 30 s (-1: never)."""
    a, b = playing.values
    length = b - a
    total = np.cumsum(length)
    owner = np.repeat(np.arange(count, dtype=np.int64), np.diff(playing.ptr))
    before = total - length - np.concatenate([[0], total])[playing.ptr[:-1]][owner]  # played before each
    out = np.full((count, len(VIEW_DURATIONS)), -1, dtype=np.int64)
    for k, need in enumerate(VIEW_DURATIONS):
        reached = (before < need) & (before + length >= need)
        out[owner[reached], k] = a[reached] + need - before[reached]
    return out
