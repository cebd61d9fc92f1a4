"""`invoke drift` against the local AWS: a freshly deployed stage has no drift; a table's and a
function's settings changed behind CloudFormation's back are reported, exactly those, exit 8.
"""

from __future__ import annotations

import re

import pytest

from ppdeploy import naming
from tests.integration.support import LocalAws, deploy_all, dump

pytestmark = pytest.mark.integration
SHARED = naming.shared_stack("dev")
COACHING = naming.service_stack("coaching", "dev")
DIFFERENCE = re.compile(r"^    (/\S+) (added|removed|changed): expected (.*), actual (.*)$")


@pytest.fixture(scope="module")
def deployed(local_aws_server: LocalAws) -> LocalAws:
    return local_aws_server.start_from("dev-all", deploy_all)


def _differences(stdout: str) -> set[tuple[str, str, str, str, str]]:
    """(resource, property path, how, expected, actual) of every property line printed."""
    found = set()
    resource = ""
    for line in stdout.splitlines():
        if line.startswith("  ") and not line.startswith("    ") and "(" in line:
            resource = line.split()[0]
        match = DIFFERENCE.match(line)
        if match:
            found.add((resource, *match.groups()))
    return found


def test_a_stage_nobody_touched_has_no_drift(deployed: LocalAws) -> None:
    result = deployed.invoke("drift", "--stage", "dev", "--local")

    assert result.returncode == 0, dump(result)
    assert "no drift in stage dev (5 stack(s) checked)" in result.stdout
    assert f"{SHARED}: no drift" in result.stdout
    assert f"{COACHING}: no drift" in result.stdout


def test_a_table_and_a_function_changed_by_hand_are_exactly_what_is_reported(
    deployed: LocalAws,
) -> None:
    table = naming.table("users", "dev")
    deployed.client("dynamodb").update_continuous_backups(
        TableName=table,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False},
    )
    function = naming.function_name("coaching", "dev")
    deployed.client("lambda").update_function_configuration(FunctionName=function, Timeout=29)

    result = deployed.invoke("drift", "--stage", "dev", "--local")
    one_stack = deployed.invoke("drift", "--stage", "dev", "--stack", COACHING, "--local")

    assert result.returncode == 8, dump(result)
    assert _differences(result.stdout) == {
        (
            "UsersTable",
            "/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled",
            "changed",
            "true",
            "false",
        ),
        ("ServiceFunction", "/Timeout", "changed", "10", "29"),
    }
    assert f"{SHARED}: DRIFTED: 1 of" in result.stdout
    assert f"drift in stage dev: 2 resource(s) in {COACHING}, {SHARED}" in result.stderr
    assert one_stack.returncode == 8, dump(one_stack)
    assert _differences(one_stack.stdout) == {
        ("ServiceFunction", "/Timeout", "changed", "10", "29")
    }
    assert SHARED not in one_stack.stdout
