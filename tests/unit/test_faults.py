"""Injected faults through botocore's event hooks: no network, the real client stack."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import botocore.exceptions
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse

from ppdeploy.aws.cloudformation import CloudFormation
from ppdeploy.aws.target import Target
from ppdeploy.errors import TargetError
from ppdeploy.events import Recorder, StackNote
from ppdeploy.model import StackSpec
from ppdeploy.templates import Template
from ppdeploy.workflows.stack_deploy import deploy_stack

NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self._body


def _response(status: int, body: str) -> AWSResponse:
    return AWSResponse("https://cloudformation.invalid/", status, {}, _Raw(body.encode()))


def _error(code: str, message: str) -> AWSResponse:
    return _response(
        400,
        f"<ErrorResponse xmlns='{NS}'><Error><Type>Sender</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>",
    )


def _stack(status: str) -> AWSResponse:
    return _response(
        200,
        f"<DescribeStacksResponse xmlns='{NS}'><DescribeStacksResult><Stacks><member>"
        f"<StackName>s</StackName><StackId>arn:aws:cloudformation:us-east-1:1:stack/s/1</StackId>"
        f"<StackStatus>{status}</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime>"
        "<Tags><member><Key>purposepath:fingerprint</Key><Value>old</Value></member></Tags>"
        "</member></Stacks></DescribeStacksResult></DescribeStacksResponse>",
    )


def _no_events() -> AWSResponse:
    return _response(
        200,
        f"<DescribeStackEventsResponse xmlns='{NS}'><DescribeStackEventsResult><StackEvents/>"
        "</DescribeStackEventsResult></DescribeStackEventsResponse>",
    )


@pytest.fixture(autouse=True)
def backoff_delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's retry backoff really sleeps; record the delays instead."""
    delays: list[float] = []
    monkeypatch.setattr("botocore.endpoint.time.sleep", delays.append)
    return delays


def _cfn(answer: Callable[[str], AWSResponse]) -> tuple[CloudFormation, list[str]]:
    """A CloudFormation adapter whose HTTP layer is ``answer(operation)``; records calls."""
    session = botocore.session.get_session()
    session.set_credentials("k", "s")
    client = Target("us-east-1", "https://cloudformation.invalid", session).client("cloudformation")
    calls: list[str] = []

    def send(request: Any, **_kwargs: Any) -> AWSResponse:
        body = request.body if isinstance(request.body, str) else request.body.decode()
        operation = body.split("Action=")[1].split("&")[0]
        calls.append(operation)
        return answer(operation)

    client.meta.events.register("before-send.cloudformation", send)
    return CloudFormation(client, poll_seconds=0), calls


def test_throttling_is_retried_and_succeeds(backoff_delays: list[float]) -> None:
    attempts = iter([_error("Throttling", "Rate exceeded")] * 2 + [_stack("UPDATE_COMPLETE")])
    cfn, calls = _cfn(lambda _operation: next(attempts))
    state = cfn.describe("s")
    assert state is not None
    assert state.status == "UPDATE_COMPLETE"
    assert calls == ["DescribeStacks"] * 3
    assert len(backoff_delays) == 2  # standard mode backs off before each retry


def test_expired_credentials_say_how_to_refresh_them() -> None:
    cfn, _ = _cfn(lambda _operation: _error("ExpiredToken", "The security token expired"))
    with pytest.raises(TargetError) as caught:
        cfn.describe("s")
    assert "expired or invalid" in caught.value.what
    assert "aws sso login" in caught.value.fix


def test_an_unreachable_endpoint_says_what_to_check() -> None:
    def unreachable(_operation: str) -> AWSResponse:
        raise botocore.exceptions.EndpointConnectionError(
            endpoint_url="https://cloudformation.invalid/"
        )

    cfn, calls = _cfn(unreachable)
    with pytest.raises(TargetError) as caught:
        cfn.exports()
    assert "cannot reach CloudFormation" in caught.value.what
    assert "network" in caught.value.fix
    assert len(calls) > 1  # retried before giving up


def test_a_stack_in_progress_is_waited_for(tmp_path: Any) -> None:
    states = iter(["UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"])
    seen: list[str] = []

    def answer(operation: str) -> AWSResponse:
        if operation == "DescribeStackEvents":
            return _no_events()
        if operation == "ListExports":
            return _response(
                200,
                f"<ListExportsResponse xmlns='{NS}'><ListExportsResult><Exports/>"
                "</ListExportsResult></ListExportsResponse>",
            )
        status = next(states, "UPDATE_COMPLETE")
        seen.append(status)
        return _stack(status)

    cfn, _ = _cfn(answer)
    template = Template(tmp_path / "t.yaml", "Resources: {}\n", {"Resources": {}})
    reporter = Recorder()
    spec = StackSpec(name="s", template=template)
    with pytest.raises(Exception):  # noqa: B017, PT011 - stops at the change set (no fake for it)
        deploy_stack(cfn, spec, reporter, approve=lambda *_: True)
    assert seen[:3] == ["UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"]
    assert StackNote("s", "UPDATE_IN_PROGRESS: waiting for it to finish", "warn") in reporter.events
