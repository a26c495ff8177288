"""The pytest plugin, run the way users run it: small test files through the installed plugin."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests  # noqa: F401 - loaded once here: pytester in-process runs would re-import it half-way

from emulator.app import create_app
from emulator.client import EmulatorClient

pytest_plugins = ["pytester"]

QUICK = ("-p", "no:hypothesispytest")  # its terminal summary imports hypothesis afresh in every inner run


@pytest.fixture(scope="module", autouse=True)
def _loaded_once() -> None:
    """Import the emulator and its vendors here: in-process runs then do not import them again each time."""
    create_app()


@pytest.fixture(autouse=True)
def _no_outer_options(monkeypatch):
    """Inner sessions must not inherit options from the environment of this one."""
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """`analytics-emulator serve --port 0` in a subprocess, as a CI service would run it; its URL."""
    script = Path(sys.executable).with_name("analytics-emulator")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "emulator.cli"]
    process = subprocess.Popen([*command, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=30)
    try:
        assert lines and lines[0].startswith("ready http://"), f"no ready line: {lines!r}"
        yield lines[0].split()[1]
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_reset_between_tests(pytester):
    pytester.makepyfile("""
        import requests

        def test_changes_everything(analytics_emulator):
            analytics_emulator.add_fault(path="/auth/*", status=503)
            analytics_emulator.advance_clock(86400)
            assert requests.post(analytics_emulator.url + "/auth/api-key", json={"apiKey": "sandbox-key"}).status_code == 503
            assert requests.get(analytics_emulator.url + "/api/analytics/report/event?photo_id=1&event=load").status_code == 200
            assert len(analytics_emulator.reports()) == 1

        def test_starts_clean(analytics_emulator):
            assert analytics_emulator.requests() == []
            assert analytics_emulator.reports() == []
            assert analytics_emulator.control.faults.list() == []
            assert requests.post(analytics_emulator.url + "/auth/api-key", json={"apiKey": "sandbox-key"}).status_code == 200
            [entry] = analytics_emulator.requests()
            assert (entry["method"], entry["path"], entry["status"], entry["fault"]) == ("POST", "/auth/api-key", 200, None)
    """)
    pytester.runpytest(*QUICK).assert_outcomes(passed=2)


def test_handle_shortcuts(pytester):
    pytester.makepyfile("""
        import requests

        def test_shortcuts(analytics_emulator):
            assert analytics_emulator.url.startswith("http://127.0.0.1:")
            assert analytics_emulator.tenant is None and analytics_emulator.headers == {}
            before = analytics_emulator.control.clock.set("2024-05-01T00:00:00Z")
            assert (analytics_emulator.advance_clock(60) - before).total_seconds() == 60
            with analytics_emulator.add_fault(path="/api/analytics/report/*", kind="error", code="x", times=1) as rule:
                body = requests.get(analytics_emulator.url + "/api/analytics/report/event?photo_id=1&event=load").text
                assert 'status="error"' in body and rule.fired == 1
            assert analytics_emulator.control.faults.list() == []
            assert analytics_emulator.load_scenario("twentythree-whitelist-rejection")["name"] == \\
                "twentythree-whitelist-rejection"
            assert [e["fault"] for e in analytics_emulator.requests(api="twentythree")] == []
    """)
    pytester.runpytest(*QUICK).assert_outcomes(passed=1)


def test_marker_loads_a_scenario_for_one_test(pytester):
    pytester.makefile(".yaml", mine="name: mine\ndescription: a test's own\nseed: 3\n"
                                     "clock: 2030-01-01T00:00:00Z\n")
    pytester.makepyfile("""
        import pytest
        import requests

        def scenario(emulator):
            return requests.get(emulator.url + "/_emulator/ready").json()

        @pytest.mark.emulator_scenario("twentythree-whitelist-rejection")
        def test_bundled(analytics_emulator):
            assert scenario(analytics_emulator)["scenario"] == "twentythree-whitelist-rejection"

        @pytest.mark.emulator_scenario("mine.yaml", seed=9)
        def test_file_next_to_the_test(analytics_emulator):
            assert (scenario(analytics_emulator)["scenario"], scenario(analytics_emulator)["seed"]) == ("mine", 9)
            assert analytics_emulator.control.clock.now().year == 2030

        def test_back_to_default(analytics_emulator):
            assert scenario(analytics_emulator)["scenario"] == "default"

        @pytest.mark.emulator_scenario("mine.yaml")
        class TestOnAClass:
            def test_inherits(self, analytics_emulator):
                assert scenario(analytics_emulator)["scenario"] == "mine"

        @pytest.mark.emulator_scenario("no-such-scenario")
        def test_unknown(analytics_emulator):
            pass

        @pytest.mark.emulator_scenario()
        def test_no_argument(analytics_emulator):
            pass
    """)
    result = pytester.runpytest(*QUICK, "--strict-markers")
    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines(["*no-such-scenario*bundled:*default*", "*emulator_scenario needs a scenario*"])


def test_options_scenario_and_seed(pytester):
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "opt.yaml").write_text("name: from-option\ndescription: x\n")
    pytester.makepyfile("""
        import requests

        def test_session_scenario(analytics_emulator):
            ready = requests.get(analytics_emulator.url + "/_emulator/ready").json()
            assert (ready["scenario"], ready["seed"]) == ("from-option", 77)
    """)
    pytester.runpytest(*QUICK, "--emulator-scenario", "scenarios/opt.yaml", "--emulator-seed", "77").assert_outcomes(passed=1)
    result = pytester.runpytest(*QUICK, "--emulator-scenario", "no-such-scenario")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no-such-scenario: no such scenario file, and not a bundled scenario*"])


def test_help_lists_the_options(pytester):
    result = pytester.runpytest(*QUICK, "--help")
    result.stdout.fnmatch_lines(["*--emulator-url=URL*", "*--emulator-scenario=NAME|PATH*", "*--emulator-seed=N*",
                                 "*--emulator-token=TOKEN*"])
    pytester.runpytest(*QUICK, "--markers").stdout.fnmatch_lines(["@pytest.mark.emulator_scenario(name_or_path, seed=None)*"])


def test_failing_test_shows_what_the_emulator_received(pytester):
    pytester.makepyfile("""
        import requests

        def test_fails(analytics_emulator):
            analytics_emulator.add_fault(id="down", path="/auth/*", status=503)
            requests.get(analytics_emulator.url + "/api/analytics/report/event?photo_id=1&event=load")
            requests.post(analytics_emulator.url + "/auth/api-key", json={"apiKey": "sandbox-key"})
            assert False, "the code under test gave up"

        def test_passes(analytics_emulator):
            requests.get(analytics_emulator.url + "/api/analytics/report/event?photo_id=1&event=load")

        def test_fails_without_requests(analytics_emulator):
            assert False
    """)
    result = pytester.runpytest(*QUICK)
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines([
        "*- analytics-emulator requests (local, newest last) -*",
        "GET /api/analytics/report/event?photo_id=1&event=load -> 200",
        "POST /auth/api-key -> 503  fault=down",
        "*test_fails_without_requests*",
        "*- analytics-emulator requests (local, newest last) -*",
        "no requests reached the emulator",
    ])
    assert result.stdout.str().count("analytics-emulator requests") == 2  # nothing for the passing test


def test_app_fixture_works_with_pytest_flask(pytester):
    pytester.makepyfile("""
        import pytest

        @pytest.fixture
        def app(analytics_emulator_app):
            return analytics_emulator_app

        def test_in_process(client):
            assert client.get("/api/analytics/report/event?photo_id=1&event=load").status_code == 200
            assert client.get("/_emulator/requests").json["total"] == 1

        def test_reset_in_process_too(client):
            assert client.get("/_emulator/requests").json["total"] == 0

        def test_same_emulator_as_the_server(analytics_emulator, client):
            import requests
            requests.get(analytics_emulator.url + "/api/analytics/report/event?photo_id=1&event=load")
            assert client.get("/_emulator/requests").json["total"] == 1
    """)
    pytester.runpytest(*QUICK).assert_outcomes(passed=3)


def test_nothing_starts_until_a_test_asks(pytester):
    pytester.makepyfile("""
        import sys, threading

        def test_plain():
            assert "emulator.app" not in sys.modules
            assert not [t for t in threading.enumerate() if t.name == "analytics-emulator"]
    """)
    pytester.runpytest_subprocess(*QUICK, "-p", "no:xdist").assert_outcomes(passed=1)


# The "done when" file: nothing imported beyond requests, no conftest.py.
XDIST_TESTS = """
import requests


