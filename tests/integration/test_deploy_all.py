"""`invoke deploy --all` against a real local AWS: waves, parallel deploys, no-op skips.

The cold deploy runs the real command. The parallel wave is proven in-process, where a
barrier in the approval step lets no service stack execute until all three have their
change sets: it can only be passed when the engine deploys them at the same time.
"""

from __future__ import annotations

import io
import os
import pty
import re
import shutil
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ppdeploy import config, naming
from ppdeploy.ui.plain_log import PlainLog
from ppdeploy.workflows.session import StageSession
from ppdeploy.workflows.stage_deploy import deploy_all
from tests.integration.support import ROOT, LocalAws, dump, free_port, live_stacks

pytestmark = pytest.mark.integration
SHARED = naming.shared_stack("dev")
SERVICE_STACKS = [naming.service_stack(service, "dev") for service in naming.SERVICES]
ALL_STACKS = [SHARED, *SERVICE_STACKS]
TIMESTAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")
ANSI_ESCAPE = "\x1b["
DEPLOY_ALL = ("deploy", "--all", "--stage", "dev", "--local", "--yes", "--skip-tests")


def summary(stdout: str) -> dict[str, str]:
    """The summary table's rows: stack name to result."""
    rows = {}
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if len(cells) >= 2 and cells[0] in ALL_STACKS:
            rows[cells[0]] = cells[1]
    return rows


