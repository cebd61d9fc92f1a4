"""The account service's HTTP contract, runnable against any runtime.

Every check talks to the service only through a *transport*: a callable
``(method, path, headers, body) -> (status, headers, body)`` with bytes bodies. The Python
tests pass one that invokes the handler in-process; ``http_transport(base_url)`` speaks
HTTP to a deployed or local service of either runtime::

    python services/testing/src/pptesting/account_contract.py https://api.dev.purposepath.app/account
    PP_JWT_SECRET=... python .../account_contract.py http://127.0.0.1:8080/account \
        --jwt-secret-env PP_JWT_SECRET

Standard library only. Each check registers its own users under unique emails and deletes
them (``DELETE /auth/me``) when it ends, so it can run against a shared stage. Access
tokens are ES256, signed by a KMS key whose private half nobody holds: checks that forge
correctly signed tokens need a ``signer`` (in-process tests pass one that signs with the
test stack's key) and are skipped over HTTP. The check that HS256 tokens signed with the
legacy JWT secret are refused runs when that secret is given (outside a migration window).

Registering needs the verification link mailed to the address: a check that registers
needs a *mailbox* (``address -> links mailed to it, oldest first``). In-process tests read
the mocked SES; over HTTP, ``--outbox URL`` reads the local AWS outbox
(``GET <URL>?to=ADDR&limit=N``); without one those checks are skipped.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

Transport = Callable[
    [str, str, Mapping[str, str], bytes | None], tuple[int, Mapping[str, str], bytes]
]
# Claims (and an optional header) -> a token signed by the service's real signing key.
Signer = Callable[[Mapping[str, Any], Mapping[str, Any] | None], str]
# A canonical address -> every link mailed to it so far, oldest first.
Mailbox = Callable[[str], list[str]]

PASSWORD = "correct-horse-battery-staple-42"  # noqa: S105 - test data, guards nothing
ISSUER = "purposepath"
AUDIENCE = "purposepath-api"
ACCESS_TTL = 900
REGISTER_ACCEPTED = {
    "status": "verification_sent",
    "message": "if the address can receive mail, a message with a link is on its way",
}
VERIFY_PATH = "/auth/verify-email"
RESET_PATH = "/auth/password-reset"


class ContractFailure(AssertionError):
    """The service answered differently from the contract (message: what and where)."""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise ContractFailure(f"body is not JSON: {self.body[:200]!r}") from None


@dataclass
class Client:
    transport: Transport
    jwt_secret: str | None = None
    signer: Signer | None = None
    mailbox: Mailbox | None = None
    _cleanup: list[str] = field(default_factory=list)

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        raw: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        payload = raw
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
        if payload is not None:
            sent.setdefault("Content-Type", "application/json")
        status, got, content = self.transport(method, path, sent, payload)
        return Reply(status, {k.lower(): v for k, v in got.items()}, content)

    def register(self, *, email: str | None = None, tenant: str = "Contract Co") -> Account:
        """Register, follow the verification link, sign in: a ready account."""
        address = email or unique_email()
        reply = self.call(
            "POST",
            "/auth/register",
            body={
                "email": address,
                "password": PASSWORD,
                "name": "Contract User",
                "tenantName": tenant,
            },
        )
        expect_status(reply, 202, "POST /auth/register")
        canonical = address.strip(" ").lower()
        self.verify(canonical)
        tokens = self.login(canonical)
        self._cleanup.append(tokens["accessToken"])
        # Registration answers no ids (it must not differ for a taken email): the access
        # token names the user and the tenant.
        claims = token_claims(tokens["accessToken"])
        return Account(
            canonical,
            claims["sub"],
            claims["tid"],
            tokens["accessToken"],
            tokens["refreshToken"],
        )

    def latest_link(self, address: str, path: str) -> str:
        """The newest link to ``path`` mailed to ``address`` (needs the mailbox)."""
        if self.mailbox is None:
            raise ContractFailure("this check needs a mailbox to read the mailed link")
        links = [link for link in self.mailbox(address) if link_path(link) == path]
        expect(bool(links), f"no {path} link was mailed to the registered address")
        return links[-1]

    def follow(self, link: str) -> Reply:
        """GET the link's path from ``/auth/`` on, with its query, on this client's service."""
        return self.call("GET", link_target(link))

    def verify(self, address: str) -> None:
        reply = self.follow(self.latest_link(address, VERIFY_PATH))
        expect_status(reply, 200, "GET /auth/verify-email (the mailed link)")
        expect(reply.json() == {"status": "verified"}, f"verify body {reply.json()!r}")

    def login(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        reply = self.call("POST", "/auth/login", body={"email": email, "password": password})
        expect_status(reply, 200, "POST /auth/login")
        document: dict[str, Any] = reply.json()
        return document

    def delete_registered(self) -> None:
        """Remove every user this client registered (already-deleted ones are fine)."""
        while self._cleanup:
            token = self._cleanup.pop()
            reply = self.call("DELETE", "/auth/me", token=token, body={"password": PASSWORD})
            if reply.status not in (204, 401):
                raise ContractFailure(f"cleanup DELETE /auth/me answered {reply.status}")


@dataclass(frozen=True)
class Account:
    email: str
    user_id: str
    tenant_id: str
    access_token: str
    refresh_token: str


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Client], None]
    needs_secret: bool = False
    needs_signer: bool = False
    needs_mailbox: bool = True


def unique_email() -> str:
    return f"contract-{uuid.uuid4().hex[:16]}@example.com"


def link_target(link: str) -> str:
    """The part of a mailed link this client calls: its path from ``/auth/`` on, and its
    query (the link's base is the service's public URL, which may differ from ours)."""
    parsed = urllib.parse.urlsplit(link)
    at = parsed.path.find("/auth/")
    expect(at >= 0, "a mailed link must point at an /auth/ route")
    return f"{parsed.path[at:]}?{parsed.query}"


def link_path(link: str) -> str:
    return link_target(link).split("?", 1)[0]


def link_token(link: str) -> str:
    tokens = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query).get("token", [])
    expect(len(tokens) == 1, "a mailed link must carry exactly one token parameter")
    return tokens[0]


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise ContractFailure(message)


def expect_status(reply: Reply, status: int, what: str) -> None:
    expect(
        reply.status == status,
        f"{what}: expected {status}, got {reply.status} {reply.body[:300]!r}",
    )


def expect_error(reply: Reply, status: int, code: str, what: str) -> dict[str, Any]:
    """The reply is the contract's error shape with ``status`` and ``code``; returns the error."""
    expect_status(reply, status, what)
    document = reply.json()
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        raise ContractFailure(f"{what}: expected {{'error': {{...}}}}, got {document!r}")
    expect(
        error.get("code") == code and isinstance(error.get("message"), str) and error["message"],
        f"{what}: expected error code {code!r} with a message, got {document!r}",
    )
    if status == 401:
        expect(
            reply.headers.get("www-authenticate", "").startswith("Bearer"),
            f"{what}: a 401 must carry 'WWW-Authenticate: Bearer'",
        )
    return error


