"""What one scenario may cost (issue 17, items 5 and 6): one budget of generated records, checked
before anything is built; bounded validation of huge or broken documents."""

from __future__ import annotations

import dataclasses
import gc
import subprocess
import sys

import pytest

from emulator.app import Settings, check_scenario_text, create_app
from emulator.scenario import BudgetError, ScenarioError

PHOTOS = ", ".join(f'"{1000 + i}"' for i in range(60))


def alias_bomb(sites: int = 300, days: int = 3000) -> str:
    """Many sites sharing one photo list through a YAML alias: small text, 54 million history entries."""
    lines = [f"    - {{domain: s0.example, photos: &p [{PHOTOS}], history: {{generate: {{days: {days}, photos: *p}}}}}}"]
    lines += [f"    - {{domain: s{i}.example, photos: *p, history: {{generate: {{days: {days}, photos: *p}}}}}}"
              for i in range(1, sites)]
    return "name: bomb\nclock: 2024-03-01T12:00:00Z\ntwentythree:\n  sites:\n" + "\n".join(lines) + "\n"


BUDGET_MESSAGE = ("bomb.yaml:5: twentythree.sites[0].history: the scenario would generate 54,000,000 records "
                  "(history entries, sessions, events: every vendor section together), over "
                  "the budget of 1,000,000; the largest part is this one with 180,000. Generate less, or raise "
                  "the budget: the max_generated setting (serve --max-generated N)")


@pytest.fixture
def spied():
    """The real emulator, with a record of every scenario a vendor was asked to prepare (build)."""
    app = create_app("default")
    emulator = app.extensions["emulator"]
    built: list[str] = []
    for name, vendor in list(emulator.vendors.items()):
        def prepare(section, scenario, _real=vendor.prepare):
            built.append(scenario.name)
            return _real(section, scenario)
        emulator.vendors[name] = dataclasses.replace(vendor, prepare=prepare)
    return app.test_client(), built


# -- 5: one budget for all generated work ----------------------------------------------------------------
def test_alias_bomb_is_refused_before_anything_is_built(spied):
    web, built = spied
    response = web.put("/_emulator/scenario", data=alias_bomb(), content_type="application/yaml")
    assert response.status_code == 422
    assert response.json["messages"] == [BUDGET_MESSAGE.replace("bomb.yaml", "<document>")]
    assert built == []  # refused from the document: no vendor built a thing
    assert web.get("/_emulator/scenario").json["name"] == "default"


def test_the_budget_holds_for_state_import(spied):
    web, built = spied
    state = web.get("/_emulator/state").json
    import yaml

    document = yaml.safe_load(alias_bomb())
    document["clock"] = "2024-03-01T12:00:00Z"  # safe_load made it a datetime
    state["scenario"]["document"] = document
    response = web.put("/_emulator/state", json=state)
    assert response.status_code == 422
    assert "over the budget of 1,000,000" in response.json["error"]
    assert "max_generated setting (serve --max-generated N)" in response.json["error"]
    assert built == []


