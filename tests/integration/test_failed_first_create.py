"""A first deploy-shared that fails late can be retried: what the failed create made is gone.

The shared stack's tables, buckets, secrets, log groups and cache are `Retain`. Executed
without `RetainExceptOnCreate`, a failed first create leaves them all behind, and the retry
(which deletes the failed stack and creates it again) fails on "already exists" for each.
"""

from __future__ import annotations

import pytest

from ppdeploy import naming
from tests.integration.support import LocalAws, dump

pytestmark = pytest.mark.integration

SHARED = naming.shared_stack("dev")
# Made by the stack late: the alarm needs the users table first.
CLASHING_ALARM = "purposepath-users-table-throttles-dev"


def leftovers(aws: LocalAws) -> dict[str, list[str]]:
    """Everything the shared stack would make that exists now, by kind."""
    logs = aws.client("logs").describe_log_groups()["logGroups"]
    secrets = aws.client("secretsmanager").list_secrets()["SecretList"]
    return {
        "tables": aws.client("dynamodb").list_tables()["TableNames"],
        "buckets": [
            b["Name"]
            for b in aws.client("s3").list_buckets()["Buckets"]
            if b["Name"].startswith("purposepath-") and "-deploy-" not in b["Name"]
        ],
        "secrets": [s["Name"] for s in secrets],
        "log groups": [g["logGroupName"] for g in logs if "purposepath" in g["logGroupName"]],
        "caches": [
            g["ReplicationGroupId"]
            for g in aws.client("elasticache").describe_replication_groups()["ReplicationGroups"]
        ],
    }


def test_a_failed_first_create_leaves_nothing_and_the_retry_succeeds(local_aws: LocalAws) -> None:
    cloudwatch = local_aws.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=CLASHING_ALARM,
        MetricName="Errors",
        Namespace="Other",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
    )

    failed = local_aws.invoke("deploy-shared", "--stage", "dev", "--local", "--yes")

    assert failed.returncode == 4, dump(failed)
    assert CLASHING_ALARM in failed.stdout + failed.stderr
    status = local_aws.client("cloudformation").describe_stacks(StackName=SHARED)
    assert status["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    assert leftovers(local_aws) == {
        "tables": [],
        "buckets": [],
        "secrets": [],
        "log groups": [],
        "caches": [],
    }

    cloudwatch.delete_alarms(AlarmNames=[CLASHING_ALARM])
    retried = local_aws.invoke("deploy-shared", "--stage", "dev", "--local", "--yes")

    assert retried.returncode == 0, dump(retried)
    status = local_aws.client("cloudformation").describe_stacks(StackName=SHARED)
    assert status["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert len(leftovers(local_aws)["tables"]) == len(naming.TABLES)
