"""User agents: real current browsers mapped in the vendor's vocabulary, and a parser that cannot crash the process.

device_detector 6.x read its rules with yaml_rs, which killed the server (SIGSEGV) on the second
beacon from another User-Agent: yaml_rs crashes once the thread that first used it has exited.
The emulator reads the rules with PyYAML instead (emulator/apivideo/useragents.py). These tests
check that swap is exact, that yaml_rs is never called, and, over the wire, that a fresh CLI
server and a fresh pytest-fixture server each keep answering beacons from many User-Agents, each
on its own connection (so each parsed on a different, short-lived server thread).
"""
from __future__ import annotations

import http.client
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from emulator.apivideo.useragents import platform

pytest_plugins = ["pytester"]
U = "unknown"
WIN = ("Microsoft Windows", "W10", "Windows10")

# (name, User-Agent, device, os, client): what current browsers send, as of Chrome 156 / Firefox 146
TABLE = [
    ("Chrome on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/156.0.0.0 Safari/537.36", ("desktop", U, U), WIN, ("browser", "Chrome", "156.0.0.0")),
    ("Firefox on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:146.0) Gecko/20100101 Firefox/146.0",
     ("desktop", U, U), WIN, ("browser", "Firefox", "146.0")),
    ("Edge on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/156.0.0.0 Safari/537.36 Edg/156.0.0.0", ("desktop", U, U), WIN, ("browser", "Microsoft Edge", "156.0.0.0")),
    ("Chrome on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/156.0.0.0 Safari/537.36", ("desktop", "Apple", U), ("Mac", "MAC", "10.15.7"),
     ("browser", "Chrome", "156.0.0.0")),
    ("Safari on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/26.1 Safari/605.1.15", ("desktop", "Apple", U), ("Mac", "MAC", "26.1"), ("browser", "Safari", "26.1")),
    ("Firefox on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:146.0) Gecko/20100101 Firefox/146.0",
     ("desktop", "Apple", U), ("Mac", "MAC", "10.15"), ("browser", "Firefox", "146.0")),
    ("Edge on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/156.0.0.0 Safari/537.36 Edg/156.0.0.0", ("desktop", "Apple", U), ("Mac", "MAC", "10.15.7"),
     ("browser", "Microsoft Edge", "156.0.0.0")),
    ("Chrome on Linux", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 "
     "Safari/537.36", ("desktop", U, U), ("GNU/Linux", "LIN", U), ("browser", "Chrome", "156.0.0.0")),
    ("Headless Chromium on Linux", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "HeadlessChrome/156.0.0.0 Safari/537.36", ("desktop", U, U), ("GNU/Linux", "LIN", U),
     ("browser", "Headless Chrome", "156.0.0.0")),
    ("Firefox on Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:146.0) Gecko/20100101 Firefox/146.0",
     ("desktop", U, U), ("GNU/Linux", "LIN", U), ("browser", "Firefox", "146.0")),
    ("Firefox on Ubuntu", "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:146.0) Gecko/20100101 Firefox/146.0",
     ("desktop", U, U), ("Ubuntu", "UBT", U), ("browser", "Firefox", "146.0")),
    ("Chrome on ChromeOS", "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/156.0.0.0 Safari/537.36", ("desktop", U, U), ("Chrome OS", "COS", "14541.0.0"),
     ("browser", "Chrome", "156.0.0.0")),
    ("Safari on iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/18.6 Mobile/15E148 Safari/604.1", ("smartphone", "Apple", "iPhone"), ("iOS", "IOS", "18.6"),
     ("browser", "Mobile Safari", "18.6")),
    ("Safari on iPad", "Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.6 Mobile/15E148 Safari/604.1", ("tablet", "Apple", "iPad"), ("iPadOS", "IPA", "18.6"),
     ("browser", "Mobile Safari", "18.6")),
    ("Chrome on an Android phone", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/156.0.0.0 Mobile Safari/537.36", ("smartphone", "Google", "Pixel 8"), ("Android", "AND", "14"),
     ("browser", "Chrome Mobile", "156.0.0.0")),
    ("Chrome on Android, reduced UA", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/156.0.0.0 Mobile Safari/537.36", ("smartphone", U, U), ("Android", "AND", "10"),
     ("browser", "Chrome Mobile", "156.0.0.0")),
    ("Chrome on an Android tablet", "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/156.0.0.0 Safari/537.36", ("tablet", "Samsung", 'Galaxy Tab S9 11" WiFi'), ("Android", "AND", "14"),
     ("browser", "Chrome", "156.0.0.0")),
    ("Samsung smart TV", "Mozilla/5.0 (SMART-TV; LINUX; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "94.0.4606.31/7.0 TV Safari/537.36", ("tv", U, U), ("Tizen", "TIZ", "7.0"), ("browser", "Safari", U)),
    ("PlayStation 5", "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko)",
     ("console", "Sony", "PlayStation 5"), ("PlayStation", "PS3", "5.2.26"), ("browser", "NetFront", U)),
    ("Xbox One", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36 Edge/44.18363.8131", ("console", "Microsoft", "Xbox One"), WIN,
     ("browser", "Microsoft Edge", "44.18363.8131")),
    ("Googlebot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", (U, U, U), (U, U, U),
     ("generic", "Googlebot", "2.1")),
    ("curl", "curl/8.5.0", (U, U, U), (U, U, U), ("library", "curl", "8.5.0")),
    ("no User-Agent", "", (U, U, U), (U, U, U), (U, U, U)),
]


@pytest.mark.parametrize("agent, device, os, client", [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_real_user_agents(agent, device, os, client):
    found = platform(agent)
    assert (found.device, found.os, found.client) == (device, os, client)


def _python(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (fresh device_detector caches), on its main thread."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)


def test_every_rule_file_reads_the_same_with_pyyaml():
    """The swap is exact: each rule file device_detector ships gives the same data as through yaml_rs."""
    done = _python("""
        import pathlib, device_detector, yaml_rs
        from emulator.apivideo.useragents import PYYAML_READER
        root = pathlib.Path(device_detector.__file__).parent
        files = [f for f in sorted(root.rglob("*.yml")) if "tests" not in f.relative_to(root).parts]
        differ = [str(f.relative_to(root)) for f in files
                  if yaml_rs.loads(f.read_text(encoding="utf-8")) != PYYAML_READER.loads(f.read_text(encoding="utf-8"))]
        print(len(files), differ)
    """)
    assert done.returncode == 0, done.stderr
    count, differ = done.stdout.split(" ", 1)
    assert int(count) > 50 and differ.strip() == "[]"


def test_yaml_rs_is_never_called_from_any_thread():
    """Each parse on its own short-lived thread, yaml_rs booby-trapped: the parses still succeed."""
    done = _python("""
        import os, threading, yaml_rs
        def trap(*_):
            os._exit(97)
        yaml_rs.loads = trap
        from emulator.apivideo.useragents import platform
        agents = ["curl/8.5.0", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
                  "Gecko) Version/17.1 Safari/605.1.15", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36"]
        found = []
        for agent in agents:
            thread = threading.Thread(target=lambda a=agent: found.append(platform(a).device[0]))
            thread.start()
            thread.join()
        print(found)
    """)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.strip() == "['unknown', 'desktop', 'smartphone']"


_BY_NAME = {row[0]: row[1] for row in TABLE}
#: curl first: its parse reads a few rule files on one thread, which then exits; the next agents need
#: more rule files, read on other threads (the arrangement that crashed yaml_rs every time)
AGENTS = [_BY_NAME[name] for name in ("curl", "Safari on macOS", "Chrome on an Android phone", "Chrome on Linux",
                                      "Safari on iPhone", "Firefox on Windows", "Samsung smart TV", "Googlebot")]
BEACON = {"emitted_at": "2024-02-10T10:00:01.000Z",
          "session": {"loaded_at": "2024-02-10T10:00:00.000Z", "referrer": "", "metadata": [],
                      "video_id": "vi4k0jvEUuaTdRAEjQ4Prklg"},
          "events": [{"type": "ready", "emitted_at": "2024-02-10T10:00:01.000Z", "at": 0}]}


def beacons_from_many_agents(host: str, port: int, agents: list[str]) -> list[int]:
    """One POST /vod per User-Agent, each on its own connection (so on its own server thread); then /health."""
    statuses = []
    for agent in agents + ["curl/8.5.0"]:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        try:
            connection.request("POST", "/vod", json.dumps(BEACON), {"Content-Type": "text/plain", "User-Agent": agent})
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        finally:
            connection.close()
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("GET", "/_emulator/health")
    statuses.append(connection.getresponse().status)
    connection.close()
    return statuses


def test_a_fresh_cli_server_survives_beacons_from_many_user_agents():
    script = Path(sys.executable).with_name("analytics-emulator")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "emulator.cli"]
    process = subprocess.Popen([*command, "serve", "--port", "0", "--scenario", "apivideo-beacons"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("ready http://"), line
        host, port = line.removeprefix("ready http://").rsplit(":", 1)
        assert beacons_from_many_agents(host, int(port), AGENTS) == [200] * (len(AGENTS) + 2)
        assert process.poll() is None
    finally:
        process.terminate()
        code = process.wait(timeout=10)
    assert code == 0, process.stderr.read()[-2000:]


def test_a_fresh_fixture_server_survives_beacons_from_many_user_agents(pytester):
    pytester.makepyfile(test_beacons=f"""
        import http.client, json
        import pytest

        AGENTS = {AGENTS!r}
        BEACON = {BEACON!r}

        @pytest.mark.emulator_scenario("apivideo-beacons")
        def test_beacons(analytics_emulator):
            host, port = analytics_emulator.url.removeprefix("http://").split("/")[0].rsplit(":", 1)
            for agent in AGENTS:
                connection = http.client.HTTPConnection(host, int(port), timeout=60)
                connection.request("POST", "/vod", json.dumps(BEACON),
                                   {{"Content-Type": "text/plain", "User-Agent": agent}})
                assert connection.getresponse().status == 200
                connection.close()
            assert len(analytics_emulator.control.requests(path="/vod")) == len(AGENTS)
    """)
    result = pytester.runpytest_subprocess("-p", "no:hypothesispytest", "-q", timeout=300)
    assert result.ret == 0, result.stdout.str()[-3000:]
    result.assert_outcomes(passed=1)


def test_a_process_that_exits_during_the_warm_up_exits_cleanly():
    """The warm-up thread may be inside the parser's Rust extension when the process ends: a finalizing
    interpreter used to abort there ("FATAL: exception not rethrown", exit 134). It now exits 0."""
    done = _python("""
        import time
        from emulator.app import create_app
        server = create_app("default").serve()  # serving starts the warm-up
        time.sleep(1.0)
    """)
    assert done.returncode == 0 and "FATAL" not in done.stderr, (done.returncode, done.stderr[-2000:])


def test_serve_stopped_during_the_warm_up_stops_at_once():
    import signal
    import time

    script = Path(sys.executable).with_name("analytics-emulator")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "emulator.cli"]
    process = subprocess.Popen([*command, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline().startswith("ready http://")
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert time.monotonic() - started < 2.0 and "FATAL" not in process.stderr.read()
