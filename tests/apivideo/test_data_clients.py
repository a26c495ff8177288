"""The official clients of the current generation, unmodified, against a served emulator.

Python ``api.video==1.4.7`` is the same distribution as the suite's 1.3.0 (the raw-statistics
client), so it is installed apart (``pip install --target .venv-clients/apivideo-1.4.7``) and run
in a subprocess with PYTHONPATH; the Node client ``@api.video/nodejs-client@2.6.8`` is installed
with npm into ``tests/.cache/npm`` (tests/support/npm_packages.py, as the player module is). Both folders are git-ignored and filled on first use, so a
clean clone's ``make test`` installs them; the Node tests are skipped only when node/npm are
missing. Each script calls every metric, aggregation, breakdown and interval the client exposes,
with filters, pages to the last page and reads errors as the client's exceptions; the test
compares what the client got with the emulator's own answers.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from npm_packages import install_lock, installed

from .support import SCENARIO, basic

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / ".venv-clients"
PY_TARGET = CLIENTS / "apivideo-1.4.7"
SCRIPTS = Path(__file__).resolve().parent / "clients"
WINDOW = "from=2024-02-01T00:00:00%2B00:00&to=2024-03-01T00:00:00%2B00:00"
MINUTE_WINDOW = "from=2024-02-28T09:00:00%2B00:00&to=2024-02-28T10:00:00%2B00:00"
AUTH = basic("production-key")
# what the scripts in clients/ call: one table for the three
CALLS = json.loads((SCRIPTS / "calls.json").read_text())
METRICS, BUCKET_METRICS, BREAKDOWNS = CALLS["metrics"], CALLS["bucket_metrics"], CALLS["breakdowns"]


@pytest.fixture(scope="session")
def python147() -> Path:
    with install_lock(CLIENTS):
        if not (PY_TARGET / "apivideo" / "api" / "analytics_api.py").is_file():
            partial = CLIENTS / "apivideo-1.4.7.partial"
            shutil.rmtree(partial, ignore_errors=True)
            done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                   "--target", str(partial), "api.video==1.4.7"], capture_output=True, text=True,
                                  timeout=600, check=False)
            if done.returncode != 0:
                pytest.fail(f"pip install --target {partial} api.video==1.4.7 failed:\n{done.stderr[-2000:]}")
            shutil.rmtree(PY_TARGET, ignore_errors=True)
            partial.rename(PY_TARGET)
    return PY_TARGET


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The node_modules folder holding @api.video/nodejs-client 2.6.8 (tests/support/npm_packages.py)."""
    return installed("@api.video/nodejs-client", "2.6.8").parents[1]


@pytest.fixture
def served(make_app, live_server_factory):
    app = make_app(SCENARIO)
    return app, live_server_factory(app)


def _run(command: list[str], env: dict | None = None) -> dict:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _expected(app) -> dict:
    """The emulator's own answers to what the scripts ask, every page."""
    client = app.test_client()

    def get(url: str):
        r = client.get(url, headers=AUTH)
        assert r.status_code == 200, r.get_data(as_text=True)
        body = r.get_json()
        if "pagination" in body:  # every page of 100
            for page in range(2, body["pagination"]["pagesTotal"] + 1):
                body["data"] += client.get(f"{url}&currentPage={page}", headers=AUTH).get_json()["data"]
        return body

    out: dict = {"metrics": {f"{m}/{a}": get(f"/data/metrics/{m}/{a}?{WINDOW}")["data"]
                             for m, aggs in METRICS.items() for a in aggs},
                 "buckets": {}, "series": {}}
    for m in BUCKET_METRICS:
        for b in BREAKDOWNS:
            out["buckets"][f"{m}/{b}"] = get(f"/data/buckets/{m}/{b}?{WINDOW}&sortBy=dimensionValue&sortOrder=asc"
                                             "&pageSize=100")["data"]
        for i in ("minute", "hour", "day"):
            out["series"][f"{m}/{i}"] = get(f"/data/timeseries/{m}?{MINUTE_WINDOW if i == 'minute' else WINDOW}"
                                            f"&interval={i}&pageSize=100")["data"]
    out["play-total"] = get("/data/buckets/play-total/media-id?pageSize=100")["data"]
    out["filtered"] = get(f"/data/metrics/play/count?{WINDOW}&filterBy[browser][]=chrome&filterBy[continent][]=EU"
                          "&filterBy[deviceType][]=computer&filterBy[deviceType][]=phone")["data"]
    return out


