"""In-process local AWS for the extension tests: moto's mock with the extensions installed."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pplocalaws.extensions import install

REGION = "us-east-1"
ALL_CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


@pytest.fixture(scope="session", autouse=True)
def _installed() -> None:
    install()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


@pytest.fixture
def cfn(aws: None) -> Any:
    return boto3.client("cloudformation", region_name=REGION)


@dataclass
class ChangeSets:
    """Drives stacks through change sets exactly as the deploy engine does."""

    client: Any
    _names: Iterator[int] = field(default_factory=itertools.count)

    def create(
        self,
        stack: str,
        body: str,
        *,
        kind: str | None = None,
        parameters: Sequence[dict[str, Any]] = (),
        tags: dict[str, str] | None = None,
        capabilities: Sequence[str] = tuple(ALL_CAPABILITIES),
    ) -> dict[str, Any]:
        """Create a change set and return DescribeChangeSet's answer."""
        if kind is None:
            kind = "UPDATE" if self._is_live(stack) else "CREATE"
        name = f"cs-{next(self._names)}"
        self.client.create_change_set(
            StackName=stack,
            ChangeSetName=name,
            TemplateBody=body,
            ChangeSetType=kind,
            Parameters=list(parameters),
            Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
            Capabilities=list(capabilities),
            ClientToken=f"token-{name}",
        )
        described: dict[str, Any] = self.client.describe_change_set(
            StackName=stack, ChangeSetName=name
        )
        return described

    def execute(
        self,
        described: dict[str, Any],
        token: str = "exec-token",  # noqa: S107 - a ClientRequestToken, not a secret
    ) -> dict[str, Any]:
        self.client.execute_change_set(
            StackName=described["StackName"],
            ChangeSetName=described["ChangeSetName"],
            ClientRequestToken=token,
        )
        return self.stack(described["StackName"])

    def deploy(self, stack: str, body: str, **options: Any) -> dict[str, Any]:
        described = self.create(stack, body, **options)
        assert described["Status"] == "CREATE_COMPLETE", described.get("StatusReason")
        return self.execute(described)

    def stack(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.describe_stacks(StackName=name)["Stacks"][0]
        return found

    def outputs(self, name: str) -> dict[str, str]:
        return {o["OutputKey"]: o["OutputValue"] for o in self.stack(name).get("Outputs", [])}

    def events(self, name: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.client.describe_stack_events(StackName=name)[
            "StackEvents"
        ]
        return found

    def _is_live(self, stack: str) -> bool:
        try:
            status = self.stack(stack)["StackStatus"]
        except self.client.exceptions.ClientError:
            return False
        return status not in ("REVIEW_IN_PROGRESS", "DELETE_COMPLETE")


@pytest.fixture
def change_sets(cfn: Any) -> ChangeSets:
    return ChangeSets(cfn)
