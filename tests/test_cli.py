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
    assert result.returncode == 1
    assert result.stderr == "analytics-emulator serve: --max-tenants: expected a positive integer, got 0\n"
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


# -- the manners of a command-line tool ---------------------------------------------------------------
def test_version_is_the_package_version():
    import emulator

    result = run("--version")
    assert result.returncode == 0 and result.stdout == f"analytics-emulator {emulator.__version__}\n"


def test_help_shows_the_defaults():
    import re

    options = run("serve", "--help").stdout.split("options:", 1)[1]
    entries = {entry.split()[0]: " ".join(entry.split()) for entry in re.split(r"\n  (?=-)", options) if entry.strip()}
    for option, default in [("--host", "127.0.0.1"), ("--port", "8023"), ("--scenario", "default"),
                            ("--journal-cap", "100000"), ("--max-tenants", "256"), ("--hang-max-ms", "30000"),
                            ("--log-format", "text")]:
        assert entries[option].endswith(f"(default: {default})"), entries[option]
    assert "(default: http://127.0.0.1:8023)" in " ".join(run("wait", "--help").stdout.split())


@pytest.mark.parametrize("value", ["70000", "-1", "http"])
def test_bad_port_is_one_line_naming_the_flag(value):
    result = run("serve", "--port", value)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("analytics-emulator serve: argument --port: expected a port number 0-65535")
    assert repr(value) in result.stderr or value in result.stderr


@pytest.mark.parametrize("option, value", [("--journal-cap", "0"), ("--max-body-bytes", "-5")])
def test_bad_limit_names_the_flag_not_the_field(option, value):
    result = run("serve", "--port", "0", option, value)
    assert result.returncode == 1
    assert result.stderr.startswith(f"analytics-emulator serve: {option}: expected a positive integer, got {value}")
    assert "_" not in result.stderr.split(":")[1]


def test_busy_port_says_which_port_and_that_an_emulator_runs_there(serve):
    _, url = serve()
    port = url.rsplit(":", 1)[1]
    result = run("serve", "--port", port)
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert f"an analytics emulator already runs there (http://127.0.0.1:{port}/_emulator/health answers)" \
        in result.stderr
    assert "--port 0" in result.stderr


def test_busy_port_held_by_another_program():
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use: another program holds it" in result.stderr
    assert "/_emulator/health" in result.stderr and "--port 0" in result.stderr


def test_near_miss_scenario_name_gets_did_you_mean():
    result = run("serve", "--port", "0", "--scenario", "vendor-outgae")
    assert result.returncode == 1 and "(did you mean 'vendor-outage'?)" in result.stderr
    far = run("serve", "--port", "0", "--scenario", "zzzzzz")
    assert far.returncode == 1 and "did you mean" not in far.stderr and "bundled" in far.stderr


def _log_lines(process: subprocess.Popen) -> list[str]:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=5)
    return process.stderr.read().splitlines()


def test_verbose_logs_one_line_per_request_with_status_fault_and_duration(serve):
    process, url = serve("--verbose")
    urllib.request.urlopen(f"{url}{EVENT}&x=1", timeout=5).read()
    _fault(url, {"kind": "status", "status": 503})
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{url}{EVENT}", timeout=5)
    body = json.dumps({"id": "drop", "action": {"kind": "reset"}, "times": 1}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{url}/_emulator/faults", data=body, method="POST",
                                                  headers={"Content-Type": "application/json"}), timeout=5).read()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}{EVENT}", timeout=5)
    lines = [line for line in _log_lines(process) if "/api/analytics" in line]
    assert len(lines) == 3, lines
    import re

    def pattern(extra: str, status: str, fault: str) -> str:
        return (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z GET /api/analytics/report/event\?photo_id=1&event=load"
                + extra + " " + status + " fault=" + fault + r" \d+\.\dms")

    assert re.fullmatch(pattern("&x=1", "200", "-"), lines[0]), lines[0]
    assert re.fullmatch(pattern("", "503", r"fault-\d+\(status\)"), lines[1]), lines[1]
    assert re.fullmatch(pattern("", "-", r"drop\(reset\)"), lines[2]), lines[2]


def test_log_format_json(serve):
    process, url = serve("--verbose", "--log-format", "json")
    _fault(url, {"kind": "latency", "ms": 120})
    urllib.request.urlopen(f"{url}/_tenant/t1{EVENT}", timeout=5).read()
    urllib.request.urlopen(f"{url}{EVENT}", timeout=5).read()
    records = [json.loads(line) for line in _log_lines(process)]
    vendor = [r for r in records if r["path"].endswith("/report/event")]
    assert [r["path"] for r in vendor] == ["/_tenant/t1/api/analytics/report/event", "/api/analytics/report/event"]
    first, second = vendor
    assert first["status"] == 200 and first["fault"] is None and first["method"] == "GET"
    assert first["query"] == "photo_id=1&event=load"
    assert second["fault_kind"] == "latency" and second["duration_ms"] >= 120
    assert {"time", "level", "duration_ms", "remote_addr"} <= set(second)