def _camel(row: dict) -> dict:
    names = {"dimension_value": "dimensionValue", "metric_value": "metricValue", "emitted_at": "emittedAt"}
    return {names.get(k, k): v for k, v in row.items()}


def _assert_errors(errors: dict) -> None:
    assert errors["from too old"]["status"] == 400
    assert errors["from too old"]["body"]["name"].startswith("from:2023-01-01T00:00:00")
    assert errors["undocumented"]["status"] == 404
    assert errors["undocumented"]["body"]["type"] == "https://docs.api.video/reference/unrecognized-request-url"
    assert errors["bad interval range"]["body"]["detail"] == ("This interval cannot be used with a timeframe "
                                                              "over 60 minutes.")


def test_python_client_147(served, python147):
    app, running = served
    got = _run([sys.executable, str(SCRIPTS / "python147.py"), running.url], {"PYTHONPATH": str(python147)})
    assert got["version"] == "1.4.7"
    want = _expected(app)
    # the vendor-client defect (docs/apivideo-analytics.md, "Fidelity notes"): its response models
    # check enums that omit values the vendor documents, so these answers make it raise
    # ApiValueError although they are what the API returns
    defect = {k for k, v in got["metrics"].items() if v.get("error") == "ApiValueError"}
    assert defect == {"ccv/peak", "ccv/live"}
    assert all("Invalid value for `aggregation`" in got["metrics"][k]["message"] for k in defect)
    refused = {k for k, v in got["buckets"].items() if v.get("error") == "ApiValueError"}
    assert refused == {k for k in got["buckets"] if k.endswith("/referrer")}
    for key, value in got["metrics"].items():
        if key not in defect:
            assert value["ok"] == want["metrics"][key], key
    for key, value in got["buckets"].items():
        if key not in refused:
            assert [_camel(r) for r in value["ok"]["rows"]] == want["buckets"][key], key
            assert value["ok"]["pages"] == max(1, -(-len(want["buckets"][key]) // 3))
    for key, value in got["series"].items():
        assert [_camel(r) for r in value["ok"]["rows"]] == want["series"][key], key
    assert [_camel(r) for r in got["play-total"]["ok"]["rows"]] == want["play-total"]
    assert got["filtered"]["ok"] == want["filtered"] > 0
    assert got["unique_view"]["ok"] == "unique-view-10"  # unique=True arrives as "True": read as a boolean
    _assert_errors(got["errors"])


def test_node_client_268(served, node_modules):
    app, running = served
    got = _run(["node", str(SCRIPTS / "node268.js"), str(node_modules), running.url])
    assert got["version"] == "2.6.8"
    want = _expected(app)
    assert {k: v["ok"] for k, v in got["metrics"].items()} == want["metrics"]  # peak and live included
    for key, value in got["buckets"].items():
        assert value["ok"]["rows"] == want["buckets"][key], key
        assert value["ok"]["pages"] == max(1, -(-len(want["buckets"][key]) // 3))
    for key, value in got["series"].items():
        assert value["ok"]["rows"] == want["series"][key], key
    assert got["playTotal"]["ok"]["rows"] == want["play-total"]
    assert got["filtered"]["ok"] == want["filtered"] > 0  # indexed keys: filterBy[browser][0]=chrome
    assert got["uniqueView"]["ok"] == "unique-view-10"
    assert got["rateLimit"] == "500"
    _assert_errors(got["errors"])
