"""Scenario files: YAML loading with line numbers, validation, bundled scenarios.

Errors read ``file:line: path: message`` so a person can jump straight to the mistake.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from .clock import parse_instant
from .jsonbody import DEFAULT_MAX_DEPTH

BUNDLED_DIR = Path(__file__).parent / "scenarios"

JSONPath = tuple  # a JSON path: keys and indexes
MAX_NODES = 50_000  # values in one scenario document (aliases expanded); the bundled ones have a few hundred
MAX_MESSAGES = 100  # problems reported for one document; past them only how many more there were
MORE_COUNTED = 10_000  # problems counted past MAX_MESSAGES before saying "at least"


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``messages`` holds every ``file:line: path: message``."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


class BudgetError(ScenarioError):
    """A valid scenario that would generate more than the budget allows (refused before building it)."""


Sizer = Callable[[dict], Iterable[tuple[tuple, int]]]


@dataclass(frozen=True)
class Limits:
    """What one scenario may cost: values parsed, problems reported, records generated."""

    max_values: int = MAX_NODES
    max_messages: int = MAX_MESSAGES
    max_generated: int | None = None
    #: how the user raises ``max_generated`` (the setting and the CLI option), quoted in its error
    generated_hint: str = ""
    values_hint: str = ""


@dataclass(frozen=True)
class Scenario:
    """A validated scenario document and where it came from."""

    name: str
    description: str
    seed: int
    clock: str | None
    document: dict[str, Any]
    source: str = "<inline>"
    #: records the scenario generates when prepared (its share of the scenario budgets)
    generated: int = 0

    def section(self, name: str) -> dict[str, Any] | None:
        return self.document.get(name)

    def with_seed(self, seed: int) -> Scenario:
        """The same scenario driven by another seed (``--seed`` overrides the file)."""
        document = dict(self.document, seed=seed)
        return dataclasses.replace(self, seed=seed, document=document)


@dataclass
class _Loaded:
    data: Any
    source: str = "<document>"
    lines: dict[JSONPath, int] = field(default_factory=dict)
    texts: dict[JSONPath, str] = field(default_factory=dict)
    nodes: int = 0
    max_depth: int = DEFAULT_MAX_DEPTH
    max_nodes: int = MAX_NODES
    hint: str = ""


# libyaml's parser when PyYAML was built with it: six times faster than the pure-Python one, which
# is what keeps a refusal of a large document under a second (the nodes and marks are the same).
# Its composer recurses in C, so depth is checked on the parser's events first (_check_events).
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """safe_load semantics, except that timestamps stay the strings the user typed."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _line(event: yaml.Event) -> int:
    """The 1-based line an event starts on (a loader's events carry their mark; 0 for one without)."""
    return event.start_mark.line + 1 if event.start_mark is not None else 0


def _too_deep(source: str, line: int, max_depth: int) -> ScenarioError:
    return ScenarioError([f"{source}:{line}: lists/mappings nest deeper than {max_depth} levels "
                          "(the max_nesting_depth setting): not a scenario this emulator will load"])


def _check_events(text: str, source: str, max_nodes: int, max_depth: int, hint: str) -> None:
    """Refuse a document too big or too deep to compose, from its parser events (no node is built).

    Composing is what costs (about 4 us a node) and libyaml's composer recurses once per level:
    counting events first keeps the refusal of a huge document fast and of a deep one safe. A
    collection has two events, a scalar or an alias one; syntax errors are left to the real
    parse, which reports them with their line.
    """
    try:
        loader = _Loader(text)
    except yaml.YAMLError:
        return
    try:
        events = depth = 0
        while loader.check_event():
            event = loader.get_event()
            events += 1
            if events > 2 * max_nodes + 4:
                raise ScenarioError([f"{source}:{_line(event)}: more than {max_nodes:,} values: "
                                     f"not a scenario this emulator will load{hint}"])
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > max_depth:
                    raise _too_deep(source, _line(event), max_depth)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return
    finally:
        loader.dispose()


