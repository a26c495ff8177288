"""The /data/* facts of a source's generated sessions, column-wise: no Python object per session.

A source's generated sessions (up to millions) are never objects here: their placements and
shapes (generate.py) become flat numpy columns: per session its ``loadedAt``, impression time,
first playing instant, viewer and dimension codes; per countable thing (start, play, end, view-N,
and the later hours and days each play reaches) a sorted column of instants beside the session it
belongs to; and the playing intervals sorted by start. A window is then two binary searches per
thing, a filter a boolean mask over sessions, a breakdown one pass per value, and the
concurrent-viewer figures of every whole hour are pre-summed once per selection (``Hours``).
Everything is kept in the prepared data's memo (immutable, shared by tenants). Instants of
generated events are whole seconds, so event columns hold int32 seconds from ``origin``;
``loadedAt`` keeps int64 milliseconds. Every number leaving this module is a Python int.

The numbers are those of ``facts.build`` over the same sessions (tests/apivideo/test_data_columns.py).
"""
from __future__ import annotations

import ctypes
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from . import dimensions as dims
from .constants import DAY_MS, LIVE, VIEW_DURATIONS
from .facts import PlayRun, SessionFacts, media_type, referrer_value, view_instants, viewer_key
from .generate import Plan
from .hours import Hours, hours_of
from .models import Prepared, Source
from .player import Ragged

CODED = ("country", "continent", "device_type", "operating_system", "browser", "referrer")
SELECTIONS = 16  # filtered selections kept per source
SELECTION_BYTES = 128 * 1024 * 1024  # ... and the memory they hold, at most (the newest always kept)
INT32_MAX = 2**31 - 1
FACT_RANGES = 8  # session ranges kept as objects per source (a few thousand sessions each)
TOUCH_SLICE = 65_536  # sessions whose events are read at once for the hour / day rule
#: the countable things, each a sorted column of instants: ``into-hour`` / ``into-day`` are a play's
#: first event in every later hour / day it reaches (with ``play``, its first event in every hour /
#: day it touches: the vendor's day-boundary rule for timeseries)
KINDS = ("start", "play", "end", *(f"view{s}" for s in VIEW_DURATIONS), "into-hour", "into-day")


def search(column: np.ndarray, value: int, right: bool = False) -> int:
    """``bisect.bisect_left`` (``bisect_right`` with ``right``) on a sorted column, as an int.

    The value is given in the column's own type: numpy would otherwise convert the whole column
    to int64 for a Python int on every call (a copy of a million values per search).
    """
    if column.dtype == np.int32:  # the only narrow type searched (seconds from origin)
        if value > INT32_MAX:
            return len(column)
        if value < -INT32_MAX - 1:
            return 0
    return int(column.searchsorted(column.dtype.type(value), side="right" if right else "left"))


@dataclass(frozen=True)
class Profile:
    """What a generated session's pool picks mean in /data/* terms (per source: live differs).

    A viewer is what a session carries of user agent and address (facts.viewer_key): pools repeat
    one (a device vendor is not part of it), so a viewer is a class of platforms and a class of
    places (location and whether its city is shown), numbered here once per source.
    """

    codes: dict[str, tuple[np.ndarray, tuple[str, ...]]]  # field -> (uint8 code per pick, names)
    platform_class: np.ndarray  # per platform
    place_class: np.ndarray  # per location * 2 + null city
    platform_parts: tuple[tuple, ...]  # per platform class: device type and model, OS and version, browser and version
    place_parts: tuple[tuple, ...]  # per place class: country, city

    def viewer(self, platform: int, location: int, null_city: bool) -> str:
        return self.viewer_of(int(self.platform_class[platform]), int(self.place_class[location * 2 + null_city]))

    def viewer_of(self, platform_class: int, place_class: int) -> str:
        return viewer_key(*self.platform_parts[platform_class], *self.place_parts[place_class])


def _coded(values: Sequence) -> tuple[np.ndarray, tuple]:
    """A code per value (first seen, first code) and the distinct values."""
    index: dict = {}
    codes = np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)
    return codes, tuple(index)


