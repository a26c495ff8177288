"""Golden answers: the bundled default scenario serves the same bytes on every install.

"Same seed, byte-identical on every machine" is a promise about the wire, so this pins the sha256
of a fixed set of answers (23 Video reports and extracts, api.video listing and events pages) of
the bundled ``default`` scenario (seed 42) on a frozen clock. The expected bytes are kept beside
the hashes (``tests/golden/``) so that a drift names the answer and shows where it starts.

After a deliberate change of generated data: ``GOLDEN_UPDATE=1 pytest tests/test_golden_hashes.py``
rewrites ``tests/golden/`` and prints the new hashes to paste into ``GOLDEN`` below (the files
alone never make the test pass). See docs/determinism.md.
"""

from __future__ import annotations

import base64
import copy
import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.app import create_app

from .twentythree.support import BATCH, EMBED_DETAILS, EVENT, PHOTO_TOTALS, PLAY, PLAY_DETAILS, PLAY_TOTALS, signed

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
CLOCK = "2024-03-01T12:00:00Z"  # the instant tests/twentythree/support.py signs at (NOW_TS)
READ = {"consumer_key": "qa-read-consumer", "consumer_secret": "qa-read-consumer-secret",
        "access_token": "qa-read-token", "access_token_secret": "qa-read-token-secret"}
VIDEO = "vi4k0jvEUuaTdRAEjQ4Prklg"
LIVE = "li4pqNqGLvRFEpDtWHQ4nqbY"
BASIC = {"Authorization": "Basic " + base64.b64encode(b"sandbox-key:").decode()}
EXTRACT_RANGE = {"format": "json", "raw": "", "date_start": "2024-01-30", "date_end": "2024-03-01"}

#: answer name -> sha256 of its status line, Content-Type and body (see ``wire``)
GOLDEN = {
    "23video-report-play": "b725658e1a85b5c19ba4ee6774523088ead6cba8e351e6fa4696755de6a3cf15",
    "23video-report-event": "eb7785279204207f8a285dddc076ac5df7985c4d989adcbfb9fc9c1372200a9d",
    "23video-report-batch": "342786bca43f8a7f02413aa65f8864f86b9f81b39a3f1b07cb3d07c7c77dd972",
    "23video-extract-play-totals": "31ea7a82e9e71d1dde9ed793107a86490c8ea91b260ee60cd39924d5e70b51c4",
    "23video-extract-play-details": "c9533551c05cf9f6fc9009ba9150ec16170e2f19b44c0aefa8574449099e2c68",
    "23video-extract-photo-totals": "3d1d86d7901b28f17b33a7ad9420df7b6ef146c0e5cd674fba2a056b2b4633b8",
    "23video-extract-embed-details": "287588ed44555ed7d26726044c324ca8f59abf7fc301e2065d8220a309c7437f",
    "apivideo-video-sessions-page-1": "a405425adfdd7c3b9195ad516c16d2b4c5560b21046c3fb2d7647a93acc47c80",
    "apivideo-video-sessions-page-3-of-10": "e574615d7e18849b5a558990201d9234af88287315b0124ec8a9ba9b2bbcae19",
    "apivideo-video-sessions-metadata-filter": "2a23e340992ad2fda74d631875c3a3344a24df15a5869dbb8e85033b0532f685",
    "apivideo-live-stream-sessions-page-1": "67727f3dbaf177355377311725cdf2c60c238c7b9631fbe9c42a0b44a496bbcd",
    "apivideo-session-events-generated": "ee1e812dded108dedff3b6e00ee7e31442082e34dc00cff21aaa315ff37e86ef",
    "apivideo-session-events-explicit": "5f7831e0c76dc33f79afe00b51ea4f6f746119c725105c25a9d7c04e14623423",
}


def default_scenario() -> dict[str, Any]:
    """The bundled ``default`` scenario as shipped, with the clock frozen (its history is relative to today)."""
    text = resources.files("emulator").joinpath("scenarios/default.yaml").read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    assert "clock" not in document, "the default scenario now sets a clock: drop the override here"
    return {**copy.deepcopy(document), "clock": CLOCK}


def wire(response) -> bytes:
    """What a client sees that the data decides: status, Content-Type and body."""
    return f"{response.status}\n{response.content_type}\n\n".encode() + response.get_data()


def _first_generated_session(client) -> str:
    page = client.get(f"/analytics/videos/{VIDEO}", query_string={"period": "2024-01-01/2024-02-29"},
                      headers=BASIC).get_json()
    return next(s["session"]["sessionId"] for s in page["data"] if s["session"]["sessionId"] != "psEmFwGQUAXR2lFHj5nDOpy")


