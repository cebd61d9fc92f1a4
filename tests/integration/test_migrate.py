"""Issue 7: `invoke migrate` from the predecessor's legacy stack, against the local AWS.

The legacy fixture (tests/fixtures/legacy) is the predecessor's `purposepath-api-dev`: the
users, tokens and tenants tables keyed as the original was (`id`, `jti`, `tenant_id`, so
their data is copied into the shared stack's tables, not imported), the JWT secret without
DeletionPolicy, exports under our names, and its account function mapped at /account on a
domain made by hand, seeded with users. The services' own tests are skipped (--skip-tests):
they are not the point here and cost ~40 s each run.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ppdeploy import naming
from ppdeploy.aws import local_aws as embedded
from pplocalaws.extensions.waiting import stack_after_operation
from tests.fixtures.legacy import seed, stack
from tests.integration.support import LocalAws, dump, exports, free_port

pytestmark = pytest.mark.integration
STAGE = "dev"
DOMAIN = "api.dev.purposepath.app"
LEGACY = naming.legacy_stack(STAGE)
SHARED = naming.shared_stack(STAGE)
ACCOUNT = naming.service_stack("account", STAGE)
CLASHING = [
    naming.export(name, STAGE)
    for name in (
        "users-table",
        "users-table-arn",
        "tokens-table",
        "tokens-table-arn",
        "tenants-table",
        "tenants-table-arn",
        "jwt-secret-arn",
    )
]


@dataclass
class LegacyStage:
    aws: LocalAws
    gateway_url: str
    users: list[seed.SeededUser]
    mapping_id: str
    secret_value: str

    def migrate(self, *flags: str, env: dict[str, str] | None = None) -> Any:
        """`invoke migrate` as a person runs it."""
        return self.aws.invoke(
            "migrate",
            "--stage",
            STAGE,
            "--local",
            "--skip-tests",
            *flags,
            env=env,
        )


def mappings(aws: LocalAws) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = aws.client("apigatewayv2").get_api_mappings(DomainName=DOMAIN)[
        "Items"
    ]
    return found


def secret_value(aws: LocalAws) -> str:
    secrets = aws.client("secretsmanager")
    return str(secrets.get_secret_value(SecretId=naming.jwt_secret(STAGE))["SecretString"])


@pytest.fixture
def legacy_stage(local_aws: LocalAws) -> Iterator[LegacyStage]:
    stack.create_domain(local_aws.client, DOMAIN)
    stack.create_legacy_stack(local_aws.client, STAGE, DOMAIN)
    users = seed.seed_users(local_aws.client("dynamodb"), STAGE, 3)
    served = embedded.start_gateway(local_aws.endpoint, port=free_port(), domain=DOMAIN)
    assert served.url
    (mapping,) = mappings(local_aws)
    try:
        yield LegacyStage(
            local_aws, served.url, users, mapping["ApiMappingId"], secret_value(local_aws)
        )
    finally:
        embedded.stop_gateway()


def call(url: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - loopback
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def item_keys(aws: LocalAws, table: str, key: str) -> set[str]:
    pages = aws.client("dynamodb").get_paginator("scan").paginate(TableName=table)
    return {item[key]["S"] for page in pages for item in page["Items"]}


def stack_resources(aws: LocalAws, name: str) -> dict[str, str]:
    pages = (
        aws.client("cloudformation").get_paginator("list_stack_resources").paginate(StackName=name)
    )
    return {
        r["LogicalResourceId"]: r.get("PhysicalResourceId", "")
        for page in pages
        for r in page["StackResourceSummaries"]
    }


def assert_migrated(stage: LegacyStage) -> None:
    aws = stage.aws
    cfn = aws.client("cloudformation")
    # Our exports exist, made by the shared stack; the legacy ones are gone.
    shared_id = cfn.describe_stacks(StackName=SHARED)["Stacks"][0]["StackId"]
    exporters = {
        e["Name"]: e["ExportingStackId"]
        for page in cfn.get_paginator("list_exports").paginate()
        for e in page["Exports"]
    }
    assert all(exporters.get(name) == shared_id for name in CLASHING), exporters
    # The tables are the shared stack's, keyed as the services key them, holding every
    # legacy item; the secret is the same one with the same value.
    owned = stack_resources(aws, SHARED)
    assert owned["UsersTable"] == "purposepath-users-dev"
    assert owned["TenantsTable"] == "purposepath-tenants-dev"
    assert secret_value(aws) == stage.secret_value
    users = item_keys(aws, "purposepath-users-dev", "userId")
    assert {u.user_id for u in stage.users} <= users
    assert {f"EMAIL#{u.email}" for u in stage.users} <= users
    assert {u.tenant_id for u in stage.users} <= item_keys(
        aws, "purposepath-tenants-dev", "tenantId"
    )
    # The legacy tables are kept, untouched, until a person deletes them.
    assert item_keys(aws, f"{LEGACY}-users", "id") == {
        key for u in stage.users for key in (u.user_id, f"EMAIL#{u.email}")
    }
    assert item_keys(aws, f"{LEGACY}-tenants", "tenant_id") == {u.tenant_id for u in stage.users}
    # The same mapping, re-pointed to the new account API and owned by its stack.
    account = cfn.describe_stacks(StackName=ACCOUNT)["Stacks"][0]
    api_id = next(o["OutputValue"] for o in account["Outputs"] if o["OutputKey"] == "ApiId")
    by_key = {m["ApiMappingKey"]: m for m in mappings(aws)}
    assert by_key["account"]["ApiMappingId"] == stage.mapping_id
    assert by_key["account"]["ApiId"] == api_id
    assert {"coaching", "traction"} <= set(by_key)
    service_resources = cfn.describe_stack_resources(StackName=ACCOUNT)["StackResources"]
    assert any(
        r["LogicalResourceId"] == "ServiceApiMapping"
        and r["PhysicalResourceId"] == stage.mapping_id
        for r in service_resources
    )
    assert call(f"{stage.gateway_url}/account/health")[1]["runtime"] == "python"
    # Every seeded user logs in through the new account service with the old password.
    for user in stage.users:
        status, body = call(
            f"{stage.gateway_url}/account/auth/login",
            "POST",
            {"email": user.email, "password": user.password},
        )
        assert status == 200, body
        assert body["tokenType"] == "Bearer"


def interrupted_after(stage: LegacyStage, steps: tuple[str, ...]) -> None:
    """`invoke migrate --yes` stopped after each of ``steps`` in turn, each run resuming."""
    for step in steps:
        stopped = stage.migrate("--yes", env={"PPDEPLOY_MIGRATE_STOP_AFTER": step})
        assert stopped.returncode == 130, dump(stopped)
        assert f"stopping after step {step} " in stopped.stdout, dump(stopped)
        if step == "2a":
            assert not set(CLASHING) & set(exports(stage.aws))  # freed, before ours exist
        # What an earlier run finished is found done, not done again.
        if step not in ("1", "2a"):
            assert "already done: the legacy stack retains its data" in stopped.stdout


# The interruptions, after every step, are split in two halves that run side by side (on
# two test workers): this file stops after the steps up to the shared stack in full; the
# second half, test_migrate_resumed.py, starts where this one ends and finishes the job.
FIRST_HALF = ("1", "2a", "2b", "2c", "2d")
SECOND_HALF = ("3", "4", "5")


def test_migrate_interrupted_after_each_step_to_the_full_shared_stack_resumes_every_time(
    legacy_stage: LegacyStage,
) -> None:
    assert call(f"{legacy_stage.gateway_url}/account/health")[1]["runtime"] == "legacy"
    interrupted_after(legacy_stage, FIRST_HALF)


def test_without_yes_and_no_terminal_the_plan_is_printed_and_nothing_changes(
    legacy_stage: LegacyStage,
) -> None:
    before = exports(legacy_stage.aws)

    result = legacy_stage.migrate()

    assert result.returncode == 5, dump(result)
    assert "mapping api.dev.purposepath.app/account" in result.stdout
    assert "retained, released from the legacy stack, imported into" in result.stdout
    assert "add --yes" in result.stderr
    assert exports(legacy_stage.aws) == before
    assert SHARED not in [
        s["StackName"]
        for s in legacy_stage.aws.client("cloudformation").describe_stacks()["Stacks"]
    ]


def test_an_importer_of_a_legacy_export_blocks_the_migration_by_name(
    legacy_stage: LegacyStage,
) -> None:
    importer = {
        "Resources": {
            "Topic": {
                "Type": "AWS::SNS::Topic",
                "Properties": {
                    "DisplayName": {"Fn::ImportValue": naming.export("users-table", STAGE)}
                },
            }
        }
    }
    cfn = legacy_stage.aws.client("cloudformation")
    cfn.create_stack(StackName="legacy-reporting-dev", TemplateBody=json.dumps(importer))
    stack_after_operation(cfn, "legacy-reporting-dev", "CREATE_COMPLETE", timeout=60)

    result = legacy_stage.migrate("--yes")

    assert result.returncode == 5, dump(result)
    assert "purposepath-users-table-dev is imported by legacy-reporting-dev" in result.stderr
    assert set(CLASHING) <= set(exports(legacy_stage.aws))
    template = cfn.get_template(StackName=LEGACY)["TemplateBody"]
    assert "Retain" not in (template if isinstance(template, str) else json.dumps(template))
