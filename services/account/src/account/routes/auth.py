"""``/auth/*``: registration, email verification, login, password reset by link, token
refresh, logout (one session or all), password change, and the caller's own account."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from account import auth, mailer, rate_limits, validation
from account.email_tokens import InvalidToken
from ppcommon.http import bearer_claims, json_body, optional_json_body

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated

# Responses carrying tokens must not be cached by any intermediary (RFC 6749 §5.1); nor
# must answers to requests whose URL carries an email-link token.
_NO_STORE = {"Cache-Control": "no-store"}

# One answer whether the email is new, registered, verified or not: it must not tell.
REGISTER_ACCEPTED = {
    "status": "verification_sent",
    "message": "if the address can receive mail, a message with a link is on its way",
}
RESET_ACCEPTED = {
    "status": "reset_sent",
    "message": "if an account uses this address, a message with a reset link is on its way",
}
RESET_TOKEN_VALID = {
    "status": "valid",
    "next": "POST /auth/password-reset/confirm {token,newPassword}",
}


@router.post("/auth/register")
def register() -> Response[Any]:
    rate_limits.check(router, "register")
    _mail_links_from_this_api()
    auth.register(validation.registration(json_body(router)))
    return _json(202, REGISTER_ACCEPTED)


@router.get("/auth/verify-email")
def verify_email_link() -> Response[Any]:
    rate_limits.check(router, "email-link")
    auth.verify_email(_query_token())
    return _json(200, {"status": "verified"})


@router.post("/auth/verify-email")
def verify_email() -> Response[Any]:
    rate_limits.check(router, "email-link")
    auth.verify_email(validation.email_link_token(json_body(router)))
    return _json(200, {"status": "verified"})


@router.post("/auth/password-reset")
def request_password_reset() -> Response[Any]:
    rate_limits.check(router, "password-reset")
    _mail_links_from_this_api()
    auth.request_password_reset(validation.reset_request(json_body(router)))
    return _json(202, RESET_ACCEPTED)


@router.get("/auth/password-reset")
def check_password_reset() -> Response[Any]:
    rate_limits.check(router, "email-link")
    auth.check_password_reset(_query_token())
    return _json(200, RESET_TOKEN_VALID)


@router.post("/auth/password-reset/confirm")
def confirm_password_reset() -> Response[Any]:
    rate_limits.check(router, "email-link")
    auth.confirm_password_reset(validation.reset_confirmation(json_body(router)))
    return Response(status_code=204, headers=_NO_STORE)


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
    auth.delete_account(claims, validation.reauthentication(optional_json_body(router)))
    return Response(status_code=204)


def _mail_links_from_this_api() -> None:
    event = router.current_event
    mailer.serve_request_from(event.request_context.domain_name, event.raw_path)


def _query_token() -> str:
    """The ``token`` query parameter of a link; a missing one is an invalid link (400)."""
    token = (router.current_event.query_string_parameters or {}).get("token")
    if not token:
        raise InvalidToken
    return token


def _json(status: int, body: dict[str, str]) -> Response[Any]:
    return Response(
        status_code=status, content_type="application/json", body=body, headers=_NO_STORE
    )


def _tokens(pair: auth.TokenPair) -> Response[Any]:
    return Response(
        status_code=200,
        content_type="application/json",
        body=pair.to_json(),
        headers=_NO_STORE,
    )
