"""Fault rules: which requests they match, when they fire, and what they do.

A rule matches on vendor, method, path glob, parameters and headers. Among the rules that match,
the first (in the order added) that *fires* wins; a rule that matches but declines (still inside
``after``, lost its probability draw) passes the request on to the next rule.
"""

from __future__ import annotations

import fnmatch
import itertools
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator

from .clock import format_instant, parse_instant

TRANSPORT_KINDS = ("reset", "empty", "truncate", "slow_body", "hang")
KINDS = ("status", "error", "latency", "rate_limit") + TRANSPORT_KINDS
APIS = ("apivideo", "twentythree", "any")
DEFAULT_HANG_MAX_MS = 30_000

_HEADER_VALUE = {"type": "string", "pattern": "^[\\x20-\\x7e\\x80-\\xff\\t]*$",
                 "x-expected": "a header value: Latin-1 text without line breaks"}
_ACTION_FIELDS = {
    "status": {"status": {"type": "integer", "minimum": 100, "maximum": 599},
               "body": {"type": "string"},
               "headers": {"type": "object", "propertyNames": {"pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},
                           "additionalProperties": _HEADER_VALUE},
               "content_type": _HEADER_VALUE},
    "error": {"code": {"type": "string", "minLength": 1}, "message": {"type": "string"}},
    "latency": {"ms": {"type": "number", "minimum": 0, "maximum": 600_000},
                "jitter_ms": {"type": "number", "minimum": 0, "maximum": 600_000}},
    "rate_limit": {"retry_after": {"type": "integer", "minimum": 0}},
    "reset": {},
    "empty": {},
    "truncate": {"bytes": {"type": "integer", "minimum": 0},
                 "fraction": {"type": "number", "minimum": 0, "maximum": 1}},
    "slow_body": {"bytes_per_second": {"type": "number", "exclusiveMinimum": 0}},
    "hang": {"ms": {"type": "number", "minimum": 0}},
}

RULE_SCHEMA: dict = {
    "type": "object",
    "additionalProperties": False,
    "required": ["action"],
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 128},
        "match": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "api": {"enum": list(APIS)},
                "method": {"type": "string", "pattern": "^[A-Za-z]+$", "x-expected": "an HTTP method such as GET"},
                "path": {"type": "string", "minLength": 1, "x-expected": "a path glob such as /analytics/videos/*"},
                "params": {"type": "object", "additionalProperties": {"type": "string"}},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "action": {
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"enum": list(KINDS)}},
            "allOf": [
                {"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                 "then": {"properties": {"kind": {}, **fields}, "additionalProperties": False,
                          **({"required": ["status"]} if kind == "status" else {}),
                          **({"required": ["code"]} if kind == "error" else {}),
                          **({"required": ["ms"]} if kind in ("latency", "hang") else {}),
                          **({"required": ["bytes_per_second"]} if kind == "slow_body" else {})}}
                for kind, fields in _ACTION_FIELDS.items()
            ],
        },
        "times": {"type": "integer", "minimum": 0, "x-expected": "a count of 0 or more"},
        "after": {"type": "integer", "minimum": 0, "x-expected": "a count of 0 or more"},
        "probability": {"type": "number", "minimum": 0, "maximum": 1, "x-expected": "a number from 0 to 1"},
        "until": {"type": "string", "x-expected": "an ISO-8601 instant"},
    },
}

_RULE_VALIDATOR = Draft202012Validator(RULE_SCHEMA)


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

    @property
    def kind(self) -> str:
        return self.action["kind"]

    def spent(self, now: datetime) -> bool:
        return (self.times is not None and self.fired >= self.times) or (self.until is not None and now >= self.until)

    def matches(self, api: str, method: str, path: str, params: Mapping[str, Any], headers: Mapping[str, str]) -> bool:
        m = self.match
        if m.get("api", "any") not in ("any", api):
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


def parse_rule(data: Any, *, generated_id: str, hang_max_ms: float = DEFAULT_HANG_MAX_MS,
               origin: str = "api") -> FaultRule:
    """Validate a rule document and build the rule; FaultError names what is wrong."""
    from .scenario import _format_path, _message  # one way of wording schema errors

    if not isinstance(data, dict):
        raise FaultError(f"a fault rule is a JSON object, got {type(data).__name__}")
    errors = sorted(_RULE_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        path, message = _message(errors[0])
        raise FaultError(f"{_format_path(path) or 'rule'}: {message}")
    match = dict(data.get("match", {}))
    if "path" in match and (problem := _glob_problem(match["path"])):
        raise FaultError(f"match.path: {problem}, got {match['path']!r}")
    if "method" in match:
        match["method"] = match["method"].upper()
    action = dict(data["action"])
    notes = _limit_durations(action, hang_max_ms)
    until = None
    if "until" in data:
        try:
            until = parse_instant(data["until"])
        except ValueError as exc:
            raise FaultError(f"until: {exc}") from None
    return FaultRule(id=data.get("id") or generated_id, action=action, match=match, times=data.get("times"),
                     after=data.get("after", 0), probability=float(data.get("probability", 1.0)), until=until,
                     notes=notes, origin=origin)


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


def check_fault_rules(rules: list) -> list[tuple[tuple, str]]:
    """Scenario check: every rule parses and ids are unique; (path, message) per problem."""
    problems = []
    book = FaultBook()
    for index, rule in enumerate(rules):
        try:
            book.add(rule, origin="scenario")
        except FaultError as exc:
            problems.append(((index,), str(exc)))
    return problems


class FaultBook:
    """A tenant's rules, in the order added, and the counter that names rules without an id."""

    def __init__(self, hang_max_ms: float = DEFAULT_HANG_MAX_MS):
        self.hang_max_ms = hang_max_ms
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, data: Any, origin: str = "api") -> FaultRule:
        with self._lock:
            rule = parse_rule(data, generated_id=f"fault-{next(self._ids)}", hang_max_ms=self.hang_max_ms,
                              origin=origin)
            if any(r.id == rule.id for r in self._rules):
                raise FaultError(f"id: a rule with id {rule.id!r} exists already")
            self._rules.append(rule)
            return rule

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
        rules = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise FaultError(f"faults[{i}]: expected a rule object, got {type(item).__name__}")
            counters = {k: item.get(k, 0) for k in ("seen", "fired")}
            for name, value in counters.items():
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise FaultError(f"faults[{i}].{name}: expected a count of 0 or more, got {value!r}")
            doc = {k: v for k, v in item.items() if k in RULE_SCHEMA["properties"]}
            rule = parse_rule(doc, generated_id=f"fault-r{i + 1}", hang_max_ms=self.hang_max_ms,
                              origin=item.get("origin", "api"))
            rule.seen, rule.fired = counters["seen"], counters["fired"]
            if any(r.id == rule.id for r in rules):
                raise FaultError(f"faults[{i}].id: a rule with id {rule.id!r} comes earlier in the list")
            rules.append(rule)
        with self._lock:
            self._rules = rules