def profile(source: Source) -> Profile:
    """Code tables of a source's pools: location -> country, continent; platform -> device, OS,
    browser; referrer -> referrer; platform and place -> viewer."""
    gen = source.generated
    assert gen is not None
    pools, live = gen.pools, source.kind == LIVE
    out: dict[str, tuple[np.ndarray, tuple[str, ...]]] = {}
    for name, values in (("country", [dims.country_code(c) for c, _ in pools.locations]),
                         ("device_type", [dims.device_type(p.device[0]) for p in pools.platforms]),
                         ("operating_system", [dims.operating_system(p.os[0]) for p in pools.platforms]),
                         ("browser", [dims.browser(p.client[1]) for p in pools.platforms]),
                         ("referrer", [referrer_value(r.url) for r in pools.referrers])):
        out[name] = _coded(values)
    country_codes, country_names = out["country"]
    out["continent"] = _coded([dims.continent(country_names[c]) for c in country_codes])
    if any(len(names) > 255 for _, names in out.values()):
        raise ValueError("a dimension with more than 255 values cannot be coded in a byte")
    missing = "unknown" if live else None
    platform_class, platform_parts = _coded([(p.device[0], p.device[2], p.os[0], p.os[2], p.client[1], p.client[2])
                                             for p in pools.platforms])
    place_class, place_parts = _coded([(country, missing if null else city) for country, city in pools.locations
                                       for null in (False, True)])
    return Profile({k: (codes.astype(np.uint8), names) for k, (codes, names) in out.items()},
                   platform_class, place_class, platform_parts, place_parts)


# --- one session, replayed -------------------------------------------------------------------
def _derive(moves: Sequence[tuple]) -> tuple[int | None, list[list[int]], list[int], list[tuple[int, int]], int]:
    """``facts._run_events`` in whole seconds: ready, runs (a play and its events), ends, playing."""
    ready: int | None = None
    runs: list[list[int]] = []
    run: list[int] | None = None
    ends: list[int] = []
    playing: list[tuple[int, int]] = []
    since: int | None = None
    for move in moves:
        kind, t = move[0], move[1]
        if kind == "ready":
            if ready is None:
                ready = t
            continue
        if kind == "play":
            if since is not None:
                playing.append((since, t))
            run = [t]
            runs.append(run)
            since = t
            continue
        if run is not None:
            run.append(t)
        if kind == "resume":
            if since is None:
                since = t
        elif kind == "pause" or kind == "end":
            if since is not None:
                playing.append((since, t))
                since = None
            if kind == "end":
                ends.append(t)
    last = moves[-1][1]
    if since is not None:
        playing.append((since, last))
    return ready, runs, ends, [p for p in playing if p[1] > p[0]], last


def _views(playing: Sequence[tuple[int, int]]) -> list[int | None]:
    return view_instants(playing, 1)  # the replay's instants are seconds


def session_facts(source: Source, prof: Profile, i: int) -> SessionFacts:
    """Session ``i``'s facts from a replay: equal to ``facts.build`` over its rendered body."""
    gen = source.generated
    assert gen is not None
    return _facts_of(source, prof, i, gen.plan(i))


def _facts_of(source: Source, prof: Profile, i: int, p: Plan) -> SessionFacts:
    gen = source.generated
    assert gen is not None
    ready, runs, ends, playing, last = _derive(gen.moves(p))
    codes = prof.codes
    pick = {"country": p.location, "continent": p.location, "device_type": p.platform,
            "operating_system": p.platform, "browser": p.platform, "referrer": p.referrer}
    values = {name: codes[name][1][codes[name][0][pick[name]]] for name in CODED}
    viewer = prof.viewer(p.platform, p.location, p.null_city)
    plays = tuple(PlayRun(r[0] * 1000, tuple(t * 1000 for t in r)) for r in runs)
    return SessionFacts(
        session_id=gen.session_id(i), media_id=source.id, media_type=media_type(source.kind),
        tags=frozenset(source.tags), loaded_ms=p.loaded_ms, viewer=viewer,
        impression_ms=None if ready is None else max(0, ready * 1000 - p.loaded_ms),
        start_ms=plays[0].start_ms if plays else None, plays=plays, ends=tuple(t * 1000 for t in ends),
        playing=tuple((a * 1000, b * 1000) for a, b in playing),
        views=tuple(None if v is None else v * 1000 for v in _views(playing)),
        last_ms=max(p.loaded_ms, last * 1000), **values)


