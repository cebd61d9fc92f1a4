"""Workers run with their role session's credentials and are replaced before they expire."""

from __future__ import annotations

import io
import json
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from pplocalaws.gateway.discovery import FunctionConfig
from pplocalaws.gateway.runtimes import Interpreter
from pplocalaws.gateway.workers import (
    CREDENTIALS_MARGIN_SECONDS,
    FunctionPool,
    Launch,
    LocalAwsSettings,
    Returned,
    Worker,
    WorkerStartError,
    worker_environment,
)
from pplocalaws.iam.serving import EnforcingServer
from pplocalaws.iam.sessions import Issued, RoleSessions, RoleUnavailable, lambda_may_assume

OWN_PYTHON = Interpreter(sys.executable, f"{sys.version_info.major}.{sys.version_info.minor}", True)
HANDLER = """
import os

def keys(event, context):
    return {"key": os.environ["AWS_ACCESS_KEY_ID"], "token": os.environ["AWS_SESSION_TOKEN"]}
"""


class FakeSessions(RoleSessions):
    """Issues numbered sessions valid for ``lifetimes`` seconds each, in turn."""

    def __init__(self, *lifetimes: float, fail: bool = False) -> None:
        self.lifetimes = list(lifetimes)
        self.issued = 0
        self.fail = fail

    def issue(self) -> Issued:
        if self.fail:
            raise RoleUnavailable("cannot assume the execution role of fn: no such role")
        self.issued += 1
        lifetime = self.lifetimes.pop(0)
        return Issued(
            {
                "AWS_ACCESS_KEY_ID": f"ASIA{self.issued}",
                "AWS_SECRET_ACCESS_KEY": "s",
                "AWS_SESSION_TOKEN": f"token-{self.issued}",
            },
            time.time() + lifetime,
        )


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "handlers.py").write_text(HANDLER, encoding="utf-8")
    return tmp_path


def _launch(code: Path, sessions: FakeSessions) -> Launch:
    function = FunctionConfig(
        name="fn",
        arn="arn:aws:lambda:us-east-1:123456789012:function:fn",
        handler="handlers.keys",
        runtime=f"python{OWN_PYTHON.version}",
        environment={},
        timeout_seconds=3,
        memory_mb=128,
        code_sha256="c2hh",
        last_modified="2025-01-01T00:00:00.000+0000",
    )
    environment = worker_environment(
        function, code, code, LocalAwsSettings("http://127.0.0.1:1", "us-east-1")
    )
    return Launch(function, OWN_PYTHON, code, code, environment, sessions)


def test_a_worker_gets_its_role_session_s_credentials(code: Path) -> None:
    pool = FunctionPool(_launch(code, FakeSessions(3600, 3600)), max_workers=1)
    try:
        first = pool.invoke({}, "r1", 3)
        second = pool.invoke({}, "r2", 3)
    finally:
        pool.retire()
    assert first == Returned({"key": "ASIA1", "token": "token-1"})
    assert second == first  # fresh credentials: the warm worker is reused


def test_a_worker_whose_credentials_expire_soon_is_replaced(code: Path) -> None:
    soon = CREDENTIALS_MARGIN_SECONDS / 2  # less than the timeout plus the margin
    sessions = FakeSessions(soon, 3600)
    pool = FunctionPool(_launch(code, sessions), max_workers=1)
    try:
        first = pool.invoke({}, "r1", 3)
        second = pool.invoke({}, "r2", 3)
        assert pool.size == 1
    finally:
        pool.retire()
    assert first == Returned({"key": "ASIA1", "token": "token-1"})
    assert second == Returned({"key": "ASIA2", "token": "token-2"})


def test_a_role_that_cannot_be_assumed_fails_the_start_naming_it(code: Path) -> None:
    with pytest.raises(WorkerStartError, match="execution role of fn"):
        Worker.start(_launch(code, FakeSessions(fail=True)))


LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def test_lambda_may_assume_reads_the_trust_policy() -> None:
    assert lambda_may_assume(LAMBDA_TRUST)
    assert lambda_may_assume(json.dumps(LAMBDA_TRUST))
    other = {
        "Statement": [
            {**LAMBDA_TRUST["Statement"][0], "Principal": {"Service": "ec2.amazonaws.com"}}
        ]
    }
    assert not lambda_may_assume(other)
    assert not lambda_may_assume({})


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = EnforcingServer("127.0.0.1", 0)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def _function_with_trust(endpoint: str, trust: dict[str, object]) -> str:
    suffix = uuid.uuid4().hex[:8]
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    role = session.client("iam", endpoint_url=endpoint).create_role(
        RoleName=f"fn-{suffix}", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("handlers.py", HANDLER)
    session.client("lambda", endpoint_url=endpoint).create_function(
        FunctionName=f"fn-{suffix}",
        Runtime="python3.13",
        Role=role,
        Handler="handlers.keys",
        Code={"ZipFile": archive.getvalue()},
    )
    return f"fn-{suffix}"


def test_role_sessions_assume_the_function_s_role_in_the_local_sts(endpoint: str) -> None:
    name = _function_with_trust(endpoint, LAMBDA_TRUST)
    issued = RoleSessions(endpoint, "us-east-1", name, "testing").issue()
    assert issued.environment["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert issued.environment["AWS_SESSION_TOKEN"]
    assert 3000 < issued.expires_at - time.time() <= 3600


def test_a_role_lambda_may_not_assume_is_refused_naming_the_trust_policy(endpoint: str) -> None:
    name = _function_with_trust(endpoint, {"Version": "2012-10-17", "Statement": []})
    with pytest.raises(RoleUnavailable, match=r"cannot be assumed by Lambda: its trust policy"):
        RoleSessions(endpoint, "us-east-1", name, "testing").issue()
