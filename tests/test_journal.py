"""The request journal (emulator/journal.py) on its own: filters, the entry cap, what is cut, the byte budget.

The HTTP side (``GET /_emulator/requests``) is in tests/control/test_routes.py; here the journal
is driven directly so each bound can be pushed to its edge, plus one check through the control API.
"""

from __future__ import annotations

import pytest

from emulator.app import create_app
from emulator.journal import ENTRY_OVERHEAD, Journal, JournalBudget, RawEntry, truncation_marker
from fakevendor import CORE_SCENARIO, FAKE_VENDOR


def entry(path: str = "/fake/echo", *, method: str = "GET", api: str = "fake", status: int | None = 200,
          time: str = "2024-03-01T12:00:00.000Z", query: str = "", headers: list | None = None,
          body: bytes = b"", fault: str | None = None) -> RawEntry:
    return RawEntry(time, api, method, path, query, headers or [], body, "127.0.0.1", status, fault,
                    "status" if fault else None, 1.0)


def paths(items: list[dict]) -> list[str]:
    return [item["path"] for item in items]


@pytest.fixture
def journal() -> Journal:
    """Six entries of two vendors, methods, statuses, times and one fault."""
    j = Journal()
    j.record(entry("/fake/a", time="2024-03-01T12:00:00.000Z"))
    j.record(entry("/fake/b", method="POST", status=201, time="2024-03-01T12:00:01.000Z"))
    j.record(entry("/analytics/videos/vi1", api="apivideo", time="2024-03-01T12:00:02.000Z"))
    j.record(entry("/fake/c", status=503, fault="down", time="2024-03-01T12:00:03.000Z"))
    j.record(entry("/analytics/videos/vi2", api="apivideo", status=404, time="2024-03-01T12:00:04.000Z"))
    j.record(entry("/fake/d", method="POST", status=None, time="2024-03-01T12:00:05.000Z"))
    return j


def test_ids_count_from_one_in_arrival_order(journal):
    total, items = journal.query()
    assert total == 6 == len(journal)
    assert [item["id"] for item in items] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(("filters", "want"), [
    ({"api": "apivideo"}, ["/analytics/videos/vi1", "/analytics/videos/vi2"]),
    ({"method": "post"}, ["/fake/b", "/fake/d"]),  # the method filter ignores case
    ({"path": "/fake/*"}, ["/fake/a", "/fake/b", "/fake/c", "/fake/d"]),
    ({"path": "/analytics/videos/vi[2]"}, ["/analytics/videos/vi2"]),
    ({"path": "/FAKE/*"}, []),  # the path glob does not ignore case
    ({"status": 503}, ["/fake/c"]),
    ({"since": "2024-03-01T12:00:04.000Z"}, ["/analytics/videos/vi2", "/fake/d"]),  # inclusive
    ({"since_id": 4}, ["/analytics/videos/vi2", "/fake/d"]),  # exclusive: what came after entry 4
    ({"fault": "down"}, ["/fake/c"]),
    ({"fault": "*"}, ["/fake/c"]),
    ({"fault": "other"}, []),
    ({"api": "fake", "method": "GET", "status": 200}, ["/fake/a"]),  # every filter must hold
])
def test_filters(journal, filters, want):
    total, items = journal.query(**filters)
    assert paths(items) == want
    assert total == len(want)


def test_limit_keeps_the_newest_and_total_counts_all_matches(journal):
    total, items = journal.query(path="/fake/*", limit=2)
    assert total == 4
    assert paths(items) == ["/fake/c", "/fake/d"]
    total, items = journal.query(limit=0)
    assert (total, items) == (6, [])
    total, items = journal.query(limit=100)
    assert total == 6 and len(items) == 6


def test_entry_cap_drops_the_oldest_and_counts_them():
    j = Journal(cap=3)
    for name in "abcde":
        j.record(entry(f"/fake/{name}"))
    total, items = j.query()
    assert total == 3 and len(j) == 3
    assert paths(items) == ["/fake/c", "/fake/d", "/fake/e"]
    assert [item["id"] for item in items] == [3, 4, 5]  # ids are not reused
    assert j.dropped == 2


def test_a_body_past_its_cap_is_cut_and_marked():
    j = Journal(body_bytes=10)
    j.record(entry(body=b"0123456789abcdefghijklmno"))
    item = j.query()[1][0]
    assert item["body"] == "0123456789" + truncation_marker(10, 25)
    assert item["body"].endswith("[analytics-emulator: truncated, 10 of 25 bytes kept]")
    assert item["truncated"] == {"body": 25}


def test_a_body_at_its_cap_is_whole():
    j = Journal(body_bytes=10)
    j.record(entry(body=b"0123456789"))
    item = j.query()[1][0]
    assert item["body"] == "0123456789"
    assert "truncated" not in item


