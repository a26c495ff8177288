"""The ``apivideo:`` scenario section: validation messages with lines, YAML coercions, bundled files."""
from __future__ import annotations

import pytest

from emulator.app import create_app
from emulator.scenario import BUNDLED_DIR, ScenarioError

from .support import basic

BAD = """name: t
seed: 1
apivideo:
  api_keys:
    - {key: k, environment: staging}
    - {key: k2, environment: sandbox}
    - {key: k2, environment: production}
  videos:
    - id: v1
      generate: {sessions: 10, period: 2024, events: [5, 2]}
    - id: v2
      generate: {sessions: 10, period: 2024-13}
    - id: v1
      sessions:
        - session: {sessionId: psA, loadedAt: "2024-01-02T00:00:00Z", endedAt: "2024-01-01T00:00:00Z"}
          events:
            - {type: seek.forward, emittedAt: "2024-01-02T00:00:01Z", at: 3}
            - {type: play, emittedAt: "soon", from: 1, to: 2}
        - session: {sessionId: psA, loadedAt: "yesterday", endedAt: "2024-01-01T00:00:00Z"}
    - id: "bad id!"
    - id: v3
      generate: {sessions: 1000, period: 2024-01-01/2024-01-01, duration: 0}
    - id: v4
      generate: {sessions: 86400001, period: 2024-01-01}
    - id: v5
      generate: {sessions: 10000000, period: 2024-01-01}
  live_streams:
    - id: l1
      generate: {sessions: 100, period: 2024-01-01, metadata: {a: [b]}}
      colour: red
      sessions:
        - session: {sessionId: psL, loadedAt: "2024-01-02T00:00:00Z", endedAt: "2024-01-02T00:00:00Z",
                    metadata: []}
          location: {country: France, city: null}
"""


