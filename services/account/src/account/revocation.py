"""The account's writes to the revocation store: the one module that calls ppcommon's.

Every service checks ``rev:jti|sid|user|tenant`` keys in the stage's Redis on each
authenticated request; only the account service writes them (its Redis user alone has
``+@write`` on ``rev:*``). Keeping the calls here means the use cases say *what* ends
(a token, sessions, a user, a tenant) and never how it is stored.

A failed write raises: a logout or deletion that could not reach the store must not
answer success while the tokens still work elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from ppcommon import revocations
from ppcommon.jwt import Claims


def end_token(claims: Claims) -> None:
    """The caller's own access token (``rev:jti``), until it expires anyway."""
    revocations.revoke_token(claims.token_id, claims.expires_at)


def end_sessions(session_ids: Iterable[str]) -> None:
    """Every access token of these sessions (``rev:sid``); legacy tokens carry no session."""
    ids = sorted({session_id for session_id in session_ids if session_id})
    if ids:
        revocations.revoke_sessions(ids)


def end_user(user_id: str) -> None:
    """Every token of a deleted user (``rev:user``)."""
    revocations.revoke_user(user_id)


def end_tenant(tenant_id: str) -> None:
    """Every token of every member of a deleted tenant (``rev:tenant``)."""
    revocations.revoke_tenant(tenant_id)
