"""The /data/* facts of a source's generated sessions, column-wise: no Python object per session.

A source with a million generated sessions is replayed once (``GeneratedSessions.replay``: the
generator's own draws, nothing rendered) into flat ``array`` columns: per session its ``loadedAt``,
impression time, first playing instant and dimension codes; per countable thing (start, play,
end, view-N, and the later hours and days each play reaches) a sorted column of instants beside the
session it belongs to; and the playing intervals sorted by start. A window is then two binary
searches per thing, a filter a mask over sessions (``bytes.translate``), and the concurrent-viewer
figures of every whole hour are pre-summed once per selection (``Hours``). Everything is kept in
the prepared data's memo (immutable, shared by tenants). Instants of generated events are whole
seconds, so event columns hold seconds from ``origin`` (4 bytes); ``loadedAt`` keeps milliseconds.

The numbers are those of ``facts.build`` over the same sessions (tests/apivideo/test_data_columns.py).
"""
from __future__ import annotations

import bisect
import ctypes
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress

import numpy as np

from . import dimensions as dims
from .constants import DAY_MS, LIVE
from .facts import VIEW_DURATIONS, PlayRun, SessionFacts, media_type, referrer_value, view_instants, viewer_key
from .generate import Ragged
from .hours import Hours, hours_of
from .models import Prepared, Source

CODED = ("country", "continent", "device_type", "operating_system", "browser", "referrer")
SELECTIONS = 16  # filtered selections kept per source
#: the countable things, each a sorted column of instants: ``into-hour`` / ``into-day`` are a play's
#: first event in every later hour / day it reaches (with ``play``, its first event in every hour /
#: day it touches: the vendor's day-boundary rule for timeseries)
KINDS = ("start", "play", "end", *(f"view{s}" for s in VIEW_DURATIONS), "into-hour", "into-day")


@dataclass(frozen=True)
class Profile:
    """What a generated session's pool picks mean in /data/* terms (per source: live differs)."""

    codes: dict[str, tuple[bytes, tuple[str, ...]]]  # field -> (code per pick, names)
    viewers: Callable[[int], str]


def _coder() -> tuple[list[str], Callable[[str], int]]:
    names: list[str] = []
    index: dict[str, int] = {}

    def code(name: str) -> int:
        if name not in index:
            index[name] = len(names)
            names.append(name)
        return index[name]
    return names, code


def profile(source: Source) -> Profile:
    """Code tables of a source's pools: location -> country, continent; platform -> device, OS,
    browser; referrer -> referrer; (platform, location, null city) -> viewer."""
    gen = source.generated
    assert gen is not None
    pools, live = gen.pools, source.kind == LIVE
    out: dict[str, tuple[bytes, tuple[str, ...]]] = {}
    for name, values in (("country", [dims.country_code(c) for c, _ in pools.locations]),
                         ("device_type", [dims.device_type(p.device[0]) for p in pools.platforms]),
                         ("operating_system", [dims.operating_system(p.os[0]) for p in pools.platforms]),
                         ("browser", [dims.browser(p.client[1]) for p in pools.platforms]),
                         ("referrer", [referrer_value(r.url) for r in pools.referrers])):
        names, code = _coder()
        out[name] = (bytes(code(v) for v in values), tuple(names))
    names, code = _coder()
    country_names = out["country"][1]
    out["continent"] = (bytes(code(dims.continent(country_names[c])) for c in out["country"][0]), tuple(names))
    missing = "unknown" if live else None

    def viewer(key: int) -> str:
        rest, null_city = divmod(key, 2)
        platform, location = divmod(rest, len(pools.locations))
        p, (country, city) = pools.platforms[platform], pools.locations[location]
        return viewer_key(p.device[0], p.device[2], p.os[0], p.os[2], p.client[1], p.client[2], country,
                          missing if null_city else city)
    if any(len(names) > 255 for _, names in out.values()):
        raise ValueError("a dimension with more than 255 values cannot be coded in a byte")
    return Profile(out, viewer)


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
    p, moves = gen.replay(i)
    ready, runs, ends, playing, last = _derive(moves)
    codes = prof.codes
    pick = {"country": p.location, "continent": p.location, "device_type": p.platform,
            "operating_system": p.platform, "browser": p.platform, "referrer": p.referrer}
    values = {name: codes[name][1][codes[name][0][pick[name]]] for name in CODED}
    viewer = prof.viewers((p.platform * len(gen.pools.locations) + p.location) * 2 + p.null_city)
    plays = tuple(PlayRun(r[0] * 1000, tuple(t * 1000 for t in r)) for r in runs)
    return SessionFacts(
        session_id=gen.session_id(i), media_id=source.id, media_type=media_type(source.kind),
        tags=frozenset(source.tags), loaded_ms=p.loaded_ms, viewer=viewer,
        impression_ms=None if ready is None else max(0, ready * 1000 - p.loaded_ms),
        start_ms=plays[0].start_ms if plays else None, plays=plays, ends=tuple(t * 1000 for t in ends),
        playing=tuple((a * 1000, b * 1000) for a, b in playing),
        views=tuple(None if v is None else v * 1000 for v in _views(playing)),
        last_ms=max(p.loaded_ms, last * 1000), **values)


