"""The vendors' own JavaScript clients, installed from the npm registry into a git-ignored cache.

The tests run the real client code (not an imitation of it) wherever it can be installed:
``npm install --prefix tests/.cache/npm/<name>@<version>`` on first use, kept between runs.
Without node/npm, or when the install fails, the caller's test skips and says why.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CACHE = Path(__file__).resolve().parent / ".cache" / "npm"


def installed(package: str, version: str) -> Path:
    """The folder of ``package@version`` (its package.json inside), installing it on first use."""
    prefix = CACHE / f"{package.replace('/', '__')}@{version}"
    folder = prefix / "node_modules" / package
    if (folder / "package.json").is_file():
        return folder
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(f"npm is not installed: {package}@{version} (the vendor's own client) cannot be fetched")
    prefix.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", str(prefix),
                           f"{package}@{version}"], capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not (folder / "package.json").is_file():
        pytest.skip(f"npm install {package}@{version} failed: {done.stderr.strip()[-500:]}")
    return folder
