"""pytest plugin: the emulator as a fixture, registered by the ``pytest11`` entry point.

Installing the package is enough (no conftest.py, no import). One emulator per test session (per
xdist worker), built and started on first use, reset before every test:

    def test_retries_once(analytics_emulator):
        analytics_emulator.add_fault(path="/analytics/*", status=503, times=1)
        fetch_sessions(base_url=analytics_emulator.url)
        assert len(analytics_emulator.requests(path="/analytics/*")) == 2

With ``--emulator-url`` the tests use a server that is already running (a CI service): serially
its default tenant, under xdist one tenant per worker, reached through ``analytics_emulator.url``
(which then ends in ``/_tenant/NAME``) or the ``X-Emulator-Tenant`` header in ``.headers``).
"""

from __future__ import annotations

import contextlib
import os
import urllib.parse
from collections.abc import Callable, Generator, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:  # imported lazily: the plugin must not slow down sessions that never use it
    from .app import BackgroundServer, EmulatorApp
    from .client import EmulatorClient, FaultRule

__all__ = ["AnalyticsEmulator", "analytics_emulator", "analytics_emulator_app", "analytics_emulator_settings"]

MARKER = "emulator_scenario"
JOURNAL_LINES = 20  # journal entries shown under a failing test
_JOURNALS = pytest.StashKey[dict[str, Callable[[int], list]]]()  # per test: where to read its requests
_RESET = pytest.StashKey[set[str]]()  # per test: which emulators were reset already
Spec = Any  # a scenario: bundled name, path, YAML text or dict


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("analytics-emulator", "Analytics API Emulator")
    group.addoption("--emulator-url", default=None, metavar="URL",
                    help="use this running emulator instead of starting one (under xdist each worker "
                         "gets a tenant of its own)")
    group.addoption("--emulator-scenario", default=None, metavar="NAME|PATH",
                    help="scenario every test starts from (default: the bundled 'default')")
    group.addoption("--emulator-seed", default=None, type=int, metavar="N", help="override the scenario's seed")
    group.addoption("--emulator-token", default=None, metavar="TOKEN",
                    help="control token of the --emulator-url server (its --control-token)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(name_or_path, seed=None): run this test against that "
                                       "analytics-emulator scenario (bundled name or YAML file)")


_FILE_SUFFIXES = (".yaml", ".yml", ".json")


def _scenario_path(spec: Spec, *bases: Path) -> Spec:
    """A relative file name is looked up next to the test file / the invocation dir; names stay names.

    A spec that can only be a file (a YAML/JSON suffix or a directory part) and is found nowhere
    fails the test with every place it was looked for.
    """
    if not isinstance(spec, (str, Path)) or "\n" in str(spec):
        return spec
    candidates = list(dict.fromkeys(base / spec for base in bases))
    for candidate in candidates:
        if candidate.suffix in _FILE_SUFFIXES and candidate.is_file():
            return candidate
    text = str(spec)
    if isinstance(spec, Path) or Path(text).suffix in _FILE_SUFFIXES or "/" in text or "\\" in text:
        if Path(text).is_file():
            return Path(text)
        places = ", ".join(str(c) for c in candidates) or str(Path(text).resolve())
        pytest.fail(f"analytics-emulator: scenario file {text!r} not found (looked for {places})", pytrace=False)
    return spec


def _fail(what: str, exc: Exception) -> NoReturn:
    """One line instead of a traceback through the plugin: the user's input is what is wrong."""
    body = getattr(exc, "body", None)  # an EmulatorError: the server's {"error", "messages"} answer
    messages = getattr(exc, "messages", None) or (body.get("messages") if isinstance(body, dict) else None) \
        or [str(exc)]
    if not isinstance(messages, list) or not messages:
        messages = [str(exc)]
    more = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
    pytest.fail(f"analytics-emulator: {what}: {messages[0]}{more}", pytrace=False)


