"""`invoke plan` on the local AWS: it shows what a deploy would do, and changes nothing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from ppdeploy import naming
from tests.integration.support import ROOT, LocalAws, deploy_all, dump

pytestmark = pytest.mark.integration
SHARED = naming.shared_stack("dev")
COACHING = naming.service_stack("coaching", "dev")
ALL_STACKS = [SHARED, *(naming.service_stack(service, "dev") for service in naming.SERVICES)]
WIDE = {"COLUMNS": "240"}  # one table row per line, nothing folded


def plan_rows(stdout: str) -> dict[str, tuple[str, str]]:
    """The plan table: stack name to (action, changes); a cell's wrapped lines are joined."""
    rows: dict[str, tuple[str, str]] = {}
    current = ""
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if len(cells) != 4:
            current = ""
        elif cells[1] in ALL_STACKS:
            current = cells[1]
            rows[current] = (cells[2], cells[3])
        elif current and not cells[1] and cells[3]:
            action, changes = rows[current]
            rows[current] = (action, f"{changes} {cells[3]}".strip())
    return rows


def stage_state(aws: LocalAws) -> dict[str, Any]:
    """What a change would alter: each stack's status, update time, template, change sets."""
    cfn = aws.client("cloudformation")
    state = {}
    for stack in ALL_STACKS:
        described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        state[stack] = (
            described["StackStatus"],
            described.get("LastUpdatedTime"),
            cfn.get_template(StackName=stack)["TemplateBody"],
            sorted(s["ChangeSetId"] for s in cfn.list_change_sets(StackName=stack)["Summaries"]),
        )
    return state


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", "build", "bin", "obj")
    shutil.copy2(ROOT / "stages.toml", tmp_path / "stages.toml")
    for folder in ("shared-infrastructure", "services", "bootstrap"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=ignore)
    return tmp_path


def test_plan_shows_exactly_the_one_changed_template_and_changes_nothing(
    local_aws_server: LocalAws, project_copy: Path
) -> None:
    # The stage deployed from the checkout (built once, restored), planned from a copy of
    # the checkout with one template changed: the copy's other sources are the same bytes.
    local_aws = local_aws_server.start_from("dev-all", deploy_all)
    env = {"PPDEPLOY_ROOT": str(project_copy), **WIDE}
    template = project_copy / "services" / "coaching" / "template.yaml"
    text = template.read_text(encoding="utf-8")
    # The API function's memory (the purge function's comes after it in the template).
    assert text.count("      MemorySize: 512\n") == 2
    template.write_text(text.replace("      MemorySize: 512\n", "      MemorySize: 1024\n", 1))
    before = stage_state(local_aws)

    result = local_aws.invoke("plan", "--stage", "dev", "--local", env=env)

    assert result.returncode == 0, dump(result)
    rows = plan_rows(result.stdout)
    action, changes = rows.pop(COACHING)
    assert rows == {stack: ("unchanged", "") for stack in ALL_STACKS if stack != COACHING}
    # The function changes, and (the API being on the alias `live`) a version is published
    # from it and the alias moves to it; the previous version's resource leaves the template
    # (SAM retains the version itself); the live version's rollback alarm watches the new one.
    assert action == "update"
    assert re.fullmatch(
        r"Modify ServiceFunction Add ServiceFunctionVersion\w+ Modify LiveVersionErrorsAlarm "
        r"Modify ServiceFunctionAliaslive Remove ServiceFunctionVersion\w+",
        changes,
    ), changes
    assert stage_state(local_aws) == before


def test_plan_of_an_empty_stage_lists_what_each_stack_would_create(local_aws: LocalAws) -> None:
    result = local_aws.invoke("plan", "--stage", "dev", "--local", env=WIDE)

    assert result.returncode == 0, dump(result)
    rows = plan_rows(result.stdout)
    assert {stack: action for stack, (action, _) in rows.items()} == dict.fromkeys(
        ALL_STACKS, "create"
    )
    assert "Add UsersTable" in rows[SHARED][1]
    assert "Add ServiceFunction" in rows[COACHING][1]
    assert local_aws.client("cloudformation").describe_stacks()["Stacks"] == []