# --- token forging (standard library HS256, independent of any runtime under test) ------


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_hs256(
    claims: Mapping[str, Any], secret: str, header: Mapping[str, Any] | None = None
) -> str:
    head = b64url(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(dict(claims)).encode())
    mac = hmac.new(secret.encode("utf-8"), f"{head}.{body}".encode("ascii"), hashlib.sha256)
    return f"{head}.{body}.{b64url(mac.digest())}"


def token_claims(token: str) -> dict[str, Any]:
    parts = token.split(".")
    expect(len(parts) == 3, "access token is not a three-part JWT")
    claims: dict[str, Any] = json.loads(b64url_decode(parts[1]))
    return claims


# Revocations reach every service within one second (each caches its check that long).
REVOCATION_DELAY = 1.0


def expect_refused_within_a_second(client: Client, token: str, what: str) -> None:
    """``GET /auth/me`` with ``token`` answers 401 at the latest once the delay is over."""
    deadline = time.monotonic() + REVOCATION_DELAY + 0.5
    while True:
        reply = client.call("GET", "/auth/me", token=token)
        if reply.status == 401 or time.monotonic() > deadline:
            expect_error(reply, 401, "unauthorized", what)
            return
        time.sleep(0.1)


def fresh_claims(account: Account) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": account.user_id,
        "tid": account.tenant_id,
        "role": "owner",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sid": str(uuid.uuid4()),
        "iat": now,
        "exp": now + ACCESS_TTL,
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }


# --- the checks ---------------------------------------------------------------------------

CHECKS: list[Check] = []


def check(
    *, needs_secret: bool = False, needs_signer: bool = False, needs_mailbox: bool = True
) -> Callable[[Callable[[Client], None]], Callable[[Client], None]]:
    def register(function: Callable[[Client], None]) -> Callable[[Client], None]:
        CHECKS.append(Check(function.__name__, function, needs_secret, needs_signer, needs_mailbox))
        return function

    return register


@check(needs_mailbox=False)
def health_answers(client: Client) -> None:
    reply = client.call("GET", "/health")
    expect_status(reply, 200, "GET /health")
    body = reply.json()
    expect(
        body.get("status") == "ok"
        and body.get("service") == "account"
        and body.get("runtime") in ("python", "dotnet"),
        f"GET /health body {body!r} is not the contract's",
    )


