"""Issue 6 acceptance: the stateful and export guards against a real local AWS.

Each variant of the shared template is written as JSON into a temporary folder and given
to `deploy-shared --template`; the repository's own template is never touched.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ppdeploy import naming, templates
from tests.integration.support import ROOT, LocalAws, deploy_shared_dev, dump, exports

pytestmark = pytest.mark.integration
STACK = naming.shared_stack("dev")
USERS = "purposepath-users-dev"
Template = dict[str, Any]


def shared_template() -> Template:
    path = ROOT / "shared-infrastructure" / "template.yaml"
    return templates.load(path).document


def write(tmp_path: Path, document: Template, name: str = "variant.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=1))
    return str(path)


def deploy_shared(aws: LocalAws, *flags: str) -> Any:
    return aws.invoke("deploy-shared", "--stage", "dev", "--local", "--yes", *flags)


def seed_user(aws: LocalAws, table: str = USERS) -> None:
    aws.client("dynamodb").put_item(
        TableName=table, Item={"userId": {"S": "u-1"}, "email": {"S": "kept@example.com"}}
    )


def user_kept(aws: LocalAws, table: str = USERS) -> bool:
    item = aws.client("dynamodb").get_item(TableName=table, Key={"userId": {"S": "u-1"}})
    return item.get("Item", {}).get("email", {}).get("S") == "kept@example.com"


def rename_users_table(doc: Template) -> None:
    doc["Resources"]["UsersTable"]["Properties"]["TableName"] = {
        "Fn::Sub": "purposepath-users-v2-${Stage}"
    }


def rekey_users_table(doc: Template) -> None:
    # A new key schema needs a new table; a custom-named one needs a new name too
    # (CloudFormation cannot replace a resource whose custom name stays the same).
    rename_users_table(doc)
    props = doc["Resources"]["UsersTable"]["Properties"]
    props["AttributeDefinitions"].append({"AttributeName": "tenantId", "AttributeType": "S"})
    props["KeySchema"] = [
        {"AttributeName": "userId", "KeyType": "HASH"},
        {"AttributeName": "tenantId", "KeyType": "RANGE"},
    ]


def rename_secret(doc: Template) -> None:
    doc["Resources"]["JwtSecret"]["Properties"]["Name"] = {
        "Fn::Sub": "purposepath/jwt-secret-v2/${Stage}"
    }


@pytest.fixture
def deployed(local_aws_server: LocalAws) -> LocalAws:
    """The dev shared stack (built once, restored for each test) and one user."""
    aws = local_aws_server.start_from("shared-dev", deploy_shared_dev)
    seed_user(aws)
    return aws


@pytest.mark.parametrize(
    ("change", "logical_id", "forcing"),
    [
        (rename_users_table, "UsersTable", "TableName"),
        (rekey_users_table, "UsersTable", "KeySchema"),
        (rename_secret, "JwtSecret", "Name"),
    ],
    ids=["rename-table", "key-schema", "rename-secret"],
)
def test_replacing_a_stateful_resource_is_flagged_refused_then_allowed(
    deployed: LocalAws,
    tmp_path: Path,
    change: Callable[[Template], None],
    logical_id: str,
    forcing: str,
) -> None:
    doc = copy.deepcopy(shared_template())
    change(doc)
    variant = write(tmp_path, doc)
    secret_before = deployed.client("secretsmanager").get_secret_value(
        SecretId="purposepath/jwt-secret/dev"
    )["SecretString"]

    plan = deployed.invoke("plan", "--stage", "dev", "--local", "--service", "coaching")
    assert plan.returncode == 0, dump(plan)

    refused = deploy_shared(deployed, "--template", variant)
    assert refused.returncode == 5, dump(refused)
    assert logical_id in refused.stderr
    assert forcing in refused.stderr
    assert f"--allow-replace {logical_id}" in refused.stderr
    assert user_kept(deployed)
    cfn = deployed.client("cloudformation")
    assert cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert [c["ExecutionStatus"] for c in cfn.list_change_sets(StackName=STACK)["Summaries"]] == [
        "EXECUTE_COMPLETE"
    ]

    allowed = deploy_shared(deployed, "--template", variant, "--allow-replace", logical_id)
    assert allowed.returncode == 0, dump(allowed)
    assert f"explicitly allowed: {logical_id}" in allowed.stdout
    # The replaced resource is retained (UpdateReplacePolicy Retain) with its data.
    assert user_kept(deployed)
    assert (
        deployed.client("secretsmanager").get_secret_value(SecretId="purposepath/jwt-secret/dev")[
            "SecretString"
        ]
        == secret_before
    )


def test_plan_marks_a_replacement_as_dangerous_and_changes_nothing(
    deployed: LocalAws, tmp_path: Path
) -> None:
    doc = copy.deepcopy(shared_template())
    rename_users_table(doc)
    root = tmp_path / "project"
    (root / "shared-infrastructure").mkdir(parents=True)
    (root / "shared-infrastructure" / "template.yaml").write_text(json.dumps(doc))
    (root / "stages.toml").write_text((ROOT / "stages.toml").read_text())
    (root / "services").symlink_to(ROOT / "services")
    (root / "bootstrap").symlink_to(ROOT / "bootstrap")
    cfn = deployed.client("cloudformation")
    before = cfn.list_change_sets(StackName=STACK)["Summaries"]

    plan = deployed.invoke("plan", "--stage", "dev", "--local", env={"PPDEPLOY_ROOT": str(root)})
    assert plan.returncode == 0, dump(plan)
    assert "DANGEROUS" in plan.stdout
    assert "UsersTable" in plan.stdout
    assert cfn.list_change_sets(StackName=STACK)["Summaries"] == before
    assert user_kept(deployed)


def test_removing_a_table_is_refused_then_allowed_and_the_table_is_retained(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    doc = copy.deepcopy(shared_template())
    extra = copy.deepcopy(doc["Resources"]["TenantsTable"])
    extra["Properties"]["TableName"] = {"Fn::Sub": "purposepath-archive-${Stage}"}
    doc["Resources"]["ArchiveTable"] = extra
    with_extra = write(tmp_path, doc, "with-extra.json")
    assert deploy_shared(local_aws, "--template", with_extra).returncode == 0
    local_aws.client("dynamodb").put_item(
        TableName="purposepath-archive-dev", Item={"tenantId": {"S": "t-1"}}
    )

    without = write(tmp_path, shared_template(), "without.json")
    refused = deploy_shared(local_aws, "--template", without)
    assert refused.returncode == 5, dump(refused)
    assert "ArchiveTable (AWS::DynamoDB::Table) would be removed" in refused.stderr
    assert "--allow-replace ArchiveTable" in refused.stderr

    allowed = deploy_shared(local_aws, "--template", without, "--allow-replace", "ArchiveTable")
    assert allowed.returncode == 0, dump(allowed)
    kept = local_aws.client("dynamodb").get_item(
        TableName="purposepath-archive-dev", Key={"tenantId": {"S": "t-1"}}
    )
    assert "Item" in kept


def _with_coaching(aws: LocalAws) -> None:
    deploy_shared_dev(aws)
    seed_user(aws)
    result = aws.invoke(
        "deploy", "--service", "coaching", "--stage", "dev", "--local", "--yes", "--skip-tests"
    )
    assert result.returncode == 0, dump(result)


@pytest.fixture
def with_coaching(local_aws_server: LocalAws) -> LocalAws:
    """As ``deployed``, and the coaching service importing its exports."""
    return local_aws_server.start_from("guards-shared-dev-coaching", _with_coaching)


def test_dropping_an_imported_export_is_refused_naming_the_importer(
    with_coaching: LocalAws, tmp_path: Path
) -> None:
    doc = copy.deepcopy(shared_template())
    del doc["Outputs"]["CoachingTableName"]["Export"]
    result = deploy_shared(with_coaching, "--template", write(tmp_path, doc))
    assert result.returncode == 5, dump(result)
    assert "purposepath-coaching-table-dev would be dropped" in result.stderr
    assert naming.service_stack("coaching", "dev") in result.stderr
    assert "purposepath-coaching-table-dev" in exports(with_coaching)


def test_redefining_an_imported_export_is_refused(with_coaching: LocalAws, tmp_path: Path) -> None:
    doc = copy.deepcopy(shared_template())
    doc["Outputs"]["CoachingTableName"]["Value"] = {"Fn::GetAtt": ["CoachingTable", "Arn"]}
    result = deploy_shared(with_coaching, "--template", write(tmp_path, doc))
    assert result.returncode == 5, dump(result)
    assert "purposepath-coaching-table-dev would be redefined" in result.stderr


def test_deleting_the_shared_stack_while_imported_is_refused(with_coaching: LocalAws) -> None:
    result = with_coaching.invoke(
        "delete-stack", "--stack", STACK, "--stage", "dev", "--local", "--yes"
    )
    assert result.returncode == 5, dump(result)
    assert "refused to delete" in result.stderr
    assert naming.service_stack("coaching", "dev") in result.stderr
    cfn = with_coaching.client("cloudformation")
    assert cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_a_stack_nothing_imports_can_be_deleted_and_retains_its_data(deployed: LocalAws) -> None:
    result = deployed.invoke("delete-stack", "--stack", STACK, "--stage", "dev", "--local", "--yes")
    assert result.returncode == 0, dump(result)
    assert "kept (DeletionPolicy Retain)" in result.stdout
    assert user_kept(deployed)


def test_staging_gets_termination_protection_and_a_protective_stack_policy(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    stack = naming.shared_stack("staging")
    result = local_aws.invoke("deploy-shared", "--stage", "staging", "--local", "--yes")
    assert result.returncode == 0, dump(result)
    cfn = local_aws.client("cloudformation")
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["EnableTerminationProtection"]
    policy = json.loads(cfn.get_stack_policy(StackName=stack)["StackPolicyBody"])
    denied = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert "AWS::DynamoDB::Table" in denied[0]["Condition"]["StringEquals"]["ResourceType"]

    # The policy would deny the replacement; --allow-replace lifts it for that id only.
    doc = copy.deepcopy(shared_template())
    doc["Resources"]["UsersTable"]["Properties"]["TableName"] = {
        "Fn::Sub": "purposepath-users-v2-${Stage}"
    }
    allowed = local_aws.invoke(
        "deploy-shared", "--stage", "staging", "--local", "--yes",
        "--template", write(tmp_path, doc), "--allow-replace", "UsersTable",
    )  # fmt: skip
    assert allowed.returncode == 0, dump(allowed)
    assert json.loads(cfn.get_stack_policy(StackName=stack)["StackPolicyBody"]) == policy

    deleted = local_aws.invoke(
        "delete-stack", "--stack", stack, "--stage", "staging", "--local", "--yes"
    )
    assert deleted.returncode == 5, dump(deleted)
    assert "termination protection is on" in deleted.stderr