def _bearer(client) -> dict[str, str]:
    answer = client.post("/auth/api-key", json={"apiKey": "sandbox-key"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return {"Authorization": "Bearer " + answer.get_json()["access_token"]}


#: (name, call) in the order they run on one app: the reports come first, so the extracts count them
ANSWERS: list[tuple[str, Callable[[Any], Any]]] = [
    ("23video-report-play", lambda c: c.get(PLAY, query_string={
        "photo_id": "1001", "timeStart": "0", "timeEnd": "42", "timeTotal": "120",
        "referer": "https://customer.example/page", "callback": "window.ignore", "format": "json"})),
    ("23video-report-event", lambda c: c.get(EVENT, query_string={
        "photo_id": "1002", "event": "fullscreen", "referer": "https://www.facebook.com/"})),
    ("23video-report-batch", lambda c: c.get(BATCH, query_string={"callback": "window.ignore", "data": json.dumps([
        {"reportType": "play", "format": "json", "photo_id": "1003", "timeStart": 0.5, "timeEnd": 30.25,
         "timeTotal": 256.04, "type": "clip", "uuid": "u-1", "user_player_type": "html5"},
        {"reportType": "event", "format": "json", "photo_id": "1003", "event": "load", "type": "clip"},
        {"reportType": "download", "photo_id": "1003", "session_id": "s1", "bytes_total": 100, "skip": 0}])})),
    ("23video-extract-play-totals", lambda c: signed(c, PLAY_TOTALS, EXTRACT_RANGE, READ)),
    ("23video-extract-play-details", lambda c: signed(c, PLAY_DETAILS, EXTRACT_RANGE, READ)),
    ("23video-extract-photo-totals", lambda c: signed(c, PHOTO_TOTALS, {"format": "json", "raw": ""}, READ)),
    ("23video-extract-embed-details", lambda c: signed(c, EMBED_DETAILS, EXTRACT_RANGE, READ)),
    ("apivideo-video-sessions-page-1", lambda c: c.get(
        f"/analytics/videos/{VIDEO}", query_string={"period": "2024-01-01/2024-02-29"}, headers=BASIC)),
    ("apivideo-video-sessions-page-3-of-10", lambda c: c.get(
        f"/analytics/videos/{VIDEO}", query_string={"period": "2024-01-01/2024-02-29", "currentPage": "3",
                                                  "pageSize": "10"}, headers=BASIC)),
    ("apivideo-video-sessions-metadata-filter", lambda c: c.get(
        f"/analytics/videos/{VIDEO}", query_string={"period": "2024-01", "metadata[Format]": "Demo"},
        headers=BASIC)),
    ("apivideo-live-stream-sessions-page-1", lambda c: c.get(
        f"/analytics/live-streams/{LIVE}", query_string={"period": "2024-02"}, headers=_bearer(c))),
    ("apivideo-session-events-generated", lambda c: c.get(
        f"/analytics/sessions/{_first_generated_session(c)}/events", headers=BASIC)),
    ("apivideo-session-events-explicit", lambda c: c.get(
        "/analytics/sessions/psEmFwGQUAXR2lFHj5nDOpy/events", headers=BASIC)),
]


def _describe(name: str, got: bytes, want: bytes | None) -> str:
    """Which answer changed and where: the first differing byte, then a short line diff."""
    if want is None:
        return f"{name}: no stored bytes in {GOLDEN_DIR} to compare with"
    at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    lines = [f"{name}: the answer differs from byte {at} on ({len(got)} bytes now, {len(want)} pinned)",
             f"  pinned: {want[max(0, at - 40):at + 80]!r}", f"  now:    {got[max(0, at - 40):at + 80]!r}"]
    diff = difflib.unified_diff(_lines(want), _lines(got), "pinned", "now", n=0, lineterm="")
    lines.extend(line[:240] for line in list(diff)[:20])
    return "\n".join(lines)


def _lines(data: bytes) -> list[str]:
    """Bytes cut into readable lines (compact JSON has none of its own): one per object boundary."""
    return data.decode("utf-8", "replace").replace("},{", "},\n{").splitlines()


@pytest.fixture(scope="module")
def answers() -> dict[str, bytes]:
    client = create_app(default_scenario()).test_client()
    return {name: wire(call(client)) for name, call in ANSWERS}


def test_every_answer_is_a_success(answers):
    failed = {name: data[:200] for name, data in answers.items() if not data.startswith(b"200 OK\n")}
    assert not failed


@pytest.mark.parametrize("name", [name for name, _ in ANSWERS])
def test_answer_bytes_are_pinned(answers, name):
    got = answers[name]
    digest = hashlib.sha256(got).hexdigest()
    path = GOLDEN_DIR / f"{name}.txt"
    if os.environ.get("GOLDEN_UPDATE") == "1":
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_bytes(got)
        print(f'\n    "{name}": "{digest}",')
        return
    if digest != GOLDEN.get(name):
        want = path.read_bytes() if path.exists() else None
        pytest.fail(_describe(name, got, want), pytrace=False)


def test_stored_bytes_match_the_pinned_hashes():
    """The files under tests/golden/ are what the hashes say (so a diff shown on failure is true)."""
    stale = [name for name, digest in GOLDEN.items()
             if hashlib.sha256((GOLDEN_DIR / f"{name}.txt").read_bytes()).hexdigest() != digest]
    assert not stale
    assert set(GOLDEN) == {name for name, _ in ANSWERS}


_WITHOUT_FAKER = """
import hashlib, json, sys
sys.modules["faker"] = None  # any import of Faker now fails
from emulator.app import create_app
client = create_app(json.loads(sys.stdin.read())).test_client()
answer = client.get(sys.argv[1], query_string={"period": "2024-01-01/2024-02-29"}, headers=json.loads(sys.argv[2]))
print(hashlib.sha256(f"{answer.status}\\n{answer.content_type}\\n\\n".encode() + answer.get_data()).hexdigest())
"""


def test_generated_data_does_not_need_faker():
    """A process where Faker cannot be imported serves the same first listing page (Faker is only the pool maker's)."""
    done = subprocess.run([sys.executable, "-c", _WITHOUT_FAKER, f"/analytics/videos/{VIDEO}", json.dumps(BASIC)],
                          input=json.dumps(default_scenario()), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == GOLDEN["apivideo-video-sessions-page-1"]


# --- the lowest numpy pyproject.toml allows draws the same sessions -----------------------------------
ROOT = Path(__file__).resolve().parents[1]
_SAME_ANSWERS = """
import hashlib, json, sys
import numpy
from emulator.app import create_app
client = create_app(json.loads(sys.stdin.read())).test_client()
out = {"numpy": numpy.__version__}
for url in json.loads(sys.argv[1]):
    answer = client.get(url, headers=json.loads(sys.argv[2]))
    body = answer.get_data()
    assert answer.status_code == 200 and b'"data":[]' not in body and b'"data":0' not in body, (url, body[:300])
    out[url] = hashlib.sha256(f"{answer.status}\\n{answer.content_type}\\n\\n".encode() + answer.get_data()).hexdigest()
print(json.dumps(out))
"""
# generated listings and events, and /data/* numbers (every metric family) computed from the same draws
_NUMPY_URLS = [f"/analytics/videos/{VIDEO}?period=2024-01-01/2024-02-29",
               f"/analytics/live-streams/{LIVE}?period=2024-01-01/2024-02-29",
               "/data/metrics/watch-time/sum?from=2024-02-29T12:00:00Z&to=2024-03-01T12:00:00Z",
               "/data/buckets/view/country?from=2024-02-29T12:00:00Z&to=2024-03-01T12:00:00Z",
               "/data/timeseries/ccv-peak?from=2024-02-29T12:00:00Z&to=2024-03-01T12:00:00Z"]


def _lowest_numpy() -> str:
    """The lower bound of numpy in pyproject.toml's run-time dependencies."""
    found = re.findall(r'^\s*"numpy>=([0-9.]+)', (ROOT / "pyproject.toml").read_text(), flags=re.M)
    assert len(found) == 1, found
    return found[0]


def test_the_lowest_numpy_allowed_draws_the_same_sessions(tmp_path):
    """The api.video generator's draws are Philox's raw words and integer arithmetic: the oldest
    numpy the dependency range lets in serves the same bytes as the one installed here."""
    from packaging.version import Version

    from npm_packages import install_lock

    version = _lowest_numpy()
    clients = ROOT / ".venv-clients"
    target = clients / f"numpy-{version}"
    with install_lock(clients):
        if not (target / "numpy" / "__init__.py").is_file():
            partial = clients / f"numpy-{version}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                   "--no-deps", "--target", str(partial), f"numpy=={version}"],
                                  capture_output=True, text=True, timeout=600, check=False)
            if done.returncode != 0:
                pytest.fail(f"pip install --target {partial} numpy=={version} failed:\n{done.stderr[-2000:]}")
            shutil.rmtree(target, ignore_errors=True)
            partial.rename(target)
    scenario = json.dumps(default_scenario())
    runs = {}
    for name, path in (("installed", str(ROOT)), ("lowest", os.pathsep.join([str(target), str(ROOT)]))):
        done = subprocess.run([sys.executable, "-c", _SAME_ANSWERS, json.dumps(_NUMPY_URLS), json.dumps(BASIC)],
                              input=scenario, capture_output=True, text=True, timeout=300, cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": path})
        assert done.returncode == 0, done.stderr[-2000:]
        runs[name] = json.loads(done.stdout)
    assert Version(runs["lowest"].pop("numpy")) == Version(version)
    runs["installed"].pop("numpy")
    assert runs["lowest"] == runs["installed"]
