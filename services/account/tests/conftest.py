"""Test wiring for the Python account service: a mocked AWS, the handler in-process.

Every test that invokes the handler gets a fresh ``mock_aws()`` holding the four account
tables exactly as the shared template defines them, the legacy JWT secret, a P-256 KMS
signing key published as the stage's key set in SSM, and the revocation store: a real
``redis-server`` (one per test session) reached as the account's own ACL user, and the
account events topic (``published_events`` subscribes a queue to it and reads it), and SES with
the sender identity verified (``mailbox`` reads what was sent to an address). Every test
gets a cheap KDF cost (hash strings carry their own count, so nothing else changes).
ppcommon's per-container caches are reset around each test: other services' tests share
this interpreter.
"""

from __future__ import annotations

import base64
import copy
import json
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from moto import mock_aws

from account import lockout, passwords, rate_limits
from account.app import lambda_handler  # builds the app; creates no AWS client
from ppcommon import aws as ppaws
from ppcommon import cache as ppcache
from ppcommon import config as ppconfig
from ppcommon import secrets as ppsecrets
from ppcommon.cache import encode_command, read_reply
from pptesting import aws as testaws
from pptesting import mail as testmail
from pptesting import redis_server, reset_ppcommon
from pptesting.account_contract import Client, Mailbox

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
KEY_SET_PARAMETER = "/purposepath/test/signing-keys"
EMAIL_FROM = "no-reply@purposepath.test"
PUBLIC_BASE_URL = "https://api.test.purposepath.app/account"

Transport = Callable[
    [str, str, Mapping[str, str], bytes | None], tuple[int, Mapping[str, str], bytes]
]


def _reset_ppcommon() -> None:
    ppconfig.settings.cache_clear()
    ppaws.reset()
    ppsecrets.reset_cache()
    ppcache.reset()
    reset_ppcommon()  # whatever else ppcommon keeps per container (the key set, revocations)
    rate_limits.reset()  # abuse limits: a new container's connection and in-memory limits
    lockout.reset()


@dataclass(frozen=True)
class RevocationStore:
    """The test session's redis-server, read as the account's own Redis user."""

    port: int
    username: str
    password: str

    def command(self, *parts: str) -> object:
        with (
            socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock,
            sock.makefile("rwb") as stream,
        ):
            stream.write(encode_command("AUTH", self.username, self.password))
            stream.write(encode_command(*parts))
            stream.flush()
            read_reply(stream)
            return read_reply(stream)

    def forget_rate_limits(self) -> None:
        """Delete every ``rl:*`` key: each test starts with full buckets and no failures
        (the server outlives the test, and every test signs in from the same address)."""
        cursor = "0"
        while True:
            reply = self.command("SCAN", cursor, "MATCH", "rl:*", "COUNT", "1000")
            assert isinstance(reply, list)
            cursor, keys = reply[0].decode(), reply[1]
            if keys:
                self.command("DEL", *(key.decode() for key in keys))
            if cursor == "0":
                return


@pytest.fixture(scope="session")
def revocation_store() -> Iterator[RevocationStore]:
    """One real redis-server with the stage's ACL users for the session (revocation keys
    name unique ids, so tests need no reset)."""
    if not redis_server.available():
        pytest.skip(
            "the account's revocation store needs Redis: redis-server is not installed "
            "(apt-get install redis-server; .ci/run installs it)"
        )
    with redis_server.acl_redis(stage="test") as server:
        username, password = server.users["account"]
        yield RevocationStore(server.port, username, password)


EVENTS_TOPIC = "purposepath-account-events-test"


