"""The report routes through HTTP: forms, recording, whitelist, session cookie, Host selection."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from .support import DOWNLOAD, EVENT, PLAY, reports


def xml(response) -> ET.Element:
    assert response.status_code == 200
    return ET.fromstring(response.get_data())


def status(response) -> tuple[str, str | None]:
    root = xml(response)
    return root.get("status"), root.get("code")


def test_clip_play_is_recorded_with_normalised_fields_and_raw_params(tt_client):
    response = tt_client.get(PLAY, query_string={"photo_id": "1001", "timeStart": "1.25", "timeEnd": "11.5",
                                                 "timeTotal": "256", "user_player_type": "html5", "uuid": "u-1",
                                                 "reportType": "play", "type": "clip", "_": "1709294400000",
                                                 "referer": "https://blog.example.org/", "autoPlay": "1"})
    assert status(response) == ("ok", None)
    [item] = reports(tt_client)["items"]
    assert item["kind"] == "play" and item["photo_id"] == "1001" and item["domain"] == "localhost"
    assert item["endpoint"] == PLAY and item["ip"] == "127.0.0.1" and item["site_id"] == "123456"
    assert item["time"] == "2024-03-01T12:00:00.000Z"  # the scenario's frozen clock
    assert item["fields"]["timeStart"] == 1.25 and item["fields"]["timeEnd"] == 11.5
    assert item["fields"]["timeTotal"] == 256.0 and item["fields"]["user_player_type"] == "html5"
    assert item["params"]["uuid"] == "u-1" and item["params"]["_"] == "1709294400000"
    assert item["params"]["autoPlay"] == "1" and item["params"]["referer"] == "https://blog.example.org/"


def test_live_play(tt_client):
    response = tt_client.get(PLAY, query_string={"photo_id": "55", "type": "live", "play_timestamp": "1709294400"})
    assert status(response) == ("ok", None)
    [item] = reports(tt_client)["items"]
    assert item["fields"]["type"] == "live" and item["fields"]["play_timestamp"] == 1709294400.0


def test_live_ids_are_not_checked_against_the_photo_catalogue(tt_client):
    response = tt_client.get(PLAY, query_string={"photo_id": "55", "type": "live", "play_timestamp": "1"},
                             headers={"Host": "videos.example.com"})
    assert status(response) == ("ok", None)


def test_legacy_aliases(tt_client):
    tt_client.get(PLAY, query_string={"photo_id": "1", "time_start": "3", "time_end": "4", "time_total": "5"})
    fields = reports(tt_client)["items"][0]["fields"]
    assert (fields["timeStart"], fields["timeEnd"], fields["timeTotal"]) == (3.0, 4.0, 5.0)


def test_post_reads_the_form_and_ignores_the_query(tt_client):
    response = tt_client.post(EVENT + "?photo_id=666&event=ignored&format=json",
                              data={"photo_id": "1001", "event": "fullscreen", "source": "embed"})
    assert status(response) == ("ok", None)
    item = reports(tt_client)["items"][0]
    assert item["photo_id"] == "1001" and item["fields"]["event"] == "fullscreen"
    assert item["fields"]["source"] == "embed"
    assert "format" not in item["params"]


def test_post_envelope_comes_from_the_form(tt_client):
    response = tt_client.post(EVENT, data={"photo_id": "1", "event": "load", "format": "json", "raw": ""})
    assert response.get_json()["message"] == "The event was reported"


def test_multipart_post(tt_client):
    response = tt_client.post(EVENT, data={"photo_id": "1", "event": "load"}, content_type="multipart/form-data")
    assert status(response) == ("ok", None)


def test_events_documented_and_not(tt_client):
    for event in ("load", "subtitlesActivated", "postRollClose "):
        assert status(tt_client.get(EVENT, query_string={"photo_id": "1", "event": event})) == ("ok", None)
    flags = [(i["fields"]["event"], i["fields"]["undocumented"]) for i in reports(tt_client)["items"]]
    assert flags == [("load", False), ("subtitlesActivated", True), ("postRollClose ", True)]


# -- download: whitelist and session ----------------------------------------------------------------------
DL = {"photo_id": "1001", "session_id": "sess-1", "bytes_total": "4096", "skip": "1"}


@pytest.mark.parametrize(("ip", "accepted"), [
    ("127.0.0.1", True),         # IPv4 /32
    ("10.20.3.4", True),         # inside the CIDR 10.20.0.0/16
    ("10.21.3.4", False),        # outside it
    ("::1", True),               # IPv6 loopback, written without a prefix
    ("2001:db8:1::5", True),     # inside 2001:db8::/32
    ("2001:db9::5", False),
    ("::ffff:127.0.0.1", True),  # IPv4-mapped
    ("192.0.2.10", False),
])
def test_download_whitelist(tt_client, ip, accepted):
    response = tt_client.get(DOWNLOAD, query_string=DL, environ_base={"REMOTE_ADDR": ip})
    root = xml(response)
    if accepted:
        assert root.get("status") == "ok" and root.get("message") == "The download was reported"
        [item] = reports(tt_client)["items"]
        assert item["ip"] == ip and item["fields"]["bytes_total"] == 4096 and item["fields"]["skip"] == 1
    else:
        assert (root.get("code"), root.get("permission_level")) == ("permission_denied", "none")
        assert reports(tt_client)["total"] == 0


def test_whitelist_entry_is_for_its_domains_only(tt_client):
    response = tt_client.get(DOWNLOAD, query_string=DL, headers={"Host": "videos.example.com"},
                             environ_base={"REMOTE_ADDR": "10.20.0.1"})
    assert status(response) == ("error", "permission_denied")


def test_session_from_cookie_in_the_configured_order(tt_client):
    params = {"photo_id": "1001", "bytes_total": "10"}
    tt_client.set_cookie("ad_session_id", "AD", domain="localhost")
    assert status(tt_client.get(DOWNLOAD, query_string=params)) == ("ok", None)
    tt_client.set_cookie("session_id", "SID", domain="localhost")
    assert status(tt_client.get(DOWNLOAD, query_string=params)) == ("ok", None)
    items = reports(tt_client)["items"]
    assert [(i["fields"]["session_id"], i["fields"]["session_source"]) for i in items] == [
        ("AD", "cookie:ad_session_id"), ("SID", "cookie:session_id")]
    assert reports(tt_client, session_id="AD")["total"] == 1


def test_site_with_only_ad_session_id_configured(tt_app):
    client = tt_app.test_client(use_cookies=False)  # send the Cookie header as written
    params = {"photo_id": "1001", "bytes_total": "10"}
    headers = {"Host": "videos.example.com", "Cookie": "session_id=SID"}
    assert status(client.get(DOWNLOAD, query_string=params, headers=headers)) == ("error", "invalid_input")
    headers["Cookie"] = "session_id=SID; ad_session_id=AD"
    assert status(client.get(DOWNLOAD, query_string=params, headers=headers)) == ("ok", None)
    assert reports(client)["items"][0]["fields"]["session_id"] == "AD"


def test_seesion_id_is_answered_with_the_right_spelling(tt_client):
    root = xml(tt_client.get(DOWNLOAD, query_string={"photo_id": "1", "bytes_total": "1", "seesion_id": "x"}))
    assert root.get("code") == "invalid_input"
    assert "seesion_id" in root.get("message") and "session_id" in root.get("message")


def test_play_with_bytes_total_follows_the_download_contract(tt_client):
    body = tt_client.get(PLAY, query_string={**DL, "format": "json", "raw": ""}).get_json()
    assert body["message"] == "The download was reported" and body["endpoint"] == PLAY
    [item] = reports(tt_client)["items"]
    assert item["kind"] == "download" and item["endpoint"] == PLAY
    denied = tt_client.get(PLAY, query_string=DL, environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert status(denied) == ("error", "permission_denied")
    bad = tt_client.get(PLAY, query_string={**DL, "skip": "2"})
    assert status(bad) == ("error", "invalid_input")
    no_session = tt_client.get(PLAY, query_string={"photo_id": "1", "bytes_total": "1", "timeStart": "1"})
    assert "session_id" in xml(no_session).get("message")
    assert reports(tt_client)["total"] == 1


def test_play_with_empty_bytes_total_is_still_the_download_contract(tt_client):
    root = xml(tt_client.get(PLAY, query_string={"photo_id": "1", "timeStart": "1", "bytes_total": "",
                                                 "session_id": "s"}))
    assert root.get("code") == "invalid_input" and "bytes_total" in root.get("message")


# -- sites -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("host", "domain"), [
    ("localhost:8023", "localhost"),
    ("videos.example.com:8023", "videos.example.com"),
    ("secure.example.com", "videos.example.com"),
    ("nobody.example.org", "localhost"),
])
def test_site_by_host_header(tt_client, host, domain):
    data = tt_client.get(EVENT, query_string={"photo_id": "1001", "event": "load", "format": "json", "raw": ""},
                         headers={"Host": host}).get_json()
    assert data["site"]["domain"] == domain
    assert reports(tt_client)["items"][-1]["domain"] == domain


def test_closed_catalogue(tt_client):
    host = {"Host": "videos.example.com"}
    assert status(tt_client.get(EVENT, query_string={"photo_id": "1002", "event": "load"}, headers=host)) == (
        "ok", None)
    assert status(tt_client.get(EVENT, query_string={"photo_id": "1003", "event": "load"}, headers=host)) == (
        "error", "no_such_photo")
    assert status(tt_client.get(PLAY, query_string={"photo_id": "1003", "timeStart": "0"}, headers=host)) == (
        "error", "no_such_photo")
    assert reports(tt_client)["total"] == 1


def test_parameter_errors_come_before_the_catalogue(tt_client):
    response = tt_client.get(EVENT, query_string={"photo_id": "1003"}, headers={"Host": "videos.example.com"})
    assert status(response) == ("error", "invalid_input")


def test_head_and_options(tt_client):
    assert tt_client.head(PLAY, query_string={"photo_id": "1", "timeStart": "0"}).status_code == 200
    allow = tt_client.options(PLAY).headers["Allow"]
    assert "GET" in allow and "POST" in allow
