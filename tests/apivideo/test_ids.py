"""Generated session ids: vendor-shaped, reversible, keyed by the seed, forgery-resistant."""
from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from emulator.apivideo.ids import MAX_INDEX, MAX_ORDINAL, SessionIdCodec

SHAPE = re.compile(r"ps[0-9A-Za-z]{21}")


@given(st.integers(0, MAX_ORDINAL), st.integers(0, MAX_INDEX))
def test_round_trip(ordinal, index):
    codec = SessionIdCodec("42")
    sid = codec.encode(ordinal, index)
    assert SHAPE.fullmatch(sid)
    assert codec.decode(sid) == (ordinal, index)


def test_unique_and_seed_dependent():
    a, b = SessionIdCodec("42"), SessionIdCodec("43")
    ids = {a.encode(0, i) for i in range(5000)}
    assert len(ids) == 5000
    assert a.encode(0, 7) != b.encode(0, 7)
    assert b.decode(a.encode(0, 7)) is None


def test_rejects_what_it_did_not_make():
    codec = SessionIdCodec("42")
    sid = codec.encode(3, 99)
    tampered = sid[:-1] + ("A" if sid[-1] != "A" else "B")
    for bad in ["", "ps", "psEmFwGQUAXR2lFHj5nDOpy", tampered, "xx" + sid[2:], sid + "0", "ps" + "!" * 21,
                "ps" + "z" * 21, "ps" + "é" * 21]:
        assert codec.decode(bad) is None
