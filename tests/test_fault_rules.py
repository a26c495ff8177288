"""Fault rules on their own (emulator/faults.py): matching, counters, ``times``, ``after``, ``until``,
probability, the checks on a rule document; and the probability draw from the scenario seed over HTTP.

tests/test_faults.py observes the rules from a real client over a socket; this file pushes each
field to its edge on a :class:`FaultBook` directly.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from emulator.app import create_app
from emulator.faults import RATE_LIMIT, FaultBook, FaultError, RuleSchema, parse_rule
from fakevendor import CORE_SCENARIO, FAKE_VENDOR

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
#: two vendors, one of them with a kind of its own
RULES = RuleSchema({"apivideo": {"rate_limit": RATE_LIMIT}, "twentythree": {}})
GET_ECHO = {"api": "apivideo", "method": "GET", "path": "/fake/echo", "params": {}, "headers": {}}


def never() -> float:
    raise AssertionError("a rule without a probability must not draw")


def select(book: FaultBook, draw=never, now: datetime = NOW, **request) -> str | None:
    rule = book.select(now, draw, **{**GET_ECHO, **request})
    return rule.id if rule else None


def book_of(*rules: dict) -> FaultBook:
    book = FaultBook(schema=RULES)
    for rule in rules:
        book.add(rule)
    return book


def status(code: int = 503, **fields) -> dict:
    return {"action": {"kind": "status", "status": code}, **fields}


@pytest.mark.parametrize(("match", "request_fields", "fires"), [
    ({}, {}, True),
    ({"api": "any"}, {}, True),
    ({"api": "apivideo"}, {}, True),
    ({"api": "twentythree"}, {}, False),
    ({"method": "get"}, {}, True),  # stored upper case
    ({"method": "POST"}, {}, False),
    ({"path": "/fake/*"}, {}, True),
    ({"path": "/fake/e[cx]ho"}, {}, True),
    ({"path": "/FAKE/*"}, {}, False),
    ({"params": {"page": "2"}}, {"params": {"page": "2"}}, True),
    ({"params": {"page": "2"}}, {"params": {"page": "3"}}, False),
    ({"params": {"page": "*"}}, {"params": {"page": "3"}}, True),
    ({"params": {"page": "2"}}, {}, False),
    ({"headers": {"X-Env": "ci-*"}}, {"headers": {"X-Env": "ci-42"}}, True),
    ({"headers": {"X-Env": "ci-*"}}, {"headers": {"X-Env": "dev"}}, False),
    ({"headers": {"X-Env": "*"}}, {}, False),  # a header that is absent never matches
])
def test_matching(match, request_fields, fires):
    book = book_of(status(id="r", match=match))
    assert select(book, **request_fields) == ("r" if fires else None)
    assert book.rules()[0].seen == (1 if fires else 0)


def test_the_first_rule_that_fires_wins_in_the_order_added():
    book = book_of(status(id="first", match={"path": "/fake/*"}), status(id="second"))
    assert select(book) == "first"
    assert [(r.seen, r.fired) for r in book.rules()] == [(1, 1), (0, 0)]


def test_times_fires_that_often_then_the_next_rule_takes_over():
    book = book_of(status(id="twice", times=2), status(id="always", code=500))
    assert [select(book) for _ in range(4)] == ["twice", "twice", "always", "always"]
    twice = book.rules()[0]
    assert (twice.seen, twice.fired, twice.spent(NOW)) == (2, 2, True)


def test_after_lets_that_many_matches_through_and_counts_them_as_seen():
    book = book_of(status(id="late", after=2, times=1))
    assert [select(book) for _ in range(4)] == [None, None, "late", None]
    late = book.rules()[0]
    assert (late.seen, late.fired) == (3, 1)


def test_a_rule_that_declines_passes_the_request_to_the_next_one():
    book = book_of(status(id="later", after=1), status(id="fallback", code=500))
    assert [select(book) for _ in range(3)] == ["fallback", "later", "later"]


def test_until_ends_the_rule_at_that_instant_on_the_emulator_clock():
    book = book_of(status(id="window", until="2024-03-01T12:00:10Z"))
    assert select(book, now=NOW + timedelta(seconds=9)) == "window"
    assert select(book, now=NOW + timedelta(seconds=10)) is None
    assert book.rules()[0].to_dict(NOW + timedelta(seconds=10))["spent"] is True


def test_probability_fires_when_the_draw_is_below_it():
    book = book_of(status(id="coin", probability=0.25))
    draws = iter([0.0, 0.24, 0.25, 0.9])
    assert [select(book, draw=lambda: next(draws)) for _ in range(4)] == ["coin", "coin", None, None]
    assert (book.rules()[0].seen, book.rules()[0].fired) == (4, 2)


def test_probability_zero_never_fires():
    book = book_of(status(id="off", probability=0))
    assert [select(book, draw=lambda: 0.0) for _ in range(3)] == [None, None, None]


def test_ids_are_generated_unique_and_checked():
    book = book_of(status(), status(), status(id="mine"))
    assert [r.id for r in book.rules()] == ["fault-1", "fault-2", "mine"]
    with pytest.raises(FaultError, match="a rule with id 'mine' exists already"):
        book.add(status(id="mine"))


def test_remove_clear_and_the_rule_cap():
    book = FaultBook(max_rules=2, schema=RULES)
    book.add(status(id="a"))
    book.add(status(id="b"))
    with pytest.raises(FaultError, match="holds 2 rules already"):
        book.add(status(id="c"))
    assert book.remove("a") is True and book.remove("a") is False
    assert [r.id for r in book.rules()] == ["b"]
    book.clear()
    assert not book and book.rules() == []


def test_export_and_load_keep_the_counters():
    book = book_of(status(id="twice", times=2, after=1))
    select(book)
    select(book)
    again = FaultBook(schema=RULES)
    again.load(book.export())
    assert again.export() == book.export()
    assert [select(again) for _ in range(2)] == ["twice", None]  # one of its two times was used


@pytest.mark.parametrize(("items", "message"), [
    ([1], "faults[0]: expected a rule object, got int"),
    ([{**status(), "seen": -1}], "faults[0].seen: expected a count of 0 or more, got -1"),
    ([{**status(), "fired": True}], "faults[0].fired: expected a count of 0 or more, got True"),
    ([status(id="x"), status(id="x")], "faults[1].id: a rule with id 'x' comes earlier in the list"),
])
def test_load_names_the_bad_item_and_keeps_the_old_rules(items, message):
    book = book_of(status(id="kept"))
    with pytest.raises(FaultError) as caught:
        book.load(items)
    assert str(caught.value) == message
    assert [r.id for r in book.rules()] == ["kept"]


@pytest.mark.parametrize(("document", "message"), [
    ([], "a fault rule is a JSON object, got list"),
    ({"action": {"kind": "status", "stauts": 503}}, "action.stauts: unknown key 'stauts' (did you mean 'status'?)"),
    ({"action": {"status": 503}}, "action.kind is required"),
    ({"action": {"kind": "status"}}, "action: 'status' is required"),
    ({"action": {"kind": "teapot"}}, "action.kind"),
    (status(match={"path": "analytics/*"}), "match.path: a path starts with '/': write '/analytics/*'"),
    (status(match={"path": "/a?page=2"}), "match.path: the path never contains the query string"),
    (status(match={"path": "/a/[b"}), "match.path: unbalanced '[' in the glob"),
    (status(times=0), "times"),
    (status(probability=1.5), "probability"),
    (status(until="tomorrow"), "until: expected an ISO-8601 instant"),
    ({"action": {"kind": "latency", "ms": float("nan")}}, "action.ms"),
])
def test_a_bad_rule_is_refused_naming_the_field(document, message):
    with pytest.raises(FaultError) as caught:
        parse_rule(document, generated_id="g")
    assert message in str(caught.value)


def test_hang_and_latency_are_clamped_with_a_note():
    hang = parse_rule({"action": {"kind": "hang", "ms": 90_000}}, generated_id="g", hang_max_ms=1000)
    assert hang.action["ms"] == 1000
    assert hang.notes == ["hang ms 90000 clamped to the server maximum 1000 (--hang-max-ms)"]
    latency = parse_rule({"action": {"kind": "latency", "ms": 800, "jitter_ms": 500}}, generated_id="g",
                         hang_max_ms=1000)
    assert (latency.action["ms"], latency.action["jitter_ms"]) == (800, 200)
    assert len(latency.notes) == 1 and "jitter_ms" in latency.notes[0]


# -- the probability draw comes from the scenario seed ---------------------------------------------------------
def pattern(seed: int) -> list[int]:
    """Statuses of 24 requests under a probability 0.5 rule, on a fresh app with ``seed``."""
    client = create_app(CORE_SCENARIO, seed=seed, vendors=[FAKE_VENDOR]).test_client()
    added = client.post("/_emulator/faults", json={"match": {"path": "/fake/echo"}, "probability": 0.5,
                                                    "action": {"kind": "status", "status": 503}})
    assert added.status_code == 201, added.get_data(as_text=True)
    return [client.get("/fake/echo").status_code for _ in range(24)]


def test_the_same_seed_fires_on_the_same_requests():
    first = pattern(7)
    assert first == pattern(7)
    assert set(first) == {200, 503}  # a real draw: some fire, some do not


def test_another_seed_fires_on_other_requests():
    assert pattern(7) != pattern(8)


def test_a_reset_restarts_the_draws():
    client = create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR]).test_client()
    rule = {"id": "coin", "match": {"path": "/fake/echo"}, "probability": 0.5,
            "action": {"kind": "status", "status": 503}}

    def run() -> list[int]:
        assert client.post("/_emulator/faults", json=rule).status_code == 201
        return [client.get("/fake/echo").status_code for _ in range(16)]

    first = run()
    client.post("/_emulator/reset")
    assert run() == first


def test_a_vendor_kind_fires_only_on_its_vendor_and_is_refused_for_another():
    """``rate_limit`` is apivideo's own here: with no ``api`` it is kept to apivideo's routes, and a rule
    naming twentythree is refused when it is added (it could never fire)."""
    book = book_of({"action": {"kind": "rate_limit"}})
    assert select(book) == "fault-1"
    assert select(book, api="twentythree") is None
    with pytest.raises(FaultError, match="kind 'rate_limit' does not apply to twentythree routes"):
        book.add({"match": {"api": "twentythree"}, "action": {"kind": "rate_limit"}})


def test_the_vendor_names_come_from_the_schema():
    """A name the app does not serve is refused; the app's own are accepted (no name is built in)."""
    with pytest.raises(FaultError, match="match.api: expected one of fake, any"):
        parse_rule({"match": {"api": "apivideo"}, "action": {"kind": "reset"}}, generated_id="g",
                   schema=RuleSchema({"fake": {}}))
    assert parse_rule({"match": {"api": "fake"}, "action": {"kind": "reset"}}, generated_id="g",
                      schema=RuleSchema({"fake": {}})).apis == ("fake",)