def events(aws: LocalAws, stack: str) -> list[dict[str, Any]]:
    """The stack's events, oldest first."""
    raw = aws.client("cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
    return list(reversed(raw))


def span(aws: LocalAws, stack: str) -> tuple[datetime, datetime]:
    """When CloudFormation first and last recorded something for the stack."""
    stamps = [event["Timestamp"] for event in events(aws, stack)]
    return min(stamps), max(stamps)


def change_set_ids(aws: LocalAws) -> dict[str, list[str]]:
    cfn = aws.client("cloudformation")
    return {
        stack: sorted(s["ChangeSetId"] for s in cfn.list_change_sets(StackName=stack)["Summaries"])
        for stack in ALL_STACKS
    }


def test_cold_deploy_all_runs_shared_alone_then_the_three_services(local_aws: LocalAws) -> None:
    result = local_aws.invoke(*DEPLOY_ALL)

    assert result.returncode == 0, dump(result)
    assert f"wave 1: {SHARED}\n" in result.stdout
    assert f"wave 2: {', '.join(sorted(SERVICE_STACKS))}\n" in result.stdout
    assert summary(result.stdout) == dict.fromkeys(ALL_STACKS, "created")
    assert "stage dev" in result.stdout
    # (and the bootstrap stack, made first for the deployment bucket the shared template needs)
    assert sorted(live_stacks(local_aws)) == sorted([naming.bootstrap_stack("dev"), *ALL_STACKS])
    # CloudFormation's record of the waves: no service began before the shared stack ended.
    _, shared_end = span(local_aws, SHARED)
    for stack in SERVICE_STACKS:
        begin, _ = span(local_aws, stack)
        assert begin >= shared_end, stack
    # Not on a terminal: plain, timestamped progress lines (the table follows them).
    progress = result.stdout.split("stage dev")[0].splitlines()
    assert progress
    assert [line for line in progress if not TIMESTAMPED.match(line)] == []
    assert ANSI_ESCAPE not in result.stdout


class WaveBarrierReporter(PlainLog):
    """Approves each service stack only once every service stack is waiting for approval."""

    def __init__(self, services: list[str]) -> None:
        super().__init__(io.StringIO())
        self._services = services
        # A guard against a hang, not a timed assertion: a sequential engine breaks it.
        self._barrier = threading.Barrier(len(services), timeout=120)

    def confirm(self, question: str, *, assume_yes: bool) -> bool:
        if any(f" {stack} " in question for stack in self._services):
            self._barrier.wait()
        return super().confirm(question, assume_yes=assume_yes)


def test_wave_two_deploys_the_three_services_at_the_same_time(local_aws: LocalAws) -> None:
    reporter = WaveBarrierReporter(SERVICE_STACKS)
    session = StageSession.open(
        config.stage("dev"), reporter, use_local=True, assume_yes=True, force=False
    )

    outcomes = deploy_all(session, max_concurrency=4, skip_tests=True)

    assert {o.stack: o.status for o in outcomes} == dict.fromkeys(ALL_STACKS, "created")
    spans = {stack: span(local_aws, stack) for stack in SERVICE_STACKS}
    latest_begin = max(begin for begin, _ in spans.values())
    earliest_end = min(end for _, end in spans.values())
    # One instant inside all three deploys, as their events' timestamps show.
    assert latest_begin < earliest_end, spans


def copy_project(destination: Path) -> Path:
    """The parts of the repository the engine reads, copied so a test may change them."""
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", "build", "bin", "obj")
    shutil.copy2(ROOT / "stages.toml", destination / "stages.toml")
    for folder in ("shared-infrastructure", "services", "bootstrap"):
        shutil.copytree(ROOT / folder, destination / folder, ignore=ignore)
    return destination


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = copy_project(tmp_path)
    monkeypatch.setenv("PPDEPLOY_ROOT", str(root))
    return root


def create_change_set_calls(session: StageSession) -> list[str]:
    """Every CreateChangeSet and ExecuteChangeSet the session's client sends, by stack."""
    sent: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        sent.append(str(params.get("StackName") or params.get("ChangeSetName")))

    client_events = session.target.client("cloudformation").meta.events
    client_events.register("provide-client-params.cloudformation.CreateChangeSet", record)
    client_events.register("provide-client-params.cloudformation.ExecuteChangeSet", record)
    return sent


def test_unchanged_stage_is_skipped_without_change_sets_and_one_change_redeploys_one_stack(
    local_aws: LocalAws, project_copy: Path
) -> None:
    env = {"PPDEPLOY_ROOT": str(project_copy)}
    cold = local_aws.invoke(*DEPLOY_ALL, env=env)
    assert cold.returncode == 0, dump(cold)
    cfn = local_aws.client("cloudformation")
    before = change_set_ids(local_aws)
    updated_at = {s: cfn.describe_stacks(StackName=s)["Stacks"][0] for s in ALL_STACKS}

    again = local_aws.invoke(*DEPLOY_ALL, env=env)

    assert again.returncode == 0, dump(again)
    assert summary(again.stdout) == dict.fromkeys(ALL_STACKS, "unchanged")
    assert change_set_ids(local_aws) == before
    for stack in ALL_STACKS:
        now = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        assert now.get("LastUpdatedTime") == updated_at[stack].get("LastUpdatedTime"), stack

    # The same no-op in-process, counting the change-set calls the engine sends.
    session = StageSession.open(
        config.stage("dev"),
        PlainLog(io.StringIO()),
        use_local=True,
        assume_yes=True,
        force=False,
    )
    sent = create_change_set_calls(session)
    outcomes = deploy_all(session, max_concurrency=4, skip_tests=True)
    assert {o.stack: o.status for o in outcomes} == dict.fromkeys(ALL_STACKS, "unchanged")
    assert sent == []

    handler = project_copy / "services" / "coaching" / "src" / "coaching" / "app.py"
    handler.write_text(handler.read_text(encoding="utf-8") + "\n# a changed source\n")
    changed = local_aws.invoke(*DEPLOY_ALL, env=env)

    assert changed.returncode == 0, dump(changed)
    coaching = naming.service_stack("coaching", "dev")
    expected = {**dict.fromkeys(ALL_STACKS, "unchanged"), coaching: "updated"}
    assert summary(changed.stdout) == expected
    after = change_set_ids(local_aws)
    assert {s for s in ALL_STACKS if after[s] != before[s]} == {coaching}


def run_on_a_terminal(aws: LocalAws, *args: str) -> tuple[int, str]:
    """Run `invoke ARGS` with its output on a pseudo-terminal; its exit code and output."""
    controller, terminal = pty.openpty()
    child = subprocess.Popen(  # noqa: S603 - fixed executable, test-controlled args
        [sys.executable, "-m", "invoke", *args],
        cwd=ROOT,
        env={**aws.env, "COLUMNS": "200", "TERM": "xterm-256color"},
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    output = bytearray()
    while True:  # drain until the child closes its end, so it never blocks on a full pty
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    return child.wait(timeout=600), output.decode(errors="replace")


def test_on_a_terminal_deploy_all_shows_a_live_table_of_the_stacks(local_aws: LocalAws) -> None:
    code, output = run_on_a_terminal(local_aws, *DEPLOY_ALL)

    assert code == 0, output[-3000:]
    assert "\x1b[" in output  # drawn for a terminal: colours and cursor movement
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output).replace("\r", "")
    assert "latest event" in screen
    live_view, _summary = screen.split("stage dev")
    live_rows = [line for line in live_view.splitlines() if line.startswith("│")]
    for stack in ALL_STACKS:
        last = [line for line in live_rows if f" {stack} " in line][-1]
        assert "created" in last, last
        assert re.search(r"\d+\.\d s", last), last
    # Lines are not timestamped on a terminal, and resource events went to the table.
    assert not any(TIMESTAMPED.match(line) for line in screen.splitlines())
    assert "ServiceFunctionRole (AWS::IAM::Role)  CREATE_COMPLETE" not in screen


# -- issue 11: exit codes, a rolled-back shared update, every task sees what up deployed ---

TAKEN_TABLE = "purposepath-taken-dev"
CLASHING_TABLE = f"""Resources:
  ClashingTable:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Delete
    UpdateReplacePolicy: Delete
    Properties:
      TableName: {TAKEN_TABLE}
      BillingMode: PAY_PER_REQUEST
      SSESpecification:
        SSEEnabled: true
      AttributeDefinitions: [{{AttributeName: id, AttributeType: S}}]
      KeySchema: [{{AttributeName: id, KeyType: HASH}}]
"""


def shared_template_of(root: Path) -> Path:
    return root / "shared-infrastructure" / "template.yaml"


def stack_status(aws: LocalAws, stack: str) -> str:
    described = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return str(described["StackStatus"])


def test_deploy_all_exits_5_on_a_refusal_4_on_a_failure_and_a_rolled_back_shared_stack_serves(
    local_aws: LocalAws, project_copy: Path
) -> None:
    env = {"PPDEPLOY_ROOT": str(project_copy)}
    template = shared_template_of(project_copy)
    original = template.read_text(encoding="utf-8")
    created = local_aws.invoke("deploy-shared", "--stage", "dev", "--local", "--yes", env=env)
    assert created.returncode == 0, dump(created)

    # A guard refusal: the users table would be replaced (a new name), so nothing changes.
    template.write_text(
        original.replace("purposepath-users-${Stage}", "purposepath-users2-${Stage}"),
        encoding="utf-8",
    )
    refused = local_aws.invoke(*DEPLOY_ALL, env=env)
    assert refused.returncode == 5, dump(refused)
    assert refused.stderr.count("fix:") == 1, refused.stderr
    assert stack_status(local_aws, SHARED) == "CREATE_COMPLETE"

    # A CloudFormation failure: the update adds a table whose name is taken outside the
    # stack, fails, and rolls back.
    local_aws.client("dynamodb").create_table(
        TableName=TAKEN_TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    template.write_text(original.replace("Resources:\n", CLASHING_TABLE, 1), encoding="utf-8")
    failed = local_aws.invoke(*DEPLOY_ALL, env=env)
    assert failed.returncode == 4, dump(failed)
    assert failed.stderr.count("fix:") == 1, failed.stderr
    assert stack_status(local_aws, SHARED) == "UPDATE_ROLLBACK_COMPLETE"

    # The rolled-back shared stack is on its previous, working state: services deploy on it.
    template.write_text(original, encoding="utf-8")
    service = local_aws.invoke(
        "deploy",
        "--service",
        "coaching",
        "--stage",
        "dev",
        "--local",
        "--yes",
        "--skip-tests",
        env=env,
    )
    assert service.returncode == 0, dump(service)
    assert "rolled back" in service.stdout
    assert stack_status(local_aws, naming.service_stack("coaching", "dev")) == "CREATE_COMPLETE"


def plan_actions(stdout: str) -> dict[str, str]:
    """The plan table's rows: stack name to action."""
    rows = {}
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if len(cells) >= 3 and cells[1] in ALL_STACKS:
            rows[cells[1]] = cells[2]
    return rows


def test_right_after_up_plan_and_deploy_all_see_every_stack_unchanged(
    local_aws: LocalAws,
) -> None:
    port = str(free_port())
    try:
        up = local_aws.invoke("up", "--stage", "dev", "--skip-tests", "--port", port)
        assert up.returncode == 0, dump(up)
        # up made the stage's custom domain (a local zone): the shared stack has it.
        domains = local_aws.client("apigatewayv2").get_domain_names()["Items"]
        assert [d["DomainName"] for d in domains] == ["api.dev.purposepath.app"]

        plan = local_aws.invoke("plan", "--stage", "dev", "--local")
        assert plan.returncode == 0, dump(plan)
        assert plan_actions(plan.stdout) == dict.fromkeys(ALL_STACKS, "unchanged"), plan.stdout

        again = local_aws.invoke(*DEPLOY_ALL)
        assert again.returncode == 0, dump(again)
        assert summary(again.stdout) == dict.fromkeys(ALL_STACKS, "unchanged")
    finally:
        local_aws.invoke("down")
