"""`python -m bench.bounds [--quick]`: what the limits of docs/limits.md hold a served emulator to.

Resident memory of one ``serve`` process (default settings) after filling the journal past its
byte cap with 60 KB bodies spread over many tenants, and after 50,000 api.video logins (with the
time per login at the start and at the end: it must not grow); and how long the refusal of a
huge invalid scenario and of a YAML alias bomb takes over HTTP. Part of ``make bench``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import time
import urllib.parse

from .emulator_figures import _rss_kb
from .procs import cpu_seconds
from .services import start_emulator

JOURNAL_BODY = 60 * 1024
JOURNAL_BYTES = 128 * 1024 * 1024  # the default journal_bytes setting
TENANTS = 64


class _Connection:
    """One keep-alive HTTP connection to the emulator."""

    def __init__(self, url: str) -> None:
        parsed = urllib.parse.urlsplit(url)
        self.http = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)

    def send(self, method: str, path: str, body: bytes | None = None,
             headers: dict | None = None) -> tuple[int, bytes, http.client.HTTPMessage]:
        self.http.request(method, path, body=body, headers=headers or {})
        response = self.http.getresponse()
        return response.status, response.read(), response.headers

    def close(self) -> None:
        self.http.close()


def fill_journal(url: str, requests: int) -> dict:
    """``requests`` POSTs with 60 KB bodies over TENANTS tenants; what the journal kept and dropped."""
    connection = _Connection(url)
    body = b"b" * JOURNAL_BODY
    try:
        for i in range(requests):
            connection.send("POST", "/api/analytics/report/event", body,
                            {"Content-Type": "text/plain", "X-Emulator-Tenant": f"bench-{i % TENANTS}"})
        kept = dropped = 0
        for t in range(TENANTS):
            _, data, headers = connection.send("GET", "/_emulator/requests?limit=0",
                                               headers={"X-Emulator-Tenant": f"bench-{t}"})
            kept += json.loads(data)["total"]
            dropped += int(headers["X-Emulator-Journal-Dropped"])
        return {"requests": requests, "kept": kept, "dropped": dropped}
    finally:
        connection.close()


def logins(url: str, count: int) -> dict:
    """``count`` POST /auth/api-key on the default tenant; ms per login over the first and last 1,000."""
    connection = _Connection(url)
    body = json.dumps({"apiKey": "sandbox-key"}).encode()
    headers = {"Content-Type": "application/json"}
    marks = []
    try:
        window = min(1000, count // 2)
        started = time.perf_counter()
        for i in range(count):
            if i in (window, count - window):
                marks.append(time.perf_counter())
            status, _, _ = connection.send("POST", "/auth/api-key", body, headers)
            if status != 200:
                raise RuntimeError(f"login {i} answered {status}")
        ended = time.perf_counter()
        _, data, _ = connection.send("GET", "/_emulator/ready")
        tokens = json.loads(data)["counts"]["apivideo"]["access_tokens"]
    finally:
        connection.close()
    return {"logins": count, "first_ms": (marks[0] - started) * 1000 / window,
            "last_ms": (ended - marks[1]) * 1000 / window, "access_tokens_kept": tokens}


def refusal(url: str, pid: int, text: str) -> dict:
    """Status, wall time and the server's CPU time of PUT /_emulator/scenario with ``text``."""
    connection = _Connection(url)
    try:
        cpu, started = cpu_seconds(pid), time.perf_counter()
        status, _, _ = connection.send("PUT", "/_emulator/scenario", text.encode(),
                                       {"Content-Type": "application/yaml"})
        return {"status": status, "ms": (time.perf_counter() - started) * 1000,
                "cpu_ms": (cpu_seconds(pid) - cpu) * 1000, "bytes": len(text)}
    finally:
        connection.close()


def _alias_bomb(sites: int = 300) -> str:
    photos = ", ".join(f'"{1000 + i}"' for i in range(60))
    lines = [f"    - {{domain: s0.example, photos: &p [{photos}], history: {{generate: {{days: 3000, photos: *p}}}}}}"]
    lines += [f"    - {{domain: s{i}.example, photos: *p, history: {{generate: {{days: 3000, photos: *p}}}}}}"
              for i in range(1, sites)]
    return "name: bomb\ntwentythree:\n  sites:\n" + "\n".join(lines) + "\n"


def measure_bounds(quick: bool = False) -> dict:
    """Every figure of this module, from one served emulator with the default settings."""
    service = start_emulator(name="emulator-bounds")
    pid = service.process.pid
    try:
        figures: dict = {"rss_start_mb": _rss_kb(pid) / 1024}
        requests = 600 if quick else int(JOURNAL_BYTES / JOURNAL_BODY * 1.5)  # past the cap
        started = time.perf_counter()
        figures["journal"] = fill_journal(service.url, requests)
        figures["journal"]["seconds"] = time.perf_counter() - started
        figures["rss_after_journal_mb"] = _rss_kb(pid) / 1024
        figures["login"] = logins(service.url, 5_000 if quick else 50_000)
        figures["rss_after_logins_mb"] = _rss_kb(pid) / 1024
        faults = "name: x\nfaults: [" + ",".join(["1"] * 199_000) + "]\n"
        figures["refuse_invalid"] = refusal(service.url, pid, faults)
        figures["refuse_alias_bomb"] = refusal(service.url, pid, _alias_bomb())
        return figures
    finally:
        service.stop()


def describe(figures: dict) -> list[str]:
    """The figures as the lines ``make bench`` prints."""
    journal, login = figures["journal"], figures["login"]
    return [
        f"  resident at start {figures['rss_start_mb']:.0f} MB",
        f"  journal: {journal['requests']:,} requests of 60 KB over {TENANTS} tenants -> {journal['kept']:,} kept, "
        f"{journal['dropped']:,} dropped; resident {figures['rss_after_journal_mb']:.0f} MB",
        f"  {login['logins']:,} logins: {login['first_ms']:.2f} ms each at first, {login['last_ms']:.2f} ms at the "
        f"end, {login['access_tokens_kept']:,} tokens kept; resident {figures['rss_after_logins_mb']:.0f} MB",
        *(f"  refusal of {what} ({case['bytes'] / 1024:.0f} KB): {case['status']} after {case['cpu_ms']:.0f} ms "
          f"of server CPU ({case['ms']:.0f} ms wall)"
          for what, case in (("an invalid scenario", figures["refuse_invalid"]),
                             ("a 54-million-entry alias bomb", figures["refuse_alias_bomb"]))),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bounds", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests and logins (smoke run)")
    args = parser.parse_args(argv)
    print("bounded memory and refusals (default settings) ...", flush=True)
    figures = measure_bounds(args.quick)
    print("\n".join(describe(figures)))
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
