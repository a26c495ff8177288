"""Fixtures of the api.video tests: apps whose every api.video answer is checked.

The folder's conftest: every test module here may take these fixtures; data comes from
``support.py``. The folder is the package ``tests.apivideo`` (``tests/`` itself is a package and not on
``sys.path``), so it does not shadow the vendor client's top-level ``apivideo`` package.

Each app built here gets an ``after_request`` hook that validates the body of every response on
/auth/* and /analytics/* against the pinned schemas (strictly, see contract.py) and
its Content-Type, and the collector's answers (/vod, /live) against their own strict shapes;
CORS headers must be on every collector answer and on no other. The violations are asserted
empty when the test ends, so every test that talks to these routes - in process or through a
real server - is also a contract test.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, Response, request

from emulator.apivideo.routes import owns_path
from emulator.app import create_app
from emulator.flask_pipeline import request_state

from .contract import Contract, is_collector
from .support import SCENARIO


@pytest.fixture(scope="session")
def contract() -> Contract:
    return Contract()


def _transport_fault() -> bool:
    state = request_state()
    return state is not None and state.action is not None


def attach_contract(app: Flask, contract: Contract, violations: list[str]) -> None:
    """Validate every api.video answer of ``app`` against the contract, collecting violations."""

    @app.after_request
    def _validate(response: Response) -> Response:
        if not owns_path(request.path) or request.method == "HEAD" or _transport_fault():
            return response
        collector = is_collector(request.path)
        if collector != ("Access-Control-Allow-Origin" in response.headers):
            violations.append(f"{request.method} {request.path} {response.status_code}: CORS headers "
                              f"{'missing' if collector else 'on a route that must not have them'}")
        if request.method == "OPTIONS":
            return response
        data = response.get_data()
        want = "application/json" if response.status_code < 400 else "application/problem+json"
        if response.mimetype != want:
            violations.append(f"{request.path} {response.status_code}: Content-Type {response.mimetype}")
        try:
            body = json.loads(data)
        except ValueError:
            violations.append(f"{request.path} {response.status_code}: not JSON: {data[:80]!r}")
            return response
        violations.extend(contract.errors(request.path, response.status_code, body))
        return response


@pytest.fixture
def contract_hook():
    """``attach_contract`` itself, for tests of the hook."""
    return attach_contract


@pytest.fixture
def make_app(contract: Contract) -> Iterator[Callable[..., Flask]]:
    """Build checked apps: ``make_app(scenario_dict_or_name, **create_app_kwargs)``."""
    violations: list[str] = []

    def build(document: Any = None, **kwargs: Any) -> Flask:
        app = create_app(SCENARIO if document is None else document, **kwargs)
        attach_contract(app, contract, violations)
        return app

    yield build
    assert not violations, "responses broke the pinned contract:\n" + "\n".join(violations[:20])


@pytest.fixture
def av_app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def av_client(av_app):
    return av_app.test_client()


@pytest.fixture
def bearer(av_client) -> dict[str, str]:
    """Authorization headers with a fresh sandbox access token."""
    token = av_client.post("/auth/api-key", json={"apiKey": "sandbox-key"}).get_json()["access_token"]
    return {"Authorization": f"Bearer {token}"}