def check(emulator, n, request, tmp_path_factory):
    headers = {}  # none needed: on a shared server emulator.url carries the tenant (/_tenant/NAME)
    emulator.add_fault(id=f"f{n}", path="/auth/*", status=500 + n)
    answer = requests.post(emulator.url + "/auth/api-key", json={"apiKey": "sandbox-key"}, headers=headers)
    assert answer.status_code == 500 + n
    requests.get(emulator.url + f"/api/analytics/report/event?photo_id={n}&event=load", headers=headers)
    assert [r["photo_id"] for r in emulator.reports()] == [str(n)]
    assert [e["fault"] for e in emulator.requests()] == [f"f{n}", None]
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    tmp_path_factory.getbasetemp().parent.joinpath(f"seen-{worker}-{n}").write_text(f"{emulator.url} {emulator.tenant}")
""" + "".join(f"""

def test_isolated_{n}(analytics_emulator, request, tmp_path_factory):
    check(analytics_emulator, {n}, request, tmp_path_factory)
""" for n in range(8))


def _seen(pytester) -> dict[str, set[str]]:
    """What each worker wrote: worker -> {"URL TENANT"}."""
    found: dict[str, set[str]] = {}
    for path in Path(pytester.path).rglob("seen-*"):
        found.setdefault(path.name.split("-")[1], set()).add(path.read_text())
    return found


def test_plain_file_runs_serially_and_with_xdist_each_worker_its_own_server(pytester):
    pytester.makepyfile(XDIST_TESTS)
    pytester.runpytest_subprocess(*QUICK, f"--basetemp={pytester.path / 'serial'}").assert_outcomes(passed=8)
    assert set(_seen(pytester)) == {"main"}
    for path in Path(pytester.path).rglob("seen-*"):
        path.unlink()
    pytester.runpytest_subprocess(*QUICK, "-n", "2", f"--basetemp={pytester.path / 'tmp'}").assert_outcomes(passed=8)
    seen = _seen(pytester)
    assert set(seen) == {"gw0", "gw1"}
    urls = {next(iter(values)).split()[0] for values in seen.values()}
    assert len(urls) == 2 and all(len(values) == 1 for values in seen.values())


def test_emulator_url_serially_uses_the_default_tenant(pytester, served):
    pytester.makepyfile("""
        import pytest
        import requests

        URL = None

        def test_first(analytics_emulator):
            assert analytics_emulator.url == URL and analytics_emulator.tenant is None
            analytics_emulator.add_fault(path="/auth/*", status=503)
            assert requests.post(URL + "/auth/api-key", json={"apiKey": "sandbox-key"}).status_code == 503

        @pytest.mark.emulator_scenario("apivideo-rate-limited")
        def test_marker(analytics_emulator):
            assert requests.get(URL + "/_emulator/ready").json()["scenario"] == "apivideo-rate-limited"
            assert analytics_emulator.requests() == []

        def test_last(analytics_emulator):
            assert requests.post(URL + "/auth/api-key", json={"apiKey": "sandbox-key"}).status_code == 200
            assert requests.get(URL + "/_emulator/ready").json()["scenario"] == "default"
            assert False, "to see the journal"
    """.replace("URL = None", f"URL = {served!r}"))
    result = pytester.runpytest_subprocess(*QUICK, "--emulator-url", served)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*- analytics-emulator requests (remote, newest last) -*",
                                 "POST /auth/api-key -> 200"])
    server = EmulatorClient(served)
    assert server.scenario()["name"] == "default" and server.requests() == []  # left as found


def test_emulator_url_with_xdist_gives_each_worker_a_tenant(pytester, served):
    pytester.makepyfile(XDIST_TESTS)
    result = pytester.runpytest_subprocess(*QUICK, "-n", "2", "--emulator-url", served, f"--basetemp={pytester.path / 'tmp'}")
    result.assert_outcomes(passed=8)
    seen = _seen(pytester)
    assert set(seen) == {"gw0", "gw1"}
    tenants = {worker: {value.split()[1] for value in values} for worker, values in seen.items()}
    assert all(len(names) == 1 for names in tenants.values())
    assert tenants["gw0"] != tenants["gw1"]
    assert all(name.startswith(f"pytest-{worker}-") for worker, names in tenants.items() for name in names)
    assert all(value.split()[0] == f"{served}/_tenant/{value.split()[1]}" for values in seen.values() for value in values)
    assert EmulatorClient(served).requests() == []  # nothing reached the default tenant
    tenants = [t["name"] for t in EmulatorClient(served).request("GET", "/tenants")["items"]]
    assert not [name for name in tenants if name.startswith("pytest-")]  # the workers' tenants are dropped


def test_unreachable_emulator_url_fails_clearly(pytester):
    pytester.makepyfile("""
        def test_needs_it(analytics_emulator):
            pass
    """)
    result = pytester.runpytest(*QUICK, "--emulator-url", "http://127.0.0.1:9")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*--emulator-url http://127.0.0.1:9: cannot reach the emulator*"])


def test_emulator_url_with_a_control_token(pytester, live_server_factory):
    url = live_server_factory(create_app(control_token="s3cret")).url
    pytester.makepyfile("""
        def test_control(analytics_emulator):
            assert analytics_emulator.control.ready()["status"] == "ready"
    """)
    pytester.runpytest(*QUICK, "--emulator-url", url, "--emulator-token", "s3cret").assert_outcomes(passed=1)
    refused = pytester.runpytest(*QUICK, "--emulator-url", url)
    refused.assert_outcomes(errors=1)
    refused.stdout.fnmatch_lines(["*401: the control API needs 'Authorization: Bearer <control token>'*"])


def test_settings_fixture_is_overridable(pytester):
    pytester.makeconftest("""
        import pytest

        @pytest.fixture(scope="session")
        def analytics_emulator_settings():
            return {"journal_cap": 2}
    """)
    pytester.makepyfile("""
        import requests

        def test_cap(analytics_emulator):
            for _ in range(3):
                requests.get(analytics_emulator.url + "/api/analytics/report/event?photo_id=1&event=load")
            assert len(analytics_emulator.requests()) == 2
    """)
    pytester.runpytest(*QUICK).assert_outcomes(passed=1)


def test_state_fixtures_report_json(pytester):
    """The handle's control client is the full client: state round-trips through it."""
    pytester.makepyfile("""
        import json

        def test_state(analytics_emulator):
            state = analytics_emulator.control.state.export()
            assert json.loads(json.dumps(state))["format"] == "analytics-emulator-state/1"
            assert analytics_emulator.control.state.load(state)["status"] == "loaded"
    """)
    pytester.runpytest(*QUICK).assert_outcomes(passed=1)


