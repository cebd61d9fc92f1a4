"""The account use cases: register, email verification, login, password reset by link,
refresh, logout (one session or all), who-am-I, password change and delete-me.

Routes parse HTTP and call these; these decide and call the storage modules. Ending a
session is two writes: the session in DynamoDB (no refresh can continue it) and the
revocation store (no access token of it is accepted anywhere, within a second).

Registration, login and reset requests must not tell which emails have accounts: each
does the same work for a known and an unknown (or unusable) email (one KDF where a
password is involved, two strongly consistent GetItems, and for registration one
TransactWriteItems and one mail) and answers the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from account import (
    account_events,
    email_tokens,
    mailer,
    passwords,
    revocation,
    security_events,
    sessions,
    users,
)
from account.email_tokens import InvalidToken
from account.tokens import ACCESS_TOKEN_TTL, issue_access_token
from account.validation import (
    MAX_PASSWORD_CHARS,
    Credentials,
    PasswordChange,
    Registration,
    ResetConfirmation,
)
from ppcommon.errors import ApiError, Unauthorized
from ppcommon.jwt import Claims

# One message for an unknown email and a wrong password, so the answer reveals nothing.
# Re-authentication (password change, delete-me) answers it too.
INVALID_CREDENTIALS = "invalid email or password"
UNKNOWN_USER = "the token's user no longer exists"
SESSION_ENDED = "the token's session has ended; sign in again"


class EmailNotVerified(ApiError):
    """403 ``email_not_verified``: the right password, but the address is not proven yet.

    Only the holder of the password learns this, so it reveals nothing to a guesser.
    """

    def __init__(self) -> None:
        super().__init__(
            403,
            "email_not_verified",
            "this account's email address is not verified yet: open the link in the "
            "verification email (registering again with the same address sends a new one)",
        )


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


def register(request: Registration) -> None:
    """Create an unverified account and mail a verification link, or, when the email has
    an account already, mail its holder instead (a fresh link while it is unverified,
    "someone tried to register" once verified). The caller cannot tell which happened.
    """
    password_hash = passwords.hash_password(request.password)  # one KDF on every path
    existing = users.find_by_email(request.email)
    token = email_tokens.new_token()
    if existing is None:
        user = users.new_owner(email=request.email, password_hash=password_hash, name=request.name)
        mail = mailer.verification(token)  # before writing: a bad PUBLIC_BASE_URL stores nothing
        verification = email_tokens.item(email_tokens.VERIFY, token, user.user_id)
        if users.create(user, request.tenant_name, verification):
            mailer.send(user.email, mail)
            return
        # Claimed between the read and the write: a concurrent registration won.
        existing = users.find_by_email(request.email)
        if existing is None:
            return  # ... and was deleted again since; nothing is left to tell anyone
    # A user deleted between the read and this write is told nothing (it is gone).
    if existing.email_verified:
        if users.note_registration_attempt(existing, None):
            mailer.send(existing.email, mailer.existing_account())
        return
    mail = mailer.verification(token)
    verification = email_tokens.item(email_tokens.VERIFY, token, existing.user_id)
    if users.note_registration_attempt(existing, verification):
        mailer.send(existing.email, mail)


def verify_email(token: object) -> None:
    """Spend a verification token and mark its owner's address verified."""
    owner = email_tokens.spend(email_tokens.VERIFY, token)
    if not users.mark_verified(owner):
        raise InvalidToken  # the account was deleted after the mail was sent


def request_password_reset(email: str | None) -> None:
    """Mail a reset link when ``email`` (canonical, or None when unusable) has an account.

    Known or not, the same DynamoDB calls happen (two reads, one token write that stores
    nothing for an unknown email); only a known address is mailed.
    """
    user = users.find_by_email(email)
    token = email_tokens.new_token()
    if user is None:
        users.store_no_token(email_tokens.item(email_tokens.RESET, token, users.NO_USER))
        return
    mail = mailer.password_reset(token)
    users.store_token(email_tokens.item(email_tokens.RESET, token, user.user_id))
    mailer.send(user.email, mail)


def check_password_reset(token: object) -> None:
    """``InvalidToken`` unless ``token`` is a live reset token (it is not spent)."""
    if email_tokens.owner_of(email_tokens.RESET, token) is None:
        raise InvalidToken


def confirm_password_reset(request: ResetConfirmation) -> None:
    """Spend the reset token, set the new password, mark the address verified (the link
    proved it) and end every session of the account, as logout-all does."""
    # Spent first: a junk token costs no KDF.
    owner = users.find_by_id(email_tokens.spend(email_tokens.RESET, request.token))
    if owner is None or not users.reset_password(
        owner.user_id, passwords.hash_password(request.new_password)
    ):
        raise InvalidToken  # the account was deleted after the mail was sent
    revocation.end_sessions(sessions.end_all(owner.user_id))


