"""Routes of the control API (JSON in and out; errors are 4xx {"error": "..."})."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from ..clock import format_instant, parse_instant
from ..context import current_emulator, current_tenant
from ..faults import FaultError
from ..flask_pipeline import control_error, require_control_token
from ..jsonbody import JSONBodyError, loads
from ..pipeline import UNKNOWN_API
from ..scenario import BudgetError, ScenarioError, bundled_descriptions, bundled_names
from ..store import LoadedScenario, TenantError
from ..tenancy import TENANT_HEADER
from .openapi import openapi_document

if TYPE_CHECKING:
    from ..instance import Emulator

bp = Blueprint("control", __name__, url_prefix="/_emulator")


class ControlError(Exception):
    """A bad control request; rendered as {"error": message} with ``status``."""

    def __init__(self, message: str, status: int = 400, **extra: Any):
        super().__init__(message)
        self.status = status
        self.extra = extra


@bp.errorhandler(ControlError)
def _control_error(exc: ControlError) -> Response:
    response = jsonify(error=str(exc), **exc.extra)
    response.status_code = exc.status
    return response


@bp.errorhandler(TenantError)
def _tenant_error(exc: TenantError) -> Response:
    return control_error(400, str(exc))


@bp.before_request
def _authorize() -> Response | None:
    return None if request.endpoint == "control.health" else require_control_token()


def _json_body() -> Any:
    """The body as JSON, whatever its Content-Type (curl -d sends a form type); bounded, no NaN."""
    try:
        return loads(request.get_data(cache=True), max_depth=current_emulator().settings.max_nesting_depth)
    except JSONBodyError as exc:
        raise ControlError(str(exc)) from None


def _int_arg(name: str, minimum: int = 0) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ControlError(f"{name}: expected an integer, got {raw!r}") from None
    if value < minimum:
        raise ControlError(f"{name}: expected an integer of at least {minimum}, got {value}")
    return value


def listing(items: list, total: int | None = None) -> Response:
    """The shape of every control list: {"total": N, "items": [...]}."""
    return jsonify(total=len(items) if total is None else total, items=items)


# -- health and readiness ----------------------------------------------------------------------------
@bp.get("/health")
def health() -> Response:
    return jsonify(status="ok")


@bp.get("/ready")
def ready() -> Response:
    emulator = current_emulator()
    tenant = current_tenant()
    counts = {name: backend.counts() for name, backend in tenant.backends.items()}
    return jsonify(status="ready", scenario=tenant.scenario.name, seed=tenant.scenario.seed, tenant=tenant.name,
                   tenants=len(emulator.store), counts=counts)


@bp.post("/reset")
def reset() -> Response:
    tenant = current_emulator().store.replace(current_tenant().name)
    return jsonify(status="reset", scenario=tenant.scenario.name, tenant=tenant.name)


@bp.delete("/tenant")
def delete_tenant() -> Response:
    """Drop the caller's tenant (X-Emulator-Tenant) and everything it holds."""
    name = request.headers.get(TENANT_HEADER) or "default"
    dropped = current_emulator().store.drop(name)
    return jsonify(tenant=name, dropped=dropped)


@bp.get("/tenants")
def list_tenants() -> Response:
    store = current_emulator().store
    response = listing([{"name": name} for name in store.names()])
    response.headers["X-Emulator-Tenants-Evicted"] = str(store.evicted)
    return response


# -- scenario --------------------------------------------------------------------------------------------
def _scenario_view(tenant) -> dict:
    scenario = tenant.scenario
    return {"name": scenario.name, "description": scenario.description, "seed": scenario.seed,
            "source": scenario.source, "clock": scenario.clock, "document": scenario.document}


@bp.get("/scenario")
def get_scenario() -> Response:
    return jsonify(_scenario_view(current_tenant()))


#: the keys of the bundled-name form of PUT /_emulator/scenario
BUNDLED_FORM_KEYS = frozenset({"name", "seed"})
#: top-level keys that describe a scenario without holding any of its data
METADATA_KEYS = frozenset({"name", "seed", "description", "clock"})


