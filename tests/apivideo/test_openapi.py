"""The pinned contract: the embedded copy matches the fixture; /_emulator/openapi.json shows the routes."""
from __future__ import annotations

import json

import pytest
from flask import Response
from openapi_schema_validator import OAS30Validator

from emulator.apivideo.contracts import CONTRACT
from emulator.apivideo.openapi import PREFIX
from emulator.app import create_app

from .contract import Contract, load_fixture, render_contract, strip_samples
from .support import LIVE, SCENARIO, beacon, event

ROUTES = ["/auth/api-key", "/auth/refresh", "/analytics/videos/{videoId}",
          "/analytics/live-streams/{liveStreamId}", "/analytics/sessions/{sessionId}/events", "/vod", "/live"]


def test_embedded_contract_is_the_fixture():
    fixture = load_fixture()
    assert CONTRACT == strip_samples(fixture)
    from .contract import SHIPPED

    assert (SHIPPED / "raw-statistics.json").read_text(encoding="utf-8") == render_contract(fixture)


def test_fixture_is_the_shared_pinned_copy():
    """The fixture is a verbatim copy of the vendor extract (when the shared folder is around)."""
    from pathlib import Path

    from .contract import FIXTURE
    shared = Path(__file__).resolve().parents[3] / "shared" / "vendor" / "apivideo" / "raw-statistics.openapi.yaml"
    if not shared.exists():
        pytest.skip(f"no shared folder beside the repository ({shared})")
    assert FIXTURE.read_bytes() == shared.read_bytes()


def test_openapi_document_has_the_routes(av_client):
    doc = av_client.get("/_emulator/openapi.json").get_json()
    for route in ROUTES:
        assert route in doc["paths"], route
    schemas = doc["components"]["schemas"]
    assert PREFIX + "raw-statistics-list-sessions-response" in schemas
    text = json.dumps(doc)
    refs = {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}
    assert refs <= set(schemas), refs - set(schemas)
    assert "#/components/parameters/" not in text and "securitySchemes" not in text
    op = doc["paths"]["/analytics/videos/{videoId}"]["get"]
    assert [p["name"] for p in op["parameters"]] == ["videoId", "period", "metadata", "currentPage", "pageSize"]
    assert {"200", "400", "401", "404", "429"} <= set(op["responses"])


def test_documented_schemas_accept_real_answers(av_client, bearer):
    """The schemas published in openapi.json validate what the routes answer."""
    doc = av_client.get("/_emulator/openapi.json").get_json()
    schemas = doc["components"]["schemas"]

    def check(path_key: str, status: str, body: dict) -> None:
        op = next(iter(doc["paths"][path_key].values()))
        schema = next(iter(op["responses"][status]["content"].values()))["schema"]
        OAS30Validator({**schema, "components": {"schemas": schemas}}).validate(body)

    check("/analytics/videos/{videoId}", "200",
          av_client.get("/analytics/videos/vi4k0jvEUuaTdRAEjQ4Prklg?period=2024", headers=bearer).get_json())
    check("/analytics/videos/{videoId}", "400",
          av_client.get("/analytics/videos/x?period=2024&pageSize=0", headers=bearer).get_json())
    check("/analytics/videos/{videoId}", "401", av_client.get("/analytics/videos/x?period=2024").get_json())
    check("/auth/api-key", "200", av_client.post("/auth/api-key", json={"apiKey": "sandbox-key"}).get_json())


def test_contract_checker_catches_violations(contract, contract_hook):
    """The hook every api.video test runs through really rejects what a strict client would."""
    app = create_app(SCENARIO)
    seen: list[str] = []
    contract_hook(app, contract, seen)
    bad = {"data": [{"session": {"sessionId": "x", "loadedAt": "2024-01-01T00:00:00Z", "endedAt": None}}],
           "pagination": {"itemsTotal": 1.0, "links": [], "extra": True}}
    app.add_url_rule("/analytics/videos/<v>/broken", "broken",
                     lambda v: Response(json.dumps(bad), mimetype="text/json"))
    app.test_client().get("/analytics/videos/x/broken")
    assert any("Content-Type" in s for s in seen)
    assert any("'2024-01-01T00:00:00Z' is not a 'date-time'" in s for s in seen)
    assert any("None for not nullable" in s for s in seen)
    assert any("1.0 is not of type 'integer'" in s for s in seen)
    assert any("'extra' was unexpected" in s for s in seen)


def test_range_errors_need_their_extension(contract):
    body = {"type": "t", "title": "x", "name": "pageSize", "status": 400, "range": {"min": 1, "max": 100},
            "problems": [{"type": "t", "title": "x", "name": "pageSize", "status": 400}]}
    assert contract.errors("/analytics/videos/x", 400, body) == []
    assert Contract().validator("bad-request").is_valid({k: v for k, v in body.items() if k != "range"})
    assert not Contract().validator("bad-request").is_valid(body)


