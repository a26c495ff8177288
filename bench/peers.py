"""The peers: WireMock 3 (java -jar) and Prism 5 (node), installed from npm into bench/.cache.

Each peer does the same work as the emulator in the comparison it belongs to: WireMock a static
stub of the 23 Video event beacon, Prism the pinned api.video OpenAPI extract. Start-up is timed
from spawning the process to the first successful answer to that very request.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import procs
from .load import Request, answers
from .services import Service
from .workloads import EVENT, EVENT_BODY, LISTING

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache"
SPEC = BENCH.parent / "fixtures" / "apivideo" / "raw-statistics.openapi.yaml"
PACKAGES = ["wiremock@3", "@stoplight/prism-cli@5"]


@dataclass
class Peers:
    """Where the peers' programs are; None (with a note saying why) for one that cannot run."""

    wiremock_jar: Path | None = None
    prism_cli: Path | None = None
    notes: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)


def _installed() -> tuple[Path | None, Path | None]:
    jars = sorted((CACHE / "node_modules" / "wiremock" / "build").glob("wiremock-standalone-*.jar"))
    prism = CACHE / "node_modules" / "@stoplight" / "prism-cli" / "dist" / "index.js"
    return (jars[-1] if jars else None), (prism if prism.is_file() else None)


def _version(package: str) -> str:
    try:
        return json.loads((CACHE / "node_modules" / package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def ensure_peers() -> Peers:
    """Install the peers on first use (npm install --prefix bench/.cache); say what is missing."""
    peers = Peers()
    jar, prism = _installed()
    if jar is None or prism is None:
        if not (shutil.which("npm") and shutil.which("node")):
            peers.notes.append("npm/node not found: WireMock and Prism skipped (install Node 20 to compare)")
            return peers
        print(f"installing {' '.join(PACKAGES)} into {CACHE} (first run only) ...",
              flush=True)
        procs.LOGS.mkdir(parents=True, exist_ok=True)
        log = procs.LOGS / "npm-install.log"
        with open(log, "wb") as out:
            result = subprocess.run(["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund",
                                     *PACKAGES], check=False, stdout=out, stderr=subprocess.STDOUT, timeout=600)
        jar, prism = _installed()
        if result.returncode != 0:
            peers.notes.append(f"npm install failed (exit {result.returncode}, see {log})")
    if jar is not None and shutil.which("java") is None:
        peers.notes.append("java not found: WireMock skipped (install Java 17 to compare)")
        jar = None
    if prism is not None and shutil.which("node") is None:
        peers.notes.append("node not found: Prism skipped")
        prism = None
    peers.wiremock_jar, peers.prism_cli = jar, prism
    if jar is not None:
        peers.versions["wiremock"] = _version("wiremock")
    if prism is not None:
        peers.versions["prism"] = _version("@stoplight/prism-cli")
    return peers


def _wiremock_root() -> Path:
    """A WireMock root dir holding the one stub: the vendor's XML success body of report/event."""
    root = CACHE / "wiremock-root"
    (root / "mappings").mkdir(parents=True, exist_ok=True)
    (root / "__files").mkdir(exist_ok=True)
    stub = {"request": {"method": "GET", "urlPath": EVENT.path.split("?")[0]},
            "response": {"status": 200, "body": EVENT_BODY,
                         "headers": {"Content-Type": "text/xml; charset=utf-8"}}}
    (root / "mappings" / "report-event.json").write_text(json.dumps(stub, indent=1))
    return root


def start_wiremock(jar: Path) -> Service:
    """WireMock with its defaults (request journal on), ready at its first answer to the event stub."""
    port = procs.free_port()
    argv = ["java", "-jar", str(jar), "--port", str(port), "--bind-address", "127.0.0.1",
            "--root-dir", str(_wiremock_root()), "--disable-banner"]
    return _start_peer("wiremock", argv, port, EVENT)


def start_prism(cli: Path) -> Service:
    """Prism's static mock of the pinned OpenAPI extract, ready at its first answer to the listing."""
    port = procs.free_port()
    argv = [shutil.which("node") or "node", str(cli), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)]
    return _start_peer("prism", argv, port, LISTING)


def _start_peer(name: str, argv: list[str], port: int, probe: Request) -> Service:
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    process = procs.spawn(argv, name)
    if not procs.wait_until(lambda: answers(url, probe), process, timeout=90):
        procs.stop(process)
        raise RuntimeError(f"{name} did not answer {probe.path} (see {procs.LOGS / (name + '.log')})")
    return Service(name, process, url, time.perf_counter() - started)
