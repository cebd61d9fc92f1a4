"""The verify journey's front door: registration by email, the unverified refusal, the
per-account lockout, following the mailed links, and a password reset.

Steps of ``verify.run``; each takes the journey (its HTTP calls, its report) and the
journey's own ``Account``, whose password and tokens change as the journey goes (a reset,
a refresh), so clean-ups read them at the time they run.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ppdeploy.workflows.mailbox import MailNotFound, link_path, token_of

if TYPE_CHECKING:
    from ppdeploy.workflows.mailbox import Mailbox, MailKind
    from ppdeploy.workflows.verify import Journey, Response

# Per-account limits (the account service's lockout): after 3 consecutive failures each
# further attempt waits 2**(n-3) s (capped at 60 s); at 10 failures the account is locked
# for 15 minutes. The journey stops at the first delay (the 4th attempt), which it can wait
# out in a second; the 15-minute lockout is the account service's own tests' to prove.
FAILURES_BEFORE_DELAY = 3
LOCKOUT_FAILURES = 10
LONGEST_DELAY_SECONDS = 60
ACCOUNT_LIMIT_MESSAGE = "for this account"  # in the 429's message, unlike a per-IP limit
PER_CLIENT_WAIT_SECONDS = 60  # the register bucket's refill: the longest a client waits


def journey_email() -> str:
    """A fresh address at the SES mailbox simulator, which accepts mail (also from an
    account still in the SES sandbox) and delivers it nowhere: AWS SES Developer Guide,
    "Using the mailbox simulator" (labels after `+` keep each run's address unique), so a
    journey on AWS never bounces mail off a made-up domain."""
    return f"success+verify-{uuid.uuid4().hex[:12]}@simulator.amazonses.com"


@dataclass
class Account:
    """The journey's own account, as it stands now."""

    email: str
    password: str
    access: str = ""
    refresh: str = ""
    user_id: str = ""
    tenant_id: str = ""

    @classmethod
    def fresh(cls) -> Account:
        return cls(journey_email(), secrets.token_urlsafe(18))


def error_code(body: Any) -> str | None:
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code")) if isinstance(error, dict) else None


def _header(response: Response, name: str) -> str | None:
    for key, value in response.headers.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def patient_call(journey: Journey, method: str, path: str, body: Any = None) -> Response:
    """An account call that waits out, once, a per-client limit (the per-IP token buckets:
    login 20 at once then 1 per 3 s, register and reset requests 5 then 1 per 60 s, emailed
    links 20 then 1 per 3 s), as a well-behaved client
    does: journeys run back to back from one address (``up``, then ``verify``, then the
    tests) may spend a bucket. A 429 for the account itself (its lockout) is an answer the
    journey checks, never waited out here."""
    response = journey.call("account", method, path, body=body)
    if response.status != 429 or _account_limited(response):
        return response
    raw = _header(response, "Retry-After") or ""
    if not raw.isdigit() or not 1 <= int(raw) <= PER_CLIENT_WAIT_SECONDS:
        return response  # the step that reads it fails, showing the answer
    journey.report(f"wait {raw} s (Retry-After: this client's per-address limit)")
    journey.sleep(int(raw))
    return journey.call("account", method, path, body=body)


def _account_limited(response: Response) -> bool:
    body = response.body
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and ACCOUNT_LIMIT_MESSAGE in str(error.get("message", ""))


def login_call(journey: Journey, email: str, password: str) -> Response:
    return patient_call(journey, "POST", "/auth/login", {"email": email, "password": password})


def register_unverified(journey: Journey, account: Account) -> float:
    """Register (202, the same answer for a new and a known address), then the right
    password is refused until the address is verified; when the mail was asked for."""
    asked_at = journey.clock()
    label = "register (a verification mail is sent)"
    registered = patient_call(
        journey,
        "POST",
        "/auth/register",
        {
            "email": account.email,
            "password": account.password,
            "name": "Verify Journey",
            "tenantName": "Verify Tenant",
        },
    )
    if registered.status == 503 and error_code(registered.body) == "email_unavailable":
        raise journey.fail(
            label,
            "503 email_unavailable",
            cause="the account service could not send the verification mail: SES refused "
            "it (an unverified sender identity, or an account in the SES sandbox) or its mail "
            "settings are wrong (EMAIL_FROM, PUBLIC_BASE_URL)",
            fix="read the account service's logs (`invoke logs --service account`); on AWS "
            "verify the sender identity and request SES production access; locally "
            "`invoke up` does both, as an operator would",
        )
    journey.step(
        label,
        registered,
        202,
        lambda body: body.get("status") == "verification_sent",
    )
    journey.step(
        "an unverified account cannot log in",
        login_call(journey, account.email, account.password),
        403,
        lambda body: error_code(body) == "email_not_verified",
    )
    return asked_at


def retry_after(journey: Journey, label: str, response: Response) -> int:
    """The whole seconds a 429 says to wait (``Retry-After``, at least 1)."""
    raw = _header(response, "Retry-After")
    if raw is None or not raw.isdigit() or int(raw) < 1:
        raise journey.fail(
            label,
            f"429 with Retry-After {raw!r}",
            cause="a 429 must carry `Retry-After: <whole seconds, at least 1>`",
            fix="read the account service's rate-limit and lockout code (account/lockout.py)",
        )
    return int(raw)


def wrong_password_burst(journey: Journey, account: Account) -> None:
    """Wrong passwords in a row end in 429 for this account (not a per-IP limit), then even
    the right password waits (the check comes before the hash), and once the Retry-After
    has passed the right password is checked again."""
    label = "a burst of wrong passwords is stopped"
    wrong = account.password + "-wrong"
    statuses = []
    for _attempt in range(LOCKOUT_FAILURES + 1):
        response = login_call(journey, account.email, wrong)
        statuses.append(response.status)
        if response.status != 401:
            break
    journey.step(
        f"{label} (after {statuses.count(401)} wrong passwords)",
        response,
        429,
        lambda body: (
            error_code(body) == "too_many_requests"
            and ACCOUNT_LIMIT_MESSAGE in str(body["error"].get("message", ""))
        ),
    )
    # At least 3 failures before the first delay; more are allowed, since "from the last
    # failure" is measured by the service and a slow answer (a 1.5 s hash on Lambda) can let
    # the 4th attempt come after the 1 s delay ended. The loop above bounds them at 10.
    if statuses.count(401) < FAILURES_BEFORE_DELAY:
        raise journey.fail(
            label,
            f"answers {statuses}",
            cause=f"the first {FAILURES_BEFORE_DELAY} consecutive failures must each be "
            "answered 401 (invalid email or password); the delay comes after them",
            fix=f"read account/lockout.py: the delay starts after {FAILURES_BEFORE_DELAY} "
            "consecutive failures",
        )
    retry_after(journey, label, response)
    # Sent at once, never waited out: a wait could outlast the account's delay.
    label = "the right password waits too (no hash while delayed)"
    refused = journey.call(
        "account",
        "POST",
        "/auth/login",
        body={"email": account.email, "password": account.password},
    )
    if refused.status == 429 and not _account_limited(refused):
        raise journey.fail(
            label,
            "429 from this client's per-address limit, not the account's",
            cause="the login bucket of this address was spent (journeys run back to back "
            "from one address), so the account's delay could not be seen",
            fix="run verify again in a minute (the bucket refills 1 login per 3 s)",
        )
    journey.step(label, refused, 429, lambda _body: _account_limited(refused))
    wait = retry_after(journey, "the right password waits too", refused)
    failures = statuses.count(401)
    if wait > LONGEST_DELAY_SECONDS:
        raise journey.fail(
            f"the delay after {failures} failures",
            f"Retry-After {wait} s",
            cause=f"{failures} failures ask for at most a "
            f"{2 ** (failures - FAILURES_BEFORE_DELAY)} s delay (capped at "
            f"{LONGEST_DELAY_SECONDS} s); only {LOCKOUT_FAILURES} lock the account",
            fix="read account/lockout.py",
        )
    journey.report(f"wait {wait} s (Retry-After)")
    journey.sleep(wait)
    journey.step(
        "after Retry-After the right password is checked again",
        login_call(journey, account.email, account.password),
        403,
        lambda body: error_code(body) == "email_not_verified",
    )


def _mailed_link(
    journey: Journey, mailbox: Mailbox, account: Account, kind: MailKind, since: float
) -> str:
    label = f"the {kind} mail arrives"
    try:
        link = mailbox.latest_link(account.email, kind, since)
        path = link_path(link)
    except MailNotFound as error:
        raise journey.fail(label, error.what, cause=error.cause, fix=error.fix) from error
    journey.report(f"ok   {label}: {path.split('?')[0]}")
    return path


def verify_email(journey: Journey, mailbox: Mailbox, account: Account, since: float) -> None:
    """Follow the verification link; it works once; then the account logs in."""
    path = _mailed_link(journey, mailbox, account, "verify", since)
    journey.step(
        "follow the verification link",
        patient_call(journey, "GET", path),
        200,
        lambda body: body.get("status") == "verified",
    )
    journey.step(
        "the verification link works only once",
        journey.call("account", "GET", path),
        400,
        lambda body: error_code(body) == "invalid_token",
    )
    log_in(journey, account, "log in")


def log_in(journey: Journey, account: Account, label: str) -> None:
    tokens = journey.step(
        label,
        login_call(journey, account.email, account.password),
        200,
        lambda body: body.get("tokenType") == "Bearer" and bool(body.get("accessToken")),
    )
    account.access, account.refresh = tokens["accessToken"], tokens["refreshToken"]


def reset_password(journey: Journey, mailbox: Mailbox, account: Account) -> tuple[str, float]:
    """A reset by mailed link sets a new password and ends every session; the access token
    it ended and when (``journey.now()``), for ``verify`` to check it is refused everywhere."""
    since = journey.clock()
    journey.step(
        "ask for a password reset",
        patient_call(journey, "POST", "/auth/password-reset", {"email": account.email}),
        202,
        lambda body: body.get("status") == "reset_sent",
    )
    path = _mailed_link(journey, mailbox, account, "reset", since)
    journey.step(
        "follow the reset link",
        patient_call(journey, "GET", path),
        200,
        lambda body: body.get("status") == "valid",
    )
    token, new_password = token_of(path), account.password + "-reset"
    confirm = {"token": token, "newPassword": new_password}
    journey.step(
        "set a new password with the link's token",
        patient_call(journey, "POST", "/auth/password-reset/confirm", confirm),
        204,
    )
    ended_at = journey.now()
    journey.step(
        "the reset token works only once",
        journey.call("account", "POST", "/auth/password-reset/confirm", body=confirm),
        400,
        lambda body: error_code(body) == "invalid_token",
    )
    ended, old_password = account.access, account.password
    account.password = new_password
    journey.step(
        "the old password is refused",
        login_call(journey, account.email, old_password),
        401,
    )
    log_in(journey, account, "the new password logs in")
    return ended, ended_at
