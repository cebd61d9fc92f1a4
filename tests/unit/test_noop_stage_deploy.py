"""``deploy --all`` on a stage where nothing changed asks AWS only what the skip needs.

| situation                          | artifact upload (S3) | quota check (Lambda) | change set |
|------------------------------------|----------------------|----------------------|------------|
| a service stack not deployed yet   | before its change set| before its change set| yes        |
| every stack's fingerprint matches  | none                 | none                 | none       |
| a service's artifact key changed   | that service only    | account only         | that one   |

The stacks deploy through the real ``deploy_stack`` against the fake adapter; the build is
replaced (it runs pip and the services' tests: the functional tier's job).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ppdeploy import build, catalog, config, naming
from ppdeploy.events import Recorder
from ppdeploy.model import StackSpec
from ppdeploy.workflows import service_deploy, stage_deploy
from ppdeploy.workflows.session import StageSession
from tests.unit.fake_cloudformation import FakeCloudFormation

BUCKET = "purposepath-artifacts-dev"


@dataclass
class RecordingClients:
    """The AWS clients a deploy asks for besides CloudFormation; each call is logged."""

    log: list[tuple[str, ...]]
    description: str = "a fake target"
    is_local: bool = True
    region: str = "us-east-1"
    endpoint_url: str | None = None

    def client(self, service: str) -> Any:
        return RecordingClient(service, self.log)


@dataclass
class RecordingClient:
    service: str
    log: list[tuple[str, ...]]

    def head_object(self, **kwargs: str) -> dict[str, str]:
        self.log.append((self.service, "head_object", kwargs["Key"]))
        return {}  # already uploaded: no put

    def get_account_settings(self) -> dict[str, Any]:
        self.log.append((self.service, "get_account_settings"))
        return {
            "AccountLimit": {"ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 900}
        }

    def get_function_concurrency(self, **_kwargs: str) -> dict[str, Any]:
        self.log.append((self.service, "get_function_concurrency"))
        return {}


class UnlintedSession(StageSession):
    """The session, without cfn-lint (preflight has its own tests)."""

    def lint(self, spec: StackSpec) -> None:
        pass


@dataclass
class LoggedCloudFormation(FakeCloudFormation):
    """The fake adapter, logging its change sets into the same log as the other clients."""

    log: list[tuple[str, ...]] = field(default_factory=list)

    def create_change_set(self, **kwargs: Any) -> Any:
        self.log.append(("cloudformation", "create_change_set", kwargs["stack_name"]))
        return super().create_change_set(**kwargs)


def artifact(source: catalog.ServiceSource, digest: str) -> build.Artifact:
    return build.Artifact(source.service, source.runtime, Path("unused.zip"), digest, 1, True)


@pytest.fixture
def digests(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The artifact digest each service builds to (a test changes one to change its key)."""
    current = {service: f"{service}-1" for service in naming.SERVICES}

    def prepare(
        sources: Any, _reporter: object, *, skip_tests: bool, force: bool
    ) -> list[service_deploy.PreparedService]:
        return [
            service_deploy.PreparedService(source, artifact(source, current[source.service]))
            for source in sources
        ]

    monkeypatch.setattr(stage_deploy, "prepare_services", prepare)
    return current


def stage_session(cfn: LoggedCloudFormation) -> UnlintedSession:
    # The account stack's reservation makes the Lambda quota check part of its deploy.
    stage = dataclasses.replace(config.stage("dev"), account_reserved_concurrency=20)
    cfn.export_values[naming.export("artifacts-bucket", "dev")] = BUCKET
    target = RecordingClients(cfn.log)
    return UnlintedSession(stage, target, cfn, Recorder(), assume_yes=True)  # type: ignore[arg-type]


def deploy_all(cfn: LoggedCloudFormation) -> list[str]:
    outcomes = stage_deploy.deploy_all(stage_session(cfn), max_concurrency=1, skip_tests=True)
    return [outcome.status for outcome in outcomes]


def test_a_first_deploy_checks_and_uploads_each_artifact_before_its_change_set(
    digests: dict[str, str],
) -> None:
    cfn = LoggedCloudFormation()

    assert deploy_all(cfn) == ["created"] * 4
    for service in naming.SERVICES:
        stack = naming.service_stack(service, "dev")
        key = f"artifacts/{service}/python/{service}-1.zip"
        assert cfn.log.index(("s3", "head_object", key)) < cfn.log.index(
            ("cloudformation", "create_change_set", stack)
        )
    assert ("lambda", "get_account_settings") in cfn.log


def test_a_no_op_deploy_makes_no_upload_no_quota_check_and_no_change_set(
    digests: dict[str, str],
) -> None:
    cfn = LoggedCloudFormation()
    deploy_all(cfn)
    cfn.log.clear()

    assert deploy_all(cfn) == ["unchanged"] * 4
    assert cfn.log == []


def test_a_changed_artifact_is_uploaded_for_its_own_stack_only(
    digests: dict[str, str],
) -> None:
    cfn = LoggedCloudFormation()
    deploy_all(cfn)
    cfn.log.clear()
    digests["coaching"] = "coaching-2"

    assert deploy_all(cfn) == ["unchanged", "unchanged", "updated", "unchanged"]
    assert cfn.log == [
        ("s3", "head_object", "artifacts/coaching/python/coaching-2.zip"),
        ("cloudformation", "create_change_set", naming.service_stack("coaching", "dev")),
    ]