@dataclass
class PublishedEvents:
    """What reached the account events topic, read from an SQS queue subscribed to it."""

    queue_url: str
    seen: list[tuple[str, str]] = field(default_factory=list)

    @property
    def calls(self) -> list[tuple[str, str]]:
        """(type, user id or tenant id) of every message so far, in order."""
        sqs = _aws_session().client("sqs")
        while True:
            batch = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            messages = batch.get("Messages", [])
            if not messages:
                return list(self.seen)
            for message in messages:
                event = json.loads(json.loads(message["Body"])["Message"])
                subject = event["userId"] if event["type"] == "user.deleted" else event["tenantId"]
                self.seen.append((event["type"], subject))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def _create_account_events_topic(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared stack's account events topic, named in ``ACCOUNT_EVENTS_TOPIC_ARN``."""
    topic = _aws_session().client("sns").create_topic(Name=EVENTS_TOPIC)["TopicArn"]
    monkeypatch.setenv("ACCOUNT_EVENTS_TOPIC_ARN", topic)


@pytest.fixture
def published_events(account_aws: Any) -> PublishedEvents:
    """An SQS queue subscribed to the account events topic (as the purges' queues are),
    read as the (type, subject) of every event published after this fixture's set-up.

    Subscribed only for the tests that read it: every other test publishes to a topic
    nobody listens to, which SNS accepts (the message goes nowhere), and moto makes an
    RSA signing key for each subscription it delivers to (about 0.1 s each).
    """
    session = _aws_session()
    sns, sqs = session.client("sns"), session.client("sqs")
    queue_url = sqs.create_queue(QueueName="account-tests-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    topic = sns.create_topic(Name=EVENTS_TOPIC)["TopicArn"]  # idempotent: the same ARN
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return PublishedEvents(queue_url)


@cache
def _aws_session() -> Any:
    return testaws._session()  # the shared session keeps the KMS/SSM models loaded


def create_signing_key() -> str:
    """A P-256 SIGN_VERIFY key, as the shared stack's signing key slot holds one."""
    kms = _aws_session().client("kms")
    key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    kid: str = key["KeyMetadata"]["KeyId"]
    return kid


def publish_key_set(
    active: str, accepted: list[str], legacy_until: str = "", *, reset: bool = True
) -> None:
    """The key set the shared stack writes (compact JSON, CONTRACT-12)."""
    value = {"active": active, "accepted": accepted, "legacyHs256Until": legacy_until}
    _aws_session().client("ssm").put_parameter(
        Name=KEY_SET_PARAMETER,
        Value=json.dumps(value, separators=(",", ":")),
        Type="String",
        Overwrite=True,
    )
    if reset:  # a new container (every cache, the verifier's too); False: the running one
        _reset_ppcommon()


def public_key_der(kid: str) -> bytes:
    key: bytes = _aws_session().client("kms").get_public_key(KeyId=kid)["PublicKey"]
    return key


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "ITERATIONS", TEST_ITERATIONS)


@pytest.fixture
def account_aws(
    monkeypatch: pytest.MonkeyPatch, revocation_store: RevocationStore
) -> Iterator[Any]:
    """A mocked AWS with the account tables, the JWT secret, the signing key and its key
    set, and the revocation store's user secret; yields the DynamoDB resource."""
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
    testaws.use_reused_clients(monkeypatch)
    with mock_aws():
        # The shared template's schemas, through pptesting's session: its loaded service
        # models survive from test to test (boto3's default session is new per mock).
        created = testaws.create_tables("users", "tokens", "tenants", "sessions")
        assert {testaws.table_variable(t): n for t, n in created.items()} == TABLES
        monkeypatch.setenv("JWT_SECRET_ARN", testaws.create_jwt_secret(JWT_SECRET))
        kid = create_signing_key()
        publish_key_set(kid, [kid])
        monkeypatch.setenv("SIGNING_KEYS_PARAMETER", KEY_SET_PARAMETER)
        secret = (
            _aws_session()
            .client("secretsmanager")
            .create_secret(
                Name="purposepath/redis-user/test/account",
                SecretString=json.dumps(
                    {
                        "username": revocation_store.username,
                        "password": revocation_store.password,
                    }
                ),
            )
        )
        monkeypatch.setenv("REDIS_ENDPOINT", "127.0.0.1")
        monkeypatch.setenv("REDIS_PORT", str(revocation_store.port))
        monkeypatch.setenv("REDIS_TLS", "false")
        monkeypatch.setenv("REDIS_USER_SECRET_ARN", secret["ARN"])
        _create_account_events_topic(monkeypatch)
        # SES refuses an unverified sender, and so does moto: verify it as the stack does.
        testmail.verify_sender(EMAIL_FROM, region=REGION)
        monkeypatch.setenv("EMAIL_FROM", EMAIL_FROM)
        monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC_BASE_URL)
        _reset_ppcommon()
        revocation_store.forget_rate_limits()
        yield testaws.dynamodb_resource()
    _reset_ppcommon()