def test_open_control_api_warning_follows_the_log_format():
    process = subprocess.Popen(CLI + ["serve", "--host", "0.0.0.0", "--port", "0", "--log-format", "json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith("ready http://0.0.0.0:")
    finally:
        lines = _log_lines(process)
    record = json.loads(lines[0])
    assert record["level"] == "warning" and "consider --control-token" in record["message"]


def test_quiet_without_verbose(serve):
    process, url = serve()
    urllib.request.urlopen(f"{url}{EVENT}", timeout=5).read()
    assert _log_lines(process) == []


def test_allowed_host_reaches_create_app(monkeypatch):
    """The flag (repeatable) and the environment variable end up as create_app(allowed_hosts=[...])."""
    from emulator import cli

    seen = {}

    def fake_create_app(scenario, **settings):
        seen.update(settings)
        raise ValueError("allowed_hosts: stop here")

    monkeypatch.setattr(cli, "create_app", fake_create_app)
    monkeypatch.setenv("ANALYTICS_EMULATOR_ALLOWED_HOSTS", "ci-service, other")
    assert cli.main(["serve", "--allowed-host", "emulator.test", "--allowed-host", "box"]) == 1
    assert seen["allowed_hosts"] == ["emulator.test", "box", "ci-service", "other"]


def _control_status(url: str, host: str) -> int:
    import http.client

    address, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(address, int(port), timeout=5)
    try:
        connection.request("GET", "/_emulator/requests", headers={"Host": host})  # /ready answers any Host
        return connection.getresponse().status
    finally:
        connection.close()


def test_allowed_host_is_accepted_by_the_control_api(serve):
    _, url = serve("--allowed-host", "emulator.test")
    assert _control_status(url, "emulator.test:8023") == 200
    assert _control_status(url, "localhost:8023") == 200
    assert _control_status(url, "elsewhere.test") == 403


def test_bad_allowed_host_names_the_flag():
    result = run("serve", "--port", "0", "--allowed-host", "not a host")
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("analytics-emulator serve: --allowed-host: 'not a host' is not a host name")


# -- wait ---------------------------------------------------------------------------------------------
def test_wait_returns_0_once_ready(serve):
    _, url = serve()
    result = run("wait", url, "--timeout", "10")
    assert result.returncode == 0 and result.stdout == f"ready {url} (scenario default)\n"
    assert run("wait", f"{url}/_emulator/ready", "--timeout", "5").returncode == 0


def test_wait_for_a_server_that_starts_later(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waiter = subprocess.Popen(CLI + ["wait", f"http://127.0.0.1:{port}", "--timeout", "30"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    server = subprocess.Popen(CLI + ["serve", "--port", str(port)], stdout=subprocess.PIPE, text=True)
    try:
        assert waiter.wait(timeout=40) == 0, waiter.stderr.read()
        assert waiter.stdout.read().startswith(f"ready http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=5)
        waiter.kill()


def test_wait_times_out_with_a_message():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run("wait", f"http://127.0.0.1:{port}", "--timeout", "0.5")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (f"analytics-emulator wait: http://127.0.0.1:{port}/_emulator/ready did not answer 200 "
                             f"within 0.5 s (last: Connection refused)\n")


def test_wait_with_control_token(serve):
    _, url = serve("--control-token", "tok")
    refused = run("wait", url, "--timeout", "5")
    assert refused.returncode == 1 and "--control-token" in refused.stderr
    assert run("wait", url, "--timeout", "5", "--control-token", "tok").returncode == 0


@pytest.mark.parametrize("args", [["ftp://x"], ["localhost:8023"], ["--timeout", "0"], ["--timeout", "soon"]])
def test_wait_bad_arguments(args):
    result = run("wait", *args)
    assert result.returncode == 2 and result.stderr.count("\n") == 1


def test_every_limit_has_a_serve_flag_and_it_reaches_the_server(serve):
    from emulator.settings import OPTION

    help_text = run("serve", "--help").stdout
    missing = [flag for flag in OPTION.values() if flag not in help_text]
    assert not missing, missing
    _, url = serve("--max-nesting-depth", "10")  # the default scenario nests 9 deep
    request = urllib.request.Request(f"{url}/_emulator/faults", data=b'{"a": ' + b"[" * 12 + b"]" * 12 + b"}",
                                     method="POST",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 400 and "max_nesting_depth" in refused.value.read().decode()


def test_validate_takes_the_scenario_limits():
    done = run("validate", "--max-generated", "10", str(SCENARIOS / "default.yaml"))
    assert done.returncode == 1 and "over the budget of 10" in done.stdout
    assert run("validate", str(SCENARIOS / "default.yaml")).returncode == 0
    bad = run("validate", "--max-generated", "0", str(SCENARIOS / "default.yaml"))
    assert bad.returncode == 1 and bad.stderr.startswith("analytics-emulator validate: --max-generated:")