def messages(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        create_app(text)
    return info.value.messages


def test_schema_errors_name_the_line_and_the_fix():
    found = messages(BAD)
    for expected in [
        '<document>:5: apivideo.api_keys[0].environment: expected one of sandbox, production, got "staging"',
        "<document>:20: apivideo.videos[3].id: expected an id of 1-64 letters, digits, _ or -",
        "apivideo.videos[4].generate.duration: expected the video length in seconds (1 to 86400)",
        "apivideo.videos[5].generate.sessions: expected a number of sessions from 0 to 10000000, got 86400001",
        "apivideo.live_streams[0].generate.metadata: unknown key 'metadata'",
        "apivideo.live_streams[0].colour: unknown key 'colour'",
        "apivideo.live_streams[0].sessions[0].session.metadata: unknown key 'metadata'",
        "apivideo.live_streams[0].sessions[0].location.city: expected a string, got null",
    ]:
        assert any(expected in m for m in found), (expected, found)


def test_semantic_errors():
    text = BAD.replace("environment: staging", "environment: sandbox").replace("bad id!", "v9")
    text = text.replace(", duration: 0", "").replace("      colour: red\n", "").replace(", metadata: {a: [b]}", "")
    text = text.replace(",\n                    metadata: []}", "}").replace("city: null", "city: Paris")
    text = text.replace("sessions: 86400001", "sessions: 5")
    found = messages(text)
    assert found == [
        "<document>:7: apivideo.api_keys[2].key: duplicate API key 'k2'",
        "<document>:10: apivideo.videos[0].generate.events: min 5 is above max 2",
        ("<document>:12: apivideo.videos[1].generate.period: not a period: '2024-13' "
        "(2024, 2024-02, 2024-W05, 2024-02-01 or 2024-01-01/2024-02-29)"),
        "<document>:13: apivideo.videos[2].id: duplicate id 'v1'",
        "<document>:15: apivideo.videos[2].sessions[0].session.endedAt: ends before loadedAt",
        "<document>:17: apivideo.videos[2].sessions[0].events[0]: a seek.forward event needs 'from'",
        "<document>:17: apivideo.videos[2].sessions[0].events[0]: a seek.forward event needs 'to'",
        "<document>:17: apivideo.videos[2].sessions[0].events[0].at: a seek.forward event has no 'at'",
        ("<document>:18: apivideo.videos[2].sessions[0].events[1].emittedAt: expected an ISO-8601 instant "
        "such as 2024-01-24T11:45:01.109Z, got 'soon'"),
        "<document>:18: apivideo.videos[2].sessions[0].events[1]: a play event needs 'at'",
        "<document>:18: apivideo.videos[2].sessions[0].events[1].from: a play event has no 'from'",
        "<document>:18: apivideo.videos[2].sessions[0].events[1].to: a play event has no 'to'",
        "<document>:19: apivideo.videos[2].sessions[1].session.sessionId: duplicate sessionId 'psA'",
        ("<document>:19: apivideo.videos[2].sessions[1].session.loadedAt: expected an ISO-8601 instant "
        "such as 2024-01-24T11:45:01.109Z, got 'yesterday'"),
    ]


def test_a_generate_period_is_at_most_ten_years():
    """/data/* keeps every hour of a generated period: decades would be gigabytes per selection."""
    def scenario(period: str) -> str:
        return f"name: long\napivideo:\n  videos:\n    - {{id: v1, generate: {{sessions: 10, period: '{period}'}}}}\n"
    assert create_app(scenario("2015-01-01/2024-12-31")).extensions["emulator"].store.base.scenario.name == "long"
    assert messages(scenario("2000-01-01/2060-01-01")) == [
        "<document>:4: apivideo.videos[0].generate.period: '2000-01-01/2060-01-01' is longer than 10 years "
        "(the /data/* columns hold every hour of a generated period)"]


def test_yaml_scalars_read_as_typed():
    """Unquoted 2024 (an int to YAML), dates and numbers in metadata choices are strings to us."""
    app = create_app("""name: t
seed: 3
clock: 2024-03-01T00:00:00Z
apivideo:
  api_keys: [{key: 12345, environment: sandbox}]
  videos:
    - id: v1
      generate: {sessions: 30, period: 2024, metadata: {Year: [2023, 2024], Ratio: [1.50]}}
    - id: v2
      generate: {sessions: 30, period: 2024-01-15}
""")
    client = app.test_client()
    body = client.get("/analytics/videos/v1?period=2024&metadata[Ratio]=1.50", headers=basic("12345")).get_json()
    assert body["pagination"]["itemsTotal"] == 30
    assert body["data"][0]["session"]["metadata"][1] == {"key": "Ratio", "value": "1.50"}
    assert client.get("/analytics/videos/v2?period=2024-01-15", headers=basic("12345")).get_json()[
        "pagination"]["itemsTotal"] == 30


@pytest.mark.parametrize("path", sorted(p for p in BUNDLED_DIR.glob("*.yaml") if "apivideo:" in p.read_text()),
                         ids=lambda p: p.stem)
def test_bundled_scenarios_load(make_app, path):
    app = make_app(str(path))
    client = app.test_client()
    ready = client.get("/_emulator/ready").get_json()
    assert ready["counts"]["apivideo"]["videos"] >= 1


def test_no_section_means_no_keys(make_app):
    client = make_app({"name": "bare", "seed": 1}).test_client()
    assert client.post("/auth/api-key", json={"apiKey": "sandbox-key"}).status_code == 400


def test_collector_options_are_checked():
    found = messages("""name: t
seed: 1
apivideo:
  ingestion_lag_seconds: -1
  catalogue: ajar
  beacon_locations:
    default: {city: Paris}
    networks:
      - {network: 300.1.1.1/8, country: Germany}
      - {network: 2001:db8::/32, country: Japan, region: Kanto}
""")
    for expected in [
        "<document>:4: apivideo.ingestion_lag_seconds: expected seconds before a beacon shows in the listings "
        "(0 to 86400)",
        '<document>:5: apivideo.catalogue: expected one of open, closed, got "ajar"',
        "apivideo.beacon_locations.default",
        "apivideo.beacon_locations.networks[1].region: unknown key 'region'",
    ]:
        assert any(expected in m for m in found), (expected, found)
    semantic = messages("""name: t
seed: 1
apivideo:
  ingestion_lag_seconds: 2.5
  beacon_locations:
    networks:
      - {network: 300.1.1.1/8, country: Germany}
""")
    assert semantic == ["<document>:7: apivideo.beacon_locations.networks[0].network: not an address or network: "
                        "'300.1.1.1/8' (203.0.113.0/24, 2001:db8::/32)"]
