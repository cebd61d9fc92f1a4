"""``/auth/*``: registration, login, token refresh, logout (one session or all), password
change, and the caller's own account."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from account import auth, rate_limits, validation
from ppcommon.http import bearer_claims, json_body

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated

# Responses carrying tokens must not be cached by any intermediary (RFC 6749 §5.1).
_NO_STORE = {"Cache-Control": "no-store"}


@router.post("/auth/register")
def register() -> tuple[dict[str, str], int]:
    rate_limits.check(router, "register")
    user = auth.register(validation.registration(json_body(router)))
    return {"userId": user.user_id, "tenantId": user.tenant_id}, 201


@router.post("/auth/login")
def login() -> Response[Any]:
    rate_limits.check(router, "login")
    pair = auth.login(validation.credentials(json_body(router)))
    return _tokens(pair)


@router.post("/auth/refresh")
def refresh() -> Response[Any]:
    rate_limits.check(router, "refresh")
    pair = auth.refresh(validation.refresh_token(json_body(router)))
    return _tokens(pair)


@router.post("/auth/logout")
def logout() -> Response[Any]:
    claims = bearer_claims(router)
    auth.logout(claims, validation.refresh_token(json_body(router)))
    return Response(status_code=204)


@router.post("/auth/logout-all")
def logout_all() -> Response[Any]:
    auth.logout_all(bearer_claims(router))
    return Response(status_code=204)


@router.post("/auth/password")
def change_password() -> Response[Any]:
    claims = bearer_claims(router)
    pair = auth.change_password(claims, validation.password_change(json_body(router)))
    return _tokens(pair)


@router.get("/auth/me")
def me() -> dict[str, str]:
    user = auth.current_user(bearer_claims(router))
    return {
        "userId": user.user_id,
        "email": user.email,
        "name": user.name,
        "tenantId": user.tenant_id,
        "role": user.role,
    }


@router.delete("/auth/me")
def delete_me() -> Response[Any]:
    claims = bearer_claims(router)
    auth.delete_account(claims, validation.reauthentication(_optional_json_body()))
    return Response(status_code=204)


def _optional_json_body() -> dict[str, Any] | None:
    """The body as a JSON object, or None when there is none or it is not one.

    ``DELETE /auth/me`` answers a missing, unparsable and wrong password alike (401).
    """
    event = router.current_event
    raw = event.decoded_body if event.body else None
    if not raw:
        return None
    try:
        document = json.loads(raw)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _tokens(pair: auth.TokenPair) -> Response[Any]:
    return Response(
        status_code=200,
        content_type="application/json",
        body=pair.to_json(),
        headers=_NO_STORE,
    )