def test_validate_refuses_over_budget_with_file_and_line(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb())
    result = subprocess.run([sys.executable, "-m", "emulator.cli", "validate", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stdout.strip() == BUDGET_MESSAGE.replace("bomb.yaml", str(path))


def test_budget_counts_every_vendor_and_is_configurable():
    sites = "twentythree:\n  sites:\n    - {domain: a.example, history: {generate: {days: 10, photos: ['1', '2']}}}\n"
    videos = ("apivideo:\n  videos:\n    - {id: v1, generate: {sessions: 50, period: 2024-01}}\n"
              "    - id: v2\n      sessions:\n        - session: {sessionId: s1, loadedAt: '2024-01-01T00:00:00Z', "
              "endedAt: '2024-01-01T00:01:00Z'}\n          events: [{type: ready, emittedAt: '2024-01-01T00:00:00Z', "
              "at: 0}]\n")
    text = "name: small\n" + sites + videos  # 20 history entries + 50 sessions + 1 session with 1 event = 72
    assert check_scenario_text(text, "s.yaml", Settings(max_generated=72)).name == "small"
    with pytest.raises(BudgetError) as caught:
        check_scenario_text(text, "s.yaml", Settings(max_generated=71))
    assert "would generate 72 records" in caught.value.messages[0]
    assert caught.value.messages[0].startswith("s.yaml:7: apivideo.videos[0]: ")  # the largest part: 50 sessions
    assert create_app(text, max_generated=72).extensions["emulator"].store.base.scenario.name == "small"
    with pytest.raises(BudgetError):
        create_app(text, max_generated=71)


def test_generated_sessions_count_by_the_events_they_may_have():
    """/data/* keeps a generated session's plays, views and playing intervals as columns: a session
    of up to 1,000 events costs what 34 default ones do, and the budget says so before building."""
    def text(events: str) -> str:
        return f"name: busy\napivideo:\n  videos:\n    - {{id: v1, generate: {{sessions: 3000, period: 2024-01{events}}}}}\n"
    assert check_scenario_text(text(""), "b.yaml", Settings(max_generated=3000)).name == "busy"  # [3, 30]: once
    assert check_scenario_text(text(", events: [1, 60]"), "b.yaml", Settings(max_generated=6000)).name == "busy"
    with pytest.raises(BudgetError) as caught:
        check_scenario_text(text(", events: [1, 1000]"), "b.yaml", Settings(max_generated=100_000))
    assert "would generate 102,000 records" in caught.value.messages[0]
    assert caught.value.messages[0].startswith("b.yaml:4: apivideo.videos[0]: ")


def test_bundled_scenarios_are_well_inside_the_budget():
    from emulator.scenario import BUNDLED_DIR

    for path in BUNDLED_DIR.glob("*.yaml"):
        check_scenario_text(path.read_text(), str(path), Settings(max_generated=10_000))


def test_fault_rules_per_tenant_are_capped(spied):
    web, _ = spied
    rules = "".join(f"  - {{id: r{i}, action: {{kind: reset}}}}\n" for i in range(1001))
    response = web.put("/_emulator/scenario", data="name: many\nfaults:\n" + rules, content_type="application/yaml")
    assert response.status_code == 422
    assert "1,001 rules, over the 1,000 a tenant holds (the max_fault_rules setting" in response.json["error"]
    app = create_app("default", max_fault_rules=2)
    client = app.test_client()
    for _ in range(2):
        assert client.post("/_emulator/faults", json={"action": {"kind": "reset"}}).status_code == 201
    refused = client.post("/_emulator/faults", json={"action": {"kind": "reset"}})
    assert refused.status_code == 400 and "max_fault_rules" in refused.json["error"]


# -- 6: validation cost ------------------------------------------------------------------------------------
def test_a_huge_invalid_document_is_refused_with_one_message():
    text = "name: x\nfaults: [" + ",".join(["1"] * 199_000) + "]\n"  # 398 KB
    with pytest.raises(ScenarioError) as caught:
        check_scenario_text(text, "big.yaml")
    assert caught.value.messages == [
        "big.yaml:2: more than 50,000 values: not a scenario this emulator will load "
        "(the max_scenario_values setting, serve --max-scenario-values N)"]


def test_problems_stop_after_the_first_hundred_and_say_how_many_more():
    text = "name: x\nfaults: [" + ",".join(["1"] * 150) + "]\n"
    with pytest.raises(ScenarioError) as caught:
        check_scenario_text(text, "some.yaml")
    messages = caught.value.messages
    assert len(messages) == 101
    assert messages[0] == "some.yaml:2: faults[0]: expected a mapping, got 1"
    assert messages[-1] == "some.yaml: 50 more problems not shown (the first 100 are above; fix those first)"


def test_vendor_check_problems_are_capped_too():
    daily = "".join(f"          - {{date: 2024-02-3{i % 10}, photo_id: '{i}'}}\n" for i in range(300))
    text = f"name: x\ntwentythree:\n  sites:\n    - domain: a.example\n      history:\n        daily:\n{daily}"
    with pytest.raises(ScenarioError) as caught:
        check_scenario_text(text, "d.yaml", Settings(max_scenario_messages=10))
    assert len(caught.value.messages) == 11 and caught.value.messages[0].startswith("d.yaml:7: ")
    assert caught.value.messages[-1] == "d.yaml: 290 more problems not shown (the first 10 are above; fix those first)"


def test_value_limit_is_configurable():
    text = "name: x\nfaults: [" + ",".join(["{action: {kind: reset}}"] * 30) + "]\n"
    with pytest.raises(ScenarioError, match="more than 50 values"):
        check_scenario_text(text, "x.yaml", Settings(max_scenario_values=50))
    assert len(check_scenario_text(text, "x.yaml", Settings(max_scenario_values=200)).document["faults"]) == 30


def test_aliases_still_count_expanded():
    text = "name: x\nfaults:\n  - &r {action: {kind: reset}}\n" + "  - *r\n" * 40
    with pytest.raises(ScenarioError, match="more than 100 values"):
        check_scenario_text(text, "x.yaml", Settings(max_scenario_values=100))


def test_scenarios_of_all_tenants_are_bounded_together():
    """Each tenant may load its own scenario: the records of all of them held at once are bounded too."""
    def history(name: str, days: int) -> str:
        return (f"name: {name}\nclock: 2024-03-01T00:00:00Z\ntwentythree:\n  sites:\n    - domain: a.example\n"
                f"      history: {{generate: {{days: {days}, photos: ['1', '2']}}}}\n")

    app = create_app(history("base", 50), max_generated_total=500)  # the base: 100 records
    web = app.test_client()
    for name in ("t1", "t2"):  # 200 records each, held by their tenants
        response = web.put("/_emulator/scenario", data=history(name, 100), headers=tenant(name),
                           content_type="application/yaml")
        assert response.status_code == 200, response.json
    refused = web.put("/_emulator/scenario", data=history("t3", 100), headers=tenant("t3"),
                      content_type="application/yaml")
    assert refused.status_code == 422
    assert refused.json["messages"] == [
        "<document>:1: this scenario generates 200 records and the scenarios in use (the server's and the "
        "tenants') hold 500, over the 500 of the max_generated_total setting (serve --max-generated-total N); "
        "DELETE /_emulator/tenant or a smaller scenario frees some"]
    assert web.delete("/_emulator/tenant", headers=tenant("t1")).json["dropped"] is True
    gc.collect()  # t1's scenario is also in the cache: it goes first when room is needed
    assert web.put("/_emulator/scenario", data=history("t3", 100), headers=tenant("t3"),
                   content_type="application/yaml").status_code == 200


def tenant(name: str) -> dict[str, str]:
    return {"X-Emulator-Tenant": name}
