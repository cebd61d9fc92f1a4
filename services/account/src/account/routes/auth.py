"""``/auth/*``: registration, login, token refresh, logout, and the caller's own account."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from account import auth, validation
from ppcommon.http import bearer_claims, json_body

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated

# Responses carrying tokens must not be cached by any intermediary (RFC 6749 §5.1).
_NO_STORE = {"Cache-Control": "no-store"}


@router.post("/auth/register")
def register() -> tuple[dict[str, str], int]:
    user = auth.register(validation.registration(json_body(router)))
    return {"userId": user.user_id, "tenantId": user.tenant_id}, 201


@router.post("/auth/login")
def login() -> Response[Any]:
    pair = auth.login(validation.credentials(json_body(router)))
    return _tokens(pair)


@router.post("/auth/refresh")
def refresh() -> Response[Any]:
    pair = auth.refresh(validation.refresh_token(json_body(router)))
    return _tokens(pair)


@router.post("/auth/logout")
def logout() -> Response[Any]:
    claims = bearer_claims(router)
    auth.logout(claims, validation.refresh_token(json_body(router)))
    return Response(status_code=204)


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
    auth.delete_account(bearer_claims(router))
    return Response(status_code=204)


def _tokens(pair: auth.TokenPair) -> Response[Any]:
    return Response(
        status_code=200,
        content_type="application/json",
        body=pair.to_json(),
        headers=_NO_STORE,
    )
