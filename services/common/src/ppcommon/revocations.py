"""STAND-IN for h-verifier's ``ppcommon.revocations`` (issue 12): on merge, TAKE THEIRS.

Written in the h-account branch only so the account service's writes can be built and
tested before the real module lands. It has the contract's names and key format
(``rev:jti|sid|user|tenant:<id>``, value "1", EX as in CONTRACT-12) and nothing else: one
connection per call, no cache, no metrics. ``STAND_IN`` lets the account tests tell it
from the real module (they install a stand-in verifier only while this file is here).
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import time
from collections.abc import Iterable

from ppcommon.cache import encode_command, read_reply
from ppcommon.jwt import Claims
from ppcommon.secrets import read_json_secret

STAND_IN = True
REVOCATION_TTL = 3660  # MAX_ACCESS_TTL + 60 s: outlives every token it could name


class RevocationStoreUnavailable(RuntimeError):
    """Redis is not configured or did not answer: a revocation could not be written."""


def revoke_token(token_id: str, expires_at: int, *, now: float | None = None) -> None:
    remaining = int(expires_at - (time.time() if now is None else now))
    if remaining > 0:
        _set([(f"rev:jti:{token_id}", remaining)])


def revoke_sessions(session_ids: Iterable[str]) -> None:
    _set([(f"rev:sid:{sid}", REVOCATION_TTL) for sid in session_ids])


def revoke_user(user_id: str) -> None:
    _set([(f"rev:user:{user_id}", REVOCATION_TTL)])


def revoke_tenant(tenant_id: str) -> None:
    _set([(f"rev:tenant:{tenant_id}", REVOCATION_TTL)])


def is_revoked(claims: Claims) -> bool:
    keys = [
        f"rev:jti:{claims.token_id}",
        f"rev:sid:{claims.session_id}",
        f"rev:user:{claims.user_id}",
        f"rev:tenant:{claims.tenant_id}",
    ]
    replies = _run([("MGET", *keys)])
    values = replies[0]
    return isinstance(values, list) and any(value is not None for value in values)


def _set(entries: list[tuple[str, int]]) -> None:
    _run([("SET", key, "1", "EX", str(ttl)) for key, ttl in entries])


def _run(commands: list[tuple[str, ...]]) -> list[object]:
    host = os.environ.get("REDIS_ENDPOINT", "").strip()
    if not host:
        raise RevocationStoreUnavailable("REDIS_ENDPOINT is unset: no revocation store")
    port = int(os.environ.get("REDIS_PORT", "6379"))
    try:
        sock = socket.create_connection((host, port), timeout=0.5)
        if os.environ.get("REDIS_TLS", "true").lower() not in ("false", "0", "no"):
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        with sock, sock.makefile("rwb") as stream:
            arn = os.environ.get("REDIS_USER_SECRET_ARN", "").strip()
            if arn:
                secret = read_json_secret(arn, purpose="Redis user")
                stream.write(encode_command("AUTH", secret["username"], secret["password"]))
            for command in commands:
                stream.write(encode_command(*command))
            stream.flush()
            if arn:
                read_reply(stream)
            return [read_reply(stream) for _ in commands]
    except (OSError, KeyError, json.JSONDecodeError) as error:
        raise RevocationStoreUnavailable(
            f"revocation store at {host}:{port} failed ({type(error).__name__})"
        ) from None
