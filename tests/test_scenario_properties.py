"""Property: any mutation of a valid scenario is either valid or refused with file:line messages."""

from __future__ import annotations

import copy
import re

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.app import check_scenario_text
from emulator.scenario import BUNDLED_DIR, ScenarioError

BASE = yaml.safe_load((BUNDLED_DIR / "default.yaml").read_text())
MESSAGE = re.compile(r"^scenario\.yaml:\d+: .+")

JUNK = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                 st.text(max_size=30), st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


PATHS = [p for p in _paths(BASE) if p]


@st.composite
def mutations(draw):
    document = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent = document
        try:
            for part in path[:-1]:
                parent = parent[part]
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                parent[path[-1]] = draw(JUNK)
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=8))] = draw(JUNK)
        except (KeyError, IndexError, TypeError):
            continue
    return document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_mutated_scenarios_are_valid_or_refused_with_locations(document):
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    try:
        check_scenario_text(text, "scenario.yaml")
    except ScenarioError as exc:
        assert exc.messages and all(MESSAGE.match(m) for m in exc.messages), exc.messages


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_tracebacks(text):
    try:
        check_scenario_text(text, "scenario.yaml")
    except ScenarioError as exc:
        assert all(MESSAGE.match(m) for m in exc.messages), exc.messages
