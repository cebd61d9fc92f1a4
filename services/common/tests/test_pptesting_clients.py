"""pptesting.clients: a client is made once per binding, and a reused one sees only the
moto account of the mock running now (so a test's fresh container is as fresh as before)."""

from __future__ import annotations

import pytest
from moto import mock_aws

import ppcommon.aws
from pptesting import reset_ppcommon
from pptesting.aws import use_reused_clients
from pptesting.clients import ReusingSession


def test_the_same_binding_is_the_same_client_another_is_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = ReusingSession()
    first = session.client("sqs")

    assert session.client("sqs") is first
    assert session.client("sqs", region_name="eu-west-1") is not first
    assert session.client("sqs", region_name="eu-west-1").meta.region_name == "eu-west-1"
    assert session.client("sns") is not first
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    pointed = session.client("sqs")
    assert pointed is not first  # another endpoint in the environment: a new client
    assert pointed.meta.endpoint_url == "http://127.0.0.1:9"
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    assert session.client("sqs") is first
    session.forget()
    assert session.client("sqs") is not first


def test_a_resource_is_reused_for_the_same_binding() -> None:
    session = ReusingSession()
    resource = session.resource("dynamodb")

    assert session.resource("dynamodb") is resource
    assert session.resource("dynamodb", region_name="eu-west-1") is not resource
    assert session.resource("dynamodb", region_name=None) is resource  # the default, named


def test_a_reused_client_answers_from_the_mock_running_now() -> None:
    session = ReusingSession()
    with mock_aws():
        sqs = session.client("sqs")
        sqs.create_queue(QueueName="left-by-an-earlier-test")
        assert len(sqs.list_queues().get("QueueUrls", [])) == 1
    with mock_aws():
        assert session.client("sqs") is sqs
        assert sqs.list_queues().get("QueueUrls", []) == []


def test_ppcommon_in_a_fresh_container_gets_the_reused_clients(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_reused_clients(monkeypatch)
    reset_ppcommon()
    first = ppcommon.aws.client("secretsmanager")
    reset_ppcommon()  # a new container: ppcommon asks again, the same client comes back

    assert ppcommon.aws.client("secretsmanager") is first
