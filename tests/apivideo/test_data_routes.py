"""/data/metrics, /data/buckets, /data/timeseries over HTTP: auth, headers, parameters, errors.

Every answer here also goes through the pinned /data/* contract (the hook in this folder's conftest.py).
"""
from __future__ import annotations

import json

import pytest

from .data_contract import DataContract
from .support import LIVE, SCENARIO, VIDEO, basic, scenario

FEB = "from=2024-02-01T00:00:00%2B00:00&to=2024-03-01T00:00:00%2B00:00"
PROD = basic("production-key")


def get(client, url: str, headers=None):
    return client.get(url, headers=PROD if headers is None else headers)


def data(client, url: str):
    r = get(client, url)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


# --- authentication, rate limits, headers --------------------------------------------------------
@pytest.mark.parametrize("url", ["/data/metrics/play/count", "/data/buckets/play/country", "/data/timeseries/play"])
def test_same_credentials_as_the_legacy_routes(av_client, bearer, url):
    assert av_client.get(url).status_code == 401
    assert av_client.get(url).get_json()["title"] == 'The "Authorization" header is missing.'
    assert av_client.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert av_client.get(url, headers=basic("wrong")).get_json()["title"] == "The API key is invalid."
    ok = av_client.get(url, headers=bearer)
    assert ok.status_code == 200 and ok.mimetype == "application/json"
    assert ok.headers["X-RateLimit-Limit"] == "100"  # the sandbox key's limit
    assert int(ok.headers["X-RateLimit-Remaining"]) == 99
    assert "Access-Control-Allow-Origin" not in ok.headers
    assert get(av_client, url).status_code == 200  # HTTP Basic with the API key


def test_refreshed_token_works(av_client):
    tokens = av_client.post("/auth/api-key", json={"apiKey": "production-key"}).get_json()
    fresh = av_client.post("/auth/refresh", json={"refreshToken": tokens["refresh_token"]}).get_json()
    r = av_client.get("/data/metrics/play/count", headers={"Authorization": "Bearer " + fresh["access_token"]})
    assert r.status_code == 200 and r.headers["X-RateLimit-Limit"] == "500"


def test_rate_limit_is_shared_with_the_legacy_routes(make_app):
    client = make_app(scenario(rate_limits={"enforce": True, "production": 2})).test_client()
    assert get(client, f"/analytics/videos/{VIDEO}?period=2024").status_code == 200
    assert get(client, "/data/metrics/play/count").status_code == 200
    refused = get(client, "/data/timeseries/play")
    assert refused.status_code == 429
    assert refused.get_data() == (b'{"type":"https://docs.api.video/reference/too-many-requests",'
                                  b'"title":"Too many requests.","status":429}')
    assert refused.headers["X-RateLimit-Remaining"] == "0"


# --- the contract's error examples, byte for byte ------------------------------------------------
REQUESTS = {  # example name -> a request that gets it (from the test scenario's clock, 2024-03-01T12:00Z)
    "Invalid attribute": "{route}",  # with the metric "123" (digits: not a name)
    "Invalid query parameter": "{route}?from=2024-01-20T09:15:05%2B02:00",
    "Referrer too long": "{route}?filterBy[referrer][]=" + "a" * 2049,
    "Invalid view duration": "{route}?viewDuration=1m",
    "Invalid interval": "{route}?interval=week",
    "Timeframe does not match interval": "{route}?interval=minute&from=2024-03-01T10:00:00Z&to=2024-03-01T11:00:01Z",
    "Unrecognized request URL": "/data/nothing/here",
    "Too many requests": None,  # test_rate_limit_is_shared_with_the_legacy_routes
}
ROUTES = {"/data/metrics/{metric}/{aggregation}": "/data/metrics/play/count",
          "/data/buckets/{metric}/{breakdown}": "/data/buckets/play/country",
          "/data/timeseries/{metric}": "/data/timeseries/play"}


