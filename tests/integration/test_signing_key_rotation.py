"""`invoke rotate-signing-key` against a real local AWS server: a rotation, its refusals, the
retirement of the previous key, and an ordinary deploy that keeps the rotated slots.

Needs the local AWS to create the shared stack's ElastiCache RBAC users and user group.
"""

from __future__ import annotations

import json

import pytest

from ppdeploy import naming
from tests.integration.support import LocalAws, deploy_shared_dev, dump

pytestmark = pytest.mark.integration
STACK = naming.shared_stack("dev")


def key_set(aws: LocalAws) -> dict[str, object]:
    parameter = aws.client("ssm").get_parameter(Name=naming.signing_keys_parameter("dev"))
    return dict(json.loads(parameter["Parameter"]["Value"]))


def slot_keys(aws: LocalAws) -> dict[str, str]:
    summaries = aws.client("cloudformation").list_stack_resources(StackName=STACK)
    return {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in summaries["StackResourceSummaries"]
        if r["LogicalResourceId"] in ("SigningKeyA", "SigningKeyB")
    }


def retired_key_state(aws: LocalAws, key_id: str) -> str:
    """AWS schedules a removed key's deletion (PendingWindowInDays: the key is then
    PendingDeletion and can no longer sign); moto deletes it at once."""
    kms = aws.client("kms")
    try:
        return str(kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"])
    except kms.exceptions.NotFoundException:
        return "gone"


def parameters(aws: LocalAws) -> dict[str, str]:
    stack = aws.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}


def test_rotate_then_retire_keeps_a_key_accepted_throughout(local_aws_server: LocalAws) -> None:
    local_aws = local_aws_server.start_from("shared-dev", deploy_shared_dev)
    first = slot_keys(local_aws)["SigningKeyA"]
    assert key_set(local_aws) == {"active": first, "accepted": [first], "legacyHs256Until": ""}

    rotated = local_aws.invoke("rotate-signing-key", "--stage", "dev", "--local", "--yes")
    assert rotated.returncode == 0, dump(rotated)
    second = slot_keys(local_aws)["SigningKeyB"]
    assert key_set(local_aws) == {
        "active": second,
        "accepted": [second, first],
        "legacyHs256Until": "",
    }

    again = local_aws.invoke("rotate-signing-key", "--stage", "dev", "--local", "--yes")
    assert again.returncode == 5, dump(again)
    assert "--retire" in again.stderr + again.stdout

    early = local_aws.invoke("rotate-signing-key", "--stage", "dev", "--local", "--retire", "--yes")
    assert early.returncode == 5, dump(early)
    assert "refused to retire slot A's key before" in early.stderr + early.stdout

    # An ordinary deploy keeps the rotated slots (it passes only the stage's parameters).
    redeployed = local_aws.invoke("deploy-shared", "--stage", "dev", "--local", "--yes")
    assert redeployed.returncode == 0, dump(redeployed)
    assert (
        parameters(local_aws)["SigningKeyAState"],
        parameters(local_aws)["SigningKeyBState"],
    ) == (
        "previous",
        "active",
    )

    retired = local_aws.invoke(
        "rotate-signing-key",
        "--stage",
        "dev",
        "--local",
        "--retire",
        "--overlap-seconds",
        "0",
        "--yes",
    )
    assert retired.returncode == 0, dump(retired)
    assert "SigningKeyA" not in slot_keys(local_aws)
    assert key_set(local_aws) == {"active": second, "accepted": [second], "legacyHs256Until": ""}
    assert retired_key_state(local_aws, first) in ("PendingDeletion", "gone")