def _load_yaml(text: str, source: str, max_depth: int = DEFAULT_MAX_DEPTH, max_nodes: int = MAX_NODES,
               hint: str = "") -> _Loaded:
    """Parse YAML into plain data, remembering each path's line and each scalar's source text."""
    _check_events(text, source, max_nodes, max_depth, hint)
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters before parsing starts
        raise ScenarioError([f"{source}:1: not valid YAML: {exc}"]) from None
    try:
        node = loader.get_single_node()
        loaded = _Loaded(None, source, max_depth=max_depth, max_nodes=max_nodes, hint=hint)
        loaded.data = _construct(loader, node, (), loaded) if node is not None else None
        return loaded
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ScenarioError([f"{source}:{line}: not valid YAML: {exc.problem or exc}"]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{source}:1: not valid YAML: {exc}"]) from None
    finally:
        loader.dispose()


def _construct(loader: _Loader, node: yaml.Node, path: JSONPath, out: _Loaded) -> Any:
    out.nodes += 1
    if out.nodes > out.max_nodes:  # aliases can expand a small file into billions of nodes
        raise ScenarioError([f"{out.source}:{node.start_mark.line + 1}: more than {out.max_nodes:,} values "
                             f"(are YAML aliases expanding?): not a scenario this emulator will load"
                             f"{out.hint}"])
    out.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.CollectionNode) and len(path) >= out.max_depth:  # aliases nest too, even in a loop
        raise _too_deep(out.source, node.start_mark.line + 1, out.max_depth)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise ScenarioError([f"{out.source}:{key_node.start_mark.line + 1}: "
                                     f"{_format_path(path) or '(top)'}: keys must be plain scalars"])
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                raise ScenarioError([f"{out.source}:{key_node.start_mark.line + 1}: "
                                     f"{_format_path(path + (key,))}: duplicate key"])
            out.lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _construct(loader, value_node, path + (key,), out)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, item, path + (i,), out) for i, item in enumerate(node.value)]
    out.texts[path] = node.value
    value = loader.construct_object(node, deep=True)
    if isinstance(value, float) and not math.isfinite(value):  # .nan/.inf would make the answers invalid JSON
        raise ScenarioError([f"{out.source}:{node.start_mark.line + 1}: {_format_path(path) or '(top)'}: "
                             f"{node.value!r} is not a finite number (JSON has no NaN or Infinity)"])
    return value


def _format_path(path: Iterable) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _describe(value: Any) -> str:
    try:
        return json.dumps(value)[:80]
    except (TypeError, ValueError):
        return repr(value)[:80]


_TYPE_WORDS = {"integer": "an integer", "string": "a string", "number": "a number", "boolean": "true or false",
               "object": "a mapping", "array": "a list", "null": "nothing"}


def _message(error) -> tuple[JSONPath, str]:
    """Turn a jsonschema error into (path, a sentence a person can act on)."""
    path = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    expected = schema.get("x-expected")
    if error.validator == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        extras = [k for k in error.instance if k not in allowed] if isinstance(error.instance, dict) else []
        key = extras[0] if extras else "?"
        hint = difflib.get_close_matches(key, allowed, n=1)
        suffix = f" (did you mean '{hint[0]}'?)" if hint else f" (allowed: {', '.join(allowed)})"
        return path + (key,), f"unknown key '{key}'{suffix}"
    if error.validator == "required":
        return path, error.message.replace("is a required property", "is required")
    if expected:
        return path, f"expected {expected}, got {_describe(error.instance)}"
    if error.validator == "type":
        types: list[str] = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        return path, f"expected {words}, got {_describe(error.instance)}"
    if error.validator == "enum":
        return path, f"expected one of {', '.join(map(str, error.validator_value))}, got {_describe(error.instance)}"
    return path, error.message


def _line_for(path: JSONPath, lines: Mapping[JSONPath, int]) -> int:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def _coerce_strings(data: Any, validator: Draft202012Validator, loaded: _Loaded,
                    max_messages: int = MAX_MESSAGES) -> tuple[Any, bool]:
    """Where a string is expected but YAML read a number or bool, use the text the user typed.

    Returns the data and whether a pass found it valid (then it need not be validated again: a
    pass over a large document is most of the cost of loading it). A pass stops once
    ``max_messages`` problems it cannot fix were seen: the document is refused anyway, and
    walking every error of a huge invalid one is what made refusals slow.
    """
    for _ in range(3):
        fixed = False
        unfixable = 0
        errors = 0
        for error in validator.iter_errors(data):
            errors += 1
            if error.validator != "type" or "string" not in (
                    error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]):
                unfixable += 1
                if unfixable >= max_messages:
                    break
                continue
            path = tuple(error.absolute_path)
            if isinstance(error.instance, (int, float, bool)) and path in loaded.texts and path:
                parent = data
                for part in path[:-1]:
                    parent = parent[part]
                parent[path[-1]] = loaded.texts[path]
                fixed = True
        if not errors:
            return data, True
        if not fixed:
            break
    return data, False


