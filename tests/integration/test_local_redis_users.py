"""ElastiCache RBAC on the local AWS server: a stack's users are the Redis's ACL users.

A stack deployed through the local AWS creates a replaced (disabled) default user, the
account service's writer and a verifier's reader, their user group and a replication
group using it. The exported endpoint reaches a real redis-server that enforces exactly
those users, spoken to with the services' own RESP functions and the Redis 6 ACL form of
AUTH (``AUTH <username> <password>``) the services send.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest

from ppcommon.cache import RespError, encode_command, read_reply
from pplocalaws.extensions.waiting import stack_after_operation
from tests.integration.support import LocalAws

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="redis-server is not installed (.ci/run installs it; apt-get install redis-server)",
    ),
]

STACK = "redis-users-check"
STAGE = "check"
READER_ACCESS = "on ~rev:* +get +mget +ping +hello +auth"
WRITER_ACCESS = "on ~rev:* ~cache:* +@read +@write +@connection -@dangerous"


def _secret(name: str, username: str) -> dict[str, Any]:
    return {
        "Type": "AWS::SecretsManager::Secret",
        "Properties": {
            "Name": name,
            "GenerateSecretString": {
                "SecretStringTemplate": json.dumps({"username": username}),
                "GenerateStringKey": "password",
                "PasswordLength": 40,
                "ExcludePunctuation": True,
            },
        },
    }


def _user(user_id: str, name: str, access: str, secret: str) -> dict[str, Any]:
    password = {"Fn::Sub": f"{{{{resolve:secretsmanager:${{{secret}}}:SecretString:password}}}}"}
    return {
        "Type": "AWS::ElastiCache::User",
        "Properties": {
            "UserId": user_id,
            "UserName": name,
            "Engine": "redis",
            "AccessString": access,
            "AuthenticationMode": {"Type": "password", "Passwords": [password]},
        },
    }


def _template() -> str:
    account, coaching = f"purposepath-{STAGE}-account", f"purposepath-{STAGE}-coaching"
    resources = {
        "DefaultSecret": _secret(f"purposepath/{STAGE}/redis/default", "default"),
        "AccountSecret": _secret(f"purposepath/{STAGE}/redis/account", account),
        "CoachingSecret": _secret(f"purposepath/{STAGE}/redis/coaching", coaching),
        "DefaultUser": _user(f"purposepath-{STAGE}-default", "default", "off", "DefaultSecret"),
        "AccountUser": _user(account, account, WRITER_ACCESS, "AccountSecret"),
        "CoachingUser": _user(coaching, coaching, READER_ACCESS, "CoachingSecret"),
        "RedisUsers": {
            "Type": "AWS::ElastiCache::UserGroup",
            "Properties": {
                "UserGroupId": f"purposepath-{STAGE}-redis-users",
                "Engine": "redis",
                "UserIds": [
                    {"Ref": "DefaultUser"},
                    {"Ref": "AccountUser"},
                    {"Ref": "CoachingUser"},
                ],
            },
        },
        "Redis": {
            "Type": "AWS::ElastiCache::ReplicationGroup",
            "Properties": {
                "ReplicationGroupId": f"purposepath-redis-{STAGE}",
                "ReplicationGroupDescription": "revocations and cache",
                "Engine": "redis",
                "CacheNodeType": "cache.t4g.micro",
                "NumCacheClusters": 1,
                "AtRestEncryptionEnabled": True,
                "TransitEncryptionEnabled": True,
                "UserGroupIds": [{"Ref": "RedisUsers"}],
            },
        },
    }
    outputs = {
        "Port": {
            "Value": {"Fn::GetAtt": ["Redis", "PrimaryEndPoint.Port"]},
            "Export": {"Name": f"purposepath-{STAGE}-redis-port"},
        },
        "Address": {"Value": {"Fn::GetAtt": ["Redis", "PrimaryEndPoint.Address"]}},
        "AccountSecret": {"Value": {"Ref": "AccountSecret"}},
        "CoachingSecret": {"Value": {"Ref": "CoachingSecret"}},
        "DefaultSecret": {"Value": {"Ref": "DefaultSecret"}},
    }
    return json.dumps({"Resources": resources, "Outputs": outputs})


def _credentials(aws: LocalAws, secret_arn: str) -> tuple[str, str]:
    value = aws.client("secretsmanager").get_secret_value(SecretId=secret_arn)
    secret = json.loads(value["SecretString"])
    return str(secret["username"]), str(secret["password"])


def _run(address: tuple[str, int], *commands: tuple[str, ...]) -> list[object]:
    """Each command's reply on one connection; a refusal as its RespError's text."""
    replies: list[object] = []
    with socket.create_connection(address, timeout=2) as connection:
        stream = connection.makefile("rwb")
        for command in commands:
            stream.write(encode_command(*command))
            stream.flush()
            try:
                replies.append(read_reply(stream))
            except RespError as refused:
                replies.append(str(refused))
    return replies


def _redis_command_lines(port: int) -> list[str]:
    lines = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "redis-server" in command and f":{port}" in command:
                lines.append(command)
    return lines


def test_a_stack_of_rbac_users_yields_a_redis_enforcing_them(local_aws: LocalAws) -> None:
    cfn = local_aws.client("cloudformation")
    cfn.create_stack(StackName=STACK, TemplateBody=_template())
    stack_after_operation(cfn, STACK, "CREATE_COMPLETE")
    stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    address = (outputs["Address"], int(outputs["Port"]))
    account = _credentials(local_aws, outputs["AccountSecret"])
    coaching = _credentials(local_aws, outputs["CoachingSecret"])
    default = _credentials(local_aws, outputs["DefaultSecret"])

    writes = _run(
        address,
        ("AUTH", *account),
        ("SET", "rev:sid:s-1", "1", "EX", "3660"),
        ("SET", "cache:tenant:t-1", "x"),
        ("FLUSHALL",),  # -@dangerous
    )
    reads = _run(
        address,
        ("AUTH", *coaching),
        ("MGET", "rev:jti:j-1", "rev:sid:s-1", "rev:user:u-1", "rev:tenant:t-1"),
        ("SET", "rev:sid:s-1", "0"),
        ("GET", "cache:tenant:t-1"),
    )
    wrong = _run(address, ("AUTH", coaching[0], "not-" + coaching[1]))
    anonymous = _run(address, ("GET", "rev:sid:s-1"), ("AUTH", *default))

    assert writes[:3] == [b"OK", b"OK", b"OK"]
    assert str(writes[3]).startswith("NOPERM")
    assert reads[:2] == [b"OK", [None, b"1", None, None]]
    assert str(reads[2]).startswith("NOPERM")  # a verifier cannot write revocations
    assert str(reads[3]).startswith("NOPERM")  # nor read the account service's cache
    assert str(wrong[0]).startswith("WRONGPASS")
    assert str(anonymous[0]).startswith("NOAUTH")  # the default user is disabled
    assert str(anonymous[1]).startswith("WRONGPASS")
    started_with = " ".join(_redis_command_lines(address[1]))
    assert started_with  # the server runs, and its command line holds no password
    for _, password in (account, coaching, default):
        assert password not in started_with
