"""Scenario loading and validation: every error names the file, the line and the path."""

from __future__ import annotations

import pytest

from emulator.faults import RuleSchema
from emulator.scenario import ScenarioError, build_schema, parse_scenario
from fakevendor import FAKE_VENDOR

RULES = RuleSchema({"fake": {}})
SCHEMA = build_schema({"fake": FAKE_VENDOR.scenario_schema}, RULES.document)
CHECKS = {"faults": RULES.check_rules}


def parse(text: str):
    return parse_scenario(text, "scenarios/x.yaml", SCHEMA, CHECKS)


def errors(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse(text)
    return info.value.messages


def test_valid_scenario_and_yaml_scalars_read_as_typed():
    scenario = parse("name: 2024\nseed: 5\nclock: 2024-03-01T12:00:00Z\nfake:\n  greeting: 2024-01-15\n")
    assert scenario.name == "2024"  # YAML's integer, read back as the text the user typed
    assert scenario.clock == "2024-03-01T12:00:00Z"  # not a datetime
    assert scenario.document["fake"]["greeting"] == "2024-01-15"  # not a date
    assert scenario.seed == 5


def test_wrong_type_names_file_line_and_path():
    assert errors("name: x\nfake:\n  greeting: hi\n  count: many\n") == [
        'scenarios/x.yaml:4: fake.count: expected a positive integer, got "many"']


def test_unknown_key_suggests_the_right_one():
    assert errors("name: x\nseeed: 4\n") == ["scenarios/x.yaml:2: seeed: unknown key 'seeed' (did you mean 'seed'?)"]


def test_missing_name_and_not_a_mapping():
    assert errors("seed: 1\n") == ["scenarios/x.yaml:1: (top): 'name' is required"]
    assert errors("- a\n- b\n")[0].startswith("scenarios/x.yaml:1: a scenario is a mapping")


def test_malformed_yaml_gives_line():
    messages = errors("name: x\nfake: {greeting: hi\n")
    assert messages[0].startswith("scenarios/x.yaml:3: not valid YAML")


def test_duplicate_keys_are_errors():
    assert errors("name: x\nseed: 1\nseed: 2\n") == ["scenarios/x.yaml:3: seed: duplicate key"]


def test_bad_clock():
    assert "clock" in errors("name: x\nclock: tomorrow\n")[0]


def test_bad_fault_rule_in_scenario():
    messages = errors("name: x\nfaults:\n  - action: {kind: status, status: 503}\n    probability: 2\n")
    assert messages == ['scenarios/x.yaml:4: faults[0].probability: expected a number from 0 to 1, got 2']
    glob = errors("name: x\nfaults:\n  - match: {path: '/a/[b'}\n    action: {kind: empty}\n")
    assert "unbalanced" in glob[0] and glob[0].startswith("scenarios/x.yaml:3: faults[0]")


def test_every_problem_is_reported_in_line_order():
    messages = errors("name: x\nfake:\n  count: 0\nbogus: 1\n")
    assert [m.split(":")[1] for m in messages] == ["3", "4"]
