"""Under concurrent keep-alive load through the server: each request journaled once, each report once."""

from __future__ import annotations

import threading

import requests

from emulator.app import create_app

EVENT = "/api/analytics/report/event?photo_id=1001&event=load"


def test_concurrent_reports_are_each_journaled_and_recorded_once(live_server_factory):
    server = live_server_factory(create_app("default"))
    threads, each = 8, 40
    failures: list[str] = []

    def client(index: int) -> None:
        with requests.Session() as session:
            for i in range(each):
                response = session.get(f"{server.url}{EVENT}&i={index}-{i}", headers={"Host": "localhost"}, timeout=10)
                if response.status_code != 200:
                    failures.append(response.text)

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    items = requests.get(f"{server.url}/_emulator/requests?limit=1000", timeout=5).json()["items"]
    queries = [e["query"]["i"] for e in items if e["path"] == "/api/analytics/report/event"]
    assert len(queries) == len(set(queries)) == threads * each
    counts = requests.get(f"{server.url}/_emulator/ready", timeout=5).json()["counts"]["twentythree"]
    assert counts["event"] == threads * each