# -- issue 17, item 14: a mistake is one line that says what to do, not a traceback through the plugin --
def _failure_lines(result) -> list[str]:
    """The lines of the run that talk about the emulator (a traceback would add many more)."""
    return [line for line in result.stdout.lines if "analytics-emulator" in line or "emulator_scenario" in line]


def test_bad_marker_scenario_is_one_line(pytester):
    pytester.makefile(".yaml", broken="name: broken\nfaults:\n  - action: {kind: nope}\n")
    pytester.makepyfile("""
        import pytest

        @pytest.mark.emulator_scenario("broken.yaml")
        def test_uses_it(analytics_emulator):
            pass
    """)
    result = pytester.runpytest(*QUICK)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*analytics-emulator: @pytest.mark.emulator_scenario('broken.yaml'): "
                                 "*broken.yaml:3: faults*.action.kind: expected one of status, *"])
    assert "pytest_plugin.py" not in result.stdout.str()  # no traceback through the plugin's internals
    assert "During handling" not in result.stdout.str() and "raise " not in result.stdout.str()


def test_missing_scenario_file_says_where_it_was_looked_for(pytester):
    pytester.makepyfile("""
        import pytest

        @pytest.mark.emulator_scenario("nowhere/missing.yaml")
        def test_uses_it(analytics_emulator):
            pass
    """)
    result = pytester.runpytest(*QUICK)
    result.assert_outcomes(errors=1)
    here = pytester.path
    result.stdout.fnmatch_lines([f"*scenario file 'nowhere/missing.yaml' not found (looked for "
                                 f"{here}/nowhere/missing.yaml)*"])
    assert "pytest_plugin.py" not in result.stdout.str()


