"""switch-runtime's decisions: what it refuses, when it does nothing, and switching back.

| situation                              | what happens                                  |
|----------------------------------------|-----------------------------------------------|
| a service other than account           | InputError, nothing read                      |
| an unknown runtime                     | InputError naming it                          |
| account not deployed                   | InputError: deploy it first                   |
| already on the runtime asked for       | unchanged, nothing built or deployed          |
| the service's URL cannot be resolved   | the error, before anything changes            |
| switched, verify passes                | one deploy, on the new runtime                |
| switched, verify fails                 | switched back to exactly what ran: SwitchedBack |

The artifact build is replaced here (it runs the service's tests: the functional tier's
job); the stack deploys run the real deploy_stack against the fake adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from ppdeploy import catalog, config
from ppdeploy.decide import stacks
from ppdeploy.errors import InputError, TargetError
from ppdeploy.events import Recorder, StackNote
from ppdeploy.model import StackSpec
from ppdeploy.workflows import switch
from ppdeploy.workflows.session import StageSession
from ppdeploy.workflows.verify import Journey, VerifyFailed
from tests.unit.fake_cloudformation import FakeCloudFormation, stack_state

STACK = "purposepath-account-api-dev"
URLS = {"account": "https://api.dev.purposepath.app/account"}


@dataclass
class StubTarget:
    description: str = "a fake target"
    is_local: bool = False  # on AWS: the journey has no mailbox

    def client(self, service: str) -> Any:
        raise AssertionError(f"no {service} client in a unit test")


class UnlintedSession(StageSession):
    """The session, without cfn-lint (preflight has its own tests)."""

    def lint(self, spec: StackSpec) -> None:
        pass


@dataclass(frozen=True)
class Built:
    source: catalog.ServiceSource
    key: str


def session_with(cfn: FakeCloudFormation) -> UnlintedSession:
    return UnlintedSession(config.stage("dev"), StubTarget(), cfn, Recorder(), assume_yes=True)  # type: ignore[arg-type]


def deployed_on(runtime: str) -> FakeCloudFormation:
    cfn = FakeCloudFormation()
    cfn.stacks[STACK] = stack_state(
        STACK,
        tags={stacks.RUNTIME_TAG: runtime},
        parameters={
            "Stage": "dev",
            "ArtifactBucket": "artifacts",
            "ArtifactKey": f"account-{runtime}-old.zip",
            "DomainName": "api.dev.purposepath.app",
        },
    )
    return cfn


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Stand-ins for the build (and its tests) and the upload; records each build."""
    keys: list[str] = []

    def prepare(source: catalog.ServiceSource, _reporter: object, *, skip_tests: bool) -> Built:
        assert not skip_tests, "the target runtime must pass its own tests"
        keys.append(source.key)
        return Built(source, f"{source.key}-new.zip")

    def spec_of(session: StageSession, prepared: Built) -> StackSpec:
        return stacks.service_spec(
            session.stage,
            prepared.source,
            artifact_bucket="artifacts",
            artifact_key=prepared.key,
            domain="api.dev.purposepath.app",
        )

    monkeypatch.setattr(switch, "prepare_service", prepare)
    monkeypatch.setattr(switch, "service_spec", spec_of)
    return keys


def test_only_the_account_service_can_switch() -> None:
    with pytest.raises(InputError, match="one runtime only"):
        switch.switch_runtime(session_with(FakeCloudFormation()), "coaching", "dotnet")


def test_an_unknown_runtime_is_refused_by_name() -> None:
    with pytest.raises(InputError, match="'java'"):
        switch.switch_runtime(session_with(FakeCloudFormation()), "account", "java")


def test_a_service_not_deployed_has_nothing_to_switch_from() -> None:
    with pytest.raises(InputError, match="not deployed") as refused:
        switch.switch_runtime(session_with(FakeCloudFormation()), "account", "dotnet")

    assert "--runtime dotnet" in refused.value.fix


def test_already_on_the_runtime_asked_for_changes_nothing(built: list[str]) -> None:
    cfn = deployed_on("python")

    result = switch.switch_runtime(
        session_with(cfn), "account", "python", service_urls=lambda: URLS
    )

    assert result.outcome == "unchanged"
    assert built == []
    assert cfn.calls == []


def test_no_route_to_the_service_stops_the_switch_before_any_change(built: list[str]) -> None:
    cfn = deployed_on("python")

    def unreachable() -> dict[str, str]:
        raise TargetError("the local gateway is not running")

    with pytest.raises(TargetError):
        switch.switch_runtime(session_with(cfn), "account", "dotnet", service_urls=unreachable)

    assert built == []
    assert "create_change_set" not in cfn.names()


def test_a_switch_that_verifies_deploys_once_on_the_new_runtime(built: list[str]) -> None:
    cfn = deployed_on("python")
    walked: list[Journey] = []

    result = switch.switch_runtime(
        session_with(cfn), "account", "dotnet", service_urls=lambda: URLS, walk=walked.append
    )

    assert result.outcome == "updated"
    assert built == ["account-dotnet"]
    assert cfn.names().count("execute_change_set") == 1
    assert cfn.stacks[STACK].tags[stacks.RUNTIME_TAG] == "dotnet"
    (journey,) = walked
    assert (journey.urls, journey.expected_runtime) == (URLS, "dotnet")


def test_a_switch_that_fails_verify_goes_back_to_exactly_what_ran(built: list[str]) -> None:
    cfn = deployed_on("python")

    def failing(_journey: Journey) -> None:
        raise VerifyFailed("verify failed at 'account health'", cause="runtime was python")

    with pytest.raises(switch.SwitchedBack) as switched_back:
        switch.switch_runtime(
            session_with(cfn), "account", "dotnet", service_urls=lambda: URLS, walk=failing
        )

    assert switched_back.value.exit_code == 6
    assert "runtime was python" in switched_back.value.cause
    assert cfn.names().count("execute_change_set") == 2
    restored = cfn.stacks[STACK]
    assert restored.tags[stacks.RUNTIME_TAG] == "python"
    assert restored.parameters["ArtifactKey"] == "account-python-old.zip"


def test_a_switch_whose_journey_skipped_steps_says_so_rather_than_verify_passed(
    built: list[str],
) -> None:
    # On AWS the journey has no mailbox: the signed-in steps are skipped, and the switch
    # must not claim a full verify.
    cfn = deployed_on("python")
    session = session_with(cfn)

    def walk_without_mailbox(journey: Journey) -> None:
        journey.skip("log in", "no mailbox", "run the journey locally")

    result = switch.switch_runtime(
        session, "account", "dotnet", service_urls=lambda: URLS, walk=walk_without_mailbox
    )

    assert result.outcome == "updated"
    notes = [event for event in session.reporter.events if isinstance(event, StackNote)]
    assert notes[-1].level == "warn"
    assert "skipped 1 signed-in steps (no mailbox)" in notes[-1].text
    assert not any(note.text.endswith("; verify passed") for note in notes)
