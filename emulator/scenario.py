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

Path_ = tuple  # a JSON path: keys and indexes
MAX_NODES = 200_000  # values in one scenario document; the bundled ones have a few hundred


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``messages`` holds every ``file:line: path: message``."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Scenario:
    """A validated scenario document and where it came from."""

    name: str
    description: str
    seed: int
    clock: str | None
    document: dict[str, Any]
    source: str = "<inline>"

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
    lines: dict[Path_, int] = field(default_factory=dict)
    texts: dict[Path_, str] = field(default_factory=dict)
    nodes: int = 0
    max_depth: int = DEFAULT_MAX_DEPTH


class _TooDeep(Exception):
    """Collections nest deeper than the loader's limit (line is 1-based)."""

    def __init__(self, line: int):
        self.line = line


class _Loader(yaml.SafeLoader):
    """safe_load semantics, except that timestamps stay the strings the user typed.

    The composer recurses once per nesting level: it counts the levels and stops at
    ``max_depth``, so a deep document is refused before it can exhaust the interpreter's stack.
    """

    max_depth = DEFAULT_MAX_DEPTH
    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if not self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _too_deep(source: str, line: int, max_depth: int) -> ScenarioError:
    return ScenarioError([f"{source}:{line}: lists/mappings nest deeper than {max_depth} levels "
                          "(the max_nesting_depth setting): not a scenario this emulator will load"])


def _load_yaml(text: str, source: str, max_depth: int = DEFAULT_MAX_DEPTH) -> _Loaded:
    """Parse YAML into plain data, remembering each path's line and each scalar's source text."""
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters before parsing starts
        raise ScenarioError([f"{source}:1: not valid YAML: {exc}"]) from None
    loader.max_depth = max_depth
    try:
        node = loader.get_single_node()
        loaded = _Loaded(None, source, max_depth=max_depth)
        loaded.data = _construct(loader, node, (), loaded) if node is not None else None
        return loaded
    except _TooDeep as exc:
        raise _too_deep(source, exc.line, max_depth) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ScenarioError([f"{source}:{line}: not valid YAML: {exc.problem or exc}"]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{source}:1: not valid YAML: {exc}"]) from None
    finally:
        loader.dispose()


def _construct(loader: _Loader, node: yaml.Node, path: Path_, out: _Loaded) -> Any:
    out.nodes += 1
    if out.nodes > MAX_NODES:  # aliases can expand a small file into billions of nodes
        raise ScenarioError([f"{out.source}:{node.start_mark.line + 1}: more than {MAX_NODES:,} values "
                             f"(are YAML aliases expanding?): not a scenario this emulator will load"])
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


def _message(error) -> tuple[Path_, str]:
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
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        return path, f"expected {words}, got {_describe(error.instance)}"
    if error.validator == "enum":
        return path, f"expected one of {', '.join(map(str, error.validator_value))}, got {_describe(error.instance)}"
    return path, error.message


def _line_for(path: Path_, lines: Mapping[Path_, int]) -> int:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def _coerce_strings(data: Any, validator: Draft202012Validator, loaded: _Loaded) -> Any:
    """Where a string is expected but YAML read a number or bool, use the text the user typed."""
    for _ in range(3):
        fixed = False
        for error in validator.iter_errors(data):
            if error.validator != "type" or "string" not in (
                    error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]):
                continue
            path = tuple(error.absolute_path)
            if isinstance(error.instance, (int, float, bool)) and path in loaded.texts and path:
                parent = data
                for part in path[:-1]:
                    parent = parent[part]
                parent[path[-1]] = loaded.texts[path]
                fixed = True
        if not fixed:
            break
    return data


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


Checker = Callable[[dict], list]


def parse_scenario(text: str, source: str, schema: dict,
                   checks: Mapping[str, Checker] | None = None, max_depth: int = DEFAULT_MAX_DEPTH) -> Scenario:
    """Load, coerce and validate a scenario text; raise ScenarioError with every problem found."""
    loaded = _load_yaml(text, source, max_depth)
    data = loaded.data
    if not isinstance(data, dict):
        raise ScenarioError([f"{source}:1: a scenario is a mapping with at least 'name', got {_describe(data)}"])
    validator = Draft202012Validator(schema)
    data = _coerce_strings(data, validator, loaded)
    problems: list[tuple[Path_, str]] = [_message(e) for e in validator.iter_errors(data)]
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
        raise ScenarioError([f"{source}:{_line_for(p, loaded.lines)}: {_format_path(p) or '(top)'}: {m}"
                             for p, m in problems])
    return Scenario(name=data["name"], description=data.get("description", ""), seed=int(data.get("seed", 0)),
                    clock=data.get("clock"), document=data, source=source)


def bundled_names() -> list[str]:
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.yaml"))


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
