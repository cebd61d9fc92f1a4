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

PASSWORD = "correct-horse-battery-staple-42"  # noqa: S105 - test data, guards nothing
ISSUER = "purposepath"
AUDIENCE = "purposepath-api"
ACCESS_TTL = 900


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
        expect_status(reply, 201, "POST /auth/register")
        created = reply.json()
        tokens = self.login(address)
        self._cleanup.append(tokens["accessToken"])
        return Account(
            address.strip().lower(),
            created["userId"],
            created["tenantId"],
            tokens["accessToken"],
            tokens["refreshToken"],
        )

    def login(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        reply = self.call("POST", "/auth/login", body={"email": email, "password": password})
        expect_status(reply, 200, "POST /auth/login")
        document: dict[str, Any] = reply.json()
        return document

    def delete_registered(self) -> None:
        """Remove every user this client registered (already-deleted ones are fine)."""
        while self._cleanup:
            token = self._cleanup.pop()
            reply = self.call("DELETE", "/auth/me", token=token)
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


def unique_email() -> str:
    return f"contract-{uuid.uuid4().hex[:16]}@example.com"


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
    *, needs_secret: bool = False, needs_signer: bool = False
) -> Callable[[Callable[[Client], None]], Callable[[Client], None]]:
    def register(function: Callable[[Client], None]) -> Callable[[Client], None]:
        CHECKS.append(Check(function.__name__, function, needs_secret, needs_signer))
        return function

    return register


@check()
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
    expect_status(reply, 201, "POST /auth/register")
    created = reply.json()
    expect(
        set(created) == {"userId", "tenantId"} and all(created.values()),
        f"register body {created!r} must be exactly userId and tenantId",
    )
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
def register_rejects_a_taken_email_in_any_case(client: Client) -> None:
    email = unique_email()
    client.register(email=f"  {email.upper()} ")
    again = client.call(
        "POST",
        "/auth/register",
        body={"email": email, "password": PASSWORD, "name": "Twin", "tenantName": "Twin Co"},
    )
    expect_error(again, 409, "conflict", "register with a taken email")


@check()
def register_rejects_invalid_input(client: Client) -> None:
    good = {"email": unique_email(), "password": PASSWORD, "name": "N", "tenantName": "T"}
    cases: list[tuple[str, Any]] = [
        ("missing email", {k: v for k, v in good.items() if k != "email"}),
        ("email without @", {**good, "email": "not-an-email"}),
        ("email without a domain dot", {**good, "email": "a@localhost"}),
        ("email not a string", {**good, "email": 42}),
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
    expect_status(reply, 201, "register at the inclusive limits")
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
        client.call("DELETE", "/auth/me"), 401, "unauthorized", "DELETE /auth/me without a token"
    )
    reply = client.call("DELETE", "/auth/me", token=account.access_token)
    expect_status(reply, 204, "DELETE /auth/me")
    expect_error(
        client.call("GET", "/auth/me", token=account.access_token),
        401,
        "unauthorized",
        "GET /auth/me after the user was deleted",
    )
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
        404,
        "not_found",
        "the deleted owner's tenant",
    )
    client.register(email=account.email)  # the email is free again


# --- running ------------------------------------------------------------------------------


@contextmanager
def contract_client(
    transport: Transport, jwt_secret: str | None = None, signer: Signer | None = None
) -> Iterator[Client]:
    """A client that deletes the users it registered when the block ends."""
    client = Client(transport, jwt_secret, signer)
    try:
        yield client
    finally:
        client.delete_registered()


def run_check(
    item: Check,
    transport: Transport,
    jwt_secret: str | None = None,
    signer: Signer | None = None,
) -> None:
    with contract_client(transport, jwt_secret, signer) as client:
        item.run(client)


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
    options = parser.parse_args(argv)
    secret = os.environ.get(options.jwt_secret_env) if options.jwt_secret_env else None
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
        try:
            run_check(item, transport, secret)
        except ContractFailure as failure:
            failures += 1
            print(f"FAIL {item.name}: {failure}")
        else:
            print(f"ok   {item.name}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
