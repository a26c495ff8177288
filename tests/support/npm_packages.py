"""The vendors' own JavaScript clients, installed from the npm registry into a git-ignored cache.

The tests run the real client code (not an imitation of it) wherever it can be installed:
``npm install --prefix tests/.cache/npm/<name>@<version>`` on first use, kept between runs.
Without node/npm the caller's test skips and says why; a failed install fails it (loudly).
One installer at a time: pytest -n 2 runs two workers.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "npm"  # tests/.cache, git-ignored


@contextmanager
def install_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder/.lock`` while one worker installs into it."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def installed(package: str, version: str) -> Path:
    """The folder of ``package@version`` (its package.json inside), installing it on first use."""
    prefix = CACHE / f"{package.replace('/', '__')}@{version}"
    folder = prefix / "node_modules" / package
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip(f"node/npm not found: {package}@{version} (the vendor's own client) is not tested")
    with install_lock(CACHE):
        if not (folder / "package.json").is_file():
            prefix.mkdir(parents=True, exist_ok=True)
            done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix",
                                   str(prefix), f"{package}@{version}"], capture_output=True, text=True, timeout=600)
            if done.returncode != 0 or not (folder / "package.json").is_file():
                pytest.fail(f"npm install {package}@{version} failed: {done.stderr.strip()[-2000:]}")
    return folder
