"""Tenants (emulator/store.py): created on first use, the least recently used evicted, pins kept.

The store is driven with a factory that only records which tenant it built, so each eviction can
be pushed to its edge; the last test shows the LRU through HTTP on an app with the fake vendor (pins over HTTP:
tests/control/test_guard.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from emulator.app import create_app
from emulator.store import DEFAULT_TENANT, TenantError, TenantFull, TenantStore, seeded_random
from fakevendor import CORE_SCENARIO, FAKE_VENDOR


@dataclass
class Built:
    """What the factory made: the name it was asked for and the scenario it was built from."""

    name: str
    loaded: object


def new_store(max_tenants: int = 3) -> TenantStore:
    return TenantStore(lambda name, loaded: Built(name, loaded), base="base-scenario", max_tenants=max_tenants)


def test_a_tenant_is_created_once_on_first_use():
    store = new_store()
    first = store.get("acme")
    assert first == Built("acme", "base-scenario")
    assert store.get("acme") is first
    assert store.get(None) is store.get("") is store.get(DEFAULT_TENANT)
    assert store.names() == ["acme", DEFAULT_TENANT]


@pytest.mark.parametrize("name", ["has space", "a/b", "x" * 65, "é"])
def test_a_bad_tenant_name_is_refused_with_the_rule(name):
    store = new_store()
    with pytest.raises(TenantError, match="1-64 characters of A-Z a-z 0-9 _ . : -"):
        store.get(name)
    assert store.names() == []


def test_the_longest_name_and_every_allowed_character_are_taken():
    store = new_store()
    assert store.get("x" * 64).name == "x" * 64
    assert store.get("A-z_0.9:b").name == "A-z_0.9:b"


def test_past_the_cap_the_least_recently_used_goes():
    store = new_store(max_tenants=3)
    for name in ("default", "a", "b"):
        store.get(name)
    store.get("a")  # a is now more recent than b
    store.get("c")
    assert store.names() == ["default", "a", "c"]
    assert store.evicted == 1


def test_the_default_tenant_is_never_evicted():
    store = new_store(max_tenants=2)
    default = store.get(None)
    for name in ("a", "b", "c"):
        store.get(name)
    assert store.get(None) is default
    assert sorted(store.names()) == ["c", "default"]
    assert store.evicted == 2


def test_pinned_tenants_survive_untrusted_traffic():
    store = new_store(max_tenants=3)
    pinned = store.get("ci-run", trusted=True)
    assert store.is_pinned("ci-run") and not store.is_pinned("other")
    for name in ("x1", "x2", "x3", "x4"):
        store.get(name)
    assert store.get("ci-run") is pinned
    assert store.names() == ["x3", "x4", "ci-run"]


def test_when_every_slot_is_pinned_an_untrusted_new_tenant_is_refused():
    store = new_store(max_tenants=2)
    store.get("p1", trusted=True)
    store.get("p2", trusted=True)
    with pytest.raises(TenantFull, match="all 2 tenants .* are pinned"):
        store.get("stranger")
    assert store.names() == ["p1", "p2"]
    store.get("p1")  # an untrusted request may still use a tenant that exists


def test_a_trusted_request_evicts_the_least_recently_used_pinned_tenant_when_it_must():
    store = new_store(max_tenants=2)
    store.get("p1", trusted=True)
    store.get("p2", trusted=True)
    store.get("p1")  # touched: p2 is now the least recently used
    store.get("p3", trusted=True)
    assert store.names() == ["p1", "p3"]
    assert not store.is_pinned("p2")


def test_touching_an_existing_tenant_with_the_token_pins_it():
    store = new_store(max_tenants=2)
    store.get("a")
    store.get("a", trusted=True)
    store.get("b", trusted=True)
    with pytest.raises(TenantFull):
        store.get("c")


def test_drop_forgets_the_tenant_and_its_pin():
    store = new_store()
    first = store.get("a", trusted=True)
    assert store.drop("a") is True
    assert store.drop("a") is False
    assert not store.is_pinned("a")
    assert store.get("a") is not first


def test_replace_builds_afresh_from_the_scenario_given_or_the_current_one():
    store = new_store()
    old = store.get("a")
    fresh = store.replace("a")
    assert fresh is not old and fresh.loaded == "base-scenario"
    other = store.replace("a", loaded="other-scenario")
    assert store.get("a") is other and other.loaded == "other-scenario"
    assert store.replace("a").loaded == "other-scenario"


def test_install_and_replace_keep_to_the_cap():
    store = new_store(max_tenants=2)
    store.get("a")
    store.get("b")
    store.install("c", Built("c", "imported"))
    assert store.names() == ["b", "c"]
    store.replace("d")
    assert store.names() == ["c", "d"] and len(store) == 2


def test_seeded_random_depends_on_the_seed_and_the_purpose_only():
    def draws(seed, purpose):
        rng = seeded_random(seed, purpose)
        return [rng.random() for _ in range(5)]

    assert draws(7, "faults") == draws(7, "faults")
    assert draws(7, "faults") != draws(8, "faults")
    assert draws(7, "faults") != draws(7, "latency")


# -- the same policy through HTTP ------------------------------------------------------------------------------
def add_item(client, tenant: str, item: str) -> list[str]:
    headers = {"X-Emulator-Tenant": tenant}
    answer = client.post(f"/fake/items/{item}", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["items"]


def test_over_http_tenants_are_isolated_and_the_oldest_is_evicted():
    client = create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], max_tenants=3).test_client()
    assert add_item(client, "default", "0") == ["0"]
    assert add_item(client, "a", "1") == ["1"]
    assert add_item(client, "b", "2") == ["2"]
    assert add_item(client, "a", "3") == ["1", "3"]
    add_item(client, "c", "4")  # four tenants: b, used least recently, goes
    assert add_item(client, "a", "5") == ["1", "3", "5"]
    assert add_item(client, "b", "6") == ["6"]  # b started afresh
    assert add_item(client, "default", "7") == ["0", "7"]