def test_missing_session_scenario_option_says_where_it_was_looked_for(pytester):
    pytester.makepyfile("def test_it(analytics_emulator):\n    pass\n")
    result = pytester.runpytest(*QUICK, "--emulator-scenario", "missing.yaml")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*scenario file 'missing.yaml' not found (looked for {pytester.path}/missing.yaml)*"])


def test_settings_typo_is_one_line_naming_the_setting(pytester):
    pytester.makeconftest("""
        import pytest

        @pytest.fixture(scope="session")
        def analytics_emulator_settings():
            return {"journl_cap": 2}
    """)
    pytester.makepyfile("def test_it(analytics_emulator):\n    pass\n")
    result = pytester.runpytest(*QUICK)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*analytics-emulator: analytics_emulator_settings: unknown setting 'journl_cap' "
                                 "(did you mean 'journal_cap'?)*"])
    assert "TypeError" not in result.stdout.str() and "pytest_plugin.py" not in result.stdout.str()


def test_missing_token_names_the_option(pytester, live_server_factory):
    url = live_server_factory(create_app(control_token="s3cret")).url
    pytester.makepyfile("def test_it(analytics_emulator):\n    pass\n")
    result = pytester.runpytest(*QUICK, "--emulator-url", url)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*401: * (pass the server's --control-token with --emulator-token TOKEN)*"])
    wrong = pytester.runpytest(*QUICK, "--emulator-url", url, "--emulator-token", "nope")
    wrong.stdout.fnmatch_lines(["*(--emulator-token is not the server's --control-token)*"])
