"""The documentation cannot drift: every shell and Python example in README.md, CONTRIBUTING.md and
docs/ runs against a served emulator, and every relative link resolves.

A page is run as a reader would follow it, top to bottom, against one emulator served for that
page (``analytics-emulator serve --port 0``, reset first): ``127.0.0.1:8023`` and ``localhost:8023``
in an example become that server's address, ``.venv/bin/`` the test environment's scripts, and a
line that starts the emulator (``analytics-emulator serve ...``, ``make run``) loads the scenario
it names into the page's server instead, since the server is already running.

- ``sh`` blocks run in bash with ``set -euo pipefail``; they must exit 0 and leave the server up.
- ``python`` blocks that define tests run with pytest in a fresh directory, through the installed
  plugin (``# conftest.py`` / ``# test_x.py`` comment lines split a block into files; a block with
  no test gets a one-line test that uses the fixture); other ``python`` blocks run as scripts.
- An HTML comment right before a block steers it: ``<!-- docs-test: skip: WHY -->`` (the reason is
  required and shown), ``<!-- docs-test: file PATH -->`` writes the block to PATH for the page's
  next pytest block.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"),
                *([ROOT / "CONTRIBUTING.md"] if (ROOT / "CONTRIBUTING.md").exists() else [])])
BIN = Path(sys.executable).parent
RUN = ("sh", "bash", "shell", "console", "python", "py")
_FENCE = re.compile(r"^(```+)([\w-]*)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
_STEER = re.compile(r"<!--\s*docs-test:\s*(.*?)\s*-->\s*\Z", re.S)
_SERVE = re.compile(r"^\s*(?:\S*/)?(?:analytics-emulator serve|make run)\b(.*)$")
_LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Example:
    page: Path
    line: int
    lang: str
    code: str
    steer: str

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def examples(page: Path) -> list[Example]:
    """The fenced blocks of a page, with the docs-test comment that precedes each (if any)."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        before = text[:match.start()].rstrip()
        steer = _STEER.search(before[-300:])
        found.append(Example(page, text.count("\n", 0, match.start()) + 1, match.group(2).lower(),
                             match.group(3), steer.group(1) if steer else ""))
    return found


def runnable(page: Path) -> list[Example]:
    return [e for e in examples(page) if e.lang in RUN or e.steer.startswith("file ")]


@pytest.fixture(scope="module")
def served():
    """One emulator for all pages (each page resets it and loads the scenarios it names)."""
    script = BIN / "analytics-emulator"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "emulator.cli"]
    process = subprocess.Popen([*command, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    assert line.startswith("ready http://"), line
    yield line.removeprefix("ready ")
    process.terminate()
    process.wait(10)


def control(url: str, method: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def localised(code: str, url: str) -> str:
    """The example aimed at the test's server and the test's environment."""
    hostport = url.removeprefix("http://")
    code = re.sub(r"(?:127\.0\.0\.1|localhost):8023", hostport, code)
    return code.replace(".venv/bin/", f"{BIN}/")


def stand_in_for_serve(code: str, url: str) -> str:
    """Lines that would start an emulator load their scenario into the running one instead."""
    lines = []
    for line in re.sub(r"\\\n\s*", " ", code).splitlines():  # a command continued over lines is one line
        match = _SERVE.match(line)
        if not match:
            lines.append(line)
            continue
        scenario = re.search(r"--scenario[ =](\S+)", match.group(1))
        control(url, "PUT", "/_emulator/scenario", {"name": scenario.group(1) if scenario else "default"})
        lines.append(f"# (the test's emulator stands in for: {line.strip()})")
    return "\n".join(lines)


def split_files(code: str) -> dict[str, str]:
    """``# conftest.py`` / ``# test_x.py`` comment lines start new files; else one test file."""
    files: dict[str, list[str]] = {}
    current = "test_example.py"
    for line in code.splitlines():
        named = re.fullmatch(r"#\s*((?:conftest|test_\w+)\.py)\s*", line.strip())
        if named:
            current = named.group(1)
            continue
        files.setdefault(current, []).append(line)
    out = {name: "\n".join(body) + "\n" for name, body in files.items()}
    if not any(re.search(r"^\s*def test_", body, re.M) for body in out.values()):
        out["test_docs_smoke.py"] = "def test_smoke(analytics_emulator):\n    assert analytics_emulator.url\n"
    return out


def environment() -> dict[str, str]:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", PYTHONDONTWRITEBYTECODE="1")
    for name in ("PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    return env


def run_example(example: Example, url: str, workdir: Path) -> None:
    code = localised(example.code, url)
    if example.lang in ("sh", "bash", "shell", "console"):
        script = "set -euo pipefail\n" + stand_in_for_serve(code, url)
        done = subprocess.run(["bash", "-c", script], cwd=workdir, capture_output=True, text=True, timeout=120,
                              env=environment())
    elif re.search(r"^\s*def test_", code, re.M) or "# conftest.py" in code:
        for name, body in split_files(code).items():
            (workdir / name).write_text(body, encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                               "no:hypothesispytest", "-W", "ignore::DeprecationWarning"], cwd=workdir,
                              capture_output=True, text=True, timeout=300, env=environment())
    else:
        done = subprocess.run([sys.executable, "-c", code], cwd=workdir, capture_output=True, text=True,
                              timeout=120, env=environment())
    assert done.returncode == 0, (f"{example.id}: the example failed (exit {done.returncode})\n--- code\n{code}\n"
                                  f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_example_of_the_page_runs(page, served, tmp_path):
    control(served, "PUT", "/_emulator/scenario", {"name": "default"})
    control(served, "POST", "/_emulator/reset")
    ran = 0
    for example in runnable(page):
        if example.steer.startswith("skip"):
            assert re.match(r"skip:\s*\S", example.steer), f"{example.id}: a skipped example must say why"
            continue
        if example.steer.startswith("file "):
            target = tmp_path / example.steer.removeprefix("file ").strip()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(example.code, encoding="utf-8")
            continue
        run_example(example, served, tmp_path)
        ran += 1
        assert urllib.request.urlopen(served + "/_emulator/health", timeout=10).status == 200, example.id
    if not runnable(page):
        pytest.skip("no shell or Python example on this page")


def test_the_harness_sees_every_example():
    """A typo in a fence (```pyhton) would hide an example from the runner: refuse unknown languages."""
    known = set(RUN) | {"", "yaml", "json", "js", "javascript", "text", "ini", "toml", "dockerfile", "html"}
    odd = [f"{e.id} ({e.lang})" for page in PAGES for e in examples(page) if e.lang not in known]
    assert not odd, f"unknown fence languages: {odd}"
    assert sum(len(runnable(p)) for p in PAGES) >= 10


def test_every_relative_link_resolves():
    broken = []
    for page in PAGES:
        text = _FENCE.sub("", page.read_text(encoding="utf-8"))
        for match in _LINK.finditer(text):
            target = (match.group(1) or match.group(2)).split("#")[0]
            if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue  # an anchor in the page, or an absolute URL
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, broken
