"""Test wiring for the Python account service: a mocked AWS, the handler in-process.

Every test that invokes the handler gets a fresh ``mock_aws()`` holding the four account
tables exactly as the shared template defines them and a JWT secret. Every test gets a
cheap KDF cost (hash strings carry their own count, so nothing else changes). ppcommon's
per-container caches are reset around each test: other services' tests share this
interpreter.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from account import passwords
from account.app import lambda_handler  # builds the app; creates no AWS client
from pptesting import aws as testaws
from pptesting import reset_ppcommon
from pptesting.account_contract import Client

EVENTS_DIR = Path(__file__).resolve().parent / "events"
REGION = "eu-west-1"
JWT_SECRET = "account-tests-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFG"
TABLES = {
    "USERS_TABLE": "purposepath-users-test",
    "TOKENS_TABLE": "purposepath-tokens-test",
    "TENANTS_TABLE": "purposepath-tenants-test",
    "SESSIONS_TABLE": "purposepath-sessions-test",
}
# Cheap enough that a login costs about a millisecond; production keeps 600,000.
TEST_ITERATIONS = 1_000

Transport = Callable[
    [str, str, Mapping[str, str], bytes | None], tuple[int, Mapping[str, str], bytes]
]


def _reset_ppcommon() -> None:
    reset_ppcommon()


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "ITERATIONS", TEST_ITERATIONS)


@pytest.fixture
def account_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A mocked AWS with the account tables and the JWT secret; yields the DynamoDB resource."""
    for variable in (
        "AWS_ENDPOINT_URL",
        "AWS_PROFILE",
        "REDIS_ENDPOINT",
        "REDIS_AUTH_SECRET_ARN",
        "REDIS_USER_SECRET_ARN",
        "AWS_LAMBDA_FUNCTION_NAME",
        "COACHING_TABLE",
        "TRACTION_TABLE",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("STAGE", "test")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "account")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "PurposePath")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    for variable, name in TABLES.items():
        monkeypatch.setenv(variable, name)
    with mock_aws():
        # The shared template's schemas, through pptesting's session: its loaded service
        # models survive from test to test (boto3's default session is new per mock).
        created = testaws.create_tables("users", "tokens", "tenants", "sessions")
        assert {testaws.table_variable(t): n for t, n in created.items()} == TABLES
        monkeypatch.setenv("JWT_SECRET_ARN", testaws.create_jwt_secret(JWT_SECRET))
        # The account signs with KMS (moto) and verifies through the published key set.
        testaws.create_signing_key()
        monkeypatch.setenv("SIGNING_KEYS_PARAMETER", testaws.signing_keys_parameter())
        _reset_ppcommon()
        yield testaws.dynamodb_resource()
    _reset_ppcommon()


@dataclass(frozen=True)
class FakeLambdaContext:
    function_name: str = "purposepath-account-api-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = (
        f"arn:aws:lambda:{REGION}:123456789012:function:purposepath-account-api-test"
    )
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    log_group_name: str = "/aws/lambda/purposepath-account-api-test"
    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def load_event(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))
    return document


def http_event(
    method: str, path: str, headers: Mapping[str, str], body: bytes | None
) -> dict[str, Any]:
    """An API Gateway HTTP API payload 2.0 event, built on the recorded base fixture."""
    event = copy.deepcopy(load_event("http-api-v2-base.json"))
    event["rawPath"] = path
    event["routeKey"] = f"{method} {path}"
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = path
    event["requestContext"]["routeKey"] = event["routeKey"]
    event["headers"].update({name.lower(): value for name, value in headers.items()})
    if body is not None:
        event["body"] = body.decode("utf-8")
    return event


@pytest.fixture
def invoke(account_aws: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Run the Lambda handler in-process on one event and return its raw result."""

    def run(event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = lambda_handler(event, FakeLambdaContext())
        return result

    return run


@pytest.fixture
def transport(invoke: Callable[[dict[str, Any]], dict[str, Any]]) -> Transport:
    """The contract suite's transport, answered by the handler in-process."""

    def send(
        method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[int, Mapping[str, str], bytes]:
        result = invoke(http_event(method, path, headers, body))
        raw = result.get("body") or ""
        content = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode("utf-8")
        return int(result["statusCode"]), dict(result.get("headers") or {}), content

    return send


@pytest.fixture
def jwt_secret() -> str:
    return JWT_SECRET


@pytest.fixture
def signer(account_aws: Any) -> Callable[[Mapping[str, Any], Mapping[str, Any] | None], str]:
    """Signs any claims with the test stack's active KMS key, as the account would."""
    return testaws.kms_signer()


@pytest.fixture
def events() -> Callable[[str], dict[str, Any]]:
    """Loads a recorded event fixture from tests/events by file name."""
    return load_event


@pytest.fixture
def make_event() -> Callable[[str, str, Mapping[str, str], bytes | None], dict[str, Any]]:
    return http_event


@pytest.fixture
def client(transport: Transport) -> Client:
    """The contract suite's client over the in-process handler (users are not cleaned up:
    each test's mocked AWS is discarded whole)."""
    return Client(transport, JWT_SECRET)
