"""Input rules of the account contract (FORMATS.md, "Input rules"), one function per request."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from account.emails import canonical_email, canonical_or_none
from ppcommon.errors import BadRequest
from ppcommon.http import require_fields

MIN_PASSWORD_CHARS = 12
# Bounded so a request cannot make the KDF hash megabytes; generous for passphrases.
MAX_PASSWORD_CHARS = 1024
MAX_NAME_CHARS = 100


@dataclass(frozen=True)
class Registration:
    email: str
    password: str
    name: str
    tenant_name: str


@dataclass(frozen=True)
class Credentials:
    email: str | None  # canonical; None for an unusable address (answered as an unknown one)
    password: str


@dataclass(frozen=True)
class ResetConfirmation:
    token: str
    new_password: str


@dataclass(frozen=True)
class PasswordChange:
    current_password: str
    new_password: str


def registration(body: dict[str, Any]) -> Registration:
    require_fields(body, {"email": str, "password": str, "name": str, "tenantName": str})
    return Registration(
        email=canonical_email(body["email"]),
        password=_new_password(body["password"]),
        name=_display_name("name", body["name"]),
        tenant_name=_display_name("tenantName", body["tenantName"]),
    )


def credentials(body: dict[str, Any]) -> Credentials:
    """Login input: only presence and type are checked, so no rule leaks which part was wrong."""
    require_fields(body, {"email": str, "password": str})
    return Credentials(email=canonical_or_none(body["email"]), password=body["password"])


def reset_request(body: dict[str, Any]) -> str | None:
    """``POST /auth/password-reset``: the canonical email, or None when unusable (the
    answer is the same either way, so no rule leaks)."""
    require_fields(body, {"email": str})
    return canonical_or_none(body["email"])


def email_link_token(body: dict[str, Any]) -> str:
    """``POST /auth/verify-email``: the token from the link (its validity is the store's
    to judge: any unusable token answers 400 ``invalid_token``)."""
    require_fields(body, {"token": str})
    token: str = body["token"]
    return token


def reset_confirmation(body: dict[str, Any]) -> ResetConfirmation:
    require_fields(body, {"token": str, "newPassword": str})
    new = _new_password(body["newPassword"], field="newPassword")
    return ResetConfirmation(token=body["token"], new_password=new)


def refresh_token(body: dict[str, Any]) -> str:
    require_fields(body, {"refreshToken": str})
    token: str = body["refreshToken"]
    return token


def password_change(body: dict[str, Any]) -> PasswordChange:
    """``POST /auth/password``: the current password is only typed (it is checked against
    the hash, like a login); the new one must meet the registration rules."""
    require_fields(body, {"currentPassword": str, "newPassword": str})
    new = _new_password(body["newPassword"], field="newPassword")
    return PasswordChange(current_password=body["currentPassword"], new_password=new)


def reauthentication(body: dict[str, Any] | None) -> str | None:
    """The ``password`` of a destructive request, or None when absent or not a string.

    Absent is not a 400: the answer to a missing password is the answer to a wrong one
    (401, the failed-login message), so the route tells an attacker nothing either way.
    """
    if body is None:
        return None
    password = body.get("password")
    return password if isinstance(password, str) and password else None


def _new_password(raw: str, *, field: str = "password") -> str:
    length = len(unicodedata.normalize("NFC", raw))
    if length < MIN_PASSWORD_CHARS:
        raise BadRequest(f"field {field!r} must have at least {MIN_PASSWORD_CHARS} characters")
    if length > MAX_PASSWORD_CHARS:
        raise BadRequest(f"field {field!r} must have at most {MAX_PASSWORD_CHARS} characters")
    return raw


def _display_name(field: str, raw: str) -> str:
    name = raw.strip()
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        raise BadRequest(f"field '{field}' must have 1 to {MAX_NAME_CHARS} characters")
    return name
