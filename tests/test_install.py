"""The package as a user outside the repository gets it: a built wheel in a new venv, in a temp dir.

Builds the wheel from this tree, installs it with plain pip (and the `pytest` extra) into a fresh
venv far from the checkout, then runs what docs/install.md promises: the CLI, the dashboard, and
a pytest project that uses the `analytics_emulator` fixture without importing anything. It takes
about a minute (pip resolves the runtime dependencies), so it is one test, in its own module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import emulator

REPO = Path(__file__).resolve().parent.parent

PROJECT_TEST = '''
import json
import urllib.request

import pytest


def test_the_fixture_answers_and_journals(analytics_emulator):
    url = analytics_emulator.url + "/api/analytics/report/event?photo_id=1001&event=load"
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200 and b'status="ok"' in response.read()
    assert [entry["path"] for entry in analytics_emulator.requests()] == ["/api/analytics/report/event"]


def test_reset_between_tests(analytics_emulator):
    assert analytics_emulator.requests() == []


@pytest.mark.emulator_scenario("vendor-outage")
def test_marker_loads_a_bundled_scenario(analytics_emulator):
    with urllib.request.urlopen(analytics_emulator.url + "/_emulator/ready", timeout=5) as response:
        assert json.loads(response.read())["scenario"] == "vendor-outage"
'''


def _clean_env() -> dict[str, str]:
    """The environment without this checkout: no PYTHONPATH, no pytest-xdist worker variables."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("PYTEST_", "PYTHON", "VIRTUAL_ENV")) and k != "COV_CORE_SOURCE"}


def _run(args: list, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=_clean_env(), capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_wheel_installs_outside_the_repo_and_serves(tmp_path_factory):
    work = tmp_path_factory.mktemp("outside")
    assert REPO not in work.parents
    wheels = work / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", wheels, REPO], cwd=work)
    wheel = next(wheels.glob("analytics_emulator-*.whl"))
    assert wheel.name.startswith(f"analytics_emulator-{emulator.__version__}-")

    venv = work / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=work)
    python, cli = venv / "bin" / "python", venv / "bin" / "analytics-emulator"
    _run([python, "-m", "pip", "install", "--quiet", f"{wheel}[pytest]"], cwd=work, timeout=600)
    installed = _run([python, "-c", "import emulator; print(emulator.__file__)"], cwd=work).stdout.strip()
    assert Path(installed).is_relative_to(venv), installed  # the wheel's copy, not this checkout
    listed = _run([python, "-m", "pip", "list", "--format", "json"], cwd=work).stdout
    names = {p["name"].lower() for p in json.loads(listed)}
    assert "pytest" in names and not names & {"ruff", "playwright", "hypothesis", "schemathesis", "api.video"}

    assert _run([cli, "--version"], cwd=work).stdout == f"analytics-emulator {emulator.__version__}\n"
    assert "vendor-outage" in _run([cli, "scenarios"], cwd=work).stdout

    server = subprocess.Popen([str(cli), "serve", "--port", "0"], cwd=work, env=_clean_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline().strip()
        assert line.startswith("ready http://127.0.0.1:"), (line, server.poll())
        url = line.split(" ", 1)[1]
        with urllib.request.urlopen(f"{url}/_emulator/ready", timeout=5) as response:
            assert response.status == 200 and json.loads(response.read())["scenario"] == "default"
        with urllib.request.urlopen(f"{url}/_emulator/ui", timeout=5) as response:
            page = response.read().decode()
            assert response.status == 200 and response.headers["Content-Type"].startswith("text/html")
        for asset in ("app.js", "app.css"):
            assert f"static/{asset}" in page
            with urllib.request.urlopen(f"{url}/_emulator/ui/static/{asset}", timeout=5) as response:
                assert response.status == 200 and len(response.read()) > 1000
        assert _run([cli, "wait", url, "--timeout", "5"], cwd=work).stdout.startswith(f"ready {url}")
    finally:
        server.terminate()
        server.wait(timeout=5)

    project = work / "project"
    project.mkdir()
    (project / "test_with_the_emulator.py").write_text(textwrap.dedent(PROJECT_TEST))
    result = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project)
    assert "3 passed" in result.stdout, result.stdout


def test_docs_name_the_current_version():
    """Install commands in the docs name the wheel and image of this version (the one place is __version__)."""
    import re

    docs = {path.name: path.read_text(encoding="utf-8") for path in
            [REPO / "docs" / "install.md", REPO / "docs" / "ci.md", REPO / "docs" / "pytest-and-ci.md",
              REPO / "CHANGELOG.md"]}
    pattern = re.compile(r"analytics_emulator-([0-9][^-\s]*)-py3-none-any\.whl|analytics-emulator:([0-9][^\s\"']*)")
    named = {(name, wheel or image) for name, text in docs.items() for wheel, image in pattern.findall(text)}
    assert named, "the docs show no versioned install command"
    assert {version for _, version in named} == {emulator.__version__}, named
    assert f"## {emulator.__version__.split('.dev')[0]}" in docs["CHANGELOG.md"]