@pytest.fixture
def signing_kid(account_aws: Any) -> str:
    """The active key id of the test's key set (read from SSM, not from the code)."""
    raw = _aws_session().client("ssm").get_parameter(Name=KEY_SET_PARAMETER)
    kid: str = json.loads(raw["Parameter"]["Value"])["active"]
    return kid


@pytest.fixture
def publish_keys(account_aws: Any) -> Callable[..., None]:
    """``publish_keys(active, accepted, legacy_until="")``: rewrite the stage's key set."""
    return publish_key_set


@pytest.fixture
def new_signing_key(account_aws: Any) -> Callable[[], str]:
    """``new_signing_key()``: another P-256 key in the account (not yet published)."""
    return create_signing_key


@pytest.fixture
def kms_public_key(account_aws: Any) -> Callable[[str], bytes]:
    """``kms_public_key(kid)``: the key's SubjectPublicKeyInfo DER from KMS GetPublicKey."""
    return public_key_der


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
    """An API Gateway HTTP API payload 2.0 event, built on the recorded base fixture.

    A query in ``path`` goes where API Gateway puts it: ``rawQueryString`` and
    ``queryStringParameters`` (repeated names joined by commas, as payload 2.0 does).
    """
    event = copy.deepcopy(load_event("http-api-v2-base.json"))
    path, _, query = path.partition("?")
    if query:
        event["rawQueryString"] = query
        joined: dict[str, list[str]] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            joined.setdefault(name, []).append(value)
        event["queryStringParameters"] = {name: ",".join(v) for name, v in joined.items()}
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
def transport(
    invoke: Callable[[dict[str, Any]], dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> Transport:
    """The contract suite's transport, answered by the handler in-process.

    Its checks come from one address and some sign in wrongly on purpose, so they meet the
    abuse limits (429 + Retry-After; ``test_account_abuse_limits`` tests those): this
    transport waits as a patient client would, by moving the limits' clock, then resends.
    """
    waited = [0.0]
    monkeypatch.setattr(rate_limits, "now", lambda: time.time() + waited[0])

    def send(
        method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[int, Mapping[str, str], bytes]:
        for _ in range(20):  # a bounded patience: a limit that never opens is an answer
            result = invoke(http_event(method, path, headers, body))
            retry_after = (result.get("headers") or {}).get("Retry-After")
            if result["statusCode"] != 429 or retry_after is None:
                break
            waited[0] += int(retry_after)
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


def links_mailed_to(address: str) -> list[str]:
    """Every link mailed to ``address`` in this test's mocked SES, oldest first."""
    return [link for mail in testmail.mail_to(address, region=REGION) for link in mail.links]


@pytest.fixture
def mail_to(account_aws: Any) -> Callable[[str], list[testmail.SentMail]]:
    """``mail_to(address)``: the messages the mocked SES sent to it, oldest first."""

    def read(address: str) -> list[testmail.SentMail]:
        return testmail.mail_to(address, region=REGION)

    return read


@pytest.fixture
def mailbox(account_aws: Any) -> Mailbox:
    """The contract suite's mailbox: links mailed to an address through the mocked SES."""
    return links_mailed_to


@pytest.fixture
def client(transport: Transport, mailbox: Mailbox) -> Client:
    """The contract suite's client over the in-process handler (users are not cleaned up:
    each test's mocked AWS is discarded whole). ``client.register()`` registers, follows
    the mailed verification link and signs in."""
    return Client(transport, JWT_SECRET, mailbox=mailbox)
