"""ElastiCache RBAC through CloudFormation: users, a user group, and the Redis enforcing them.

The refusals need no Redis. The enforcement tests need a real ``redis-server`` on PATH
(the local AWS starts one per replication group) and are skipped, saying so, without it.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from redis_wire import session

from pplocalaws.extensions import install

needs_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed (.ci/run installs it; apt-get install redis-server)",
)


@pytest.fixture(autouse=True)
def _cloudformation_as_aws(aws: boto3.Session) -> None:
    install()  # a refused resource fails with events and rollback, as CloudFormation does


READER_PASSWORD = "reader-password-0123456789"
WRITER_PASSWORD = "writer-password-0123456789"
READER = "on ~rev:* +get +mget +ping +hello +auth"
WRITER = "on ~rev:* ~cache:* +@read +@write +@connection -@dangerous"


def _user(user_id: str, name: str, access: str, passwords: list[Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::ElastiCache::User",
        "Properties": {
            "UserId": user_id,
            "UserName": name,
            "Engine": "redis",
            "AccessString": access,
            "AuthenticationMode": {"Type": "password", "Passwords": passwords},
        },
    }


def rbac_template() -> dict[str, Any]:
    return {
        "Resources": {
            "DefaultUser": _user("pp-dev-default", "default", "off", ["default-password-0123456"]),
            "Reader": _user("pp-dev-coaching", "pp-dev-coaching", READER, [READER_PASSWORD]),
            "Writer": _user("pp-dev-account", "pp-dev-account", WRITER, [WRITER_PASSWORD]),
            "Users": {
                "Type": "AWS::ElastiCache::UserGroup",
                "Properties": {
                    "UserGroupId": "pp-dev-users",
                    "Engine": "redis",
                    "UserIds": [{"Ref": "DefaultUser"}, {"Ref": "Reader"}, {"Ref": "Writer"}],
                },
            },
            "Redis": {
                "Type": "AWS::ElastiCache::ReplicationGroup",
                "Properties": {
                    "ReplicationGroupId": "pp-dev-redis",
                    "ReplicationGroupDescription": "revocations and cache",
                    "Engine": "redis",
                    "CacheNodeType": "cache.t4g.micro",
                    "NumCacheClusters": 1,
                    "TransitEncryptionEnabled": True,
                    "UserGroupIds": [{"Ref": "Users"}],
                },
            },
        },
        "Outputs": {
            "Port": {"Value": {"Fn::GetAtt": ["Redis", "PrimaryEndPoint.Port"]}},
            "GroupArn": {"Value": {"Fn::GetAtt": ["Users", "Arn"]}},
            "ReaderArn": {"Value": {"Fn::GetAtt": ["Reader", "Arn"]}},
            "Group": {"Value": {"Ref": "Users"}},
        },
    }


def _deploy(aws: boto3.Session, template: dict[str, Any], stack: str = "s") -> dict[str, str]:
    cfn = aws.client("cloudformation")
    existing = [s["StackName"] for s in cfn.list_stacks()["StackSummaries"]]
    body = json.dumps(template)
    if stack in existing and cfn.describe_stacks(StackName=stack)["Stacks"]:
        cfn.update_stack(StackName=stack, TemplateBody=body)
    else:
        cfn.create_stack(StackName=stack, TemplateBody=body)
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert described["StackStatus"].endswith("_COMPLETE"), described
    assert "ROLLBACK" not in described["StackStatus"], described
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def _auth(user: str, password: str) -> tuple[str, ...]:
    return ("AUTH", user, password)


# -- models and refusals (no Redis needed) ----------------------------------------------------
def test_users_and_group_are_created_with_refs_and_arns(aws: boto3.Session) -> None:
    outputs = _deploy(aws, rbac_template())

    assert outputs["Group"] == "pp-dev-users"
    assert (
        outputs["GroupArn"] == "arn:aws:elasticache:us-east-1:123456789012:usergroup:pp-dev-users"
    )
    assert outputs["ReaderArn"] == "arn:aws:elasticache:us-east-1:123456789012:user:pp-dev-coaching"
    users = {
        u["UserId"]: u for u in aws.client("elasticache").describe_users()["Users"]
    }  # moto's own DescribeUsers: the users live in moto's backend
    assert users["pp-dev-coaching"]["AccessString"] == READER
    assert users["pp-dev-coaching"]["Authentication"] == {"Type": "password", "PasswordCount": 1}
    assert users["pp-dev-default"]["UserName"] == "default"
    group = aws.client("elasticache").describe_replication_groups(
        ReplicationGroupId="pp-dev-redis"
    )["ReplicationGroups"][0]
    assert group["UserGroupIds"] == ["pp-dev-users"]
    assert group["AuthTokenEnabled"] is False


def test_delete_stack_removes_users_group_and_replication_group(aws: boto3.Session) -> None:
    _deploy(aws, rbac_template())

    aws.client("cloudformation").delete_stack(StackName="s")

    user_ids = [u["UserId"] for u in aws.client("elasticache").describe_users()["Users"]]
    assert user_ids == ["default"]  # only ElastiCache's built-in user is left
    _deploy(aws, rbac_template(), stack="again")  # every id is free again


def _with(change: Callable[[dict[str, Any]], None]) -> str:
    template = rbac_template()
    change(template["Resources"])
    return json.dumps(template)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda r: r["Users"]["Properties"].update(UserIds=[{"Ref": "Reader"}]),
            "DefaultUserRequired: user group pp-dev-users: a user named default must be included",
        ),
        (
            lambda r: r["Reader"]["Properties"].update(UserId="Bad_Id"),
            "UserId 'Bad_Id' is not valid",
        ),
        (
            lambda r: r["Users"]["Properties"].update(UserGroupId="pp--users"),
            "UserGroupId 'pp--users' is not valid",
        ),
        (
            lambda r: r["Reader"]["Properties"]["AuthenticationMode"].update(
                Passwords=["a" * 16, "b" * 16, "c" * 16]
            ),
            "3 passwords given, at most 2 are allowed",
        ),
        (
            lambda r: r["Reader"]["Properties"]["AuthenticationMode"].update(Passwords=["short"]),
            "password 1 is invalid: it is 5 characters long, not 16 to 128",
        ),
        (
            lambda r: r["Reader"]["Properties"]["AuthenticationMode"].update(
                Passwords=["an-at-sign-@-0123456789"]
            ),
            'one of / " @',
        ),
        (
            lambda r: r["Reader"]["Properties"].update(AccessString="on ~rev:* +gett"),
            "Redis has no command 'gett'",
        ),
        (
            lambda r: r["Reader"]["Properties"].update(Passwords=[READER_PASSWORD]),
            "Passwords provided via multiple arguments",
        ),
        (
            lambda r: r["Reader"]["Properties"].pop("AuthenticationMode"),
            "no password was provided",
        ),
        (
            lambda r: r["Writer"]["Properties"].update(UserName="pp-dev-coaching"),
            "DuplicateUserName",
        ),
        (
            lambda r: r["Redis"]["Properties"].update(AuthToken="a-token-of-twenty-chars"),
            "InvalidParameterCombination: replication group pp-dev-redis: AuthToken and "
            "UserGroupIds cannot be used together",
        ),
        (
            lambda r: r["Redis"]["Properties"].update(TransitEncryptionEnabled=False),
            "UserGroupIds needs TransitEncryptionEnabled true",
        ),
        (
            lambda r: r["Redis"]["Properties"].update(UserGroupIds=["no-such-group"]),
            "UserGroupNotFound: User group no-such-group not found.",
        ),
        (
            lambda r: r["Writer"]["Properties"].update(UserName="pplocalaws-admin"),
            "UserName pplocalaws-admin is reserved by the local AWS",
        ),
        (
            lambda r: r["Reader"]["Properties"].update(
                AuthenticationMode={"Type": "iam"}, UserName="pp-dev-coaching"
            ),
            "IAM authentication is not modelled by the local AWS",
        ),
        (
            lambda r: r["Reader"]["Properties"].update(
                AuthenticationMode={"Type": "no-password-required", "Passwords": ["x" * 16]}
            ),
            "authentication type no-password-required takes no passwords",
        ),
        (
            lambda r: r["Users"]["Properties"].update(UserIds=["default", {"Ref": "DefaultUser"}]),
            "DuplicateUserName: user group pp-dev-users: two of its users have the same UserName",
        ),
        (
            lambda r: r["Users"]["Properties"]["UserIds"].append("no-such-user"),
            "UserNotFound: User no-such-user not found.",
        ),
        (
            lambda r: (
                r["Users"]["Properties"].update(Engine="valkey")
                or r["DefaultUser"]["Properties"].update(
                    AuthenticationMode={"Type": "no-password-required"}
                )
            ),
            "user group pp-dev-users (engine valkey) cannot hold user pp-dev-default",
        ),
        (
            lambda r: r["Users"]["Properties"].update(Engine="valkey"),
            "replication group pp-dev-redis (engine redis) cannot use user group pp-dev-users",
        ),
        (
            lambda r: r["Redis"]["Properties"].update(
                UserGroupIds=[{"Ref": "Users"}, {"Ref": "Users"}]
            ),
            "give exactly one user group in UserGroupIds",
        ),
    ],
)
def test_what_elasticache_refuses_fails_the_create_naming_the_rule(
    assert_create_fails: Callable[[str, str], None],
    change: Callable[[dict[str, Any]], None],
    reason: str,
) -> None:
    assert_create_fails(_with(change), reason)


def _stack_failure(aws: boto3.Session, stack: str) -> str:
    cfn = aws.client("cloudformation")
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    reasons = [e.get("ResourceStatusReason", "") for e in events]
    return " ".join([described["StackStatus"], described.get("StackStatusReason", ""), *reasons])


def test_a_user_in_a_group_and_a_group_in_use_cannot_be_deleted(aws: boto3.Session) -> None:
    resources = rbac_template()["Resources"]
    users = {"Resources": {k: resources[k] for k in ("DefaultUser", "Reader", "Writer")}}
    group = {"Resources": {"Users": copy.deepcopy(resources["Users"])}}
    group["Resources"]["Users"]["Properties"]["UserIds"] = [
        "pp-dev-default",
        "pp-dev-coaching",
        "pp-dev-account",
    ]
    cache = {"Resources": {"Redis": copy.deepcopy(resources["Redis"])}}
    cache["Resources"]["Redis"]["Properties"]["UserGroupIds"] = ["pp-dev-users"]
    _deploy(aws, users, stack="users")
    _deploy(aws, group, stack="group")
    _deploy(aws, cache, stack="cache")
    cfn = aws.client("cloudformation")

    cfn.delete_stack(StackName="group")
    cfn.delete_stack(StackName="users")

    assert "DELETE_FAILED" in _stack_failure(aws, "group")
    assert "InvalidUserGroupState: User group pp-dev-users is in use by replication group(s) " \
        "pp-dev-redis" in _stack_failure(aws, "group")  # fmt: skip
    assert "DELETE_FAILED" in _stack_failure(aws, "users")
    assert "InvalidUserState: User pp-dev-account belongs to user group(s) pp-dev-users" in (
        _stack_failure(aws, "users")
    )


# -- enforcement by the real redis-server ----------------------------------------------------
@needs_redis
def test_the_redis_enforces_the_group_users(aws: boto3.Session) -> None:
    port = int(_deploy(aws, rbac_template())["Port"])

    writer = session(
        port,
        _auth("pp-dev-account", WRITER_PASSWORD),
        ("SET", "rev:sid:s-1", "1"),
        ("SET", "cache:t", "x"),
        ("SET", "other:k", "x"),
    )
    reader = session(
        port,
        _auth("pp-dev-coaching", READER_PASSWORD),
        ("MGET", "rev:jti:j", "rev:sid:s-1"),
        ("SET", "rev:sid:s-2", "1"),
        ("GET", "cache:t"),
    )
    wrong = session(port, _auth("pp-dev-coaching", "not-the-password-0123"))
    anonymous = session(port, ("GET", "rev:sid:s-1"), _auth("default", "default-password-0123456"))

    assert writer[:3] == ["+OK", "+OK", "+OK"]
    assert writer[3].startswith("-NOPERM")  # outside ~rev:* ~cache:*
    assert reader[0] == "+OK"
    assert reader[1] == [None, "1"]
    assert reader[2].startswith("-NOPERM")  # the reader cannot write
    assert reader[3].startswith("-NOPERM")  # nor read outside rev:*
    assert wrong[0].startswith("-WRONGPASS")
    assert anonymous[0].startswith("-NOAUTH")  # the default user is off
    assert anonymous[1].startswith("-WRONGPASS")  # even with its own password


@needs_redis
def test_a_changed_access_string_reaches_the_running_redis_and_keeps_the_data(
    aws: boto3.Session,
) -> None:
    port = int(_deploy(aws, rbac_template())["Port"])
    session(port, _auth("pp-dev-account", WRITER_PASSWORD), ("SET", "rev:user:u", "1"))
    template = rbac_template()
    template["Resources"]["Writer"]["Properties"]["AccessString"] = READER

    _deploy(aws, template)

    writer = session(
        port,
        _auth("pp-dev-account", WRITER_PASSWORD),
        ("GET", "rev:user:u"),
        ("SET", "rev:user:u", "2"),
    )
    assert writer[:2] == ["+OK", "1"]
    assert writer[2].startswith("-NOPERM")


@needs_redis
def test_a_user_removed_from_the_group_can_no_longer_connect(aws: boto3.Session) -> None:
    port = int(_deploy(aws, rbac_template())["Port"])
    template = rbac_template()
    template["Resources"]["Users"]["Properties"]["UserIds"] = [
        {"Ref": "DefaultUser"},
        {"Ref": "Reader"},
    ]

    _deploy(aws, template)

    assert session(port, _auth("pp-dev-account", WRITER_PASSWORD))[0].startswith("-WRONGPASS")
    assert session(port, _auth("pp-dev-coaching", READER_PASSWORD)) == ["+OK"]


@needs_redis
def test_a_rotated_password_replaces_the_old_one(aws: boto3.Session) -> None:
    port = int(_deploy(aws, rbac_template())["Port"])
    template = rbac_template()
    new_password = "reader-password-rotated-01"
    template["Resources"]["Reader"]["Properties"]["AuthenticationMode"]["Passwords"] = [
        new_password
    ]

    _deploy(aws, template)

    assert session(port, _auth("pp-dev-coaching", READER_PASSWORD))[0].startswith("-WRONGPASS")
    assert session(port, _auth("pp-dev-coaching", new_password)) == ["+OK"]


@needs_redis
def test_passwords_from_secrets_manager_and_migrating_from_auth_token_to_rbac(
    aws: boto3.Session,
) -> None:
    token = "an-auth-token-0123456789"
    auth_only = rbac_template()
    redis_properties = auth_only["Resources"]["Redis"]["Properties"]
    redis_properties.pop("UserGroupIds")
    redis_properties["AuthToken"] = token
    port = int(_deploy(aws, auth_only)["Port"])
    assert session(port, ("AUTH", token), ("SET", "rev:tenant:t", "1")) == ["+OK", "+OK"]
    rbac = rbac_template()
    rbac["Resources"]["ReaderSecret"] = {
        "Type": "AWS::SecretsManager::Secret",
        "Properties": {
            "Name": "pp/dev/redis/coaching",
            "GenerateSecretString": {
                "SecretStringTemplate": '{"username": "pp-dev-coaching"}',
                "GenerateStringKey": "password",
                "PasswordLength": 40,
                "ExcludePunctuation": True,
            },
        },
    }
    rbac["Resources"]["Reader"]["Properties"]["AuthenticationMode"]["Passwords"] = [
        {"Fn::Sub": "{{resolve:secretsmanager:${ReaderSecret}:SecretString:password}}"}
    ]

    _deploy(aws, rbac)  # ModifyReplicationGroup: the AUTH token goes, the user group comes

    secret = aws.client("secretsmanager").get_secret_value(SecretId="pp/dev/redis/coaching")
    password = json.loads(secret["SecretString"])["password"]
    assert session(port, ("AUTH", token))[0].startswith("-WRONGPASS")
    reader = session(port, _auth("pp-dev-coaching", password), ("GET", "rev:tenant:t"))
    assert reader == ["+OK", "1"]  # the same server, its data kept


def test_an_id_in_use_is_refused(aws: boto3.Session) -> None:
    _deploy(aws, rbac_template())
    template = rbac_template()
    resources = template["Resources"]
    resources["Redis"]["Properties"]["ReplicationGroupId"] = "pp-dev-redis-2"
    resources["Reader"]["Properties"]["UserName"] = "another-name"
    resources["Writer"]["Properties"]["UserId"] = "pp-dev-account-2"
    resources["Writer"]["Properties"]["UserName"] = "another-writer"
    resources["DefaultUser"]["Properties"]["UserId"] = "pp-dev-default-2"
    cfn = aws.client("cloudformation")

    cfn.create_stack(StackName="second", TemplateBody=json.dumps(template))

    assert "UserAlreadyExists: User pp-dev-coaching already exists." in _stack_failure(
        aws, "second"
    )
    resources["Reader"]["Properties"]["UserId"] = "pp-dev-coaching-2"
    cfn.delete_stack(StackName="second")
    cfn.create_stack(StackName="third", TemplateBody=json.dumps(template))
    assert "UserGroupAlreadyExists: User group pp-dev-users already exists." in _stack_failure(
        aws, "third"
    )


@needs_redis
def test_migrating_back_from_rbac_to_an_auth_token(aws: boto3.Session) -> None:
    port = int(_deploy(aws, rbac_template())["Port"])
    session(port, _auth("pp-dev-account", WRITER_PASSWORD), ("SET", "rev:sid:s", "1"))
    token = "back-to-a-token-0123456789"
    template = rbac_template()
    redis_properties = template["Resources"]["Redis"]["Properties"]
    redis_properties.pop("UserGroupIds")
    redis_properties["AuthToken"] = token

    _deploy(aws, template)

    assert session(port, _auth("pp-dev-account", WRITER_PASSWORD))[0].startswith("-WRONGPASS")
    assert session(port, ("AUTH", token), ("GET", "rev:sid:s")) == ["+OK", "1"]
    aws.client("cloudformation").delete_stack(StackName="s")  # the group is free to go
    assert aws.client("elasticache").describe_replication_groups()["ReplicationGroups"] == []


def test_a_user_update_that_no_longer_fits_its_group_is_refused_and_undone(
    aws: boto3.Session,
) -> None:
    template = rbac_template()
    template["Resources"]["Users"]["Properties"]["Engine"] = "valkey"
    template["Resources"]["Redis"]["Properties"]["Engine"] = "valkey"
    _deploy(aws, template)
    template["Resources"]["Reader"]["Properties"]["AuthenticationMode"] = {
        "Type": "no-password-required"
    }
    cfn = aws.client("cloudformation")

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(template))

    failure = _stack_failure(aws, "s")
    assert "UPDATE_ROLLBACK_COMPLETE" in failure
    assert "user group pp-dev-users (engine valkey) cannot hold user pp-dev-coaching" in failure
    reader = aws.client("elasticache").describe_users(UserId="pp-dev-coaching")["Users"][0]
    assert reader["Authentication"] == {"Type": "password", "PasswordCount": 1}
