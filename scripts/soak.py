"""`make soak`: drive both vendors for a bounded time with valid, invalid and faulted requests.

Loopback only; stops by itself (SOAK_SECONDS, default 300). Traffic goes to one tenant per window;
at the end of each window the window's tenant is checked (every accepted report present exactly
once, the journal counts every request sent, no 5xx but the injected ones) and dropped. Meanwhile
a churn thread resets, swaps scenarios and exports state in another tenant. Prints memory (RSS)
per window, thread counts, and exits 1 if any check failed.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 6
WINDOW_SECONDS = 30.0
BASIC = "Basic " + base64.b64encode(b"sandbox-key:").decode()
VIDEO = "vi4k0jvEUuaTdRAEjQ4Prklg"
FAULTS = [
    {"id": "soak-reset", "match": {"api": "any"}, "action": {"kind": "reset"}, "probability": 0.03},
    {"id": "soak-truncate", "match": {"api": "any"}, "action": {"kind": "truncate", "fraction": 0.5},
     "probability": 0.03},
    {"id": "soak-latency", "match": {"api": "any"}, "action": {"kind": "latency", "ms": 5}, "probability": 0.05},
    {"id": "soak-503", "match": {"api": "apivideo"}, "action": {"kind": "status", "status": 503},
     "probability": 0.02},
]


@dataclass
class Window:
    tenant: str
    sent: int = 0
    valid_reports: set = field(default_factory=set)
    confirmed: set = field(default_factory=set)
    statuses: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=10)


def call(port: int, method: str, path: str, tenant: str | None = None, body: bytes | None = None,
         headers: dict | None = None) -> tuple[int, bytes]:
    connection = connect(port)
    try:
        all_headers = dict(headers or {})
        if tenant:
            all_headers["X-Emulator-Tenant"] = tenant
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def traffic(port: int, window_ref: list, stop: threading.Event, seed: int) -> None:
    """One client: a mix of valid and invalid requests to both vendors, on a keep-alive connection."""
    rng = random.Random(seed)
    connection = connect(port)
    serial = 0
    while not stop.is_set():
        window: Window = window_ref[0]
        serial += 1
        choice = rng.random()
        headers = {"X-Emulator-Tenant": window.tenant, "Host": "localhost"}
        report_id = None
        if choice < 0.45:
            report_id = f"{seed}-{serial}"
            path = f"/api/analytics/report/event?photo_id=1001&event=load&uuid={report_id}&format=json&raw"
        elif choice < 0.55:
            path = "/api/analytics/report/play?timeStart=abc"  # invalid: missing photo_id, bad number
        elif choice < 0.85:
            page = rng.randint(1, 6)
            path = f"/analytics/videos/{VIDEO}?period=2024-01-01/2024-02-29&currentPage={page}&pageSize=25"
            headers["Authorization"] = BASIC
        else:
            path = f"/analytics/videos/{VIDEO}?period=2024-13"  # invalid period
            headers["Authorization"] = BASIC
        if report_id:
            with window.lock:
                window.valid_reports.add(report_id)
        with window.lock:
            window.sent += 1
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            with window.lock:
                window.statuses[response.status] += 1
                if report_id and response.status == 200 and b'"status":"ok"' in body:
                    window.confirmed.add(report_id)
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = connect(port)
        except (OSError, http.client.HTTPException):
            with window.lock:
                window.statuses["connection-fault"] += 1
            connection.close()
            connection = connect(port)
    connection.close()


def churn(port: int, stop: threading.Event, failures: list) -> None:
    """Resets, scenario swaps, state exports and journal reads in a tenant of their own."""
    scenarios = ["default", "flaky-network", "vendor-outage", "default"]
    index = 0
    while not stop.wait(0.2):
        index += 1
        for method, path, body in (
            ("POST", "/_emulator/reset", None),
            ("PUT", "/_emulator/scenario", json.dumps({"name": scenarios[index % len(scenarios)]}).encode()),
            ("GET", "/_emulator/state", None),
            ("GET", "/api/analytics/report/event?photo_id=1&event=load", None),
            ("GET", "/_emulator/requests?limit=5", None),
        ):
            try:
                status, _ = call(port, method, path, "churn", body, {"Content-Type": "application/json"})
            except OSError as exc:  # flaky-network's resets apply to the churn tenant's vendor call
                if "/api/" not in path:
                    failures.append(f"churn {method} {path}: {exc}")
                continue
            if status >= 500 and "/api/" not in path:
                failures.append(f"churn {method} {path} answered {status}")


def check_window(port: int, window: Window, failures: list) -> dict:
    """Every accepted report exactly once; the journal holds every request sent; only injected 5xx."""
    _, body = call(port, "GET", "/_emulator/twentythree/reports?kind=event", window.tenant)
    items = json.loads(body)["items"]
    recorded = Counter(item["params"].get("uuid") for item in items)
    duplicates = [uuid for uuid, count in recorded.items() if count > 1]
    _, body = call(port, "GET", "/_emulator/requests", window.tenant)
    journal = json.loads(body)
    reset_ids = {e["query"].get("uuid") for e in journal["items"] if e["fault_kind"] == "reset"}
    expected = window.valid_reports - reset_ids
    missing = expected - set(recorded)
    unconfirmed_missing = window.confirmed - set(recorded)
    unexpected_5xx = [e for e in journal["items"] if (e["status"] or 0) >= 500 and e["fault"] != "soak-503"]
    if duplicates:
        failures.append(f"{window.tenant}: {len(duplicates)} reports recorded twice")
    if missing or unconfirmed_missing:
        failures.append(f"{window.tenant}: {len(missing | unconfirmed_missing)} accepted reports missing")
    if journal["total"] != window.sent:
        failures.append(f"{window.tenant}: journal has {journal['total']} entries for {window.sent} requests")
    if unexpected_5xx:
        failures.append(f"{window.tenant}: {len(unexpected_5xx)} 5xx answers not injected, e.g. "
                        f"{unexpected_5xx[0]['path']}")
    call(port, "DELETE", "/_emulator/tenant", window.tenant)
    return {"tenant": window.tenant, "requests": window.sent, "reports": len(recorded),
            "statuses": dict(window.statuses), "unexpected_5xx": len(unexpected_5xx)}


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    seconds = float(os.environ.get("SOAK_SECONDS", "300"))
    server = subprocess.Popen([sys.executable, "-m", "emulator.cli", "serve", "--port", "0"],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = server.stdout.readline()
        port = int(line.rsplit(":", 1)[1])
        failures: list[str] = []
        stop = threading.Event()
        window_ref = [Window("soak-0")]
        call(port, "POST", "/_emulator/faults", "soak-0", json.dumps(FAULTS).encode(),
             {"Content-Type": "application/json"})
        threads = [threading.Thread(target=traffic, args=(port, window_ref, stop, i), daemon=True)
                   for i in range(WORKERS)]
        threads.append(threading.Thread(target=churn, args=(port, stop, failures), daemon=True))
        for thread in threads:
            thread.start()
        started = time.monotonic()
        number = 0
        print(f"soak: {seconds:.0f} s, {WORKERS} clients, windows of {WINDOW_SECONDS:.0f} s, pid {server.pid}")
        while time.monotonic() - started < seconds:
            time.sleep(min(WINDOW_SECONDS, max(0.1, seconds - (time.monotonic() - started))))
            number += 1
            old = window_ref[0]
            new = Window(f"soak-{number}")
            call(port, "POST", "/_emulator/faults", new.tenant, json.dumps(FAULTS).encode(),
                 {"Content-Type": "application/json"})
            window_ref[0] = new
            time.sleep(0.5)  # let requests already in flight for the old window finish
            summary = check_window(port, old, failures)
            print(f"window {number}: {summary['requests']} requests, {summary['reports']} reports, "
                  f"statuses {summary['statuses']}, rss {rss_mb(server.pid):.1f} MB, "
                  f"server threads {len(os.listdir(f'/proc/{server.pid}/task'))}", flush=True)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        time.sleep(0.5)
        final_threads = len(os.listdir(f"/proc/{server.pid}/task"))
        print(f"end: rss {rss_mb(server.pid):.1f} MB, server threads {final_threads} (idle: main + accept loop)")
        if final_threads > 4:
            failures.append(f"{final_threads} threads still alive in the server after every client closed")
        if server.poll() is not None:
            failures.append("the server died")
        for failure in failures:
            print("FAIL", failure)
        print("soak:", "FAILED" if failures else "passed: zero unexpected 5xx, zero lost or doubled reports")
        return 1 if failures else 0
    finally:
        server.terminate()
        server.wait(timeout=5)


if __name__ == "__main__":
    sys.exit(main())