# --- the columns of a whole source ----------------------------------------------------------------
def _to_array(typecode: str, values: np.ndarray) -> array:
    """A numpy column as an ``array`` of that type (one C-level copy)."""
    out = array(typecode)
    out.frombytes(values.astype(np.dtype(typecode)).tobytes())
    return out


def _sorted_pairs(instants: np.ndarray, sessions: np.ndarray, width: int) -> tuple[array, array]:
    """Instants (seconds from origin) and their sessions, sorted by instant then session."""
    keys = np.sort(instants.astype(np.int64) << width | sessions)
    return _to_array("i", keys >> width), _to_array("I", keys & ((1 << width) - 1))


def _plays(runs: Ragged) -> Ragged:
    """Each shape's plays (the runs' first events) as a ``Ragged`` of their seconds."""
    t, flag = runs.values
    flagged_before = np.concatenate([[0], np.cumsum(flag, dtype=np.int64)])
    return Ragged(flagged_before[runs.ptr], (t[flag],))


def _touches(play: np.ndarray, sessions: np.ndarray, shapes: np.ndarray, runs: Ragged,
             last: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(seconds, sessions) of the first event of a play in every later hour, and day, it reaches:
    only the sessions whose moves cross an hour are looked at event by event."""
    crossing = np.flatnonzero((play + last[shapes]) // 3600 != play // 3600)
    owner, pos = runs.gather(shapes[crossing])
    t_rel, flag = runs.values
    t = play[crossing][owner] + t_rel[pos]
    prev = np.concatenate([t[:1], t[:-1]])
    hour = ~flag[pos] & (t // 3600 != prev // 3600)  # a run's first event is its play: never counted
    day = hour & (t // 86400 != prev // 86400)
    who = sessions[crossing][owner]
    return (t[hour], who[hour]), (t[day], who[day])


class SourceColumns:
    """Every generated session of one source, column-wise (built once per scenario load)."""

    def __init__(self, source: Source) -> None:
        gen = source.generated
        assert gen is not None
        self.source = source
        self.profile = profile(source)
        origin = self.origin_s = gen.spec.start_ms // 1000 - 1
        n = self.n = len(gen)
        width = self.width = max(1, n.bit_length())
        shapes = gen.shapes()
        parts = gen.placements_chunked()

        def joined(name: str) -> np.ndarray:
            return np.concatenate([getattr(p, name) for p in parts])
        loaded, ready, play, sh = joined("loaded_ms"), joined("ready_s"), joined("play_s"), joined("shape")
        location, platform, referrer = joined("location"), joined("platform"), joined("referrer")
        null_city = joined("null_city")
        del parts
        index = np.arange(n, dtype=np.int64)
        self.loaded = _to_array("q", loaded)
        self.imp = _to_array("i", np.maximum(0, ready * 1000 - loaded))  # every session is ready
        has_play = shapes.n_events[sh] >= 2
        last = np.where(has_play, play + shapes.last[sh], ready)
        self.max_span_ms = int(np.max(np.maximum(loaded, last * 1000) - loaded)) if n else 0
        rel = play - origin  # seconds from origin of each session's first play

        kinds: dict[str, tuple[np.ndarray, np.ndarray]] = {"start": (rel[has_play], index[has_play])}
        for name, ragged in (("play", _plays(shapes.runs)), ("end", shapes.ends)):
            owner, pos = ragged.gather(sh)
            kinds[name] = (rel[owner] + ragged.values[0][pos], owner)
        for k, seconds in enumerate(VIEW_DURATIONS):
            offset = shapes.views[sh, k]
            seen = offset >= 0
            kinds[f"view{seconds}"] = (rel[seen] + offset[seen], index[seen])
        hour, day = _touches(play, index, sh, shapes.runs, shapes.last)
        kinds["into-hour"] = (hour[0] - origin, hour[1])
        kinds["into-day"] = (day[0] - origin, day[1])
        self.kinds = {name: _sorted_pairs(*kinds[name], width) for name in KINDS}
        del kinds

        # playing intervals by start (then session)
        owner, pos = shapes.playing.gather(sh)
        ia, ib = shapes.playing.values
        starts = rel[owner] + ia[pos]
        order = np.argsort(starts << width | owner)
        self.intervals = (_to_array("i", starts[order]), _to_array("i", (rel[owner] + ib[pos])[order]),
                          _to_array("I", owner[order]))
        self.max_len_s = int(np.max(ib - ia)) if len(ia) else 0
        first = np.full(n, -1, dtype=np.int64)
        counts = np.diff(shapes.playing.ptr)[sh]
        played = counts > 0
        first[played] = rel[played] + ia[shapes.playing.ptr[sh[played]]]
        self.first_playing = _to_array("i", first)
        del owner, pos, starts, order

        # pools repeat a viewer (a device vendor is not part of it): one code per viewer name
        keys = (platform * len(gen.pools.locations) + location) * 2 + null_city
        present, inverse = np.unique(keys, return_inverse=True)
        names_seen: dict[str, int] = {}
        code_of_key = np.array([names_seen.setdefault(self.profile.viewers(int(k)), len(names_seen))
                                for k in present], dtype=np.int64)
        self.viewer = _to_array("I", code_of_key[inverse])
        self.viewer_names = tuple(names_seen)
        picks = {"location": location, "platform": platform, "referrer": referrer}
        self.codes: dict[str, bytes] = {}
        for name in CODED:
            column = picks["location" if name in ("country", "continent") else
                           "referrer" if name == "referrer" else "platform"]
            table = np.frombuffer(self.profile.codes[name][0], dtype=np.uint8)
            self.codes[name] = table[column].tobytes()
        _return_free_memory()
        self.all = Cols(self, None)
        self._selections: OrderedDict[tuple, Cols] = OrderedDict()
        self._selections_lock = threading.Lock()

    def selection(self, coded: tuple[tuple[str, frozenset[str]], ...]) -> Cols:
        """The sessions whose coded fields hold one of the wanted values: the last SELECTIONS
        kept (each holds only the parts asked of it, at most the size of ``all``)."""
        with self._selections_lock:
            if coded in self._selections:
                self._selections.move_to_end(coded)
                return self._selections[coded]
        keep = and_masks([self.mask(name, wanted) for name, wanted in coded], self.n)
        chosen = self.all if keep.count(0) == 0 else Cols(self, keep)
        with self._selections_lock:
            chosen = self._selections.setdefault(coded, chosen)
            while len(self._selections) > SELECTIONS:
                self._selections.popitem(last=False)
        return chosen

    def viewer_name(self, code: int) -> str:
        return self.viewer_names[code]

    def mask(self, field_name: str, wanted: frozenset[str]) -> bytes:
        """1 per session whose ``field_name`` value is one of ``wanted``."""
        names = self.profile.codes[field_name][1]
        table = bytes(1 if name in wanted else 0 for name in names).ljust(256, b"\0")
        return self.codes[field_name].translate(table)

    def facts(self, lo: int, hi: int) -> list[SessionFacts]:
        """Sessions ``[lo, hi)`` as objects (replayed): the exact path for a window's edges."""
        return [session_facts(self.source, self.profile, i) for i in range(lo, hi)]

    def around(self, start_ms: int, end_ms: int) -> tuple[int, int]:
        """Indexes of the sessions that may have something in ``[start_ms, end_ms)``."""
        return (bisect.bisect_left(self.loaded, start_ms - self.max_span_ms),
                bisect.bisect_left(self.loaded, end_ms))


def and_masks(masks: Sequence[bytes], n: int) -> bytes:
    """The sessions kept by every mask (each 0 / 1 per session)."""
    value = int.from_bytes(masks[0], "little")
    for m in masks[1:]:
        value &= int.from_bytes(m, "little")
    return value.to_bytes(n, "little")


# --- a selection of sessions ---------------------------------------------------------------------------
@dataclass
class Cols:
    """Some sessions of a source (all, or those a mask keeps): each column computed at first use."""

    base: SourceColumns
    mask: bytes | None  # 1 per session kept; None: every session (or, in a partition, made when asked)
    _parts: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _part(self, name: str, compute: Callable[[], object]) -> object:
        with self._lock:
            if name in self._parts:
                return self._parts[name]
        value = compute()
        _return_free_memory()  # once per part: its transient lists freed
        with self._lock:
            return self._parts.setdefault(name, value)

    via: tuple[Cols, str, int] | None = None  # (parent, field, code): a partition's part, cut from its parent's

    @property
    def every(self) -> bool:
        """All the source's sessions (no mask)."""
        return self.mask is None and self.via is None

    @property
    def keep(self) -> bytes | None:
        """1 per session kept (None: every session); a partition's value makes its mask when first
        asked (a breakdown's values mostly need only the parts cut from their parent)."""
        if self.mask is None and self.via is not None:
            parent, field_name, code = self.via
            keep = self.base.codes[field_name].translate(bytes(1 if v == code else 0 for v in range(256)))
            self.mask = keep if parent.keep is None else and_masks((parent.keep, keep), self.base.n)
        return self.mask

    def _select(self, name: str, fetch: Callable[[Cols], tuple]) -> tuple:
        """Part ``name`` (arrays, sessions last) of the kept sessions, from the parent's when this is
        one value of a partition (one C-level pass per value over the parent's session codes)."""
        def compute() -> tuple:
            if self.via is not None:
                parent, field_name, code = self.via
                columns = fetch(parent)
                codes = parent._part(f"codes:{field_name}:{name}", lambda: bytes(
                    map(self.base.codes[field_name].__getitem__, columns[-1])))
                chosen = codes.translate(bytes(1 if v == code else 0 for v in range(256)))  # type: ignore[union-attr]
            else:
                assert self.keep is not None
                columns = fetch(self.base.all)
                chosen = bytes(map(self.keep.__getitem__, columns[-1]))
            return tuple(array(c.typecode, compress(c, chosen)) for c in columns)
        return self._part(name, compute)  # type: ignore[return-value]

    def partition(self, field_name: str) -> dict[str, Cols]:
        """This selection per value of a dimension (``media_id``... or a coded field)."""
        source = self.base.source
        if field_name == "media_id":
            return {source.id: self}
        if field_name == "media_type":
            return {media_type(source.kind): self}

        def compute() -> dict[str, Cols]:
            codes, names = self.base.codes[field_name], self.base.profile.codes[field_name][1]
            present = sorted(set(codes if self.keep is None else compress(codes, self.keep)))
            out = {}
            for code in present:
                out[names[code]] = Cols(self.base, None, via=(self, field_name, code))
            return out
        return self._part(f"partition:{field_name}", compute)  # type: ignore[return-value]

    # sessions, by loadedAt -------------------------------------------------------------------
    def members(self) -> array:
        """Indexes of the sessions kept, ascending (so by ``loadedAt``)."""
        def compute() -> array:
            assert self.keep is not None
            return array("I", compress(range(self.base.n), self.keep))
        return self._part("members", compute)  # type: ignore[return-value]

    def loaded(self) -> array:
        if self.every:
            return self.base.loaded
        return self._part("loaded", lambda: array("q", map(self.base.loaded.__getitem__, self.members())))

    def impressions(self) -> tuple[array, array]:
        """Running sums of impression time and of sessions that were ready, in ``loadedAt`` order."""
        def compute() -> tuple[array, array]:
            imp = self.base.imp if self.every else map(self.base.imp.__getitem__, self.members())
            values = list(imp)
            return (array("q", accumulate((max(0, v) for v in values), initial=0)),
                    array("q", accumulate((v >= 0 for v in values), initial=0)))
        return self._part("impressions", compute)  # type: ignore[return-value]

    def first_playing(self) -> array:
        """Sorted first playing instants (seconds from origin) of the sessions that played."""
        def compute() -> array:
            column = self.base.first_playing
            values = column if self.every else map(column.__getitem__, self.members())
            return array("i", sorted(v for v in values if v >= 0))
        return self._part("first_playing", compute)  # type: ignore[return-value]

    # countable things -------------------------------------------------------------------------------
    def kind(self, name: str) -> tuple[array, array]:
        """Sorted instants (seconds from origin) of one countable thing, and their sessions."""
        if self.every:
            return self.base.kinds[name]
        return self._select(name, lambda c: c.kind(name))  # type: ignore[return-value]

    def intervals(self) -> tuple[array, array, array]:
        if self.every:
            return self.base.intervals
        return self._select("intervals", lambda c: c.intervals())  # type: ignore[return-value]

    def segments(self, start_ms: int, end_ms: int, named: bool = False) -> list[tuple[int, int, object]]:
        """The playing intervals clipped to ``[start_ms, end_ms)``, with their viewer (its name
        when ``named``: to meet other sources' and beacons' viewers)."""
        a, b, sessions = self.intervals()
        base = self.base
        origin = base.origin_s
        lo = bisect.bisect_left(a, start_ms // 1000 - origin - base.max_len_s)
        hi = bisect.bisect_left(a, -(-end_ms // 1000) - origin)
        floor = start_ms // 1000 - origin
        viewer = base.viewer
        out = []
        for j in range(lo, hi):
            y = b[j]
            if y > floor:
                who = viewer[sessions[j]]
                out.append((max((a[j] + origin) * 1000, start_ms), min((y + origin) * 1000, end_ms),
                            base.viewer_name(who) if named else who))
        return out

    def hours(self, unique: bool) -> Hours:
        """``Hours`` of this selection, computed once (``unique``: each viewer's intervals merged)."""
        def compute() -> Hours:
            a, b, sessions = self.intervals()
            base = self.base
            viewers = np.asarray(base.viewer, np.int64)[np.asarray(sessions, np.intp)] if unique else None
            return hours_of(np.asarray(a, np.int64), np.asarray(b, np.int64), base.origin_s, base.max_len_s, viewers)
        return self._part(f"hours{unique}", compute)  # type: ignore[return-value]

    def viewers(self, kind: str, start_ms: int, end_ms: int) -> set[int]:
        """Viewer codes with a ``kind`` (a view) in ``[start_ms, end_ms)``."""
        instants, sessions = self.kind(kind)
        origin = self.base.origin_s
        lo = bisect.bisect_left(instants, -(-start_ms // 1000) - origin)
        hi = bisect.bisect_left(instants, -(-end_ms // 1000) - origin)
        return set(map(self.base.viewer.__getitem__, sessions[lo:hi]))

    def day_viewer_count(self, kind: str, day_ms: int) -> int:
        """How many viewers had a ``kind`` in that whole UTC day (kept: an int per day asked)."""
        return self._part(f"viewers:{kind}:{day_ms}", lambda: len(self.viewers(kind, day_ms, day_ms + DAY_MS)))  # type: ignore[return-value]


def _return_free_memory() -> None:
    """Give the C heap's free pages back to the system after a build (glibc's ``malloc_trim``).

    The replay's transient buffers (sorted lists) are freed, but glibc
    keeps them mapped below the columns allocated after them: about as much again as the columns
    stay resident otherwise. Elsewhere (no glibc) nothing happens.
    """
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):
        pass


class _Slot:
    """A memo entry built once under its own lock (two first requests do not both build)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: SourceColumns | None = None


def columns(prepared: Prepared, source: Source) -> SourceColumns:
    """A source's columns, built at first use and kept in the prepared data's memo."""
    slot: _Slot = prepared.facts_memo.get(("columns", source.ordinal), _Slot)
    with slot.lock:
        if slot.value is None:
            slot.value = SourceColumns(source)
        return slot.value