def test_headers_past_their_cap_are_cut_in_order_and_marked():
    headers = [("HTTP_X_FIRST", "a" * 10), ("HTTP_X_SECOND", "b" * 40), ("HTTP_X_THIRD", "c" * 10)]
    size = sum(len(k) + len(v) for k, v in headers)
    j = Journal(header_bytes=len("HTTP_X_FIRST") + 10 + len("HTTP_X_SECOND") + 5)
    j.record(entry(headers=headers))
    item = j.query()[1][0]
    assert item["headers"] == {"X-First": "a" * 10, "X-Second": "bbbbb" + truncation_marker(5, 40)}
    assert item["truncated"] == {"headers": size}


def test_query_and_headers_as_the_client_sent_them():
    j = Journal()
    j.record(entry(query="a=1&b=2&a=3&empty=", headers=[("HTTP_X_EMULATOR_TENANT", "t1"),
                                                          ("CONTENT_TYPE", "application/json")]))
    item = j.query()[1][0]
    assert item["query"] == {"a": ["1", "3"], "b": "2", "empty": ""}
    assert item["headers"] == {"X-Emulator-Tenant": "t1", "Content-Type": "application/json"}


def test_a_body_that_is_not_utf8_reads_with_replacement_characters():
    j = Journal()
    j.record(entry(body=b"ok \xff\xfe"))
    assert j.query()[1][0]["body"] == "ok \ufffd\ufffd"


def test_the_budget_drops_the_oldest_entry_of_any_journal():
    size = entry("/fake/0", body=b"x" * 1000).size()  # every path below is as long
    budget = JournalBudget(max_bytes=3 * size)
    first, second = Journal(budget=budget), Journal(budget=budget)
    first.record(entry("/fake/1", body=b"x" * 1000))
    second.record(entry("/fake/2", body=b"x" * 1000))
    first.record(entry("/fake/3", body=b"x" * 1000))
    assert budget.used == 3 * size and budget.dropped == 0
    second.record(entry("/fake/4", body=b"x" * 1000))  # over the budget: the oldest of all goes
    assert paths(first.query()[1]) == ["/fake/3"]
    assert paths(second.query()[1]) == ["/fake/2", "/fake/4"]
    assert (first.dropped, second.dropped, budget.dropped) == (1, 0, 1)
    assert budget.used == 3 * size == first.bytes + second.bytes


def test_the_newest_entry_is_kept_even_alone_over_the_budget():
    budget = JournalBudget(max_bytes=10)
    j = Journal(budget=budget)
    j.record(entry("/fake/a"))
    j.record(entry("/fake/b"))
    assert paths(j.query()[1]) == ["/fake/b"]
    assert j.dropped == 1


def test_clearing_and_the_entry_cap_give_their_bytes_back_to_the_budget():
    budget = JournalBudget(max_bytes=10**9)
    j = Journal(cap=2, budget=budget)
    for name in "abc":
        j.record(entry(f"/fake/{name}", body=b"y" * 100))
    assert budget.used == j.bytes == 2 * entry("/fake/0", body=b"y" * 100).size()
    j.clear()
    assert len(j) == 0 and budget.used == 0 and j.bytes == 0
    j.record(entry("/fake/d"))
    assert j.query()[1][0]["id"] == 4  # clearing does not restart the ids


def test_entry_size_counts_what_it_holds():
    small, big = entry(), entry(body=b"z" * 5000)
    assert small.size() >= ENTRY_OVERHEAD
    assert big.size() - small.size() == 5000


def test_export_and_load_round_trip(journal):
    exported = journal.export()
    again = Journal()
    again.load(exported)
    assert again.export() == exported
    again.record(entry("/fake/next"))
    assert again.query()[1][-1]["id"] == 7  # numbering continues after the loaded entries


def test_load_keeps_to_the_cap():
    source = Journal()
    for name in "abcd":
        source.record(entry(f"/fake/{name}"))
    capped = Journal(cap=2)
    capped.load(source.export())
    assert paths(capped.query()[1]) == ["/fake/c", "/fake/d"]
    assert capped.dropped == 2


@pytest.mark.parametrize(("document", "message"), [
    ({"entries": "nope"}, "journal.entries: expected a list"),
    ({"entries": [1]}, "journal.entries[0]: expected an entry object"),
    ({"entries": [{"id": "1"}]}, "journal.entries[0].id: expected int, got '1'"),
    ({"entries": [{"id": True}]}, "journal.entries[0].id: expected int, got True"),
])
def test_load_names_the_first_malformed_entry(document, message):
    j = Journal()
    j.record(entry("/fake/kept"))
    with pytest.raises(ValueError) as caught:
        j.load(document)
    assert str(caught.value) == message
    assert paths(j.query()[1]) == ["/fake/kept"]  # nothing replaced


def test_through_the_control_api_the_cap_and_the_dropped_count_show():
    app = create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], journal_cap=2, journal_body_bytes=4)
    client = app.test_client()
    for name in "abc":
        client.post(f"/fake/items/{name}", data=b"0123456789")
    answer = client.get("/_emulator/requests")
    assert answer.status_code == 200
    assert answer.headers["X-Emulator-Journal-Dropped"] == "1"
    items = answer.get_json()["items"]
    assert [item["path"] for item in items] == ["/fake/items/b", "/fake/items/c"]
    assert items[-1]["body"] == "0123" + truncation_marker(4, 10)
