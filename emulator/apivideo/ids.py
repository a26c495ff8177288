"""Session ids that encode where a generated session lives, so no id index is ever stored.

A generated session id is ``ps`` + 21 base-62 characters (the vendor's shape, e.g.
``psEmFwGQUAXR2lFHj5nDOpy``). The 21 characters hold a keyed permutation (a 4-round Feistel
network over 126 bits with cycle walking into ``62**21``) of a 125-bit payload
``tag | source ordinal | index``. Decoding inverts the permutation and checks the tag, so the
events route finds a generated session in O(1) and rejects made-up ids without a lookup table.
The key comes from the scenario seed: another seed gives other ids.
"""
from __future__ import annotations

import hashlib

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PREFIX = "ps"
DIGITS = 21
DOMAIN = 62**DIGITS
_HALF_BITS = 63
_HALF_MASK = (1 << _HALF_BITS) - 1
_INDEX_BITS = 32
_ORDINAL_BITS = 20
_TAG_BITS = 73  # 73 + 20 + 32 = 125 bits, and 2**125 < 62**21: every payload is in the domain
_ROUNDS = 4
_VALUE = {c: i for i, c in enumerate(ALPHABET)}

MAX_INDEX = (1 << _INDEX_BITS) - 1
MAX_ORDINAL = (1 << _ORDINAL_BITS) - 1


def session_id_of(value: int) -> str:
    """``ps`` + the 21 base-62 digits of ``value`` (below ``62**21``)."""
    chars = []
    for _ in range(DIGITS):
        value, digit = divmod(value, 62)
        chars.append(ALPHABET[digit])
    return PREFIX + "".join(reversed(chars))


class SessionIdCodec:
    """Encode ``(source ordinal, index)`` as a session id and back, keyed by the seed."""

    def __init__(self, seed_material: str) -> None:
        self._key = hashlib.blake2b(seed_material.encode(), digest_size=32, person=b"apivideo-ids").digest()

    def _f(self, round_no: int, half: int) -> int:
        data = bytes((round_no,)) + half.to_bytes(8, "big")
        digest = hashlib.blake2b(data, key=self._key, digest_size=8).digest()
        return int.from_bytes(digest, "big") & _HALF_MASK

    def _tag(self, ordinal: int, index: int) -> int:
        data = b"tag" + ordinal.to_bytes(4, "big") + index.to_bytes(8, "big")
        digest = hashlib.blake2b(data, key=self._key, digest_size=10).digest()
        return int.from_bytes(digest, "big") & ((1 << _TAG_BITS) - 1)

    def _encrypt(self, x: int) -> int:
        left, right = x >> _HALF_BITS, x & _HALF_MASK
        for r in range(_ROUNDS):
            left, right = right, left ^ self._f(r, right)
        return (left << _HALF_BITS) | right

    def _decrypt(self, y: int) -> int:
        left, right = y >> _HALF_BITS, y & _HALF_MASK
        for r in reversed(range(_ROUNDS)):
            left, right = right ^ self._f(r, left), left
        return (left << _HALF_BITS) | right

    def encode(self, ordinal: int, index: int) -> str:
        """The session id of generated session ``index`` of source ``ordinal``."""
        payload = (self._tag(ordinal, index) << (_ORDINAL_BITS + _INDEX_BITS)) | (ordinal << _INDEX_BITS) | index
        value = self._encrypt(payload)
        while value >= DOMAIN:  # cycle walking keeps the permutation inside 62**21
            value = self._encrypt(value)
        return session_id_of(value)

    def decode(self, session_id: str) -> tuple[int, int] | None:
        """``(ordinal, index)`` for an id made by :meth:`encode`, else None."""
        if len(session_id) != len(PREFIX) + DIGITS or not session_id.startswith(PREFIX):
            return None
        value = 0
        for char in session_id[len(PREFIX):]:
            digit = _VALUE.get(char)
            if digit is None:
                return None
            value = value * 62 + digit
        if value >= DOMAIN:
            return None
        value = self._decrypt(value)
        while value >= DOMAIN:
            value = self._decrypt(value)
        index = value & MAX_INDEX
        ordinal = (value >> _INDEX_BITS) & MAX_ORDINAL
        if value >> (_ORDINAL_BITS + _INDEX_BITS) != self._tag(ordinal, index):
            return None
        return ordinal, index