@check()
def register_and_login_issue_a_token_pair(client: Client) -> None:
    email = unique_email()
    reply = client.call(
        "POST",
        "/auth/register",
        body={
            "email": email,
            "password": PASSWORD,
            "name": "Ada",
            "tenantName": "Analytical Engines",
        },
    )
    expect_status(reply, 202, "POST /auth/register")
    expect(
        reply.json() == REGISTER_ACCEPTED,
        f"register body {reply.json()!r} must be the contract's verification_sent answer",
    )
    expect_error(
        client.call("POST", "/auth/login", body={"email": email, "password": PASSWORD}),
        403,
        "email_not_verified",
        "login before the email is verified",
    )
    client.verify(email)
    login = client.call("POST", "/auth/login", body={"email": email, "password": PASSWORD})
    expect_status(login, 200, "POST /auth/login")
    pair = login.json()
    client._cleanup.append(pair.get("accessToken", ""))
    expect(
        set(pair) == {"accessToken", "refreshToken", "tokenType", "expiresIn"},
        f"login body keys {sorted(pair)} are not the contract's",
    )
    expect(
        pair["tokenType"] == "Bearer" and pair["expiresIn"] == ACCESS_TTL,
        f"tokenType/expiresIn are {pair['tokenType']!r}/{pair['expiresIn']!r}",
    )
    expect(
        len(pair["refreshToken"]) == 43 and "=" not in pair["refreshToken"],
        "refresh token must be 32 bytes base64url without padding (43 chars)",
    )
    header = json.loads(b64url_decode(pair["accessToken"].split(".")[0]))
    expect(
        set(header) == {"alg", "typ", "kid"}
        and (header["alg"], header["typ"]) == ("ES256", "JWT")
        and isinstance(header["kid"], str)
        and bool(header["kid"]),
        f"JWT header is {header!r}",
    )
    expect(
        len(b64url_decode(pair["accessToken"].split(".")[2])) == 64,
        "ES256 signature must be raw r||s (64 bytes), not DER",
    )
    claims = token_claims(pair["accessToken"])
    expect(
        list(claims) == ["sub", "tid", "role", "sid", "iss", "aud", "iat", "exp", "jti", "typ"],
        f"access token claims {list(claims)} are not in the contract's order",
    )
    me = client.call("GET", "/auth/me", token=pair["accessToken"])
    expect_status(me, 200, "GET /auth/me")
    created = me.json()
    expect(
        claims.get("sub") == created["userId"] and claims.get("tid") == created["tenantId"],
        "access token sub/tid must be the registered user and tenant",
    )
    expect(
        claims.get("iss") == ISSUER
        and claims.get("aud") == AUDIENCE
        and claims.get("typ") == "access"
        and claims.get("role") == "owner",
        f"access token claims {claims!r} are not the contract's",
    )
    expect(claims["exp"] - claims["iat"] == ACCESS_TTL, "access token must live 900 s")
    expect(
        "no-store" in login.headers.get("cache-control", ""),
        "token responses must carry Cache-Control: no-store",
    )


@check()
def register_answers_a_taken_email_as_a_new_one(client: Client) -> None:
    account = client.register()
    fresh = unique_email()
    replies = {}
    for what, address in (
        ("a new email", fresh),
        ("a taken email in another case", f"  {account.email.upper()} "),
    ):
        replies[what] = client.call(
            "POST",
            "/auth/register",
            body={
                "email": address,
                "password": "another-" + PASSWORD,
                "name": "T",
                "tenantName": "T",
            },
        )
        expect_status(replies[what], 202, f"register with {what}")
    new, taken = replies.values()
    expect(
        (new.body, dict(new.headers)) == (taken.body, dict(taken.headers)),
        "registering a taken email must answer byte for byte as a new one: "
        f"{new.headers} {new.body!r} vs {taken.headers} {taken.body!r}",
    )
    # The taken account is unchanged: its password still works, the newcomer's does not.
    client.login(account.email)
    expect_error(
        client.call(
            "POST", "/auth/login", body={"email": account.email, "password": "another-" + PASSWORD}
        ),
        401,
        "unauthorized",
        "login with the password of a second registration of a taken email",
    )
    client.verify(fresh)
    client._cleanup.append(client.login(fresh, "another-" + PASSWORD)["accessToken"])


@check()
def register_rejects_invalid_input(client: Client) -> None:
    good = {"email": unique_email(), "password": PASSWORD, "name": "N", "tenantName": "T"}
    cases: list[tuple[str, Any]] = [
        ("missing email", {k: v for k, v in good.items() if k != "email"}),
        ("email without @", {**good, "email": "not-an-email"}),
        ("email without a domain dot", {**good, "email": "a@localhost"}),
        ("email not a string", {**good, "email": 42}),
        ("email with a zero width space", {**good, "email": good["email"] + "\u200b"}),
        ("email with a word joiner", {**good, "email": good["email"] + "\u2060"}),
        ("email with U+001F", {**good, "email": good["email"] + "\x1f"}),
        ("email with a non-ASCII domain", {**good, "email": "ada@b\u00fccher.example"}),
        (
            "email of 255 characters",
            {**good, "email": "a" * 63 + "@" + "b" * 63 + "." + "b" * 63 + "." + "c" * 59 + ".com"},
        ),
        ("password of 11 characters", {**good, "password": "x" * 11}),
        ("empty name", {**good, "name": "   "}),
        ("name of 101 characters", {**good, "name": "n" * 101}),
        ("tenantName of 101 characters", {**good, "tenantName": "t" * 101}),
        ("missing tenantName", {k: v for k, v in good.items() if k != "tenantName"}),
        ("array body", [good]),
    ]
    for what, body in cases:
        expect_error(
            client.call("POST", "/auth/register", body=body),
            400,
            "bad_request",
            f"register with {what}",
        )
    expect_error(
        client.call("POST", "/auth/register", raw=b"{not json"),
        400,
        "bad_request",
        "register with invalid JSON",
    )
    expect_error(
        client.call("POST", "/auth/register"), 400, "bad_request", "register without a body"
    )
    # 12 characters (and 100-character names) are the inclusive limits: accepted.
    edge = {**good, "password": "p" * 12, "name": "n" * 100, "tenantName": "t" * 100}
    reply = client.call("POST", "/auth/register", body=edge)
    expect_status(reply, 202, "register at the inclusive limits")
    client.verify(good["email"])
    client._cleanup.append(client.login(good["email"], "p" * 12)["accessToken"])