class _SessionEmulator:
    """The session's emulator (one per xdist worker): app, server and client made on first use."""

    def __init__(self, config: pytest.Config, settings: dict[str, Any]) -> None:
        self.remote_url: str | None = config.getoption("emulator_url")
        self.token: str | None = config.getoption("emulator_token")
        self.seed: int | None = config.getoption("emulator_seed")
        self.scenario: Spec = _scenario_path(config.getoption("emulator_scenario"), config.invocation_params.dir)
        self.settings = settings
        self._app: EmulatorApp | None = None
        self._server: BackgroundServer | None = None
        self._client: EmulatorClient | None = None
        self._server_base: Spec = None

    @property
    def app(self) -> EmulatorApp:
        if self._app is None:
            self._app = self._create_app()
        return self._app

    def _create_app(self) -> EmulatorApp:
        from .app import ScenarioError, create_app

        if not isinstance(self.settings, dict):
            pytest.fail(f"analytics-emulator: analytics_emulator_settings must return a dict of create_app "
                        f"settings, got {type(self.settings).__name__}", pytrace=False)
        problem: tuple[str, Exception]
        try:
            return create_app(self.scenario or "default", seed=self.seed, **self.settings)
        except ScenarioError as exc:
            problem = (f"scenario {str(self.scenario or 'default')!r}", exc)
        except (TypeError, ValueError) as exc:
            problem = ("analytics_emulator_settings", exc)
        _fail(*problem)  # outside the except: no "during handling of the above exception"

    @property
    def client(self) -> EmulatorClient:
        """The control client of the served emulator: started here, or --emulator-url with a tenant."""
        if self._client is None:
            from .client import EmulatorClient, EmulatorError

            if self.remote_url:
                worker = os.environ.get("PYTEST_XDIST_WORKER")
                tenant = f"pytest-{worker or 'main'}-{os.getpid()}-{os.urandom(2).hex()}"
                try:  # a fresh tenant shows the server's own scenario: what to reset to and to leave behind
                    probe = EmulatorClient(self.remote_url, tenant, self.token)
                    self._server_base = probe.scenario()["document"]
                    if not worker:  # serially the default tenant is used: the probe is not needed again
                        probe.drop_tenant()
                except EmulatorError as exc:
                    hint = ""
                    if exc.status == 401:
                        hint = (" (pass the server's --control-token with --emulator-token TOKEN)" if not self.token
                                else " (--emulator-token is not the server's --control-token)")
                    pytest.fail(f"--emulator-url {self.remote_url}: {exc}{hint}", pytrace=False)
                # Serially the default tenant, so the code under test needs no header; xdist workers
                # sharing the server each get a tenant of their own.
                client = EmulatorClient(self.remote_url, tenant if worker else None, self.token)
            else:
                self._server = self.app.serve()
                client = EmulatorClient(self._server.url)
            self._client = client
        return self._client

    def wanted(self, item: pytest.Item) -> tuple[Spec, int | None]:
        """The scenario and seed ``item`` starts from: its marker's, else the session's."""
        marker = item.get_closest_marker(MARKER)
        if marker is None:
            return self.scenario or self._server_base or "default", self.seed
        spec = marker.args[0] if marker.args else marker.kwargs.get("scenario")
        if spec is None:
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.{MARKER} needs a scenario name or path")
        return _scenario_path(spec, item.path.parent, item.config.invocation_params.dir), \
            marker.kwargs.get("seed", self.seed)

    def reset(self, item: pytest.Item, remote: bool) -> None:
        """Once per test and emulator: a fresh tenant from the wanted scenario (state, journal, faults, clock)."""
        done = item.stash.setdefault(_RESET, set())
        journals = item.stash.setdefault(_JOURNALS, {})
        target = "remote" if remote else "local"
        if target in done:
            return
        client = self.client if remote else None  # first: the server's base scenario is read there
        spec, seed = self.wanted(item)
        marker = item.get_closest_marker(MARKER)
        what = f"@pytest.mark.{MARKER}({marker.args[0]!r})" if marker and marker.args else f"scenario {str(spec)!r}"
        problem: Exception | None = None
        if client is not None:
            from .client import EmulatorError

            try:
                client.load_scenario(spec, seed)
            except (EmulatorError, OSError) as exc:
                problem = exc
            journals[target] = lambda limit: client.requests(limit=limit)
        else:  # in process: no HTTP round trip, so the reset costs a fraction of a millisecond
            from .app import ScenarioError

            app = self.app
            try:
                app.load_scenario(spec, seed)
            except ScenarioError as exc:
                problem = exc
            journals[target] = lambda limit: app.journal_entries(limit)
        if problem is not None:  # outside the except: no "during handling of the above exception"
            _fail(what, problem)
        done.add(target)

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
        elif self._client is not None:  # leave the shared server as found: our tenant gone, its scenario back
            with contextlib.suppress(Exception):  # the server may be gone already: nothing to free then
                if self._client.tenant:
                    self._client.drop_tenant()
                else:
                    self._client.load_scenario(self._server_base)