def build_schema(sections: Mapping[str, dict], fault_schema: dict) -> dict:
    """The JSON Schema of a whole scenario document."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "x-expected": "a non-empty string"},
            "description": {"type": "string"},
            "seed": {"type": "integer", "x-expected": "an integer"},
            "clock": {"type": "string", "x-expected": "an ISO-8601 instant such as 2024-03-01T12:00:00Z"},
            **{name: schema for name, schema in sections.items()},
            "faults": {"type": "array", "items": fault_schema},
        },
    }


#: a section's own check: a vendor's section is a mapping, ``faults`` a list; (path, message) per problem
Checker = Callable[[Any], list]


def _first_problems(errors: Iterable, limit: int) -> tuple[list[tuple[JSONPath, str]], int, bool]:
    """The first ``limit`` schema problems, how many more were counted, and whether counting stopped early."""
    problems: list[tuple[JSONPath, str]] = []
    more = 0
    for error in errors:
        if len(problems) < limit:
            problems.append(_message(error))
            continue
        more += 1
        if more >= MORE_COUNTED:
            return problems, more, True
    return problems, more, False


def _more_line(source: str, more: int, at_least: bool, shown: int) -> str:
    count = f"at least {more:,}" if at_least else f"{more:,}"
    return f"{source}: {count} more problems not shown (the first {shown} are above; fix those first)"


def _check_budget(data: dict, sizers: Mapping[str, Sizer], limits: Limits, loaded: _Loaded) -> int:
    """The records a valid scenario generates; BudgetError, before anything is built, past the budget."""
    parts = [((name,) + tuple(path), count) for name, sizer in sizers.items() if data.get(name) is not None
             for path, count in sizer(data[name])]
    total = sum(count for _, count in parts)
    if limits.max_generated is None or total <= limits.max_generated:
        return total
    path, largest = max(parts, key=lambda part: part[1])
    raise BudgetError([
        f"{loaded.source}:{_line_for(path, loaded.lines)}: {_format_path(path)}: the scenario would generate "
        f"{total:,} records (history entries, sessions, events: every vendor section together), "
        f"over the budget of {limits.max_generated:,}; the largest part is this one with {largest:,}. "
        f"Generate less{limits.generated_hint}"])


def parse_scenario(text: str, source: str, schema: dict,
                   checks: Mapping[str, Checker] | None = None, max_depth: int = DEFAULT_MAX_DEPTH, *,
                   limits: Limits | None = None, sizers: Mapping[str, Sizer] | None = None) -> Scenario:
    """Load, coerce and validate a scenario text; raise ScenarioError with the problems found.

    At most ``limits.max_messages`` problems are listed (then how many more there were), so that
    refusing even a huge broken document stays fast. With ``limits.max_generated``, a valid
    document whose ``sizers`` add up to more records is refused (BudgetError) before any is built.
    """
    limits = limits or Limits()
    loaded = _load_yaml(text, source, max_depth, limits.max_values, limits.values_hint)
    data = loaded.data
    if not isinstance(data, dict):
        raise ScenarioError([f"{source}:1: a scenario is a mapping with at least 'name', got {_describe(data)}"])
    validator = Draft202012Validator(schema)
    data, valid = _coerce_strings(data, validator, loaded, limits.max_messages)
    problems, more, at_least = ([], 0, False) if valid else \
        _first_problems(validator.iter_errors(data), limits.max_messages)
    if not problems:
        if data.get("clock") is not None:
            try:
                parse_instant(data["clock"])
            except ValueError as exc:
                problems.append((("clock",), str(exc)))
        for name, check in (checks or {}).items():
            if data.get(name) is not None:
                problems.extend(((name,) + tuple(p), m) for p, m in check(data[name]))
    if problems:
        problems.sort(key=lambda pm: _line_for(pm[0], loaded.lines))
        if len(problems) > limits.max_messages:  # the vendors' checks list every problem they see
            more, problems = more + len(problems) - limits.max_messages, problems[:limits.max_messages]
        messages = [f"{source}:{_line_for(p, loaded.lines)}: {_format_path(p) or '(top)'}: {m}" for p, m in problems]
        if more:
            messages.append(_more_line(source, more, at_least, len(problems)))
        raise ScenarioError(messages)
    generated = _check_budget(data, sizers or {}, limits, loaded)
    return Scenario(name=data["name"], description=data.get("description", ""), seed=int(data.get("seed", 0)),
                    clock=data.get("clock"), document=data, source=source, generated=generated)


def bundled_names() -> list[str]:
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.yaml"))


def bundled_descriptions() -> list[tuple[str, str]]:
    """(name, one-line description) of each bundled scenario."""
    out = []
    for name in bundled_names():
        try:
            document = yaml.safe_load((BUNDLED_DIR / f"{name}.yaml").read_text(encoding="utf-8")) or {}
            description = str(document.get("description", "")).strip().splitlines()[0:1]
        except (yaml.YAMLError, OSError, AttributeError):
            description = ["(unreadable)"]
        out.append((name, description[0] if description else ""))
    return out


def resolve(name_or_path: str) -> Path:
    """A bundled scenario name or a file path → the file; ScenarioError naming the choices if neither."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml", ".json") and candidate.is_file():
        return candidate
    bundled = BUNDLED_DIR / f"{name_or_path}.yaml"
    if bundled.is_file() and "/" not in name_or_path:
        return bundled
    if candidate.is_file():
        return candidate
    raise ScenarioError([f"{name_or_path}: no such scenario file, and not a bundled scenario "
                         f"(bundled: {', '.join(bundled_names())})"])