@check()
def login_failures_look_the_same(client: Client) -> None:
    account = client.register()
    wrong = client.call(
        "POST", "/auth/login", body={"email": account.email, "password": "wrong-" + PASSWORD}
    )
    unknown = client.call(
        "POST", "/auth/login", body={"email": unique_email(), "password": PASSWORD}
    )
    wrong_error = expect_error(wrong, 401, "unauthorized", "login with a wrong password")
    unknown_error = expect_error(unknown, 401, "unauthorized", "login with an unknown email")
    expect(
        wrong_error == unknown_error,
        f"unknown email and wrong password must answer alike: {wrong_error} vs {unknown_error}",
    )
    expect_error(
        client.call("POST", "/auth/login", body={"email": account.email}),
        400,
        "bad_request",
        "login without a password",
    )


@check()
def unusable_emails_fail_login_like_unknown_ones(client: Client) -> None:
    unknown = expect_error(
        client.call("POST", "/auth/login", body={"email": unique_email(), "password": PASSWORD}),
        401,
        "unauthorized",
        "login with an unknown email",
    )
    for what, address in (
        ("a zero width space", unique_email() + "\u200b"),
        ("no @", "not-an-email"),
        ("1000 characters", "a" * 990 + "@example.com"),
    ):
        refused = expect_error(
            client.call("POST", "/auth/login", body={"email": address, "password": PASSWORD}),
            401,
            "unauthorized",
            f"login with an email with {what}",
        )
        expect(refused == unknown, f"login with {what} must answer as an unknown email")


@check()
def a_verification_link_works_once(client: Client) -> None:
    email = unique_email()
    client.call(
        "POST",
        "/auth/register",
        body={"email": email, "password": PASSWORD, "name": "V", "tenantName": "V"},
    )
    link = client.latest_link(email, VERIFY_PATH)
    expect_status(client.follow(link), 200, "the verification link")
    expect_error(client.follow(link), 400, "invalid_token", "the verification link again")
    expect_error(
        client.call("POST", VERIFY_PATH, body={"token": link_token(link)}),
        400,
        "invalid_token",
        "POST /auth/verify-email with a used token",
    )
    client._cleanup.append(client.login(email)["accessToken"])
    for what, target in (
        ("an unknown token", f"{VERIFY_PATH}?token={b64url(os.urandom(32))}"),
        ("garbage", f"{VERIFY_PATH}?token=garbage"),
        ("no token", VERIFY_PATH),
    ):
        expect_error(client.call("GET", target), 400, "invalid_token", f"verify with {what}")
    expect_error(
        client.call("POST", VERIFY_PATH, body={}), 400, "bad_request", "POST verify without token"
    )


@check()
def registering_an_unverified_email_again_sends_a_fresh_link(client: Client) -> None:
    email = unique_email()
    body = {"email": email, "password": PASSWORD, "name": "V", "tenantName": "V"}
    client.call("POST", "/auth/register", body=body)
    first = client.latest_link(email, VERIFY_PATH)
    again = client.call("POST", "/auth/register", body={**body, "password": "x" + PASSWORD})
    expect_status(again, 202, "register an unverified email again")
    second = client.latest_link(email, VERIFY_PATH)
    expect(second != first, "registering again must mail a new verification link")
    expect_status(client.follow(second), 200, "the second verification link")
    # The stored password is the first registration's: the second did not replace it.
    client._cleanup.append(client.login(email)["accessToken"])


