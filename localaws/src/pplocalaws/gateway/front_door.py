"""Which requests the local gateway answers at all: the Host and Origin checks.

The gateway listens on 127.0.0.1 only, but a web page open in the developer's browser can
still reach it:

- **DNS rebinding**: a page's own host name is made to resolve to 127.0.0.1, so the
  browser sends the page's requests to the gateway with that name in ``Host`` and reads the
  answers as same-origin. So only a loopback name (``localhost``, ``127.0.0.1``, ``[::1]``,
  any port) or a custom domain the local AWS serves (its API Gateway domain names, and the
  gateway's ``--domain``) is answered; any other Host (an empty one too) gets 421
  Misdirected Request (RFC 9110, section 15.5.20: "the request was directed at a server
  that is unable or unwilling to produce an authoritative response for the target URI").
  A request without a Host header (HTTP/1.0 clients; browsers always send one) passes.
- **Cross-site requests**: a browser names the page's origin in ``Origin`` on every
  cross-origin request (and on same-origin POSTs). A request whose Origin is neither the
  gateway's own (``http://`` or ``https://`` plus the Host it was sent to) nor allowed by
  the matched API's CORS configuration (``AllowOrigins``; ``*`` allows any: API Gateway
  HTTP API, "Configuring CORS for an HTTP API") is refused with 403, before any function
  runs. A request without Origin (curl, servers, SDKs) is not a browser's cross-site
  request and passes.

Both refusals use the services' error shape, ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from pplocalaws.gateway.events import HttpResponse

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})


def header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` (case-insensitive), or None."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


def host_name(host: str) -> str:
    """The name part of a Host header value, lower case, without the port."""
    value = host.strip().lower()
    if value.startswith("["):  # an IPv6 literal: [::1] or [::1]:4567
        return value[: value.index("]") + 1] if "]" in value else value
    return value.rsplit(":", 1)[0] if ":" in value else value


def host_allowed(host: str | None, served_domains: Iterable[str]) -> bool:
    if host is None:
        return True  # no Host: an HTTP/1.0 client or a test, never a browser (browsers send it)
    name = host_name(host)
    return name in LOOPBACK_NAMES or name in {d.lower().rstrip(".") for d in served_domains}


def origin_allowed(origin: str | None, host: str | None, allow_origins: Iterable[str]) -> bool:
    if origin is None:
        return True
    wanted = origin.strip().rstrip("/").lower()
    own = {f"{scheme}://{(host or '').strip().lower()}" for scheme in ("http", "https")}
    allowed = {o.strip().rstrip("/").lower() for o in allow_origins}
    return wanted in own or "*" in allowed or wanted in allowed


def _error(status: int, code: str, message: str) -> HttpResponse:
    body = json.dumps({"error": {"code": code, "message": message}}).encode("utf-8")
    return HttpResponse(status, (("Content-Type", "application/json"),), body)


def misdirected(host: str | None) -> HttpResponse:
    shown = repr(host) if host else "no Host header"
    return _error(
        421,
        "misdirected_request",
        f"the local gateway does not serve {shown}: it answers loopback names (localhost, "
        "127.0.0.1, [::1]) and the custom domains deployed to the local AWS; use one of those",
    )


def forbidden_origin(origin: str) -> HttpResponse:
    return _error(
        403,
        "forbidden_origin",
        f"origin {origin!r} may not call this API: it is not the gateway's own origin and the "
        "API's CORS configuration (AllowOrigins) does not allow it",
    )
