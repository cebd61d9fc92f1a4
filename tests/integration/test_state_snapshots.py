"""A restored snapshot is exactly the saved state, however the state changed in between.

The integration tests start from saved states (``LocalAws.start_from`` in support.py); this proves
that a restore gives back every stack, export, table, item, function, role and the rest a
client can read (``fingerprint.py``), undoes changes in every direction (things added,
changed, deleted, reset away, made in another region) and empties the Redis
behind the stage's replication group.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import boto3
import pytest

from ppcommon.cache import encode_command, read_reply
from ppdeploy import naming
from tests.integration.fingerprint import fingerprint
from tests.integration.support import LocalAws, dump

pytestmark = pytest.mark.integration
STATE = "state-snapshots-dev-all"
USERS = "purposepath-users-dev"
COACHING = naming.service_stack("coaching", "dev")
ACCOUNT_FUNCTION = naming.function_name("account", "dev")


def _deploy_all(aws: LocalAws) -> None:
    result = aws.invoke("deploy", "--all", "--stage", "dev", "--local", "--yes", "--skip-tests")
    assert result.returncode == 0, dump(result)


def _elsewhere(aws: LocalAws, region: str) -> Any:
    """A DynamoDB client for another region."""
    return boto3.client(
        "dynamodb",
        region_name=region,
        endpoint_url=aws.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _redis_address(aws: LocalAws) -> tuple[str, int]:
    groups = aws.client("elasticache").describe_replication_groups()["ReplicationGroups"]
    endpoint = groups[0]["NodeGroups"][0]["PrimaryEndpoint"]
    return endpoint["Address"], int(endpoint["Port"])


def _redis(aws: LocalAws, *command: str) -> object:
    """``command``'s reply from the stage's Redis, as the account service's user."""
    secret = aws.client("secretsmanager").get_secret_value(
        SecretId="purposepath/redis-users/account/dev"
    )
    credentials = json.loads(secret["SecretString"])
    with socket.create_connection(_redis_address(aws), timeout=5) as connection:
        stream = connection.makefile("rwb")
        stream.write(encode_command("AUTH", credentials["username"], credentials["password"]))
        stream.write(encode_command(*command))
        stream.flush()
        assert read_reply(stream) == b"OK"
        return read_reply(stream)


def _change_everything(aws: LocalAws) -> None:
    """Changes of every kind a test might leave behind."""
    dynamodb = aws.client("dynamodb")
    dynamodb.put_item(TableName=USERS, Item={"userId": {"S": "leaked"}})
    aws.client("iam").create_role(RoleName="leaked-role", AssumeRolePolicyDocument="{}")
    aws.client("lambda").update_function_configuration(
        FunctionName=ACCOUNT_FUNCTION, Environment={"Variables": {"LEAKED": "1"}}
    )
    aws.client("secretsmanager").create_secret(Name="leaked", SecretString="x")
    aws.client("s3").put_object(Bucket=_a_bucket(aws), Key="leaked.txt", Body=b"x")
    aws.client("cloudformation").delete_stack(StackName=COACHING)
    _elsewhere(aws, "eu-west-1").create_table(
        TableName="leaked-elsewhere",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _a_bucket(aws: LocalAws) -> str:
    return str(aws.client("s3").list_buckets()["Buckets"][0]["Name"])


def _tables_elsewhere(aws: LocalAws) -> list[str]:
    return list(_elsewhere(aws, "eu-west-1").list_tables()["TableNames"])


def test_a_restore_gives_back_exactly_the_saved_state_whatever_happened_since(
    local_aws_server: LocalAws,
) -> None:
    aws = local_aws_server.start_from(STATE, _deploy_all)
    saved = fingerprint(aws)
    for kind in ("stacks", "exports", "tables", "functions", "roles"):
        assert saved[kind], f"the saved stage has no {kind}, so the test proves nothing of them"

    _change_everything(aws)
    changed = fingerprint(aws)
    assert changed != saved  # the changes are visible, so the comparison below can fail

    restored, why = aws.restore_state(STATE)
    assert restored, why
    assert fingerprint(aws) == saved
    assert _tables_elsewhere(aws) == []  # accounts first used since: localaws/tests

    aws.reset()  # moto's own reset in between: the saved backends come back all the same
    restored, why = aws.restore_state(STATE)
    assert restored, why
    assert fingerprint(aws) == saved

    _change_everything(aws)  # a second round from the restored state: restores repeat
    restored, why = aws.restore_state(STATE)
    assert restored, why
    assert fingerprint(aws) == saved


def test_a_restore_empties_the_stage_s_redis(local_aws_server: LocalAws) -> None:
    aws = local_aws_server.start_from(STATE, _deploy_all)
    address = _redis_address(aws)
    _redis(aws, "SET", "cache:leaked", "yes")
    assert _redis(aws, "GET", "cache:leaked") == b"yes"

    restored, why = aws.restore_state(STATE)

    assert restored, why
    assert _redis_address(aws) == address  # the same server, so the exported port holds
    assert _redis(aws, "GET", "cache:leaked") is None


def test_unknown_and_badly_named_snapshots_are_refused_naming_them(
    local_aws: LocalAws,
) -> None:
    restored, why = local_aws.restore_state("never-saved")
    assert not restored
    assert "no snapshot 'never-saved'" in why
    status, body = local_aws._snapshot_call("POST", "bad:name")
    assert status == 400
    assert "'bad:name'" in body["message"]
