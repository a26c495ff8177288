"""The command line, end to end: a real process, its ready line, its exit codes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "emulator.cli"]
SCENARIOS = Path(__file__).resolve().parent.parent / "emulator" / "scenarios"


def run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def serve():
    processes: list[subprocess.Popen] = []

    def start(*args: str) -> tuple[subprocess.Popen, str]:
        process = subprocess.Popen(CLI + ["serve", "--port", "0", *args], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        processes.append(process)
        line = process.stdout.readline().strip()
        assert line.startswith("ready http://127.0.0.1:"), (line, process.stderr.read() if process.poll() else "")
        return process, line.split(" ", 1)[1]

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def get_json(url: str, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_prints_ready_line_answers_and_stops_on_sigterm(serve):
    process, url = serve()
    status, body = get_json(f"{url}/_emulator/ready")
    assert status == 200 and body["scenario"] == "default"
    with urllib.request.urlopen(f"{url}/api/analytics/report/event?photo_id=1&event=load", timeout=5) as response:
        assert response.status == 200 and b'status="ok"' in response.read()
    assert get_json(f"{url}/_emulator/requests")[1]["total"] == 1
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=5) == 0
    assert time.monotonic() - started < 1.5
    assert process.stdout.read() == ""  # exactly one line on stdout


def test_serve_ctrl_c(serve):
    process, _ = serve()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=5) == 0


def test_serve_scenario_path_seed_and_control_token(serve, tmp_path):
    _, url = serve("--scenario", str(SCENARIOS / "vendor-outage.yaml"), "--seed", "9", "--control-token", "tok")
    assert get_json(f"{url}/_emulator/ready")[0] == 401
    status, body = get_json(f"{url}/_emulator/ready", {"Authorization": "Bearer tok"})
    assert status == 200 and body["scenario"] == "vendor-outage" and body["seed"] == 9


def test_serve_bad_scenario_exits_1_with_location(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\napivideo:\n  videos:\n    - id: v1\n      generate: {sessions: many}\n")
    result = run("serve", "--port", "0", "--scenario", str(bad))
    assert result.returncode == 1
    assert f"{bad}:5: apivideo.videos[0].generate.sessions" in result.stderr
    assert result.stdout == ""


def test_serve_unknown_scenario_name():
    result = run("serve", "--port", "0", "--scenario", "nope")
    assert result.returncode == 1 and "bundled" in result.stderr


def test_validate(tmp_path):
    good = run("validate", *(str(p) for p in sorted(SCENARIOS.glob("*.yaml"))))
    assert good.returncode == 0, good.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsede: 3\n")
    result = run("validate", str(bad))
    assert result.returncode == 1
    assert result.stdout.strip() == f"{bad}:2: sede: unknown key 'sede' (did you mean 'seed'?)"
    missing = run("validate", str(tmp_path / "missing.yaml"))
    assert missing.returncode == 1 and "cannot read" in missing.stdout


def test_scenarios_lists_bundled_with_descriptions():
    result = run("scenarios")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert "default" in names and "vendor-outage" in names
    assert all(len(line.split(None, 1)) == 2 for line in result.stdout.splitlines())


def test_serve_limits_are_options_and_bad_values_exit_1(serve):
    result = run("serve", "--port", "0", "--max-tenants", "0")
    assert result.returncode == 1 and "max_tenants: expected a positive integer" in result.stderr
    _, url = serve("--journal-cap", "2", "--max-body-bytes", "100")
    for _ in range(3):
        urllib.request.urlopen(f"{url}/api/analytics/report/event?photo_id=1&event=load", timeout=5).read()
    status, body = get_json(f"{url}/_emulator/requests")
    assert status == 200 and body["total"] == 2
    request = urllib.request.Request(f"{url}/api/analytics/report/event", data=b"x" * 500, method="POST")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=5)
    assert info.value.code == 413 and b'code="invalid_input"' in info.value.read()


@pytest.fixture(scope="module")
def served_cli():
    """One `analytics-emulator serve --port 0` for the fault kinds below."""
    process = subprocess.Popen(CLI + ["serve", "--port", "0", "--hang-max-ms", "1000"], stdout=subprocess.PIPE,
                               text=True)
    url = process.stdout.readline().strip().split(" ", 1)[1]
    yield url
    process.terminate()
    process.wait(timeout=5)


def _fault(url: str, action: dict) -> None:
    body = json.dumps({"action": action, "times": 1}).encode()
    request = urllib.request.Request(f"{url}/_emulator/faults", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).read()


EVENT = "/api/analytics/report/event?photo_id=1&event=load"


@pytest.mark.parametrize("action, outcome", [
    ({"kind": "status", "status": 503}, 503),
    ({"kind": "error", "code": "invalid_input", "message": "nope"}, 'code="invalid_input"'),
    ({"kind": "rate_limit"}, 429),
    ({"kind": "latency", "ms": 200}, 200),
    ({"kind": "slow_body", "bytes_per_second": 400}, 200),
    ({"kind": "reset"}, ConnectionResetError),
    ({"kind": "empty"}, "RemoteDisconnected"),
    ({"kind": "truncate", "bytes": 10}, "IncompleteRead"),
    ({"kind": "hang", "ms": 300}, "RemoteDisconnected"),
])
def test_every_fault_kind_under_the_cli_server(served_cli, action, outcome):
    import http.client

    _fault(served_cli, action)
    host, port = served_cli.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.request("GET", EVENT)
        response = connection.getresponse()
        body = response.read().decode()
    except (OSError, http.client.HTTPException) as exc:
        assert not isinstance(outcome, (int, str)) or outcome in type(exc).__name__, exc
        if isinstance(outcome, type):
            assert isinstance(exc, outcome)
        return
    finally:
        connection.close()
    if isinstance(outcome, int):
        assert response.status == outcome
    else:
        assert response.status == 200 and outcome in body
    with urllib.request.urlopen(f"{served_cli}{EVENT}", timeout=5) as after:  # the rule is spent
        assert after.status == 200
