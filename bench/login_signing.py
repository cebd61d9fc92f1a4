"""Login latency with KMS ES256 signing, as a ratio to today's HS256 signing, in one run.

The account's login use case (``account.auth.login``: the email claim and user read, the
password check, the session and refresh-token transaction, the access token) runs against
moto twice per round, alternating so a slow moment of the machine favours neither side:

- ES256: the token as the account now issues it (``account.tokens``: the key set from
  SSM, cached; ``kms:Sign`` of the signing input; DER -> r||s);
- HS256: the baseline, the token as it was issued before (PyJWT over the same claims with
  the Secrets Manager JWT secret, cached after the first read).

Also timed alone, the same way: issuing the token (ES256 via KMS vs HS256), which is the
whole difference between the two logins.

By default moto runs in this process (no HTTP): the KMS cost is moto's signing plus
botocore's request handling. ``--server`` runs moto as a local HTTP server instead (every
AWS call, DynamoDB included, then pays a loopback round trip), which is closer to a real
``kms:Sign`` call from Lambda. The password KDF runs at its production cost unless
``--iterations`` lowers it (the KDF dominates a login; lowering it isolates the signing).

    python bench/login_signing.py [--logins 20] [--signings 300] [--iterations 600000] [--server]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jwt as pyjwt

REGION = "us-east-1"
STAGE = "bench"
KEY_SET_PARAMETER = f"/purposepath/{STAGE}/signing-keys"
PASSWORD = "bench-password-" + "0123456789"


def _environment(endpoint: str | None) -> None:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",  # moto's fake credentials
            "AWS_DEFAULT_REGION": REGION,
            "STAGE": STAGE,
            "POWERTOOLS_SERVICE_NAME": "account",
            "POWERTOOLS_METRICS_NAMESPACE": "PurposePath",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "SIGNING_KEYS_PARAMETER": KEY_SET_PARAMETER,
        }
    )
    for name in ("AWS_PROFILE", "REDIS_ENDPOINT", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    if endpoint:
        os.environ["AWS_ENDPOINT_URL"] = endpoint


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _moto(server: bool) -> Iterator[str | None]:
    if server:
        from moto.server import ThreadedMotoServer  # noqa: PLC0415 - only with --server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        port = _free_port()
        moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        moto_server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            moto_server.stop()
        return
    from moto import mock_aws  # noqa: PLC0415 - the in-process default

    with mock_aws():
        yield None


def _prepare() -> Any:
    """The account's tables, the JWT secret, a P-256 key and its key set; a registered user.

    Every client here and in the service honours ``AWS_ENDPOINT_URL`` (botocore reads it),
    so the same code prepares the in-process mock and the HTTP server.
    """
    import boto3  # noqa: PLC0415 - after the environment is set

    from account import auth, validation  # noqa: PLC0415
    from pptesting import aws as testaws  # noqa: PLC0415
    from pptesting import reset_ppcommon  # noqa: PLC0415

    for logical, name in testaws.create_tables(
        "users", "tokens", "tenants", "sessions", stage=STAGE
    ).items():
        os.environ[testaws.table_variable(logical)] = name
    os.environ["JWT_SECRET_ARN"] = testaws.create_jwt_secret(stage=STAGE)
    session = boto3.session.Session()
    kms = session.client("kms")
    kid = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    value = {"active": kid, "accepted": [kid], "legacyHs256Until": ""}
    session.client("ssm").put_parameter(
        Name=KEY_SET_PARAMETER, Value=json.dumps(value), Type="String"
    )
    # Registration mails a verification link: SES (and moto) send only from a verified
    # identity, and the bench user is verified directly rather than through the link.
    os.environ["EMAIL_FROM"] = "no-reply@bench.purposepath.app"
    os.environ["PUBLIC_BASE_URL"] = "https://api.bench.purposepath.app/account"
    session.client("sesv2").create_email_identity(EmailIdentity=os.environ["EMAIL_FROM"])
    reset_ppcommon()
    email = f"bench-{uuid.uuid4().hex[:8]}@bench.purposepath.app"
    auth.register(
        validation.registration(
            {"email": email, "password": PASSWORD, "name": "Bench", "tenantName": "Bench Co"}
        )
    )
    from account import users  # noqa: PLC0415 - after the environment is set

    registered = users.find_by_email(email)
    assert registered is not None, "the bench user was not registered"
    users.mark_verified(registered.user_id)
    return validation.credentials({"email": email, "password": PASSWORD})


def _hs256_token(user: Any, session_id: str) -> str:
    """The baseline: the access token as it was issued before ES256 (PyJWT, HS256)."""
    from ppcommon import secrets  # noqa: PLC0415

    now = int(time.time())
    claims = {
        "sub": user.user_id,
        "tid": user.tenant_id,
        "role": user.role,
        "iss": "purposepath",
        "aud": "purposepath-api",
        "iat": now,
        "exp": now + 900,
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }
    return pyjwt.encode(claims, secrets.jwt_secret(), algorithm="HS256", headers={"typ": "JWT"})


def _timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def _alternate(
    rounds: int, first: Callable[[], object], second: Callable[[], object]
) -> tuple[list[float], list[float]]:
    first(), second()  # warm both: client creation, the key set and secret caches
    a, b = [], []
    for index in range(rounds):
        # Swap who goes first each round: neither side always runs on a warmer cache.
        if index % 2:
            b.append(_timed(second))
            a.append(_timed(first))
        else:
            a.append(_timed(first))
            b.append(_timed(second))
    return a, b


def _report(what: str, es256: list[float], hs256: list[float]) -> None:
    def ms(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    es_p50, hs_p50 = ms(es256, 0.5), ms(hs256, 0.5)
    print(f"{what} ({len(es256)} each, alternating)")
    print(f"  HS256 (baseline)  p50 {hs_p50:8.2f} ms  p95 {ms(hs256, 0.95):8.2f} ms")
    print(f"  ES256 via KMS     p50 {es_p50:8.2f} ms  p95 {ms(es256, 0.95):8.2f} ms")
    print(
        f"  ES256 / HS256     {es_p50 / hs_p50:.2f}x at p50 "
        f"({es_p50 - hs_p50:+.2f} ms; mean ratio "
        f"{statistics.fmean(es256) / statistics.fmean(hs256):.2f}x)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--logins", type=int, default=20, help="login rounds (each: both)")
    parser.add_argument("--signings", type=int, default=300, help="token-only rounds")
    parser.add_argument(
        "--iterations", type=int, default=None, help="PBKDF2 iterations (default: production)"
    )
    parser.add_argument("--server", action="store_true", help="moto over HTTP, not in-process")
    options = parser.parse_args()

    with _moto(options.server) as endpoint:
        _environment(endpoint)
        from account import auth, passwords, sessions, tokens  # noqa: PLC0415

        if options.iterations is not None:
            passwords.ITERATIONS = options.iterations
        credentials = _prepare()
        es256_issuer = auth.issue_access_token

        def login_es256() -> object:
            auth.issue_access_token = es256_issuer  # type: ignore[attr-defined]  # swapped per side
            return auth.login(credentials)

        def login_hs256() -> object:
            auth.issue_access_token = _hs256_token  # type: ignore[attr-defined]  # swapped per side
            return auth.login(credentials)

        where = "moto over HTTP" if options.server else "moto in-process"
        kdf = passwords.ITERATIONS
        print(f"login latency, {where}, PBKDF2 {kdf} iterations")
        _report("login (account.auth.login)", *_alternate(options.logins, login_es256, login_hs256))

        from account import users  # noqa: PLC0415

        user = users.find_by_email(credentials.email)
        session_id = sessions.start(user).session_id
        _report(
            "issuing the token alone",
            *_alternate(
                options.signings,
                lambda: tokens.issue_access_token(user, session_id),
                lambda: _hs256_token(user, session_id),
            ),
        )
        auth.issue_access_token = es256_issuer  # type: ignore[attr-defined]  # restored
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