def _refuse_mixed_form(document: Any) -> None:
    """Refuse a body that names a bundled scenario and adds options but carries no scenario data.

    ``{"name": "default", "description": "my tweak"}`` would otherwise load an *inline* scenario
    called default holding nothing (no sites, no keys): never what was meant.
    """
    if not isinstance(document, dict) or not isinstance(document.get("name"), str):
        return
    name = document["name"]
    if name not in bundled_names() or set(document) <= BUNDLED_FORM_KEYS or not set(document) <= METADATA_KEYS:
        return
    extra = ", ".join(sorted(set(document) - BUNDLED_FORM_KEYS))
    raise ControlError(
        f"ambiguous scenario body: {name!r} names a bundled scenario, but the body also has {extra} and no "
        f'scenario data. Send either {{"name": "{name}"}} (optionally with "seed") to load the bundled '
        f"scenario, or a complete scenario document (with its {' / '.join([*current_emulator().vendors, 'faults'])} "
        f"sections, "
        f"GET /_emulator/scenario shows the loaded one) to load it inline", status=422)


def _bundled_name(document: Any) -> str | None:
    """The bundled scenario a ``{"name": ..., "seed": ...}`` body names; None for a document."""
    if not isinstance(document, dict) or "name" not in document or not set(document) <= BUNDLED_FORM_KEYS:
        return None
    name = document["name"]
    if not isinstance(name, str) or name not in bundled_names():
        raise ControlError(f"name: no bundled scenario {name!r} (bundled: {', '.join(bundled_names())})",
                           status=404)
    return name


@bp.put("/scenario")
def put_scenario() -> Response:
    emulator = current_emulator()
    seed = _int_arg("seed", minimum=-(2**63))
    try:
        loaded = _load_scenario_body(emulator, _body_text(), seed)
    except ScenarioError as exc:
        raise ControlError("the scenario is not valid: " + "; ".join(exc.messages), status=422,
                           messages=exc.messages) from None
    tenant = emulator.store.replace(current_tenant().name, loaded)
    return jsonify(_scenario_view(tenant))