class AnalyticsEmulator:
    """What a test gets from ``analytics_emulator``: the URL, the control client, short-cuts."""

    def __init__(self, url: str, control: EmulatorClient) -> None:
        self.url = url
        self.control = control

    def __repr__(self) -> str:
        return f"<AnalyticsEmulator {self.url} tenant={self.tenant}>"

    @property
    def tenant(self) -> str | None:
        """This session's tenant on a shared server (--emulator-url), else None."""
        return self.control.tenant

    @property
    def headers(self) -> dict[str, str]:
        """Headers that reach this tenant on a shared server (else empty); ``url`` already does."""
        return self.control.headers

    def add_fault(self, rule: dict[str, Any] | None = None, **fields: Any) -> FaultRule:
        """Add a fault rule (a dict, or short-cuts: ``path="/analytics/*", status=503, times=1``)."""
        return self.control.faults.add(rule, **fields)

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """What the code under test sent, oldest first (filters: api, method, path glob, status...)."""
        return self.control.requests(**filters)

    def reports(self, **filters: Any) -> list[dict[str, Any]]:
        """The 23 Video reports recorded (filters: kind, photo_id, domain)."""
        return self.control.reports(**filters)

    def advance_clock(self, seconds: float) -> datetime:
        """Move the emulator clock forward; returns the new now."""
        return self.control.clock.advance(seconds)

    def load_scenario(self, scenario: Spec, seed: int | None = None) -> dict[str, Any]:
        """Switch this test to another scenario (the next test starts from the session's again)."""
        return self.control.load_scenario(scenario, seed)


@pytest.fixture(scope="session")
def analytics_emulator_settings() -> dict[str, Any]:
    """Keyword arguments for ``create_app`` of the session's emulator; override to change limits."""
    return {}


@pytest.fixture(scope="session")
def _analytics_emulator_runtime(pytestconfig: pytest.Config,
                                analytics_emulator_settings: dict[str, Any]) -> Iterator[_SessionEmulator]:
    runtime = _SessionEmulator(pytestconfig, analytics_emulator_settings)
    yield runtime
    runtime.close()


@pytest.fixture
def analytics_emulator(request: pytest.FixtureRequest,
                       _analytics_emulator_runtime: _SessionEmulator) -> AnalyticsEmulator:
    """The session's emulator served over HTTP, reset for this test."""
    runtime = _analytics_emulator_runtime
    client = runtime.client
    runtime.reset(request.node, remote=runtime.remote_url is not None)
    # On a shared server the URL carries the tenant (/_tenant/NAME), so the code under test needs no header.
    url = f"{client.base_url}/_tenant/{client.tenant}" if client.tenant else client.base_url
    return AnalyticsEmulator(url, client)


@pytest.fixture
def analytics_emulator_app(request: pytest.FixtureRequest,
                           _analytics_emulator_runtime: _SessionEmulator) -> EmulatorApp:
    """The session's emulator as a Flask app for in-process tests, reset for this test.

    For pytest-flask's ``client``: ``@pytest.fixture def app(analytics_emulator_app): return analytics_emulator_app``.
    """
    _analytics_emulator_runtime.reset(request.node, remote=False)
    return _analytics_emulator_runtime.app


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failing test, show the last requests the emulator received: what the code really sent."""
    report = yield
    journals = item.stash.get(_JOURNALS, None)
    if report.failed and journals and call.when != "teardown":
        for name, read in journals.items():
            report.sections.append((f"analytics-emulator requests ({name}, newest last)", _journal_text(read)))
    return report


def _journal_text(read: Callable[[int], list]) -> str:
    try:
        entries = read(JOURNAL_LINES)
    except Exception as exc:  # noqa: BLE001 - a report must never fail because of this section
        return f"could not read the journal: {exc}"
    if not entries:
        return "no requests reached the emulator"
    lines = []
    for entry in entries:
        query = urllib.parse.urlencode(entry.get("query") or {}, doseq=True)
        status = entry["status"] if entry.get("status") is not None else f"no response ({entry.get('fault_kind')})"
        fault = f"  fault={entry['fault']}" if entry.get("fault") else ""
        lines.append(f"{entry['method']} {entry['path']}{'?' + query if query else ''} -> {status}{fault}")
    return "\n".join(lines)
