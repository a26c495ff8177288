"""Tenant by URL prefix: ``/_tenant/NAME/rest`` is ``/rest`` with ``X-Emulator-Tenant: NAME``.

For code under test that cannot add a header (a real player, a vendor SDK): give it the prefixed
base URL and its requests land in that tenant. Links the emulator builds keep the prefix, because
it moves into ``SCRIPT_NAME``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

PREFIX = "/_tenant/"
#: the request header that names the tenant (absent: the default tenant)
TENANT_HEADER = "X-Emulator-Tenant"
TENANT_ENVIRON = "HTTP_" + TENANT_HEADER.upper().replace("-", "_")
#: environ key set on requests that carried the control token: they pin their tenant (store.TenantStore)
TRUSTED_KEY = "emulator.trusted"


class TenantPrefix:
    """WSGI middleware that turns the path prefix into the tenant header."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(PREFIX):
            name, _, rest = path[len(PREFIX):].partition("/")
            environ[TENANT_ENVIRON] = name
            environ["SCRIPT_NAME"] = f"{environ.get('SCRIPT_NAME', '')}{PREFIX}{name}"
            environ["PATH_INFO"] = "/" + rest
        return self.wsgi_app(environ, start_response)
