"""Fault rules: which requests they match, when they fire, and what they do.

A rule matches on vendor, method, path glob, parameters and headers. The kinds of the shared
machinery (``status``, ``latency`` and the transport kinds) apply to every vendor; a vendor may
declare kinds of its own (``Vendor.fault_kinds``): :class:`RuleSchema` builds the rule schema of
one app from its vendors' declarations, and a vendor's own kind only ever fires on that vendor's
routes (a rule naming another vendor is refused when it is added). Among the rules that match,
the first (in the order added) that *fires* wins; a rule that matches but declines (still inside
``after``, lost its probability draw) passes the request on to the next rule.
"""

from __future__ import annotations

import difflib
import fnmatch
import itertools
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator

from .clock import format_instant, parse_instant
from .scenario import _format_path, _message  # one way of wording schema errors

ANY_API = "any"
DEFAULT_HANG_MAX_MS = 30_000
DEFAULT_MAX_RULES = 1_000

_HEADER_VALUE = {"type": "string", "pattern": "^[\\x20-\\x7e\\x80-\\xff\\t]*$",
                 "x-expected": "a header value: Latin-1 text without line breaks"}


@dataclass(frozen=True)
class FaultKind:
    """What an action of one kind carries: its fields (JSON Schema per field) and which are required."""

    fields: Mapping[str, dict] = field(default_factory=dict)
    required: tuple[str, ...] = ()