@check()
def password_reset_by_link_ends_every_session(client: Client) -> None:
    account = client.register()
    other = client.login(account.email)
    accepted = client.call("POST", RESET_PATH, body={"email": account.email})
    unknown = client.call("POST", RESET_PATH, body={"email": unique_email()})
    unusable = client.call("POST", RESET_PATH, body={"email": "no-at-sign"})
    for what, reply in (("known", accepted), ("unknown", unknown), ("unusable", unusable)):
        expect_status(reply, 202, f"POST /auth/password-reset for an {what} email")
    expect(
        (accepted.body, dict(accepted.headers)) == (unknown.body, dict(unknown.headers))
        and accepted.body == unusable.body,
        "a reset request must answer alike for known, unknown and unusable emails",
    )
    expect(
        accepted.json().get("status") == "reset_sent" and bool(accepted.json().get("message")),
        f"reset body {accepted.json()!r}",
    )
    link = client.latest_link(account.email, RESET_PATH)
    for attempt in ("first", "second"):  # checking does not spend the token
        checked = client.follow(link)
        expect_status(checked, 200, f"GET the reset link ({attempt} time)")
        expect(
            checked.json()
            == {"status": "valid", "next": "POST /auth/password-reset/confirm {token,newPassword}"},
            f"reset link check body {checked.json()!r}",
        )
    new_password = "reset-by-link-passphrase-7"  # noqa: S105 - test data, guards nothing
    confirm = {"token": link_token(link), "newPassword": new_password}
    expect_error(
        client.call("POST", f"{RESET_PATH}/confirm", body={**confirm, "newPassword": "short"}),
        400,
        "bad_request",
        "confirm a reset with a too short password",
    )
    done = client.call("POST", f"{RESET_PATH}/confirm", body=confirm)
    expect_status(done, 204, "POST /auth/password-reset/confirm")
    expect_error(
        client.call("POST", f"{RESET_PATH}/confirm", body=confirm),
        400,
        "invalid_token",
        "the reset token used again",
    )
    expect_error(client.follow(link), 400, "invalid_token", "GET a used reset link")
    for refresh_token in (account.refresh_token, other["refreshToken"]):
        expect_error(
            client.call("POST", "/auth/refresh", body={"refreshToken": refresh_token}),
            401,
            "unauthorized",
            "refresh in a session opened before the reset",
        )
    expect_refused_within_a_second(client, other["accessToken"], "a token from before the reset")
    expect_error(
        client.call("POST", "/auth/login", body={"email": account.email, "password": PASSWORD}),
        401,
        "unauthorized",
        "login with the password from before the reset",
    )
    pair = client.login(account.email, new_password)
    # Cleanup deletes with PASSWORD: put it back through the password change route.
    restore = client.call(
        "POST",
        "/auth/password",
        token=pair["accessToken"],
        body={"currentPassword": new_password, "newPassword": PASSWORD},
    )
    expect_status(restore, 200, "changing the password back")
    client._cleanup.append(restore.json()["accessToken"])


@check()
def login_ignores_email_case_and_spaces(client: Client) -> None:
    account = client.register()
    pair = client.login(f" {account.email.upper()}  ")
    expect(
        token_claims(pair["accessToken"])["sub"] == account.user_id,
        "login by the same email in another case must reach the same user",
    )


@check()
def me_and_current_tenant_describe_the_caller(client: Client) -> None:
    email = unique_email()
    account = client.register(email=email.upper(), tenant="Babbage & Co")
    me = client.call("GET", "/auth/me", token=account.access_token)
    expect_status(me, 200, "GET /auth/me")
    expect(
        me.json()
        == {
            "userId": account.user_id,
            "email": email,
            "name": "Contract User",
            "tenantId": account.tenant_id,
            "role": "owner",
        },
        f"GET /auth/me body {me.json()!r} is not the caller's (email stored lower-case)",
    )
    tenant = client.call("GET", "/tenants/current", token=account.access_token)
    expect_status(tenant, 200, "GET /tenants/current")
    expect(
        tenant.json() == {"tenantId": account.tenant_id, "name": "Babbage & Co"},
        f"GET /tenants/current body {tenant.json()!r} is not the caller's tenant",
    )


@check()
def refresh_rotates_and_reuse_revokes_the_session(client: Client) -> None:
    account = client.register()
    first = client.call("POST", "/auth/refresh", body={"refreshToken": account.refresh_token})
    expect_status(first, 200, "POST /auth/refresh")
    pair = first.json()
    expect(pair["refreshToken"] != account.refresh_token, "refresh must rotate the refresh token")
    expect(
        pair["tokenType"] == "Bearer" and pair["expiresIn"] == ACCESS_TTL,
        "refresh answers the same shape as login",
    )
    expect(token_claims(pair["accessToken"])["sub"] == account.user_id, "refreshed token's sub")
    expect(
        token_claims(pair["accessToken"])["sid"] == token_claims(account.access_token)["sid"],
        "a refreshed access token belongs to the same session (sid)",
    )
    second = client.call("POST", "/auth/refresh", body={"refreshToken": pair["refreshToken"]})
    expect_status(second, 200, "refresh with the rotated token")
    latest = second.json()["refreshToken"]
    reuse = client.call("POST", "/auth/refresh", body={"refreshToken": account.refresh_token})
    expect_error(reuse, 401, "unauthorized", "refresh with an already used token")
    after = client.call("POST", "/auth/refresh", body={"refreshToken": latest})
    expect_error(after, 401, "unauthorized", "refresh after reuse revoked the session")
    # Another session of the same user is untouched.
    other = client.login(account.email)
    expect_status(
        client.call("POST", "/auth/refresh", body={"refreshToken": other["refreshToken"]}),
        200,
        "refresh in another session after one was revoked",
    )


