"""Fixtures of the 23 Video tests: an app with only this vendor, from the scenario in helpers.py."""

from __future__ import annotations

import pytest

from .helpers import make_app


@pytest.fixture
def tt_app():
    return make_app()


@pytest.fixture
def tt_client(tt_app):
    return tt_app.test_client()
