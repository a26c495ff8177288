"""Per-tenant mutable state: tokens, rate-limit windows, ingested sessions (export / load for snapshots).

Every method runs under the tenant's lock (the routes hold it); times are epoch milliseconds
from the emulator clock, never the wall clock.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..quota import Quota
from .constants import NAME
from .ingest import IngestStore
from .models import ApiKey, Prepared

#: the vendor's name: the core's backend key, the journal's ``api``, the fault match ``api``
TOKEN_LIFETIME_S = 3600
REFRESH_PREFIX = "def50200"
DEFAULT_MAX_TOKENS = 500  # live access tokens, and unused refresh tokens, per tenant
NEVER = 2**62  # expiry of a refresh token: the vendor documents no lifetime, they live until used


class TokenStore:
    """Tokens in the order issued, each with the API key it stands for and its expiry (ms).

    Every operation is O(1) (amortised): expired tokens leave from the front when one is issued,
    and past ``cap`` the oldest goes as well, so the store stays bounded even when the emulator
    clock is frozen and nothing expires. A token that left answers like an expired one.
    """

    def __init__(self, cap: int = DEFAULT_MAX_TOKENS) -> None:
        self.cap = cap
        self.evicted = 0  # tokens that left past the cap, before expiring
        self._items: OrderedDict[str, tuple[str, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def add(self, token: str, key: str, expires_ms: int, now_ms: int) -> None:
        self._items[token] = (key, expires_ms)
        self.prune(now_ms)
        while len(self._items) > self.cap:
            self._items.popitem(last=False)
            self.evicted += 1

    def prune(self, now_ms: int) -> None:
        """Drop expired tokens from the front (issue order; after the clock moved back, the cap bounds the rest)."""
        while self._items:
            token, (_, expires) = next(iter(self._items.items()))
            if expires > now_ms:
                return
            del self._items[token]

    def get(self, token: str, now_ms: int) -> str | None:
        """The key of a live token (an expired one is forgotten here)."""
        found = self._items.get(token)
        if found is None:
            return None
        if now_ms >= found[1]:
            del self._items[token]
            return None
        return found[0]

    def pop(self, token: str) -> str | None:
        found = self._items.pop(token, None)
        return found[0] if found else None

    def items(self) -> list[tuple[str, str, int]]:
        return [(token, key, expires) for token, (key, expires) in self._items.items()]

    def load(self, items: list[tuple[str, str, int]]) -> None:
        self._items = OrderedDict((token, (key, expires)) for token, key, expires in items[-self.cap:])


@dataclass(frozen=True)
class RateState:
    """What the X-RateLimit-* headers say after one request, and whether it may proceed."""

    limit: int
    remaining: int
    retry_after: int
    allowed: bool

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Retry-After": str(self.retry_after)}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Backend:
    """Tokens (access and refresh), per-key sliding windows and the collector's sessions of one tenant."""

    def __init__(self, prepared: Prepared, tenant_name: str = "default", max_tokens: int = DEFAULT_MAX_TOKENS,
                 quotas: Mapping[str, Quota] | None = None) -> None:
        self.prepared = prepared
        self.tenant_name = tenant_name
        self._secret = hashlib.blake2b(f"{prepared.seed}".encode(), digest_size=32,
                                       person=b"apivideo-tokens").digest()
        self.issued = 0
        self.access = TokenStore(max_tokens)  # access token -> api key, expiring after TOKEN_LIFETIME_S
        self.refresh = TokenStore(max_tokens)  # refresh token -> api key, single use
        self.windows: dict[str, deque[int]] = {}  # api key -> ms of the counted requests
        self.ingest = IngestStore(prepared, self.tenant_name, quotas or {})

    # --- tokens ----------------------------------------------------------------------------
    def _jwt(self, key: ApiKey, now_ms: int, jti: str) -> str:
        """A real HS256 JWT (signed with a seed-derived secret): clients that decode it see exp."""
        iat = now_ms // 1000
        header = {"typ": "JWT", "alg": "HS256"}
        claims = {"iss": "analytics-emulator", "aud": NAME, "jti": jti, "iat": iat, "nbf": iat,
                  "exp": iat + TOKEN_LIFETIME_S, "sub": hashlib.sha256(key.key.encode()).hexdigest()[:16],
                  "environment": key.environment}
        signing = ".".join(_b64(json.dumps(p, separators=(",", ":")).encode()) for p in (header, claims))
        signature = hmac.new(self._secret, signing.encode(), hashlib.sha256).digest()
        return signing + "." + _b64(signature)

    def issue(self, key: ApiKey, now_ms: int) -> dict[str, Any]:
        """New access and refresh tokens for ``key``; the body of /auth/api-key and /auth/refresh."""
        self.issued += 1
        jti = hashlib.blake2b(f"{self.tenant_name}:{self.issued}".encode(), key=self._secret,
                              digest_size=32).hexdigest()
        access = self._jwt(key, now_ms, jti)
        refresh = REFRESH_PREFIX + hashlib.blake2b(f"refresh:{jti}".encode(), key=self._secret).hexdigest()
        self.access.add(access, key.key, now_ms + TOKEN_LIFETIME_S * 1000, now_ms)
        self.refresh.add(refresh, key.key, NEVER, now_ms)
        return {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME_S, "access_token": access,
                "refresh_token": refresh}

    def login(self, api_key: str, now_ms: int) -> dict[str, Any] | None:
        key = self.prepared.api_keys.get(api_key)
        return self.issue(key, now_ms) if key else None

    def use_refresh_token(self, token: str, now_ms: int) -> dict[str, Any] | None:
        """Exchange a refresh token (single use: it is consumed) for new tokens."""
        key = self.prepared.api_keys.get(self.refresh.pop(token) or "")
        return self.issue(key, now_ms) if key else None

    def key_for_token(self, token: str, now_ms: int) -> ApiKey | None:
        """The API key behind a live access token (None when unknown, expired or evicted)."""
        key = self.access.get(token, now_ms)
        return self.prepared.api_keys.get(key) if key is not None else None

    # --- rate limits -----------------------------------------------------------------------
    def hit(self, key: ApiKey, now_ms: int) -> RateState:
        """Count one read against ``key``'s sliding window.

        Past the limit the read is not counted; it is refused only when the scenario enforces
        limits. ``retry_after`` is the time until the oldest counted read leaves the window.
        """
        window_ms = self.prepared.window_seconds * 1000
        log = self.windows.setdefault(key.key, deque())
        while log and log[0] <= now_ms - window_ms:
            log.popleft()
        counted = len(log) < key.limit
        if counted:
            log.append(now_ms)
        retry_ms = min(window_ms, max(0, log[0] + window_ms - now_ms)) if log else 0
        return RateState(limit=key.limit, remaining=max(0, key.limit - len(log)),
                         retry_after=-(-retry_ms // 1000),
                         allowed=counted or not self.prepared.enforce_rate_limits)

    # --- snapshots -------------------------------------------------------------------------
    def export(self) -> dict[str, Any]:
        return {
            "issued": self.issued,
            "access_tokens": [{"token": t, "key": k, "expires_ms": e} for t, k, e in self.access.items()],
            "refresh_tokens": [{"token": t, "key": k} for t, k, _ in self.refresh.items()],
            "rate_windows": {k: list(v) for k, v in self.windows.items()},
            "ingested": self.ingest.export(),
        }

    def load(self, data: dict[str, Any]) -> None:
        self.issued = int(data.get("issued", 0))
        self.access.load([(str(t["token"]), str(t["key"]), int(t["expires_ms"]))
                          for t in data.get("access_tokens", [])])
        self.refresh.load([(str(t["token"]), str(t["key"]), NEVER) for t in data.get("refresh_tokens", [])])
        self.windows = {str(k): deque(int(x) for x in v) for k, v in (data.get("rate_windows") or {}).items()}
        self.ingest.load(data.get("ingested") or {})

    def counts(self) -> dict[str, int]:
        return {**self.prepared.counts(), "access_tokens": len(self.access),
                "ingested_sessions": len(self.ingest.sessions)}