@check()
def refresh_rejects_unknown_and_malformed_tokens(client: Client) -> None:
    for what, token in (
        ("an unknown token", b64url(os.urandom(32))),
        ("garbage", "garbage"),
        ("an empty string", ""),
    ):
        expect_error(
            client.call("POST", "/auth/refresh", body={"refreshToken": token}),
            401,
            "unauthorized",
            f"refresh with {what}",
        )
    expect_error(
        client.call("POST", "/auth/refresh", body={}),
        400,
        "bad_request",
        "refresh without refreshToken",
    )


@check()
def logout_ends_the_session(client: Client) -> None:
    account = client.register()
    body = {"refreshToken": account.refresh_token}
    expect_error(
        client.call("POST", "/auth/logout", body=body),
        401,
        "unauthorized",
        "logout without a Bearer token",
    )
    reply = client.call("POST", "/auth/logout", token=account.access_token, body=body)
    expect_status(reply, 204, "POST /auth/logout")
    expect(reply.body == b"", "204 has no body")
    expect_error(
        client.call("POST", "/auth/refresh", body=body), 401, "unauthorized", "refresh after logout"
    )
    expect_refused_within_a_second(client, account.access_token, "the access token after logout")


@check()
def logout_all_ends_every_session(client: Client) -> None:
    account = client.register()
    other = client.login(account.email)
    expect_error(
        client.call("POST", "/auth/logout-all"), 401, "unauthorized", "logout-all without a token"
    )
    reply = client.call("POST", "/auth/logout-all", token=account.access_token)
    expect_status(reply, 204, "POST /auth/logout-all")
    for refresh_token in (account.refresh_token, other["refreshToken"]):
        expect_error(
            client.call("POST", "/auth/refresh", body={"refreshToken": refresh_token}),
            401,
            "unauthorized",
            "refresh in any session after logout-all",
        )
    expect_refused_within_a_second(client, other["accessToken"], "another session's token")
    # Signing in again opens a working session (the user is not locked out).
    again = client.login(account.email)
    expect_status(client.call("GET", "/auth/me", token=again["accessToken"]), 200, "a new login")


@check()
def password_change_needs_the_current_password_and_ends_every_session(client: Client) -> None:
    account = client.register()
    new_password = "a-brand-new-passphrase-99"  # noqa: S105 - test data, guards nothing
    for what, body in (
        ("a wrong current password", {"currentPassword": "wrong" * 4, "newPassword": new_password}),
        ("a refresh token as Bearer", None),
    ):
        token = account.refresh_token if body is None else account.access_token
        sent = body or {"currentPassword": PASSWORD, "newPassword": new_password}
        expect_error(
            client.call("POST", "/auth/password", token=token, body=sent),
            401,
            "unauthorized",
            f"POST /auth/password with {what}",
        )
    expect_error(
        client.call(
            "POST",
            "/auth/password",
            token=account.access_token,
            body={"currentPassword": PASSWORD, "newPassword": "short"},
        ),
        400,
        "bad_request",
        "POST /auth/password with a too short new password",
    )
    reply = client.call(
        "POST",
        "/auth/password",
        token=account.access_token,
        body={"currentPassword": PASSWORD, "newPassword": new_password},
    )
    expect_status(reply, 200, "POST /auth/password")
    pair = reply.json()
    expect(
        set(pair) == {"accessToken", "refreshToken", "tokenType", "expiresIn"},
        "a password change answers a new token pair",
    )
    expect(
        "no-store" in reply.headers.get("cache-control", ""),
        "token responses must carry Cache-Control: no-store",
    )
    expect_error(
        client.call("POST", "/auth/refresh", body={"refreshToken": account.refresh_token}),
        401,
        "unauthorized",
        "refresh in the old session after a password change",
    )
    expect_refused_within_a_second(client, account.access_token, "the old token")
    expect_status(client.call("GET", "/auth/me", token=pair["accessToken"]), 200, "the new token")
    expect_error(
        client.call("POST", "/auth/login", body={"email": account.email, "password": PASSWORD}),
        401,
        "unauthorized",
        "login with the old password",
    )
    # Cleanup deletes with PASSWORD: put it back through the route under test.
    restore = client.call(
        "POST",
        "/auth/password",
        token=pair["accessToken"],
        body={"currentPassword": new_password, "newPassword": PASSWORD},
    )
    expect_status(restore, 200, "changing the password back")
    client._cleanup.append(restore.json()["accessToken"])


@check()
def logout_refuses_another_users_refresh_token(client: Client) -> None:
    alice, mallory = client.register(), client.register()
    reply = client.call(
        "POST",
        "/auth/logout",
        token=mallory.access_token,
        body={"refreshToken": alice.refresh_token},
    )
    expect_error(reply, 401, "unauthorized", "logout with someone else's refresh token")
    still = client.call("POST", "/auth/refresh", body={"refreshToken": alice.refresh_token})
    expect_status(still, 200, "the victim's session survives a foreign logout")


