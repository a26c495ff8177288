"""Python client of the emulator's control API (``/_emulator``), standard library only.

Used by the pytest plugin and by anyone scripting the emulator: reset it, load scenarios, add
fault rules, read the request journal, move the clock. Every call is one HTTP request; a 4xx/5xx
answer raises :class:`EmulatorError` with the server's ``{"error": ...}`` text.

    client = EmulatorClient("http://127.0.0.1:8023")
    with client.faults.add(path="/analytics/*", status=503, times=1):
        ...  # the code under test sees one 503
    assert client.requests(method="GET", path="/analytics/*")
"""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

__all__ = ["TENANT_HEADER", "EmulatorClient", "EmulatorError", "FaultRule", "rule_document"]

TENANT_HEADER = "X-Emulator-Tenant"
_PREFIX = "/_emulator"
_RULE_FIELDS = ("id", "times", "after", "probability", "until")  # top level of a rule document
_MATCH_FIELDS = ("api", "method", "path", "params")  # the rest of the keywords go to the action


class EmulatorError(Exception):
    """The control API refused a request (``status`` >= 400) or could not be reached (``status`` 0)."""

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(f"{status}: {message}" if status else message)
        self.status = status
        self.message = message
        self.body = body


def _parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _format_instant(moment: datetime | str) -> str:
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is None:  # naive means UTC, as on the server
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def rule_document(rule: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A fault rule document from a dict and/or keyword short-cuts.

    ``id, times, after, probability, until`` (ISO text or datetime) stay at the top; ``api, method, path, params`` go to
    ``match`` (request headers: ``match={"headers": {...}}``); everything else (``kind, status, body,
    headers, ms, code...``) goes to ``action``. ``status=`` alone implies ``kind="status"``.
    """
    document: dict[str, Any] = copy.deepcopy(dict(rule or {}))  # the caller's dict stays as it was
    match = document.setdefault("match", {})
    match.update(fields.pop("match", {}))
    action = document.setdefault("action", {})
    action.update(fields.pop("action", {}))
    for name, value in fields.items():
        if name in _RULE_FIELDS:
            document[name] = value
        elif name in _MATCH_FIELDS:
            match[name] = value
        else:
            action[name] = value
    if "kind" not in action and "status" in action:
        action["kind"] = "status"
    if not match:
        del document["match"]
    if isinstance(document.get("until"), datetime):
        document["until"] = _format_instant(document["until"])
    return document


class EmulatorClient:
    """One emulator (and one tenant of it, if ``tenant`` is given)."""

    def __init__(self, base_url: str, tenant: str | None = None, token: str | None = None,
                 timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.tenant = tenant
        self.token = token
        self.timeout = timeout
        # No proxies: the emulator is local or a CI service; an HTTP_PROXY meant for the internet
        # must not swallow requests to it.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.faults = _Faults(self)
        self.clock = _Clock(self)
        self.state = _State(self)

    def __repr__(self) -> str:
        tenant = f", tenant={self.tenant!r}" if self.tenant else ""
        return f"EmulatorClient({self.base_url!r}{tenant})"

    @property
    def headers(self) -> dict[str, str]:
        """The headers the code under test must send to reach this client's tenant (empty without one)."""
        return {TENANT_HEADER: self.tenant} if self.tenant else {}

    # -- transport ---------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, query: Mapping[str, Any] | None = None, json_body: Any = None,
                body: str | bytes | None = None, content_type: str = "application/json") -> Any:
        """Send one control request; return the decoded JSON answer (EmulatorError on 4xx/5xx)."""
        if json_body is not None:
            body = json.dumps(json_body)
        data = body.encode("utf-8") if isinstance(body, str) else body
        req = urllib.request.Request(self._url(path, query), data=data, method=method,
                                     headers=self._request_headers(content_type if data is not None else None))
        try:
            with self._opener.open(req, timeout=self.timeout) as response:
                return _decode(response.read())
        except urllib.error.HTTPError as exc:
            raise _refusal(exc) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise EmulatorError(0, f"cannot reach the emulator at {self.base_url}: {reason}") from None

    def _url(self, path: str, query: Mapping[str, Any] | None) -> str:
        """The control URL of ``path``, with the query parameters that are not None."""
        url = self.base_url + _PREFIX + path
        params = {name: _query_value(value) for name, value in (query or {}).items() if value is not None}
        return f"{url}?{urllib.parse.urlencode(params)}" if params else url

    def _request_headers(self, content_type: str | None) -> dict[str, str]:
        """Accept, the body's type (None: no body), the tenant header and the control token."""
        headers = {"Accept": "application/json"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        headers.update(self.headers)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    # -- lifecycle -----------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        """{"status": "ok"} while the process serves."""
        return self.request("GET", "/health")

    def ready(self) -> dict[str, Any]:
        """Scenario name, seed and counts once a scenario is loaded (EmulatorError 503 before)."""
        return self.request("GET", "/ready")

    def drop_tenant(self) -> dict[str, Any]:
        """Forget this client's tenant on the server (``DELETE /_emulator/tenant``); the next call recreates it."""
        return self.request("DELETE", "/tenant")

    def reset(self) -> dict[str, Any]:
        """Back to the loaded scenario's initial state: data, faults, journal, clock, tokens."""
        return self.request("POST", "/reset")

    def scenario(self) -> dict[str, Any]:
        """The loaded scenario: name, description, seed, source, clock, document."""
        return self.request("GET", "/scenario")

    def load_scenario(self, scenario: str | Path | Mapping[str, Any], seed: int | None = None) -> dict[str, Any]:
        """Load a scenario and reset the tenant to it; ``seed`` overrides the scenario's seed.

        ``scenario`` is a bundled name (no slash, no suffix), a ``.yaml``/``.json`` file (read here, so
        the server may be remote), YAML/JSON text, or a dict.
        """
        return self.request("PUT", "/scenario", query={"seed": seed}, **_scenario_payload(scenario))

    # -- journal and reports ---------------------------------------------------------------------------
    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """Journal entries, newest last; filters ``api, method, path`` (glob), ``status, since, fault, limit``."""
        return self.request("GET", "/requests", query=filters)["items"]

    def clear_requests(self) -> None:
        """Empty the journal (faults and data stay)."""
        self.request("DELETE", "/requests")

    def reports(self, **filters: Any) -> list[dict[str, Any]]:
        """Recorded 23 Video reports; filters ``kind`` (play/download/event), ``photo_id``, ``domain``."""
        return self.request("GET", "/twentythree/reports", query=filters)["items"]


class _Part:
    def __init__(self, client: EmulatorClient) -> None:
        self._client = client


class FaultRule:
    """A fault rule on the server; ``with`` it to remove the rule when the block ends."""

    def __init__(self, client: EmulatorClient, data: dict[str, Any]) -> None:
        self._client = client
        self.data = data

    @property
    def id(self) -> str:
        return self.data["id"]

    def refresh(self) -> FaultRule:
        """Re-read the rule (its ``seen``/``fired`` counters) from the server."""
        self.data = self._client.request("GET", f"/faults/{urllib.parse.quote(self.id, safe='')}")
        return self

    @property
    def fired(self) -> int:
        """How many requests the rule has fired on so far (asks the server)."""
        return self.refresh().data["fired"]

    @property
    def seen(self) -> int:
        """How many requests matched the rule so far, fired or not (asks the server)."""
        return self.refresh().data["seen"]

    def remove(self) -> None:
        """Delete the rule; a rule already gone (reset, cleared) is not an error."""
        try:
            self._client.faults.remove(self.id)
        except EmulatorError as exc:
            if exc.status != 404:
                raise

    def __enter__(self) -> FaultRule:  # noqa: PYI034 - typing.Self needs Python 3.11
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()

    def __repr__(self) -> str:
        return f"FaultRule({self.data!r})"


class _Faults(_Part):
    def add(self, rule: Mapping[str, Any] | None = None, **fields: Any) -> FaultRule:
        """Add a rule (a dict as in the docs and/or keyword short-cuts, see :func:`rule_document`)."""
        created = self._client.request("POST", "/faults", json_body=rule_document(rule, **fields))
        return FaultRule(self._client, created)

    def list(self) -> list[dict[str, Any]]:
        """Every rule with its counters, in the order they are tried."""
        return self._client.request("GET", "/faults")["items"]

    def remove(self, rule: str | FaultRule) -> None:
        """Delete one rule (EmulatorError 404 if there is none with that id)."""
        rule_id = rule.id if isinstance(rule, FaultRule) else rule
        self._client.request("DELETE", f"/faults/{urllib.parse.quote(rule_id, safe='')}")

    def clear(self) -> None:
        """Delete every rule, the scenario's included."""
        self._client.request("DELETE", "/faults")


class _Clock(_Part):
    def _put(self, body: dict[str, Any]) -> datetime:
        return _parse_instant(self._client.request("PUT", "/clock", json_body=body)["now"])

    def now(self) -> datetime:
        """The emulator's current instant (aware UTC)."""
        return _parse_instant(self._client.request("GET", "/clock")["now"])

    def set(self, instant: datetime | str) -> datetime:
        """Freeze the clock at ``instant`` (a datetime, naive = UTC, or an ISO-8601 string)."""
        return self._put({"now": _format_instant(instant)})

    def advance(self, seconds: float | timedelta) -> datetime:
        """Move the clock forward (frozen or not); negative goes back."""
        if isinstance(seconds, timedelta):
            seconds = seconds.total_seconds()
        return self._put({"advance": seconds})

    def real(self) -> datetime:
        """Follow real time again."""
        return self._put({"mode": "real"})


class _State(_Part):
    def export(self) -> dict[str, Any]:
        """The whole state of the tenant (data, faults, journal, clock) as a JSON document."""
        return self._client.request("GET", "/state")

    def load(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the tenant's state with a document from :meth:`export`."""
        return self._client.request("PUT", "/state", json_body=dict(document))


def _yaml_body(text: str) -> dict[str, Any]:
    return {"body": text, "content_type": "application/yaml"}


def _names_a_file(scenario: str | Path, text: str) -> bool:
    """A Path, or text with a scenario file's suffix or a path separator (a bundled name has neither)."""
    return isinstance(scenario, Path) or Path(text).suffix in (".yaml", ".yml", ".json") or "/" in text or "\\" in text


def _scenario_payload(scenario: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """The body of ``PUT /_emulator/scenario`` for each form :meth:`EmulatorClient.load_scenario` takes."""
    if isinstance(scenario, Mapping):
        if set(scenario) <= {"name", "seed"}:  # as JSON the server would read it as {"name": <bundled>}
            return _yaml_body("---\n" + json.dumps(dict(scenario)))
        return {"json_body": dict(scenario)}
    text = str(scenario)
    if isinstance(scenario, str) and ("\n" in text or text.lstrip().startswith("{")):
        return _yaml_body(text)
    if _names_a_file(scenario, text):
        path = Path(text)
        if not path.is_file():
            raise FileNotFoundError(f"scenario file not found: {path.resolve()}")
        return _yaml_body(path.read_text(encoding="utf-8"))
    return {"json_body": {"name": text}}


def _query_value(value: Any) -> str:
    """Query text as the server reads it: booleans as ``true``/``false``."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _refusal(exc: urllib.error.HTTPError) -> EmulatorError:
    """The EmulatorError of a 4xx/5xx answer: the server's ``{"error": ...}`` text, else the body or reason."""
    payload = _decode(exc.read())
    message = payload.get("error") if isinstance(payload, dict) else None
    return EmulatorError(exc.code, str(message or payload or exc.reason), payload)


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
