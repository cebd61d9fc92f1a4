"""A journey on the local gateway is a client of its own: its own loopback address.

API Gateway gives each request the client's address as ``requestContext.http.sourceIp``,
and the account service's per-address buckets key on it. Locally every request comes from
127.0.0.1, so journeys run back to back (``up``, then ``verify``, then a test's) would
spend one client's buckets and meet the limits a single real client never would. Linux
routes all of 127.0.0.0/8 to the loopback interface, so each journey binds its
connections to an address of its own there (the local gateway reports the TCP peer, as
API Gateway does). Where only 127.0.0.1 exists (macOS), or on AWS, nothing is bound and
the journey's account calls wait out a per-address 429 as any client would.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import secrets
import socket
import urllib.parse
import urllib.request
from collections.abc import Iterable

LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}


def _bindable(address: str) -> bool:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((address, 0))
    except OSError:
        return False
    return True


def client_address(urls: Iterable[str]) -> str | None:
    """A fresh loopback address to send from, when every URL is a local plain-HTTP one and
    the machine routes the whole loopback block; else None (send as usual)."""
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or (parts.hostname or "") not in LOOPBACK_HOSTS:
            return None
    # 127.0.0.1 itself stays out: it is where everything else comes from.
    address = str(ipaddress.IPv4Address(0x7F000000 + 0x10000 + secrets.randbelow(0xFEFFFE)))
    return address if _bindable(address) else None


def opener(source_address: str | None) -> urllib.request.OpenerDirector:
    """A urllib opener whose plain-HTTP connections leave from ``source_address``."""
    if source_address is None:
        return urllib.request.build_opener()
    bound = functools.partial(http.client.HTTPConnection, source_address=(source_address, 0))

    class BoundHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(bound, req)

    return urllib.request.build_opener(BoundHandler())