@check()
def tenants_are_isolated(client: Client) -> None:
    alice, bob = client.register(tenant="Alice Inc"), client.register(tenant="Bob Ltd")
    expect(alice.tenant_id != bob.tenant_id, "each registration creates its own tenant")
    for account, name in ((alice, "Alice Inc"), (bob, "Bob Ltd")):
        reply = client.call("GET", "/tenants/current", token=account.access_token)
        expect_status(reply, 200, "GET /tenants/current")
        expect(
            reply.json() == {"tenantId": account.tenant_id, "name": name},
            "each caller sees only its own tenant",
        )
    # Putting the other tenant's id into one's own token breaks the signature.
    head, _, signature = alice.access_token.split(".")
    claims = {**token_claims(alice.access_token), "tid": bob.tenant_id}
    forged = f"{head}.{b64url(json.dumps(claims).encode())}.{signature}"
    expect_error(
        client.call("GET", "/tenants/current", token=forged),
        401,
        "unauthorized",
        "a token whose tid was changed",
    )


@check()
def forged_and_malformed_access_tokens_are_refused(client: Client) -> None:
    account = client.register()
    claims = token_claims(account.access_token)
    head, body, signature = account.access_token.split(".")
    none_header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    admin_claims = b64url(json.dumps({**claims, "role": "admin"}).encode())
    attacks = {
        "alg none": f"{none_header}.{body}.",
        "alg none with the original signature": f"{none_header}.{body}.{signature}",
        "another secret": sign_hs256(claims, "x" * 64),
        "a tampered role": f"{head}.{admin_claims}.{signature}",
        "a truncated signature": f"{head}.{body}.{signature[:-4]}",
        "the refresh token": account.refresh_token,
        "garbage": "not.a.jwt",
    }
    for what, token in attacks.items():
        expect_error(
            client.call("GET", "/auth/me", token=token),
            401,
            "unauthorized",
            f"GET /auth/me with {what}",
        )
    expect_error(
        client.call("GET", "/auth/me"), 401, "unauthorized", "GET /auth/me without a token"
    )
    expect_error(
        client.call("GET", "/auth/me", headers={"Authorization": f"Basic {account.access_token}"}),
        401,
        "unauthorized",
        "GET /auth/me with a non-Bearer scheme",
    )


@check(needs_signer=True)
def tokens_signed_with_the_real_key_are_still_checked(client: Client) -> None:
    sign = client.signer
    if sign is None:
        raise ContractFailure("this check needs a signer holding the real signing key")
    account = client.register()
    good = fresh_claims(account)
    # Positive control: a token forged correctly is accepted, so each refusal below is
    # caused by the one claim it changes, not by the forging.
    expect_status(
        client.call("GET", "/auth/me", token=sign(good, None)),
        200,
        "GET /auth/me with a correctly signed token (control)",
    )
    now = good["iat"]
    bad = {
        "an expired token": {**good, "iat": now - 7200, "exp": now - 7200 + ACCESS_TTL},
        "no tid": {k: v for k, v in good.items() if k != "tid"},
        "no sub": {k: v for k, v in good.items() if k != "sub"},
        "no sid": {k: v for k, v in good.items() if k != "sid"},
        "a wrong audience": {**good, "aud": "another-api"},
        "a wrong issuer": {**good, "iss": "someone-else"},
        "typ refresh": {**good, "typ": "refresh"},
        "a lifetime over 3600 s": {**good, "exp": now + 3601},
        "an iat two minutes ahead": {**good, "iat": now + 120, "exp": now + 120 + ACCESS_TTL},
    }
    for what, claims in bad.items():
        expect_error(
            client.call("GET", "/auth/me", token=sign(claims, None)),
            401,
            "unauthorized",
            f"GET /auth/me with {what}",
        )
    head = json.loads(b64url_decode(sign(good, None).split(".")[0]))
    for what, header in {
        "alg ES384 in the header": {**head, "alg": "ES384"},
        "an unknown kid": {**head, "kid": "00000000-0000-4000-8000-000000000000"},
        "no kid": {k: v for k, v in head.items() if k != "kid"},
    }.items():
        expect_error(
            client.call("GET", "/auth/me", token=sign(good, header)),
            401,
            "unauthorized",
            f"GET /auth/me with {what}",
        )


@check(needs_secret=True)
def legacy_hs256_tokens_are_refused(client: Client) -> None:
    secret = client.jwt_secret
    if secret is None:
        raise ContractFailure("this check needs the legacy JWT secret")
    account = client.register()
    good = fresh_claims(account)
    # Outside the migration window the legacy secret signs nothing a service accepts.
    expect_error(
        client.call("GET", "/auth/me", token=sign_hs256(good, secret)),
        401,
        "unauthorized",
        "GET /auth/me with an HS256 token signed with the legacy secret",
    )


