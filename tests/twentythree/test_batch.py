"""report/batch: each item validated and recorded as if sent alone; the answer says what failed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from .support import BATCH, reports

PLAY_ITEM = {"reportType": "play", "format": "json", "photo_id": "1001", "timeStart": 0.5, "timeEnd": 10.25,
             "timeTotal": 256.04, "type": "clip", "uuid": "u-1", "user_player_type": "html5"}
EVENT_ITEM = {"reportType": "event", "format": "json", "photo_id": 1001, "event": "load", "type": "clip"}
DOWNLOAD_ITEM = {"reportType": "download", "photo_id": "1001", "session_id": "s1", "bytes_total": 100, "skip": 0}


def batch(client, items, **extra):
    data = items if isinstance(items, str) else json.dumps(items)
    return client.get(BATCH, query_string={"data": data, **extra})


def test_every_item_recorded_as_if_sent_alone(tt_client):
    body = batch(tt_client, [PLAY_ITEM, EVENT_ITEM, DOWNLOAD_ITEM], callback="window.ignore",
                 _="1709294400000").get_data(as_text=True)
    assert body.startswith("window.ignore(") and body.endswith(");")
    data = json.loads(body[len("window.ignore("):-2])
    assert data["status"] == "ok" and data["message"] == "The batch was reported"
    assert data["report"] == {"recorded": "3", "failed": "0", "failures": []}
    assert data["size"] == "3" and data["endpoint"] == BATCH
    items = reports(tt_client)["items"]
    assert [i["kind"] for i in items] == ["play", "event", "download"]
    assert [i["batch_index"] for i in items] == [0, 1, 2]
    assert {i["endpoint"] for i in items} == {BATCH}
    assert items[0]["fields"]["timeEnd"] == 10.25 and items[0]["params"]["uuid"] == "u-1"
    assert items[0]["params"]["timeStart"] == 0.5  # the raw JSON object, types kept
    assert items[1]["photo_id"] == "1001"  # a JSON number reads as the id
    assert items[2]["fields"]["bytes_total"] == 100


def test_failures_are_listed_and_the_rest_recorded(tt_client):
    items = [
        PLAY_ITEM,
        {**PLAY_ITEM, "timeStart": "NaN"},
        {"reportType": "nonsense", "photo_id": "1"},
        {"photo_id": "1"},
        "not an object",
        {**EVENT_ITEM, "photo_id": {"nested": 1}},
        {**PLAY_ITEM, "bytes_total": 5, "session_id": "s"},   # play with bytes_total: download contract
        {**EVENT_ITEM, "event": "subtitlesActivated"},
    ]
    data = batch(tt_client, items, format="json", raw="").get_json()
    assert data["report"]["recorded"] == "3" and data["report"]["failed"] == "5"
    failures = {f["index"]: f for f in data["report"]["failures"]}
    assert sorted(failures, key=int) == ["1", "2", "3", "4", "5"]
    assert failures["1"]["code"] == "invalid_input" and "timeStart" in failures["1"]["message"]
    assert failures["2"]["report_type"] == "nonsense" and "reportType" in failures["2"]["message"]
    assert "reportType" in failures["3"]["message"]
    assert "object" in failures["4"]["message"]
    assert "photo_id" in failures["5"]["message"]
    recorded = reports(tt_client)["items"]
    assert [(i["kind"], i["batch_index"]) for i in recorded] == [("play", 0), ("download", 6), ("event", 7)]


def test_whitelist_and_catalogue_apply_per_item(tt_client):
    items = [DOWNLOAD_ITEM, {**EVENT_ITEM, "photo_id": "1003"}, {**EVENT_ITEM, "photo_id": "1002"}]
    data = tt_client.get(BATCH, query_string={"data": json.dumps(items), "raw": ""},
                         headers={"Host": "videos.example.com"},
                         environ_base={"REMOTE_ADDR": "192.0.2.9"}).get_json()
    codes = [(f["index"], f["code"]) for f in data["report"]["failures"]]
    assert codes == [("0", "permission_denied"), ("1", "no_such_photo")]
    assert [i["photo_id"] for i in reports(tt_client)["items"]] == ["1002"]


def test_batch_xml(tt_client):
    response = batch(tt_client, [PLAY_ITEM, {"reportType": "event", "photo_id": "1"}])
    root = ET.fromstring(response.get_data())
    assert root.tag == "response"
    assert list(root.attrib) == ["status", "permission_level", "message", "cached", "recorded", "failed"]
    assert (root.get("recorded"), root.get("failed")) == ("1", "1")
    [failure] = list(root)
    assert failure.tag == "failure"
    assert failure.attrib == {"index": "1", "report_type": "event", "code": "invalid_input",
                              "message": "Parameters are malformed: event is required."}


@pytest.mark.parametrize("data", ["", "not json", "[", "{}", "[]", '"text"', "42", "[NaN]", "[Infinity]",
                                  "[" * 100_000, json.dumps([{}] * 501)])
def test_broken_data_is_invalid_input_and_records_nothing(tt_client, data):
    tt_client.get("/api/analytics/report/event", query_string={"photo_id": "1", "event": "load"})
    root = ET.fromstring(batch(tt_client, data).get_data())
    assert root.get("code") == "invalid_input" and "data" in root.get("message")
    assert reports(tt_client)["total"] == 1  # what was recorded before is still there


def test_lone_surrogates_in_items_do_not_break_the_answer(tt_client):
    data = '[{"reportType": "event", "photo_id": "1", "event": "x\\ud800y"}]'
    response = batch(tt_client, data)
    assert ET.fromstring(response.get_data()).get("recorded") == "1"
    assert reports(tt_client)["items"][0]["fields"]["event"] == "x\ufffdy"


def test_hostile_values_in_failures_stay_well_formed(tt_client):
    items = [{"reportType": "<x a=\"1\">&", "photo_id": "1"}]
    root = ET.fromstring(batch(tt_client, items).get_data())
    assert root[0].get("report_type") == "<x a=\"1\">&"


def test_post_batch(tt_client):
    response = tt_client.post(BATCH, data={"data": json.dumps([EVENT_ITEM]), "format": "json", "raw": ""})
    assert response.get_json()["report"]["recorded"] == "1"
