"""The operations tasks against the local AWS: status, exports, outputs, events and logs.

One stage is deployed for the module (the read-only tasks share it); the tests that need an
empty local AWS run first and reset it themselves.
"""

from __future__ import annotations

import time

import pytest

from ppdeploy import naming
from tests.integration.support import LocalAws, deploy_all, dump, exports

pytestmark = pytest.mark.integration
SHARED = naming.shared_stack("dev")
COACHING = naming.service_stack("coaching", "dev")
SERVICE_STACKS = [naming.service_stack(service, "dev") for service in naming.SERVICES]
ALL_STACKS = [SHARED, *SERVICE_STACKS]
WIDE = {"COLUMNS": "400"}  # fewer folded cells


def table_rows(stdout: str) -> list[list[str]]:
    """The cells of each row of the tables a task printed.

    A cell too wide for its column is folded onto the next lines (first cell empty); its
    parts are joined again. The values read here (names, ARNs, times) hold no spaces.
    """
    rows: list[list[str]] = []
    for line in stdout.splitlines():
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if rows and not cells[0] and len(cells) == len(rows[-1]):
            rows[-1] = [kept + more for kept, more in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    return rows


def run(aws: LocalAws, *args: str) -> str:
    result = aws.invoke(*args, "--stage", "dev", "--local", env=WIDE)
    assert result.returncode == 0, dump(result)
    return result.stdout


def test_status_of_an_empty_stage_says_not_deployed(local_aws: LocalAws) -> None:
    rows = table_rows(run(local_aws, "status"))

    assert {row[0]: row[1] for row in rows} == dict.fromkeys(ALL_STACKS, "not deployed")


def test_exports_of_an_empty_stage_is_an_empty_table(local_aws: LocalAws) -> None:
    assert table_rows(run(local_aws, "exports")) == []


@pytest.fixture(scope="module")
def deployed(local_aws_server: LocalAws) -> LocalAws:
    """The whole dev stage, deployed once for the module's read-only tests."""
    return local_aws_server.start_from("dev-all", deploy_all)


def test_status_lists_every_stack_with_its_state_and_runtime(deployed: LocalAws) -> None:
    rows = {row[0]: row[1:] for row in table_rows(run(deployed, "status"))}

    assert set(rows) == set(ALL_STACKS)
    assert all(status == "CREATE_COMPLETE" for status, _, _ in rows.values())
    assert all(changed.endswith("UTC") for _, changed, _ in rows.values())
    assert {stack: runtime for stack, (_, _, runtime) in rows.items()} == {
        SHARED: "",
        **dict.fromkeys(SERVICE_STACKS, "python"),
    }


def test_exports_show_each_value_and_the_stacks_importing_it(deployed: LocalAws) -> None:
    rows = {row[0]: (row[1], row[2]) for row in table_rows(run(deployed, "exports"))}

    assert {name: value for name, (value, _) in rows.items()} == exports(deployed)
    assert rows[naming.export("coaching-table", "dev")] == ("purposepath-coaching-dev", COACHING)
    secret_importers = rows[naming.export("jwt-secret-arn", "dev")][1]
    assert [name.strip() for name in secret_importers.split(",")] == sorted(SERVICE_STACKS)
    # An export nothing imports says so instead of leaving the cell empty.
    assert rows[naming.export("stage", "dev")][1] == "-"


def test_outputs_of_a_stack_are_its_outputs(deployed: LocalAws) -> None:
    stdout = run(deployed, "outputs", "--stack", COACHING)

    described = deployed.client("cloudformation").describe_stacks(StackName=COACHING)
    expected = {o["OutputKey"]: o["OutputValue"] for o in described["Stacks"][0]["Outputs"]}
    assert dict((row[0], row[1]) for row in table_rows(stdout)) == expected
    assert "ApiUrl" in expected
    assert f"{COACHING} (CREATE_COMPLETE)" in stdout


@pytest.mark.parametrize("task", ["outputs", "events"])
def test_a_stack_that_does_not_exist_is_named_with_the_fix(deployed: LocalAws, task: str) -> None:
    result = deployed.invoke(
        task, "--stack", "purposepath-nothing-dev", "--stage", "dev", "--local"
    )

    assert result.returncode == 2, dump(result)
    assert "stack purposepath-nothing-dev does not exist" in result.stderr
    assert "invoke status" in result.stderr


def test_events_show_the_latest_events_oldest_first(deployed: LocalAws) -> None:
    rows = table_rows(run(deployed, "events", "--stack", COACHING, "--limit", "3"))

    raw = deployed.client("cloudformation").describe_stack_events(StackName=COACHING)
    newest_three = list(reversed(raw["StackEvents"][:3]))
    assert [(row[1], row[3]) for row in rows] == [
        (event["LogicalResourceId"], event["ResourceStatus"]) for event in newest_three
    ]
    assert rows[-1][1:4] == [COACHING, "AWS::CloudFormation::Stack", "CREATE_COMPLETE"]
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)


def put_log_lines(aws: LocalAws, service: str, lines: list[str], *, age_seconds: int) -> None:
    """Write ``lines`` to the service's log group as if it logged them ``age_seconds`` ago."""
    logs = aws.client("logs")
    group = naming.log_group(service, "dev")
    stream = f"2026/01/01/[$LATEST]{age_seconds}"
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    at = int((time.time() - age_seconds) * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": at + index, "message": line} for index, line in enumerate(lines)],
    )


def test_logs_print_the_service_lines_since_the_given_time(deployed: LocalAws) -> None:
    put_log_lines(deployed, "coaching", ["old line"], age_seconds=3 * 3600)
    put_log_lines(deployed, "coaching", ["first recent", "second recent"], age_seconds=60)
    put_log_lines(deployed, "traction", ["another service"], age_seconds=60)

    recent = run(deployed, "logs", "--service", "coaching", "--since", "10m").splitlines()
    longer = run(deployed, "logs", "--service", "coaching", "--since", "1d").splitlines()

    assert [line.split(" ", 1)[1] for line in recent] == ["first recent", "second recent"]
    assert all(line[:20].endswith("Z") and line[10] == "T" for line in recent)
    assert [line.split(" ", 1)[1] for line in longer] == [
        "old line",
        "first recent",
        "second recent",
    ]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--service", "billing"), "unknown service 'billing'"),
        (("--service", "coaching", "--since", "ten minutes"), "is not a duration"),
    ],
)
def test_logs_refuse_bad_input_naming_it(
    deployed: LocalAws, flags: tuple[str, ...], message: str
) -> None:
    result = deployed.invoke("logs", *flags, "--stage", "dev", "--local")

    assert result.returncode == 2, dump(result)
    assert message in result.stderr
    assert "fix:" in result.stderr