@check()
def delete_me_removes_the_account(client: Client) -> None:
    account = client.register()
    expect_error(
        client.call("DELETE", "/auth/me", body={"password": PASSWORD}),
        401,
        "unauthorized",
        "DELETE /auth/me without a token",
    )
    failed_login = expect_error(
        client.call("POST", "/auth/login", body={"email": account.email, "password": "x" * 12}),
        401,
        "unauthorized",
        "login with a wrong password",
    )
    for what, body in (
        ("no body", None),
        ("no password", {}),
        ("a wrong password", {"password": "not-the-password"}),
    ):
        refused = expect_error(
            client.call("DELETE", "/auth/me", token=account.access_token, body=body),
            401,
            "unauthorized",
            f"DELETE /auth/me with {what}",
        )
        expect(
            refused["message"] == failed_login["message"],
            f"DELETE /auth/me with {what} must answer a failed login's message",
        )
    reply = client.call(
        "DELETE", "/auth/me", token=account.access_token, body={"password": PASSWORD}
    )
    expect_status(reply, 204, "DELETE /auth/me")
    expect_refused_within_a_second(client, account.access_token, "the deleted user's token")
    expect_error(
        client.call("POST", "/auth/refresh", body={"refreshToken": account.refresh_token}),
        401,
        "unauthorized",
        "refresh after the user was deleted",
    )
    expect_error(
        client.call("POST", "/auth/login", body={"email": account.email, "password": PASSWORD}),
        401,
        "unauthorized",
        "login after the user was deleted",
    )
    expect_error(
        client.call("GET", "/tenants/current", token=account.access_token),
        401,
        "unauthorized",
        "the deleted owner's token on its tenant",
    )
    client.register(email=account.email)  # the email is free again


# --- running ------------------------------------------------------------------------------


@contextmanager
def contract_client(
    transport: Transport,
    jwt_secret: str | None = None,
    signer: Signer | None = None,
    mailbox: Mailbox | None = None,
) -> Iterator[Client]:
    """A client that deletes the users it registered when the block ends."""
    client = Client(transport, jwt_secret, signer, mailbox)
    try:
        yield client
    finally:
        client.delete_registered()


def run_check(
    item: Check,
    transport: Transport,
    jwt_secret: str | None = None,
    signer: Signer | None = None,
    mailbox: Mailbox | None = None,
) -> None:
    with contract_client(transport, jwt_secret, signer, mailbox) as client:
        item.run(client)


def outbox_mailbox(outbox_url: str, *, timeout: float = 15.0) -> Mailbox:
    """A mailbox over the local AWS outbox (``GET <url>?to=ADDR&limit=N``, newest first)."""
    if not outbox_url.startswith(("https://", "http://")):
        raise ValueError(f"outbox URL {outbox_url!r} must start with https:// or http://")

    def links(address: str) -> list[str]:
        query = urllib.parse.urlencode({"to": address, "limit": 50})
        with urllib.request.urlopen(f"{outbox_url}?{query}", timeout=timeout) as response:  # noqa: S310 - scheme checked above
            messages = json.loads(response.read())["messages"]
        return [link for message in reversed(messages) for link in message.get("links", [])]

    return links


def http_transport(base_url: str, *, timeout: float = 15.0) -> Transport:
    """A transport over HTTP(S) to ``base_url`` (e.g. ``https://api.dev.purposepath.app/account``)."""
    root = base_url.rstrip("/")
    if not root.startswith(("https://", "http://")):
        raise ValueError(f"base URL {base_url!r} must start with https:// or http://")

    def send(
        method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[int, Mapping[str, str], bytes]:
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            f"{root}{path}",
            data=body,
            method=method,
            headers=dict(headers),
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers.items()), error.read()

    return send


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the account contract against a URL.")
    parser.add_argument("base_url", help="e.g. https://api.dev.purposepath.app/account")
    parser.add_argument(
        "--jwt-secret-env",
        metavar="VAR",
        help="environment variable holding the JWT secret (enables forging checks)",
    )
    parser.add_argument(
        "--only", action="append", default=[], help="run only this check (repeatable)"
    )
    parser.add_argument(
        "--outbox",
        metavar="URL",
        help="the local AWS outbox, e.g. http://127.0.0.1:4566/_localaws/ses/outbox "
        "(enables the checks that register: they follow the mailed links)",
    )
    options = parser.parse_args(argv)
    secret = os.environ.get(options.jwt_secret_env) if options.jwt_secret_env else None
    mailbox = outbox_mailbox(options.outbox) if options.outbox else None
    transport = http_transport(options.base_url)
    failures = 0
    for item in CHECKS:
        if options.only and item.name not in options.only:
            continue
        if item.needs_secret and secret is None:
            print(f"SKIP {item.name} (needs --jwt-secret-env)")
            continue
        if item.needs_signer:
            print(f"SKIP {item.name} (needs the signing key: in-process tests only)")
            continue
        if item.needs_mailbox and mailbox is None:
            print(f"SKIP {item.name} (needs --outbox: registering needs the mailed link)")
            continue
        try:
            run_check(item, transport, secret, mailbox=mailbox)
        except ContractFailure as failure:
            failures += 1
            print(f"FAIL {item.name}: {failure}")
        else:
            print(f"ok   {item.name}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