def test_documented_collector_schemas(av_client):
    """The beacon schemas accept what the module sends; the reply and problem schemas what we answer."""
    doc = av_client.get("/_emulator/openapi.json").get_json()
    schemas = doc["components"]["schemas"]

    def validate(schema: dict, body: dict) -> None:
        OAS30Validator({**schema, "components": {"schemas": schemas}}).validate(body)

    for path, body in (("/vod", beacon([event("ready", 1), event("seek.forward", 2, **{"from": 1.5, "to": 9})],
                                       metadata=[{"a": "b"}])),
                       ("/live", beacon(live=LIVE))):
        op = doc["paths"][path]["post"]
        validate(op["requestBody"]["content"]["application/json"]["schema"], body)
        validate(op["responses"]["200"]["content"]["application/json"]["schema"],
                 av_client.post(path, json=body).get_json())
        bad = av_client.post(path, json={**body, "events": [{"type": "rewind"}]}).get_json()
        validate(op["responses"]["400"]["content"]["application/problem+json"]["schema"], bad)
        assert set(doc["paths"][path]) == {"post", "options"}


# --- the /data/* contract (analytics-data.openapi.yaml) --------------------------------------------
def test_embedded_data_contract_is_the_fixture():
    from .contract import SHIPPED
    from .data_contract import load_data_fixture, render_data_contract

    assert (SHIPPED / "analytics-data.json").read_text(encoding="utf-8") == render_data_contract(load_data_fixture())


def test_data_fixture_is_the_shared_pinned_copy():
    import hashlib
    from pathlib import Path

    from .data_contract import FIXTURE
    # the sha256 the vendor facts give for the vendor's whole openapi.yaml is of the source, not of
    # this extract: the extract is pinned by being byte-identical to the shared copy
    shared = Path(__file__).resolve().parents[3] / "shared" / "vendor" / "apivideo" / "analytics-data.openapi.yaml"
    if not shared.exists():
        pytest.skip(f"no shared folder beside the repository ({shared})")
    assert hashlib.sha256(FIXTURE.read_bytes()).digest() == hashlib.sha256(shared.read_bytes()).digest()


def test_openapi_document_has_the_data_routes(av_client, bearer):
    doc = av_client.get("/_emulator/openapi.json").get_json()
    for route in ("/data/metrics/{metric}/{aggregation}", "/data/buckets/{metric}/{breakdown}",
                  "/data/timeseries/{metric}", "/watch"):
        assert route in doc["paths"], route
    schemas = doc["components"]["schemas"]
    op = doc["paths"]["/data/buckets/{metric}/{breakdown}"]["get"]
    assert [p["name"] for p in op["parameters"]] == ["metric", "breakdown", "from", "to", "sortBy", "sortOrder",
                                                     "unique", "viewDuration", "filterBy", "currentPage", "pageSize"]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    body = av_client.get("/data/buckets/play/country", headers=bearer).get_json()
    OAS30Validator({**schema, "components": {"schemas": schemas}}).validate(body)
    text = json.dumps(doc)
    refs = {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}
    assert refs <= set(schemas), refs - set(schemas)


@pytest.mark.parametrize(("url", "field", "value"), [
    ("/data/metrics/ccv/peak", "aggregation", "peak"),
    ("/data/metrics/ccv/live", "aggregation", "live"),
    ("/data/buckets/play/referrer", "breakdown", "referrer"),
])
def test_the_named_exceptions_are_the_only_ones(av_client, bearer, url, field, value):
    """What the pinned enums reject and the vendor documents: allowed in the contract tests, no more."""
    from .data_contract import DataContract

    body = av_client.get(url, headers=bearer).get_json()
    assert body["context"][field] == value
    assert DataContract().errors(url, 200, body) == []
    assert any(field in e for e in DataContract(with_exceptions=False).errors(url, 200, body))
    wrong = dict(body, context=dict(body["context"], **{field: "bogus"}))
    assert DataContract().errors(url, 200, wrong)


def test_data_contract_rejects_what_a_strict_client_would(bearer, av_client):
    from .data_contract import DataContract

    good = av_client.get("/data/timeseries/play", headers=bearer).get_json()
    contract = DataContract()
    assert contract.errors("/data/timeseries/play", 200, good) == []
    spaced = dict(good, context=dict(good["context"], timeframe={"from": "2024-05-28 11:15:07+00:00",
                                                                 "to": good["context"]["timeframe"]["to"]}))
    assert contract.errors("/data/timeseries/play", 200, spaced)  # DECISION: always a T
    assert contract.errors("/data/timeseries/play", 200, dict(good, extra=1))
    assert contract.errors("/data/timeseries/play", 400, {"type": "t", "title": "x", "status": 400, "range": {}})
