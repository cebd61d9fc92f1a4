"""Input rules of the account contract (FORMATS.md, "Input rules"), one function per request."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ppcommon.errors import BadRequest
from ppcommon.http import require_fields

MIN_PASSWORD_CHARS = 12
# Bounded so a request cannot make the KDF hash megabytes; generous for passphrases.
MAX_PASSWORD_CHARS = 1024
MAX_NAME_CHARS = 100
MAX_EMAIL_CHARS = 254  # RFC 5321 path limit
# Deliberately loose: one @, no spaces, a dot in the domain. Deliverability is not ours
# to judge here; the shape keeps obvious garbage out of the users table.
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


@dataclass(frozen=True)
class Registration:
    email: str
    password: str
    name: str
    tenant_name: str


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


@dataclass(frozen=True)
class PasswordChange:
    current_password: str
    new_password: str


def normalise_email(raw: str) -> str:
    """The stored and compared form of an email: trimmed, lower-case."""
    return raw.strip().lower()


def registration(body: dict[str, Any]) -> Registration:
    require_fields(body, {"email": str, "password": str, "name": str, "tenantName": str})
    return Registration(
        email=_email(body["email"]),
        password=_new_password(body["password"]),
        name=_display_name("name", body["name"]),
        tenant_name=_display_name("tenantName", body["tenantName"]),
    )


def credentials(body: dict[str, Any]) -> Credentials:
    """Login input: only presence and type are checked, so no rule leaks which part was wrong."""
    require_fields(body, {"email": str, "password": str})
    return Credentials(email=normalise_email(body["email"]), password=body["password"])


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


def _email(raw: str) -> str:
    email = normalise_email(raw)
    if len(email) > MAX_EMAIL_CHARS or not _EMAIL_SHAPE.fullmatch(email):
        raise BadRequest("field 'email' is not an email address (expected name@domain.tld)")
    return email


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
