"""The local AWS server in its own process, driven by boto3 like the deploy engine drives it."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import WaiterError

from pplocalaws import control
from pplocalaws.extensions.waiting import settled_stack

pytestmark = pytest.mark.integration

EXPORTER = """
Parameters:
  Stage: {Type: String, Default: dev}
Resources:
  Topic: {Type: AWS::SNS::Topic}
Outputs:
  TopicArn:
    Value: !Ref Topic
    Export: {Name: !Sub "purposepath-alarm-topic-arn-${Stage}"}
"""
IMPORTER = """
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      Tags: [{Key: topic, Value: !ImportValue purposepath-alarm-topic-arn-dev}]
"""
UNSUPPORTED = """
Resources:
  Build:
    Type: AWS::CodeBuild::Project
    Properties: {Name: build}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed argv: this interpreter and our module
        [
            sys.executable,
            "-m",
            "pplocalaws.server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline().strip()
        url = f"http://127.0.0.1:{port}"
        assert ready == f"local AWS ready on {url}"
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def cfn(server: tuple[subprocess.Popen[str], str]) -> Any:
    return boto3.client(
        "cloudformation",
        endpoint_url=server[1],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def deploy(cfn: Any, stack: str, body: str, kind: str, name: str) -> dict[str, Any]:
    cfn.create_change_set(
        StackName=stack,
        ChangeSetName=name,
        TemplateBody=body,
        ChangeSetType=kind,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    # The waiter raises on a FAILED change set (an empty one); the caller reads the reason.
    with contextlib.suppress(WaiterError):
        cfn.get_waiter("change_set_create_complete").wait(
            StackName=stack, ChangeSetName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5}
        )
    described: dict[str, Any] = cfn.describe_change_set(StackName=stack, ChangeSetName=name)
    if described["Status"] == "CREATE_COMPLETE":
        cfn.execute_change_set(StackName=stack, ChangeSetName=name, ClientRequestToken=name)
        settled_stack(cfn, stack, timeout=60)
    return described


def stack_status(cfn: Any, stack: str) -> str:
    status: str = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    return status


def test_deploy_flow_against_the_server(cfn: Any) -> None:
    deploy(cfn, "exporter", EXPORTER, "CREATE", "create-1")
    assert stack_status(cfn, "exporter") == "CREATE_COMPLETE"
    exports = cfn.list_exports()["Exports"]
    assert [e["Name"] for e in exports] == ["purposepath-alarm-topic-arn-dev"]

    deploy(cfn, "importer", IMPORTER, "CREATE", "create-1")
    assert stack_status(cfn, "importer") == "CREATE_COMPLETE"
    imports = cfn.list_imports(ExportName="purposepath-alarm-topic-arn-dev")["Imports"]
    assert imports == ["importer"]

    redeploy = deploy(cfn, "exporter", EXPORTER, "UPDATE", "update-1")
    assert redeploy["Status"] == "FAILED"
    assert "didn't contain changes" in redeploy["StatusReason"]
    cfn.delete_change_set(StackName="exporter", ChangeSetName="update-1")

    deploy(cfn, "unsupported", UNSUPPORTED, "CREATE", "create-1")
    assert stack_status(cfn, "unsupported") == "ROLLBACK_COMPLETE"
    failed = [
        event
        for event in cfn.describe_stack_events(StackName="unsupported")["StackEvents"]
        if event["ResourceStatus"] == "CREATE_FAILED"
    ]
    assert "AWS::CodeBuild::Project" in failed[0]["ResourceStatusReason"]


def test_the_server_answers_its_local_async_invocation_endpoint(
    server: tuple[subprocess.Popen[str], str],
) -> None:
    answer = control.async_invocations(server[1], wait_seconds=0)
    assert answer["idle"] is True
    assert (answer["queued"], answer["running"]) == (0, 0)


def test_sigterm_stops_the_server_cleanly(server: tuple[subprocess.Popen[str], str]) -> None:
    process = server[0]

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=30) == 0