# --- parts built once --------------------------------------------------------------------------------
_T = TypeVar("_T")


class Parts:
    """Values computed once per name, each under its own lock: a slow part (the intervals) does not
    hold up another, and two first requests for one part build it once (the second waits)."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, name: str, compute: Callable[[], _T]) -> _T:
        if name in self._values:
            return self._values[name]
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._values:
                self._values[name] = compute()
                _return_free_memory()  # the part's transient arrays
        return self._values[name]

    def nbytes(self) -> int:
        """Bytes of the numpy arrays held (in tuples and dicts of them, and in partitions' parts)."""
        return sum(_nbytes(v) for v in list(self._values.values()))


def _nbytes(value: object) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    if isinstance(value, Cols):
        return value.nbytes()
    if isinstance(value, Hours):
        return value.peak.nbytes + value.first_ms.nbytes + value.played_ms.nbytes
    return 0


# --- the columns of a whole source ----------------------------------------------------------------
def _sorted_pairs(instants: np.ndarray, sessions: np.ndarray, width: int,
                  seconds: type) -> tuple[np.ndarray, np.ndarray]:
    """Instants (seconds from origin, of type ``seconds``) and their sessions, sorted by instant
    then session."""
    keys = np.sort(instants.astype(np.int64) << width | sessions)
    return (keys >> width).astype(seconds), (keys & ((1 << width) - 1)).astype(np.int32)


def _plays(runs: Ragged) -> Ragged:
    """Each shape's plays (the runs' first events) as a ``Ragged`` of their seconds."""
    t, flag = runs.values
    flagged_before = np.concatenate([[0], np.cumsum(flag, dtype=np.int64)])
    return Ragged(flagged_before[runs.ptr], (t[flag],))


def _touches(play: np.ndarray, shapes: np.ndarray, runs: Ragged,
             last: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(seconds, sessions) of the first event of a play in every later hour, and day, it reaches:
    only the sessions whose moves cross an hour are looked at event by event, a slice at a time
    (their events are a few million)."""
    crossing = np.flatnonzero((play + last[shapes]) // 3600 != play // 3600)
    t_rel, flag = runs.values
    found: list[tuple[np.ndarray, ...]] = []
    for lo in range(0, len(crossing), TOUCH_SLICE):
        chosen = crossing[lo:lo + TOUCH_SLICE]
        owner, pos = runs.gather(shapes[chosen])
        t = play[chosen][owner] + t_rel[pos]
        prev = np.concatenate([t[:1], t[:-1]])
        hour = ~flag[pos] & (t // 3600 != prev // 3600)  # a run's first event is its play: never counted
        day = hour & (t // 86400 != prev // 86400)
        who = chosen[owner]
        found.append((t[hour], who[hour], t[day], who[day]))
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return (empty, empty), (empty, empty)
    hour_t, hour_who, day_t, day_who = (np.concatenate(parts) for parts in zip(*found))
    return (hour_t, hour_who), (day_t, day_who)


def _intervals(rel: np.ndarray, shapes: np.ndarray, playing: Ragged, width: int,
               seconds: type) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every session's playing intervals ``(a, b, session)`` sorted by start then session: one sort
    of packed keys (start, session, interval number) where they fit in 63 bits."""
    owner, pos = playing.gather(shapes)
    ia, ib = playing.values
    a = rel[owner] + ia[pos]
    starts = playing.ptr[shapes]
    nth = pos - starts[owner]
    nth_bits = max(1, int(nth.max()).bit_length()) if len(nth) else 1
    if len(a) and int(a.max()).bit_length() + width + nth_bits <= 63:
        keys = np.sort((a << width | owner) << nth_bits | nth)
        who = (keys >> nth_bits) & ((1 << width) - 1)
        at = starts[who] + (keys & ((1 << nth_bits) - 1))
        return (keys >> (width + nth_bits)).astype(seconds), (rel[who] + ib[at]).astype(seconds), who.astype(np.int32)
    order = np.argsort(a << width | owner)
    return a[order].astype(seconds), (rel[owner] + ib[pos])[order].astype(seconds), owner[order].astype(np.int32)


class SourceColumns:
    """Every generated session of one source, column-wise (built once per scenario load)."""

    def __init__(self, source: Source) -> None:
        gen = source.generated
        assert gen is not None
        self.source = source
        self.profile = prof = profile(source)
        origin = self.origin_s = gen.spec.start_ms // 1000 - 1
        n = self.n = len(gen)
        self.width = max(1, n.bit_length())
        shapes = gen.shapes()
        parts = gen.placements_chunked()
        names = ("loaded_ms", "ready_s", "play_s", "shape", "location", "platform", "referrer", "null_city")
        whole = {name: np.concatenate([getattr(p, name) for p in parts]) if parts else np.zeros(0, dtype=np.int64)
                 for name in names}
        del parts
        loaded, ready, play, sh = whole["loaded_ms"], whole["ready_s"], whole["play_s"], whole["shape"]
        location, platform, referrer = whole["location"], whole["platform"], whole["referrer"]
        null_city = whole.pop("null_city").astype(np.int64)
        del whole
        self.loaded = loaded
        self.imp = np.maximum(0, ready * 1000 - loaded).astype(np.int32)  # every generated session is ready
        has_play = shapes.n_events[sh] >= 2
        last = np.where(has_play, play + shapes.last[sh], ready)
        self.max_span_ms = int(np.max(np.maximum(loaded, last * 1000) - loaded)) if n else 0
        # seconds from origin fit 32 bits: the schema caps a generate period at 10 years
        latest = (gen.spec.end_ms + self.max_span_ms) // 1000 - origin + 1
        if latest >= INT32_MAX:
            raise ValueError(f"generated sessions span {latest} s: more than 32-bit seconds hold")
        self.seconds = np.int32
        self._rel = (play - origin).astype(self.seconds)  # seconds from origin of each session's first play
        self._shape_of = sh.astype(np.int32)
        self._has_play = has_play
        self._shapes = shapes
        self._parts = Parts()
        ia, ib = shapes.playing.values
        self.max_len_s = int(np.max(ib - ia)) if len(ia) else 0

        # viewers: a code per (platform class, place class) present, its name made when asked
        places = int(prof.place_class.max()) + 1 if len(prof.place_class) else 1
        key = prof.platform_class[platform] * places + prof.place_class[location * 2 + null_city]
        present = np.flatnonzero(np.bincount(key, minlength=1))
        code_of = np.zeros(int(key.max()) + 1 if n else 1, dtype=np.int32)
        code_of[present] = np.arange(len(present), dtype=np.int32)
        self.viewer = code_of[key]
        self._viewer_keys = [divmod(int(k), places) for k in present]
        self._viewer_names: dict[int, str] = {}
        picks = {"location": location, "platform": platform, "referrer": referrer}
        self.codes: dict[str, np.ndarray] = {}
        for name in CODED:
            column = picks["location" if name in ("country", "continent") else
                           "referrer" if name == "referrer" else "platform"]
            self.codes[name] = prof.codes[name][0][column]
        _return_free_memory()
        self.all = Cols(self, None)
        self._selections: OrderedDict[tuple, Cols] = OrderedDict()
        self._selections_lock = threading.Lock()
        self._facts: OrderedDict[tuple[int, int], list[SessionFacts]] = OrderedDict()
        self._facts_lock = threading.Lock()

    def selection(self, coded: tuple[tuple[str, frozenset[str]], ...]) -> Cols:
        """The sessions whose coded fields hold one of the wanted values: the last SELECTIONS
        kept, within SELECTION_BYTES (each holds only the parts asked of it)."""
        with self._selections_lock:
            if coded in self._selections:
                self._selections.move_to_end(coded)
                return self._selections[coded]
        keep = np.ones(self.n, dtype=bool)
        for name, wanted in coded:
            keep &= self.mask(name, wanted)
        chosen = self.all if keep.all() else Cols(self, keep)
        with self._selections_lock:
            chosen = self._selections.setdefault(coded, chosen)
            # the oldest let go past SELECTIONS, or while they hold more than SELECTION_BYTES (a
            # filter keeping most sessions holds almost a copy of the columns it was asked)
            evicted = False
            while len(self._selections) > 1 and (len(self._selections) > SELECTIONS or sum(
                    c.nbytes() for c in self._selections.values() if c is not self.all) > SELECTION_BYTES):
                self._selections.popitem(last=False)
                evicted = True
        if evicted:
            _return_free_memory()
        return chosen

    def viewer_name(self, code: int) -> str:
        """The viewer's name (facts.viewer_key), to meet other sources' and beacons' viewers."""
        name = self._viewer_names.get(code)
        if name is None:
            name = self._viewer_names[code] = self.profile.viewer_of(*self._viewer_keys[code])
        return name

    def mask(self, field_name: str, wanted: frozenset[str]) -> np.ndarray:
        """True per session whose ``field_name`` value is one of ``wanted``."""
        names = self.profile.codes[field_name][1]
        table = np.array([name in wanted for name in names] + [False], dtype=bool)
        return table[self.codes[field_name]]

    def facts(self, lo: int, hi: int) -> list[SessionFacts]:
        """Sessions ``[lo, hi)`` as objects (replayed): the exact path for what is not pre-summed
        (minute timeseries); the last FACT_RANGES ranges kept, so a client polling it pays once."""
        with self._facts_lock:
            kept = self._facts.get((lo, hi))
            if kept is not None:
                self._facts.move_to_end((lo, hi))
                return kept
        gen = self.source.generated
        assert gen is not None
        made = [_facts_of(self.source, self.profile, lo + k, p) for k, p in enumerate(gen.plans(lo, hi))]
        with self._facts_lock:
            self._facts[(lo, hi)] = made
            while len(self._facts) > FACT_RANGES:
                self._facts.popitem(last=False)
        return made

    def around(self, start_ms: int, end_ms: int) -> tuple[int, int]:
        """Indexes of the sessions that may have something in ``[start_ms, end_ms)``."""
        return search(self.loaded, start_ms - self.max_span_ms), search(self.loaded, end_ms)

    # parts computed at first use (each route's first answer pays only for what it counts) ---------
    def _part(self, name: str, compute: Callable[[], _T]) -> _T:
        return self._parts.get(name, compute)

    def kind(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Sorted instants (seconds from origin) of one countable thing, and their sessions."""
        return self._part(f"kind:{name}", lambda: _sorted_pairs(*self._instants(name), self.width, self.seconds))

    def _instants(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """One countable thing's instants (seconds from origin) and sessions, unsorted."""
        rel, sh, shapes = self._rel.astype(np.int64), self._shape_of.astype(np.int64), self._shapes
        if name == "start":
            return rel[self._has_play], np.flatnonzero(self._has_play)
        if name in ("play", "end"):
            ragged = _plays(shapes.runs) if name == "play" else shapes.ends
            owner, pos = ragged.gather(sh)
            return rel[owner] + ragged.values[0][pos], owner
        if name.startswith("view"):
            offset = shapes.views[sh, VIEW_DURATIONS.index(int(name[4:]))]
            seen = np.flatnonzero(offset >= 0)
            return rel[seen] + offset[seen], seen
        hour, day = self._part("touches", lambda: _touches(rel + self.origin_s, sh, shapes.runs, shapes.last))
        t, who = hour if name == "into-hour" else day
        return t - self.origin_s, who

    @property
    def intervals(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every playing interval ``(a, b, session)``, seconds from origin, sorted by start."""
        return self._part("intervals", lambda: _intervals(self._rel.astype(np.int64), self._shape_of.astype(np.int64),
                                                           self._shapes.playing, self.width, self.seconds))

    @property
    def first_playing(self) -> np.ndarray:
        """Each session's first playing instant (seconds from origin; -1: never played)."""
        def compute() -> np.ndarray:
            shapes, sh = self._shapes, self._shape_of
            first = np.full(self.n, -1, dtype=self.seconds)
            played = np.diff(shapes.playing.ptr)[sh] > 0
            first[played] = self._rel[played] + shapes.playing.values[0][shapes.playing.ptr[sh[played]]]
            return first
        return self._part("first_playing", compute)


# --- a selection of sessions ---------------------------------------------------------------------------
@dataclass
class Cols:
    """Some sessions of a source (all, or those a mask keeps): each column computed at first use."""

    base: SourceColumns
    mask: np.ndarray | None  # True per session kept; None: every session (or, in a partition, made when asked)
    via: tuple[Cols, str, int] | None = None  # (parent, field, code): a partition's part, cut from its parent's
    _parts: Parts = field(default_factory=Parts, repr=False)

    def kept(self, name: str, compute: Callable[[], _T]) -> _T:
        """A value about this selection computed once and kept with its parts (its columns, and
        tally.py's figures of several selections together)."""
        return self._parts.get(name, compute)

    def nbytes(self) -> int:
        """Memory this selection holds beyond the source's columns."""
        return self._parts.nbytes() + (self.mask.nbytes if self.mask is not None else 0)

    @property
    def every(self) -> bool:
        """All the source's sessions (no mask)."""
        return self.mask is None and self.via is None

    @property
    def keep(self) -> np.ndarray | None:
        """True per session kept (None: every session); a partition's value makes its mask when
        first asked (a breakdown's values mostly need only the parts cut from their parent)."""
        if self.mask is None and self.via is not None:
            parent, field_name, code = self.via
            keep = self.base.codes[field_name] == code
            self.mask = keep if parent.keep is None else keep & parent.keep
        return self.mask

    def _select(self, name: str, fetch: Callable[[Cols], tuple]) -> tuple:
        """Part ``name`` (arrays, sessions last) of the kept sessions. A filtered selection keeps
        it (within SELECTION_BYTES); one value of a partition cuts it from its parent's each time
        and keeps only what it derives (hours, counts): a breakdown's values together would
        otherwise hold a copy of every column they were asked, per dimension."""
        if self.via is not None:
            parent, field_name, code = self.via
            columns = fetch(parent)
            return tuple(c[self.base.codes[field_name][columns[-1]] == code] for c in columns)

        def compute() -> tuple:
            assert self.keep is not None
            columns = fetch(self.base.all)
            chosen = self.keep[columns[-1]]
            return tuple(c[chosen] for c in columns)
        return self.kept(name, compute)

    def _between(self, part: Callable[[Cols], tuple], lo_s: int, hi_s: int) -> tuple:
        """The slice of a part (sorted by its first array: seconds from origin) in ``[lo_s, hi_s)``;
        a partition's value cuts its parent's slice (small) instead of the whole part."""
        if self.via is not None:
            parent, field_name, code = self.via
            columns = parent._between(part, lo_s, hi_s)
            return tuple(c[self.base.codes[field_name][columns[-1]] == code] for c in columns)
        columns = part(self)
        lo, hi = search(columns[0], lo_s), search(columns[0], hi_s)
        return tuple(c[lo:hi] for c in columns)

    def partition(self, field_name: str) -> dict[str, Cols]:
        """This selection per value of a dimension (``media_id``... or a coded field)."""
        source = self.base.source
        if field_name == "media_id":
            return {source.id: self}
        if field_name == "media_type":
            return {media_type(source.kind): self}

        def compute() -> dict[str, Cols]:
            codes, names = self.base.codes[field_name], self.base.profile.codes[field_name][1]
            counted = np.bincount(codes if self.keep is None else codes[self.keep], minlength=len(names))
            return {names[code]: Cols(self.base, None, via=(self, field_name, int(code)))
                    for code in np.flatnonzero(counted)}
        return self.kept(f"partition:{field_name}", compute)

    # sessions, by loadedAt -------------------------------------------------------------------
    def members(self) -> np.ndarray:
        """Indexes of the sessions kept, ascending (so by ``loadedAt``)."""
        def compute() -> np.ndarray:
            assert self.keep is not None
            return np.flatnonzero(self.keep)
        return self.kept("members", compute)

    def loaded(self) -> np.ndarray:
        if self.every:
            return self.base.loaded
        return self.kept("loaded", lambda: self.base.loaded[self.members()])

    def impressions(self) -> tuple[np.ndarray, np.ndarray]:
        """Running sums of impression time and of sessions that were ready, in ``loadedAt`` order."""
        def compute() -> tuple[np.ndarray, np.ndarray]:
            imp = self.base.imp if self.every else self.base.imp[self.members()]
            return (np.concatenate([[0], np.cumsum(np.maximum(0, imp), dtype=np.int64)]),
                    np.concatenate([[0], np.cumsum(imp >= 0, dtype=np.int32)]))
        return self.kept("impressions", compute)

    def first_playing(self) -> np.ndarray:
        """Sorted first playing instants (seconds from origin) of the sessions that played."""
        def compute() -> np.ndarray:
            column = self.base.first_playing
            values = column if self.every else column[self.members()]
            return np.sort(values[values >= 0])
        return self.kept("first_playing", compute)

    # countable things -------------------------------------------------------------------------------
    def kind(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Sorted instants (seconds from origin) of one countable thing, and their sessions."""
        if self.every:
            return self.base.kind(name)
        return self._select(name, lambda c: c.kind(name))

    def intervals(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.every:
            return self.base.intervals
        return self._select("intervals", lambda c: c.intervals())

    def segments(self, start_ms: int, end_ms: int, named: bool = False) -> list[tuple[int, int, object]]:
        """The playing intervals clipped to ``[start_ms, end_ms)``, with their viewer (its name
        when ``named``: to meet other sources' and beacons' viewers)."""
        base = self.base
        origin = base.origin_s
        a, b, sessions = self._between(lambda c: c.intervals(), start_ms // 1000 - origin - base.max_len_s,
                                       -(-end_ms // 1000) - origin)
        live = b > start_ms // 1000 - origin
        starts = (a[live].astype(np.int64) + origin) * 1000
        stops = (b[live].astype(np.int64) + origin) * 1000
        who = base.viewer[sessions[live]].tolist()
        if named:
            who = [base.viewer_name(w) for w in who]
        return list(zip(np.maximum(starts, start_ms).tolist(), np.minimum(stops, end_ms).tolist(), who))

    def hours(self, unique: bool) -> Hours:
        """``Hours`` of this selection, computed once (``unique``: each viewer's intervals merged);
        a breakdown's values all at once, from one grouping of their parent's intervals."""
        if self.via is not None:
            parent, field_name, code = self.via
            return parent._value_hours(field_name, unique).get(code) or _hours_from(self.base, (), unique)
        return self.kept(f"hours{unique}", lambda: _hours_from(self.base, self.intervals(), unique))

    def _value_hours(self, field_name: str, unique: bool) -> dict[int, Hours]:
        """``Hours`` of each value of a coded dimension among these sessions: the intervals grouped
        by value with one stable sort of their codes (a byte), each value's a slice still by start."""
        def compute() -> dict[int, Hours]:
            a, b, sessions = self.intervals()
            codes = self.base.codes[field_name][sessions]
            order = np.argsort(codes, kind="stable")
            a, b, sessions = a[order], b[order], sessions[order]  # each value's intervals a slice
            bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=256))]).tolist()
            return {code: _hours_from(self.base, (a[bounds[code]:bounds[code + 1]], b[bounds[code]:bounds[code + 1]],
                                                  sessions[bounds[code]:bounds[code + 1]]), unique)
                    for code in range(256) if bounds[code + 1] > bounds[code]}
        return self.kept(f"value-hours:{field_name}:{unique}", compute)

    def straddling(self, bin_ms: int, start_ms: int, end_ms: int) -> tuple[int, int]:
        """(earliest event, count) in ``[start_ms, end_ms)`` of the plays with an event in
        ``[bin_ms, start_ms)`` too (a window's first, partial interval counts them at their first
        event inside): the runs of the sessions under way at ``start_ms``, read as arrays."""
        base = self.base
        lo, hi = base.around(start_ms, start_ms)
        chosen = np.arange(lo, hi, dtype=np.int64)
        if self.keep is not None:
            chosen = chosen[self.keep[lo:hi]]
        runs = base._shapes.runs
        owner, pos = runs.gather(base._shape_of[chosen].astype(np.int64))
        if not len(pos):
            return -1, 0
        t_rel, flag = runs.values
        t = (base._rel[chosen].astype(np.int64)[owner] + base.origin_s + t_rel[pos]) * 1000
        began = flag[pos]  # each session's events begin with its first play: runs never span two
        run = np.cumsum(began) - 1
        before = np.bincount(run, weights=(t >= bin_ms) & (t < start_ms)) > 0
        inside = np.where((t >= start_ms) & (t < end_ms), t, np.iinfo(np.int64).max)
        first_inside = np.minimum.reduceat(inside, np.flatnonzero(began))
        counted = before & (first_inside < np.iinfo(np.int64).max)
        return (int(first_inside[counted].min()), int(counted.sum())) if counted.any() else (-1, 0)

    def viewers(self, kind: str, start_ms: int, end_ms: int) -> set[int]:
        """Viewer codes with a ``kind`` (a view) in ``[start_ms, end_ms)``."""
        origin = self.base.origin_s
        _, sessions = self._between(lambda c: c.kind(kind), -(-start_ms // 1000) - origin, -(-end_ms // 1000) - origin)
        return set(np.unique(self.base.viewer[sessions]).tolist())

    def day_viewer_count(self, kind: str, day_ms: int) -> int:
        """How many viewers had a ``kind`` in that whole UTC day (kept: an int per day asked)."""
        return self.kept(f"viewers:{kind}:{day_ms}", lambda: len(self.viewers(kind, day_ms, day_ms + DAY_MS)))


def _hours_from(base: SourceColumns, intervals: Sequence[np.ndarray], unique: bool) -> Hours:
    """``hours_of`` some intervals ``(a, b, sessions)`` of a source (none: empty figures)."""
    if not intervals:
        empty = np.zeros(0, dtype=np.int64)
        return hours_of(empty, empty, base.origin_s, base.max_len_s, empty if unique else None)
    a, b, sessions = intervals
    return hours_of(a.astype(np.int64), b.astype(np.int64), base.origin_s, base.max_len_s,
                    base.viewer[sessions].astype(np.int64) if unique else None)


def _return_free_memory() -> None:
    """Give the C heap's free pages back to the system after a build (glibc's ``malloc_trim``).

    The build's transient arrays are freed, but glibc may keep small ones mapped below the
    columns allocated after them. Elsewhere (no glibc) nothing happens.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError, TypeError):  # musl has no malloc_trim
        pass


class _Slot:
    """A memo entry built once under its own lock (two first requests do not both build)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: SourceColumns | None = None


def columns(prepared: Prepared, source: Source) -> SourceColumns:
    """A source's columns, built at first use and kept in the prepared data's memo."""
    slot: _Slot = prepared.columns_memo.setdefault(source.ordinal, _Slot())
    with slot.lock:
        if slot.value is None:
            slot.value = SourceColumns(source)
        return slot.value