#: the kinds every vendor answers (the vendors add their own through Vendor.fault_kinds)
SHARED_KINDS: Mapping[str, FaultKind] = {
    "status": FaultKind({"status": {"type": "integer", "minimum": 100, "maximum": 599},
                         "body": {"type": "string"},
                         "headers": {"type": "object",
                                     "propertyNames": {"pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},
                                     "additionalProperties": _HEADER_VALUE},
                         "content_type": _HEADER_VALUE}, ("status",)),
    "latency": FaultKind({"ms": {"type": "number", "minimum": 0, "maximum": 600_000},
                          "jitter_ms": {"type": "number", "minimum": 0, "maximum": 600_000}}, ("ms",)),
    "reset": FaultKind(),
    "empty": FaultKind(),
    "truncate": FaultKind({"bytes": {"type": "integer", "minimum": 0},
                           "fraction": {"type": "number", "minimum": 0, "maximum": 1}}),
    "slow_body": FaultKind({"bytes_per_second": {"type": "number", "exclusiveMinimum": 0}}, ("bytes_per_second",)),
    "hang": FaultKind({"ms": {"type": "number", "minimum": 0}}, ("ms",)),
}
#: a kind a vendor may declare for its own "too many requests" answer (both emulated vendors do)
RATE_LIMIT = FaultKind({"retry_after": {"type": "integer", "minimum": 0}})
#: the keys of a rule document (what an exported rule carries besides its counters)
RULE_KEYS = ("id", "match", "action", "times", "after", "probability", "until")


def rule_document_schema(apis: Sequence[str], kinds: Mapping[str, FaultKind]) -> dict:
    """The JSON Schema (draft 2020-12) of a rule for these vendor names and kinds."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["action"],
        "properties": {
            "id": {"type": "string", "minLength": 1, "maxLength": 128},
            "match": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "api": {"enum": list(apis)},
                    "method": {"type": "string", "pattern": "^[A-Za-z]+$",
                               "x-expected": "an HTTP method such as GET"},
                    "path": {"type": "string", "minLength": 1, "x-expected": "a path glob such as /analytics/videos/*"},
                    "params": {"type": "object", "additionalProperties": {"type": "string"}},
                    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
            "action": {
                "type": "object",
                "required": ["kind"],
                "properties": {"kind": {"enum": list(kinds)}},
                "allOf": [
                    {"if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
                     "then": {"properties": {"kind": {}, **kind.fields}, "additionalProperties": False,
                              **({"required": list(kind.required)} if kind.required else {})}}
                    for name, kind in kinds.items()
                ],
            },
            "times": {"type": "integer", "minimum": 1,
                      "x-expected": "a count of 1 or more (leave times out to fire on every match)"},
            "after": {"type": "integer", "minimum": 0, "x-expected": "a count of 0 or more"},
            "probability": {"type": "number", "minimum": 0, "maximum": 1, "x-expected": "a number from 0 to 1"},
            "until": {"type": "string", "x-expected": "an ISO-8601 instant"},
        },
    }


class FaultError(ValueError):
    """A rule that cannot be used; the message names the field and the value."""


def _glob_problem(pattern: str) -> str | None:
    depth = 0
    for ch in pattern:
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
    return "unbalanced '[' in the glob" if depth else None


def _path_problem(pattern: str) -> str | None:
    """A path glob that can never match a request path: say how to write it instead."""
    if not pattern.startswith(("/", "*")):
        return f"a path starts with '/': write '/{pattern}'"
    if "?" in pattern and "=" in pattern.partition("?")[2]:  # a lone ? is a glob wildcard
        path, _, query = pattern.partition("?")
        return (f"the path never contains the query string: write path {path!r} and put the parameters in "
                f"match.params (such as {{\"{query.partition('=')[0] or 'name'}\": \"...\"}})")
    return None


@dataclass
class FaultRule:
    """One rule and its counters."""

    id: str
    action: dict[str, Any]
    match: dict[str, Any] = field(default_factory=dict)
    times: int | None = None
    after: int = 0
    probability: float = 1.0
    until: datetime | None = None
    seen: int = 0
    fired: int = 0
    notes: list[str] = field(default_factory=list)
    origin: str = "api"
    #: the vendors whose routes the rule may fire on (a vendor's own kind: that vendor's); None = any
    apis: tuple[str, ...] | None = None

    @property
    def kind(self) -> str:
        return self.action["kind"]

    def spent(self, now: datetime) -> bool:
        return (self.times is not None and self.fired >= self.times) or (self.until is not None and now >= self.until)

    def matches(self, api: str, method: str, path: str, params: Mapping[str, Any], headers: Mapping[str, str]) -> bool:
        m = self.match
        if self.apis is not None and api not in self.apis:
            return False
        if "method" in m and m["method"].upper() != method:
            return False
        if "path" in m and not fnmatch.fnmatchcase(path, m["path"]):
            return False
        for key, value in m.get("params", {}).items():
            if str(params.get(key)) != value and not fnmatch.fnmatchcase(str(params.get(key, "")), value):
                return False
        for key, value in m.get("headers", {}).items():
            got = headers.get(key)
            if got is None or not fnmatch.fnmatchcase(got, value):
                return False
        return True

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "match": self.match, "action": self.action,
                                "after": self.after, "probability": self.probability,
                                "seen": self.seen, "fired": self.fired, "origin": self.origin}
        if self.times is not None:
            data["times"] = self.times
        if self.until is not None:
            data["until"] = format_instant(self.until)
        if now is not None:
            data["spent"] = self.spent(now)
        if self.notes:
            data["notes"] = list(self.notes)
        return data


class RuleSchema:
    """The fault rules one app accepts: the shared kinds and its vendors' own, for its vendors' names.

    ``vendor_kinds`` maps each vendor name (a value of ``match.api``) to the kinds it declares
    (``Vendor.fault_kinds``). Two vendors may declare the same kind (both answer ``rate_limit``),
    with the same fields.
    """

    def __init__(self, vendor_kinds: Mapping[str, Mapping[str, FaultKind]] | None = None) -> None:
        vendor_kinds = dict(vendor_kinds or {})
        kinds: dict[str, FaultKind] = dict(SHARED_KINDS)
        owners: dict[str, tuple[str, ...]] = {}
        for vendor, declared in vendor_kinds.items():
            for name, kind in declared.items():
                if name in SHARED_KINDS or (name in owners and kinds[name] != kind):
                    raise ValueError(f"vendor {vendor!r} declares fault kind {name!r}, which is "
                                     f"{'a shared kind' if name in SHARED_KINDS else 'declared otherwise already'}")
                kinds[name] = kind
                owners[name] = (*owners.get(name, ()), vendor)
        self.apis: tuple[str, ...] = (*vendor_kinds, ANY_API)
        self.kinds: Mapping[str, FaultKind] = kinds
        #: vendor kind -> the vendors that answer it
        self.owners: Mapping[str, tuple[str, ...]] = owners
        self.document = rule_document_schema(self.apis, kinds)
        self._validator = Draft202012Validator(self.document)
        self._action_keys = sorted({"kind", *(key for kind in kinds.values() for key in kind.fields)})

    def kinds_of(self, api: str) -> list[str]:
        """The kinds a rule for ``api`` may use."""
        return [name for name in self.kinds if name not in self.owners or api in self.owners[name]]

    def parse(self, data: Any, *, generated_id: str, hang_max_ms: float = DEFAULT_HANG_MAX_MS,
              origin: str = "api") -> FaultRule:
        """Validate a rule document and build the rule; FaultError names what is wrong."""
        if not isinstance(data, dict):
            raise FaultError(f"a fault rule is a JSON object, got {type(data).__name__}")
        self._check_action_keys(data.get("action"))
        errors = sorted(self._validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            path, message = _message(errors[0])
            raise FaultError(f"{_format_path(path) or 'rule'}: {message}")
        match = dict(data.get("match", {}))
        if "path" in match and (problem := _glob_problem(match["path"]) or _path_problem(match["path"])):
            raise FaultError(f"match.path: {problem}, got {match['path']!r}")
        if "method" in match:
            match["method"] = match["method"].upper()
        action = dict(data["action"])
        apis = self._apis(match.get("api", ANY_API), action["kind"])
        notes = _limit_durations(action, hang_max_ms)
        until = None
        if "until" in data:
            try:
                until = parse_instant(data["until"])
            except ValueError as exc:
                raise FaultError(f"until: {exc}") from None
        return FaultRule(id=data.get("id") or generated_id, action=action, match=match, times=data.get("times"),
                         after=data.get("after", 0), probability=float(data.get("probability", 1.0)), until=until,
                         notes=notes, origin=origin, apis=apis)

    def _apis(self, api: str, kind: str) -> tuple[str, ...] | None:
        """Where a rule may fire: a vendor's own kind only on its vendors' routes, refused for another."""
        owners = self.owners.get(kind)
        if owners is None:
            return None if api == ANY_API else (api,)
        if api == ANY_API:
            return owners
        if api not in owners:
            raise FaultError(f"action.kind: kind {kind!r} does not apply to {api} routes (it is a fault kind of "
                             f"{', '.join(owners)}; {api} answers {', '.join(self.kinds_of(api))})")
        return (api,)

    def _check_action_keys(self, action: Any) -> None:
        """A key no kind knows (``stauts``) is named first: "'kind' is required" would hide the typo."""
        if not isinstance(action, dict):
            return
        for key in action:
            if key not in self._action_keys:
                hint = difflib.get_close_matches(key, self._action_keys, n=1)
                suffix = f"did you mean '{hint[0]}'?" if hint else f"the action keys: {', '.join(self._action_keys)}"
                raise FaultError(f"action.{key}: unknown key '{key}' ({suffix})")
        if "kind" not in action:
            raise FaultError(f"action.kind is required: one of {', '.join(self.kinds)} (status=... alone implies "
                             f"kind 'status' in the Python client)")

    def check_rules(self, rules: list) -> list[tuple[tuple, str]]:
        """Scenario check: every rule parses and ids are unique; (path, message) per problem."""
        problems = []
        ids: set[str] = set()
        for index, rule in enumerate(rules):
            try:
                parsed = self.parse(rule, generated_id=f"fault-{index + 1}", origin="scenario")
            except FaultError as exc:
                problems.append(((index,), str(exc)))
                continue
            if parsed.id in ids:
                problems.append(((index,), f"id: a rule with id {parsed.id!r} exists already"))
            ids.add(parsed.id)
        return problems


def parse_rule(data: Any, *, generated_id: str, hang_max_ms: float = DEFAULT_HANG_MAX_MS, origin: str = "api",
               schema: RuleSchema | None = None) -> FaultRule:
    """:meth:`RuleSchema.parse` with ``schema`` (default: the shared kinds only, any vendor name refused)."""
    return (schema or RuleSchema()).parse(data, generated_id=generated_id, hang_max_ms=hang_max_ms, origin=origin)


def _limit_durations(action: dict[str, Any], max_ms: float) -> list[str]:
    """Refuse a number that is not finite (NaN, Infinity); clamp hang and latency to ``max_ms``.

    ``slow_body`` is clamped where it runs (its length depends on the answer): the server raises
    the rate so the whole body takes at most ``max_ms``.
    """
    for name, value in action.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise FaultError(f"action.{name}: expected a finite number, got {value!r}")
    notes = []
    kind = action["kind"]
    if kind in ("hang", "latency") and action["ms"] > max_ms:
        notes.append(f"{kind} ms {action['ms']:g} clamped to the server maximum {max_ms:g} (--hang-max-ms)")
        action["ms"] = max_ms
    if kind == "latency" and action["ms"] + action.get("jitter_ms", 0) > max_ms:
        notes.append(f"latency jitter_ms {action['jitter_ms']:g} clamped so ms + jitter_ms <= {max_ms:g}")
        action["jitter_ms"] = max_ms - action["ms"]
    return notes


class FaultBook:
    """A tenant's rules, in the order added, and the counter that names rules without an id."""

    def __init__(self, hang_max_ms: float = DEFAULT_HANG_MAX_MS, max_rules: int = DEFAULT_MAX_RULES,
                 schema: RuleSchema | None = None):
        self.schema = schema or RuleSchema()
        self.hang_max_ms = hang_max_ms
        self.max_rules = max_rules
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, data: Any, origin: str = "api") -> FaultRule:
        with self._lock:
            rule = self.schema.parse(data, generated_id=f"fault-{next(self._ids)}", hang_max_ms=self.hang_max_ms,
                                     origin=origin)
            if any(r.id == rule.id for r in self._rules):
                raise FaultError(f"id: a rule with id {rule.id!r} exists already")
            if len(self._rules) >= self.max_rules:
                raise FaultError(f"this tenant holds {self.max_rules:,} rules already, the most it may (the "
                                 f"max_fault_rules setting, serve --max-fault-rules N); delete some first")
            self._rules.append(rule)
            return rule

    def install(self, rules: Sequence[FaultRule]) -> None:
        """Start from ``rules`` (parsed already: a scenario's), as fresh copies with zero counters,
        numbered as :meth:`add` would have numbered them."""
        with self._lock:
            self._rules = [replace(rule, seen=0, fired=0, notes=list(rule.notes)) for rule in rules]
            self._ids = itertools.count(len(rules) + 1)

    def __bool__(self) -> bool:
        """Whether any rule is loaded (the hot path skips fault matching when none is)."""
        return bool(self._rules)

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def select(self, now: datetime, draw: Callable[[], float], **request: Any) -> FaultRule | None:
        """The rule that fires on this request, counting it; None if the request goes through."""
        with self._lock:
            for rule in self._rules:
                if rule.spent(now) or not rule.matches(**request):
                    continue
                rule.seen += 1
                if rule.seen <= rule.after:
                    continue
                if rule.probability < 1.0 and draw() >= rule.probability:
                    continue
                rule.fired += 1
                return rule
            return None

    def export(self) -> list[dict]:
        return [r.to_dict() for r in self.rules()]

    def load(self, items: list[dict]) -> None:
        """Restore rules with their counters (inverse of :meth:`export`)."""
        if len(items) > self.max_rules:
            raise FaultError(f"{len(items):,} rules, over the {self.max_rules:,} a tenant holds (the "
                             f"max_fault_rules setting, serve --max-fault-rules N)")
        rules: list[FaultRule] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise FaultError(f"faults[{i}]: expected a rule object, got {type(item).__name__}")
            counters = {k: item.get(k, 0) for k in ("seen", "fired")}
            for name, value in counters.items():
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise FaultError(f"faults[{i}].{name}: expected a count of 0 or more, got {value!r}")
            doc = {k: v for k, v in item.items() if k in RULE_KEYS}
            rule = self.schema.parse(doc, generated_id=f"fault-r{i + 1}", hang_max_ms=self.hang_max_ms,
                                     origin=item.get("origin", "api"))
            rule.seen, rule.fired = counters["seen"], counters["fired"]
            if any(r.id == rule.id for r in rules):
                raise FaultError(f"faults[{i}].id: a rule with id {rule.id!r} comes earlier in the list")
            rules.append(rule)
        with self._lock:
            self._rules = rules