@pytest.mark.parametrize(("operation", "name", "expected"), DataContract().error_examples(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_every_error_example_of_the_contract(av_client, operation, name, expected):
    url = REQUESTS[name]
    if url is None:
        pytest.skip("429: test_rate_limit_is_shared_with_the_legacy_routes")
    route = ROUTES[operation]
    url = url.format(route=route.replace("play", "123") if name == "Invalid attribute" else route)
    if name == "Invalid query parameter":
        expected = dict(expected, name="from:2024-01-20T09:15:05+02:00")  # a from before the retention
    r = get(av_client, url)
    assert r.status_code == expected["status"] and r.mimetype == "application/problem+json"
    assert r.get_data() == json.dumps(expected, separators=(",", ":")).encode()


def test_the_invalid_query_parameter_example_itself(make_app):
    """The contract's own example value, on a clock where that date is past the 30 days."""
    client = make_app(dict(SCENARIO, clock="2024-07-01T00:00:00Z")).test_client()
    r = get(client, "/data/metrics/play/count?from=2024-05-20T09:15:05%2B02:00")
    assert r.get_data() == (b'{"type":"https://docs.api.video/reference/request-invalid-query-parameter",'
                            b'"title":"A query parameter is invalid.","status":400,'
                            b'"detail":"This field was not expected.","name":"from:2024-05-20T09:15:05+02:00"}')


@pytest.mark.parametrize(("url", "name", "detail"), [
    ("/data/metrics/plays/count", "metric", 'This value should be one of "play", "start"'),
    ("/data/metrics/play/median", "aggregation", 'This value should be one of "count"'),
    ("/data/buckets/play/city", "breakdown", 'This value should be one of "media-id"'),
    ("/data/timeseries/watch-time", "metric", 'This value should be one of "play"'),
    ("/data/metrics/play/count?foo=1", "foo", "This field was not expected."),
    ("/data/metrics/play/count?pageSize=2", "pageSize", "This field was not expected."),
    ("/data/metrics/play/count?unique=true", "unique", "This field was not expected."),
    ("/data/metrics/ccv/peak?unique=maybe", "unique", "This value should be of type bool."),
    ("/data/metrics/ccv/peak?viewDuration=5s", "viewDuration", "This field was not expected."),
    ("/data/metrics/play/count?from=yesterday", "from", "This value is not a valid ATOM date-time"),
    ("/data/metrics/play/count?to=2024-02-30T00:00:00Z", "to", "This value is not a valid date-time."),
    ("/data/metrics/play/count?from=2024-03-01T00:00:00Z&to=2024-02-28T00:00:00Z", "to", "This value should be later"),
    ("/data/buckets/play/country?sortBy=count", "sortBy", 'This sort field is invalid. Use one of "metricValue", '
                                                          '"dimensionValue".'),
    ("/data/timeseries/play?sortBy=dimensionValue", "sortBy", 'Use one of "metricValue", "emittedAt".'),
    ("/data/timeseries/play?sortOrder=up", "sortOrder", 'This sort order is invalid. Use one of "asc", "desc".'),
    ("/data/buckets/play/country?pageSize=101", "pageSize", "This value should be between 1 and 100."),
    ("/data/buckets/play/country?currentPage=0", "currentPage", "This value should be greater than or equal to 1."),
    ("/data/buckets/play/country?currentPage=two", "currentPage", "This value should be of type integer."),
    ("/data/metrics/play/count?filterBy[city][]=Paris", "filterBy[city][]", "This field was not expected."),
    ("/data/metrics/play/count?filterBy[continent][]=EUR", "filterBy[continent]", 'Use one of "AS", "AF"'),
    ("/data/metrics/play/count?filterBy[country]=France", "filterBy[country]", "ISO 3166 alpha-2"),
    ("/data/metrics/play/count?filterBy[mediaType]=podcast", "filterBy[mediaType]", 'Use one of "video"'),
    ("/data/metrics/play/count?filterBy[tag][]=a&filterBy[tag][]=b", "filterBy[tag]", "accepts a single value"),
    ("/data/metrics/play/count?filterBy[mediaType][]=video&filterBy[mediaType][]=live", "filterBy[mediaType]",
     "accepts a single value"),
    ("/data/metrics/play/count?" + "&".join(f"filterBy[country][]=C{n}" for n in range(1001)), "filterBy[country]",
     "accepts at most 1000 values"),
])
def test_other_refusals_name_the_parameter(av_client, url, name, detail):
    r = get(av_client, url)
    body = r.get_json()
    assert r.status_code == 400, body
    assert list(body) == ["type", "title", "status", "detail", "name"]
    assert body["name"] == name and detail in body["detail"]
    assert body["type"] in ("https://docs.api.video/reference/invalid-attribute",
                            "https://docs.api.video/reference/request-invalid-query-parameter")


@pytest.mark.parametrize("url", ["/data/metrics/play/peak", "/data/metrics/ccv/count", "/data/metrics/view/rate",
                                 "/data/buckets/play-total/country", "/data/metrics", "/data/buckets/play"])
def test_undocumented_combinations_are_404(av_client, url):
    """DECISION: a metric with an aggregation it does not have is the vendor's 404 example."""
    r = get(av_client, url)
    assert r.status_code == 404
    assert r.get_data() == (b'{"type":"https://docs.api.video/reference/unrecognized-request-url",'
                            b'"title":"Unrecognized request URL.","status":404}')


# --- parameters ------------------------------------------------------------------------------------
def test_from_and_to_default_to_the_last_day_on_the_emulator_clock(av_client):
    body = data(av_client, "/data/metrics/impression/count")
    assert body["context"] == {"metric": "impression", "aggregation": "count",
                               "timeframe": {"from": "2024-02-29T12:00:00+00:00", "to": "2024-03-01T12:00:00+00:00"}}
    av_client.put("/_emulator/clock", json={"advance": 3600})
    assert data(av_client, "/data/metrics/play/count")["context"]["timeframe"]["to"] == "2024-03-01T13:00:00+00:00"
    only_from = data(av_client, "/data/metrics/play/count?to=2024-02-10T06:30:00%2B01:00")["context"]["timeframe"]
    assert only_from == {"from": "2024-02-09T05:30:00+00:00", "to": "2024-02-10T05:30:00+00:00"}


def test_to_is_exclusive(make_app):
    client = make_app(scenario(retention="3m")).test_client()  # the explicit session: 2024-01-24T11:45:01.109Z
    url = f"/data/metrics/impression/count?filterBy[mediaId][]={VIDEO}&from=2024-01-24T11:45:01Z&to="
    assert data(client, url + "2024-01-24T11:45:01.109Z")["data"] == 0
    assert data(client, url + "2024-01-24T11:45:01.110Z")["data"] == 1


def test_python_isoformat_and_z_are_read(av_client):
    a = data(av_client, "/data/metrics/play/count?" + FEB)
    b = data(av_client, "/data/metrics/play/count?from=2024-02-01T00:00:00&to=2024-03-01T00:00:00.000000")
    c = data(av_client, "/data/metrics/play/count?from=2024-02-01T00:00:00Z&to=2024-03-01T01:00:00%2B01:00")
    assert a == b == c and a["data"] > 0


def test_interval_defaults(av_client):
    two_days = "from=2024-02-27T12:00:00Z&to=2024-02-29T12:00:00Z"
    assert data(av_client, "/data/timeseries/play?" + two_days)["context"]["interval"] == "hour"
    longer = "from=2024-02-27T12:00:00Z&to=2024-02-29T12:00:01Z"
    assert data(av_client, "/data/timeseries/play?" + longer)["context"]["interval"] == "day"
    hour = "from=2024-02-27T12:00:00Z&to=2024-02-27T13:00:00Z&interval=minute"
    assert data(av_client, "/data/timeseries/play?" + hour)["context"]["interval"] == "minute"


def test_filter_by_in_its_three_spellings(av_client):
    base = "/data/metrics/play/count?" + FEB
    unfiltered = data(av_client, base)["data"]
    spellings = ["&filterBy[browser][]=chrome&filterBy[browser][]=firefox",
                 "&filterBy[browser][0]=chrome&filterBy[browser][1]=firefox"]
    counts = {data(av_client, base + s)["data"] for s in spellings}
    assert len(counts) == 1 and 0 < counts.pop() < unfiltered
    chrome = data(av_client, base + "&filterBy[browser]=chrome")["data"]
    firefox = data(av_client, base + "&filterBy[browser][]=firefox")["data"]
    assert chrome + firefox == data(av_client, base + spellings[0])["data"]


def test_media_filters_and_tags(make_app):
    doc = scenario()
    doc["apivideo"]["videos"][0]["tags"] = ["Cool videos", "demo"]
    client = make_app(doc).test_client()
    base = "/data/metrics/play/count?" + FEB
    video = data(client, base + f"&filterBy[mediaId][]={VIDEO}")["data"]
    live = data(client, base + f"&filterBy[mediaId][0]={LIVE}")["data"]
    assert video + live == data(client, base)["data"]
    assert data(client, base + "&filterBy[mediaType]=live-stream")["data"] == live
    assert data(client, base + "&filterBy[tag]=Cool%20videos")["data"] == video
    assert data(client, base + "&filterBy[tag]=cool%20videos")["data"] == 0  # case-sensitive


def test_metric_names_fold_unique_and_view_duration(av_client):
    def metric(url: str) -> str:
        return data(av_client, url)["context"]["metric"]

    assert metric("/data/metrics/view/count") == "view-5"
    assert metric("/data/metrics/view/count?viewDuration=30s&unique=true") == "unique-view-30"
    assert metric("/data/metrics/ccv/peak?unique=true") == "unique-ccv"
    assert metric("/data/buckets/ccv-peak/country?unique=true") == "unique-ccv-peak"
    assert metric("/data/timeseries/ccv-average?unique=false") == "ccv-average"
    assert metric("/data/buckets/play-total/media-id") == "play"


def test_view_duration_changes_the_count(av_client):
    counts = [data(av_client, f"/data/metrics/view/count?{FEB}&viewDuration={d}")["data"]
              for d in ("3s", "5s", "10s", "30s")]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    assert data(av_client, f"/data/metrics/view/count?{FEB}")["data"] == counts[1]  # 5s by default


def test_sort_and_pagination_to_the_last_page(av_client):
    url = "/data/buckets/impression/country?" + FEB
    desc = data(av_client, url + "&pageSize=100")["data"]
    values = [b["metricValue"] for b in desc]
    assert values == sorted(values, reverse=True)  # DECISION: largest first by default
    by_name = data(av_client, url + "&sortBy=dimensionValue&sortOrder=asc&pageSize=100")["data"]
    assert [b["dimensionValue"] for b in by_name] == sorted(b["dimensionValue"] for b in desc)
    pages, page = [], 1
    while True:
        body = data(av_client, f"{url}&sortBy=dimensionValue&pageSize=4&currentPage={page}")
        pages.extend(body["data"])
        rels = [link["rel"] for link in body["pagination"]["links"]]
        if "next" not in rels:
            break
        page += 1
    assert pages == by_name and body["pagination"]["pagesTotal"] == page
    assert body["pagination"]["links"][0]["uri"] == (f"/data/buckets/impression/country?{FEB}&sortBy=dimensionValue"
                                                     f"&currentPage={page}&pageSize=4")
    past = data(av_client, f"{url}&currentPage={page + 1}&pageSize=4")
    assert past["data"] == [] and past["pagination"]["currentPageItems"] == 0
    series = data(av_client, "/data/timeseries/play?" + FEB + "&sortBy=metricValue&sortOrder=desc&pageSize=100")
    assert [p["metricValue"] for p in series["data"]] == sorted((p["metricValue"] for p in series["data"]),
                                                                reverse=True)


# --- time: retention, sandbox, play/total, ccv live -------------------------------------------------
def test_retention_from_the_scenario(make_app):
    old = "/data/metrics/play/count?from=2024-01-02T00:00:00Z"
    assert get(make_app().test_client(), old).status_code == 400  # 30 days by default
    client = make_app(scenario(retention="3m")).test_client()
    assert data(client, old)["data"] > 0
    assert get(client, "/data/metrics/play/count?from=2023-11-30T00:00:00Z").status_code == 400


def test_play_total_is_unlimited(av_client):
    total = data(av_client, "/data/metrics/play/total?from=2024-02-28T00:00:00Z")["data"]
    jan_feb = data(make_feb := av_client, "/data/buckets/play-total/media-id")["data"]
    assert total == sum(b["metricValue"] for b in jan_feb) > data(make_feb, "/data/metrics/play/count?" + FEB)["data"]
    # the old January sessions count although /data/metrics/play/count cannot reach them
    assert get(av_client, "/data/metrics/play/count?from=2024-01-02T00:00:00Z").status_code == 400


def test_sandbox_sees_the_last_24_hours_only(av_client, bearer):
    url = "/data/metrics/impression/count?" + FEB
    production = data(av_client, url)["data"]
    sandbox = av_client.get(url, headers=bearer).get_json()
    last_half_day = data(av_client, "/data/metrics/impression/count?from=2024-02-29T12:00:00Z"
                                    "&to=2024-03-01T00:00:00Z")["data"]
    assert sandbox["data"] == last_half_day < production
    assert sandbox["context"]["timeframe"]["from"] == "2024-02-01T00:00:00+00:00"  # what was asked


def test_ccv_live_is_the_last_20_seconds(make_app):
    doc = scenario()
    doc["apivideo"]["videos"][1]["sessions"] = [{
        "session": {"sessionId": "psLiveWatcher0000000001", "loadedAt": "2024-03-01T11:00:00.000Z",
                    "endedAt": "2024-03-01T11:59:50.000Z"},
        "events": [{"type": "ready", "emittedAt": "2024-03-01T11:00:00.000Z", "at": 0},
                   {"type": "play", "emittedAt": "2024-03-01T11:00:01.000Z", "at": 0},
                   {"type": "pause", "emittedAt": "2024-03-01T11:59:50.000Z", "at": 3589}]}]
    client = make_app(doc).test_client()
    assert data(client, "/data/metrics/ccv/live")["data"] == 1  # playing until 10 s ago
    client.put("/_emulator/clock", json={"advance": 11})
    assert data(client, "/data/metrics/ccv/live")["data"] == 0
    assert data(client, "/data/metrics/ccv/peak?from=2024-03-01T11:00:00Z")["data"] >= 1