def login(request: Credentials) -> TokenPair:
    if len(request.password) > MAX_PASSWORD_CHARS:
        raise _login_failed()  # no account can hold such a password
    user = users.find_by_email(request.email)  # None for an unusable email too
    if user is None:
        # Spend the KDF anyway: a fast "no" would tell which emails have accounts.
        passwords.burn_equivalent_time(request.password)
        raise _login_failed()
    if not passwords.verify_password(request.password, user.password_hash):
        raise _login_failed()
    if not user.email_verified:
        raise EmailNotVerified
    if passwords.needs_rehash(user.password_hash):
        users.update_password_hash(user.user_id, passwords.hash_password(request.password))
    return _new_session(user)


def refresh(refresh_token: str) -> TokenPair:
    """A new access token for the same session (same ``sid``) and the refresh successor."""
    successor, spent = sessions.rotate(refresh_token)
    user = users.find_by_id(spent.user_id)
    if (
        user is None
        or user.tenant_id != spent.tenant_id
        or users.find_tenant(user.tenant_id) is None
    ):
        # A member of a deleted tenant outlives its owner: no new token for a tenant
        # that is gone (its revocation key expires, the missing tenant does not).
        sessions.end(spent.session_id)
        raise Unauthorized(UNKNOWN_USER)
    return TokenPair(issue_access_token(user, spent.session_id), successor)


def logout(claims: Claims, refresh_token: str) -> None:
    """End the session of ``refresh_token`` (it must be the caller's), the session of the
    caller's access token, and that token itself."""
    record = sessions.find(refresh_token)
    if record is None or record.user_id != claims.user_id:
        # Someone else's token gets the same answer as an unknown one: no oracle.
        raise Unauthorized(sessions.INVALID_REFRESH_TOKEN)
    ended = {record.session_id, claims.session_id} - {""}
    for session_id in ended:
        sessions.end(session_id)
    revocation.end_sessions(ended)
    revocation.end_token(claims)


def logout_all(claims: Claims) -> None:
    """End every session of the caller, wherever it was opened."""
    _end_every_session(current_user(claims), claims)


def change_password(claims: Claims, request: PasswordChange) -> TokenPair:
    """Re-authenticate, store the new hash, end every session, answer a new session."""
    user = _reauthenticated(claims, request.current_password)
    users.update_password_hash(user.user_id, passwords.hash_password(request.new_password))
    _end_every_session(user, claims)
    return _new_session(user)


def current_user(claims: Claims) -> users.User:
    user = users.find_by_id(claims.user_id)
    if user is None or user.tenant_id != claims.tenant_id:
        raise Unauthorized(UNKNOWN_USER)
    return user


def delete_account(claims: Claims, password: str | None) -> None:
    """Re-authenticate, then remove the caller, its sessions and tokens, and its tenant
    when it was the only owner; every service is told to purge what it holds for them.

    Order: announce first (the order ``account_events`` documents), so a failed publish
    deletes nothing and the person retries, and a deletion that fails later is retried
    and re-announced (the purges are idempotent). Then end every session's tokens
    everywhere, before the items go, so no service accepts a write for the user while its
    purge runs; a failure after that still lets the person sign in and retry. Then delete,
    and only then revoke the user (and tenant) as a whole: ``rev:user`` would also refuse
    the fresh login a retry needs.
    """
    user = _reauthenticated(claims, password)
    tenant_goes = users.tenant_goes_with(user)
    account_events.publish_user_deleted(user)
    if tenant_goes:
        account_events.publish_tenant_deleted(user.tenant_id)
    revocation.end_sessions([*sessions.ids_of(user.user_id), claims.session_id])
    sessions.purge_user(user.user_id)
    tenant_deleted = users.delete(user)
    revocation.end_user(user.user_id)
    if tenant_deleted:
        revocation.end_tenant(user.tenant_id)
    if tenant_deleted != tenant_goes:
        # Another owner joined or left in between: the announcement was decided on the
        # read above. Counted and logged so the rare mismatch can be reconciled.
        security_events.tenant_ownership_changed_during_deletion(user.tenant_id)


def _reauthenticated(claims: Claims, password: str | None) -> users.User:
    """The caller, proven by a live session AND the current password.

    A stolen access token alone must not change the password or delete the account; a
    token whose session has ended (checked strongly in DynamoDB, whatever the revocation
    store says) must not either.
    """
    user = current_user(claims)
    if not sessions.is_active(claims.session_id, user.user_id):
        raise Unauthorized(SESSION_ENDED)
    if password is None or len(password) > MAX_PASSWORD_CHARS:
        raise _login_failed()
    if not passwords.verify_password(password, user.password_hash):
        raise _login_failed()
    return user


def _end_every_session(user: users.User, claims: Claims) -> None:
    ended = sessions.end_all(user.user_id)
    # The caller's own session is named explicitly: the user-index GSI may lag behind.
    if claims.session_id and claims.session_id not in ended:
        sessions.end(claims.session_id)
    revocation.end_sessions([*ended, claims.session_id])
    revocation.end_token(claims)


def _new_session(user: users.User) -> TokenPair:
    started = sessions.start(user)
    return TokenPair(issue_access_token(user, started.session_id), started.refresh_token)


def _login_failed() -> Unauthorized:
    security_events.login_failed()
    return Unauthorized(INVALID_CREDENTIALS)
