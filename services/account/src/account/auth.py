"""The account use cases: register, login, refresh, logout, who-am-I, delete-me.

Routes parse HTTP and call these; these decide and call the storage modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from account import passwords, security_events, sessions, tokens, users
from account.validation import MAX_PASSWORD_CHARS, Credentials, Registration
from ppcommon.errors import Unauthorized
from ppcommon.jwt import Claims

ACCESS_TOKEN_TTL = 900
# One message for an unknown email and a wrong password, so the answer reveals nothing.
INVALID_CREDENTIALS = "invalid email or password"
UNKNOWN_USER = "the token's user no longer exists"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int = ACCESS_TOKEN_TTL

    def to_json(self) -> dict[str, str | int]:
        return {
            "accessToken": self.access_token,
            "refreshToken": self.refresh_token,
            "tokenType": "Bearer",
            "expiresIn": self.expires_in,
        }


def register(request: Registration) -> users.User:
    return users.register(
        email=request.email,
        password_hash=passwords.hash_password(request.password),
        name=request.name,
        tenant_name=request.tenant_name,
    )


def login(request: Credentials) -> TokenPair:
    if len(request.password) > MAX_PASSWORD_CHARS:
        raise _login_failed()  # no account can hold such a password
    user = users.find_by_email(request.email)
    if user is None:
        # Spend the KDF anyway: a fast "no" would tell which emails have accounts.
        passwords.burn_equivalent_time(request.password)
        raise _login_failed()
    if not passwords.verify_password(request.password, user.password_hash):
        raise _login_failed()
    if passwords.needs_rehash(user.password_hash):
        users.update_password_hash(user.user_id, passwords.hash_password(request.password))
    refresh_token = sessions.start(user)
    # Minimal bridge until sessions.start returns its session id (account owns that).
    record = sessions.find(refresh_token)
    if record is None:
        raise RuntimeError("the session just started cannot be read back")
    return TokenPair(_access_token(user, record.session_id), refresh_token)


def refresh(refresh_token: str) -> TokenPair:
    successor, spent = sessions.rotate(refresh_token)
    user = users.find_by_id(spent.user_id)
    if user is None or user.tenant_id != spent.tenant_id:
        sessions.end(spent.session_id)
        raise Unauthorized(UNKNOWN_USER)
    return TokenPair(_access_token(user, spent.session_id), successor)


def logout(claims: Claims, refresh_token: str) -> None:
    """End the session of ``refresh_token``; it must belong to the caller."""
    record = sessions.find(refresh_token)
    if record is None or record.user_id != claims.user_id:
        # Someone else's token gets the same answer as an unknown one: no oracle.
        raise Unauthorized(sessions.INVALID_REFRESH_TOKEN)
    sessions.end(record.session_id)


def current_user(claims: Claims) -> users.User:
    user = users.find_by_id(claims.user_id)
    if user is None or user.tenant_id != claims.tenant_id:
        raise Unauthorized(UNKNOWN_USER)
    return user


def delete_account(claims: Claims) -> None:
    """Remove the caller, its sessions and tokens, and its tenant when it was the only owner."""
    user = current_user(claims)
    sessions.purge_user(user.user_id)
    users.delete(user)


def _login_failed() -> Unauthorized:
    security_events.login_failed()
    return Unauthorized(INVALID_CREDENTIALS)


def _access_token(user: users.User, session_id: str) -> str:
    return tokens.issue_access_token(user, session_id, ttl=ACCESS_TOKEN_TTL)