def _body_text() -> str:
    """The request body as text; ControlError when it is empty or not UTF-8."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ControlError('expected {"name": "<bundled scenario>"} or a YAML/JSON scenario document')
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ControlError("the body is not UTF-8 text") from None


def _load_scenario_body(emulator: Emulator, text: str, seed: int | None) -> LoadedScenario:
    """A bundled scenario named by ``{"name": ..., "seed": ...}``, or an inline YAML/JSON document.

    The query's ``seed`` wins over the body's. Text from a request is never read as a file name.
    """
    try:
        document = loads(text, max_depth=emulator.settings.max_nesting_depth)
    except JSONBodyError:
        document = None  # YAML, or JSON the scenario loader will explain (too deep included)
    _refuse_mixed_form(document)
    name = _bundled_name(document)
    if name is not None:
        given = document.get("seed")
        return emulator.load(name, given if seed is None and isinstance(given, int) else seed)
    loaded = emulator.load_text(text, "<document>", seed)
    _refuse_mixed_form(loaded.scenario.document)  # the same refusal for a YAML body
    return loaded


@bp.get("/scenarios")
def list_scenarios() -> Response:
    items = [{"name": name, "description": text} for name, text in bundled_descriptions()]
    return listing(items)


# -- state -------------------------------------------------------------------------------------------------
@bp.get("/state")
def get_state() -> Response:
    return jsonify(current_emulator().export_state(current_tenant()))


@bp.put("/state")
def put_state() -> Response:
    emulator = current_emulator()
    state = _json_body()
    try:
        tenant = emulator.import_state(current_tenant().name, state)
    except BudgetError as exc:  # a valid scenario that is too big: the same 422 as PUT /_emulator/scenario
        raise ControlError("scenario: " + "; ".join(exc.messages), status=422, messages=exc.messages) from None
    except ScenarioError as exc:
        raise ControlError("scenario: " + "; ".join(exc.messages)) from None
    except FaultError as exc:
        raise ControlError(f"faults: {exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ControlError(f"not a state document: {exc}") from None
    return jsonify(status="loaded", scenario=tenant.scenario.name, tenant=tenant.name)


# -- journal -----------------------------------------------------------------------------------------------
#: the query parameters of GET /_emulator/requests
REQUEST_FILTERS = ("api", "method", "path", "status", "since", "fault", "limit")


def refuse_unknown_args(allowed: tuple[str, ...]) -> None:
    """A typo in a filter (``stauts=503``) must fail, not silently match everything."""
    unknown = [name for name in request.args if name not in allowed]
    if unknown:
        raise ControlError(f"unknown filter {unknown[0]!r} (allowed: {', '.join(allowed)})")


def _api_filter(emulator) -> str | None:
    api = request.args.get("api") or None
    allowed = [*emulator.vendors, UNKNOWN_API]  # requests to paths no vendor owns
    if api is not None and api not in allowed:
        raise ControlError(f"api: expected one of {', '.join(allowed)}, got {api!r}")
    return api


@bp.get("/requests")
def get_requests() -> Response:
    refuse_unknown_args(REQUEST_FILTERS)
    journal = current_tenant().journal
    since = request.args.get("since")
    since_time = since_id = None
    if since:
        if since.isdigit():
            since_id = int(since)
        else:
            try:
                since_time = format_instant(parse_instant(since))
            except ValueError as exc:
                raise ControlError(f"since: {exc} (or an entry id)") from None
    status_text = request.args.get("status")
    status = None
    if status_text:
        if not status_text.isdigit() or not 100 <= int(status_text) <= 599:
            raise ControlError(f"status: expected an HTTP status code (100 to 599), got {status_text!r}")
        status = int(status_text)
    total, items = journal.query(api=_api_filter(current_emulator()), method=request.args.get("method") or None,
                                 path=request.args.get("path") or None, status=status, since=since_time,
                                 since_id=since_id, fault=request.args.get("fault") or None,
                                 limit=_int_arg("limit"))
    response = listing(items, total)
    response.headers["X-Emulator-Journal-Dropped"] = str(journal.dropped)
    return response


@bp.delete("/requests")
def delete_requests() -> Response:
    current_tenant().journal.clear()
    return listing([], 0)


# -- faults ------------------------------------------------------------------------------------------------
@bp.get("/faults")
def get_faults() -> Response:
    tenant = current_tenant()
    now = tenant.now()
    return listing([rule.to_dict(now) for rule in tenant.faults.rules()])


@bp.post("/faults")
def post_faults() -> Response:
    tenant = current_tenant()
    body = _json_body()
    documents = body if isinstance(body, list) else [body]
    added = []
    for index, document in enumerate(documents):
        try:
            added.append(tenant.faults.add(document))
        except FaultError as exc:
            for rule in added:
                tenant.faults.remove(rule.id)
            where = f"[{index}] " if isinstance(body, list) else ""
            raise ControlError(f"{where}{exc}") from None
    now = tenant.now()
    response = jsonify([r.to_dict(now) for r in added] if isinstance(body, list) else added[0].to_dict(now))
    response.status_code = 201
    return response


@bp.delete("/faults")
def delete_faults() -> Response:
    current_tenant().faults.clear()
    return listing([], 0)


@bp.get("/faults/<rule_id>")
def get_fault(rule_id: str) -> Response:
    tenant = current_tenant()
    for rule in tenant.faults.rules():
        if rule.id == rule_id:
            return jsonify(rule.to_dict(tenant.now()))
    raise ControlError(f"no fault rule with id {rule_id!r}", status=404)


@bp.delete("/faults/<rule_id>")
def delete_fault(rule_id: str) -> Response:
    if not current_tenant().faults.remove(rule_id):
        raise ControlError(f"no fault rule with id {rule_id!r}", status=404)
    return jsonify(deleted=rule_id)


# -- clock -------------------------------------------------------------------------------------------------
@bp.get("/clock")
def get_clock() -> Response:
    return jsonify(current_tenant().clock.to_dict())


@bp.put("/clock")
def put_clock() -> Response:
    clock = current_tenant().clock
    body = _json_body()
    if not isinstance(body, dict) or len(body) != 1 or next(iter(body)) not in ("now", "advance", "mode"):
        raise ControlError('expected exactly one of {"now": ISO}, {"advance": seconds}, {"mode": "real"}')
    if "now" in body:
        try:
            clock.freeze(parse_instant(body["now"]))
        except ValueError as exc:
            raise ControlError(f"now: {exc}") from None
    elif "advance" in body:
        seconds = body["advance"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not abs(seconds) <= 10 ** 10:
            raise ControlError(f"advance: expected a number of seconds, got {json.dumps(seconds)}")
        try:
            clock.advance(float(seconds))
        except ValueError as exc:
            raise ControlError(f"advance: {exc}") from None
    else:
        if body["mode"] == "real":
            clock.run_real()
        elif body["mode"] == "frozen":
            clock.freeze(clock.now())
        else:
            raise ControlError(f"mode: expected \"real\" or \"frozen\", got {json.dumps(body['mode'])}")
    return jsonify(clock.to_dict())


# -- OpenAPI -------------------------------------------------------------------------------------------------
@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(current_emulator()))
