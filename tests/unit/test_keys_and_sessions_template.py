"""The shared and service templates give only the account service the signing key, each
service only its own Redis user, and wire the purge functions to the account events.

Parsed with the engine's template loader; the SSM key set and the Rules are evaluated for
every slot combination by a small evaluator of the intrinsics they use, and the purge
functions are checked on SAM's own translation, as CloudFormation runs them.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from ppdeploy import naming, templates
from tests.unit.test_service_aliases import translated

ROOT = Path(__file__).resolve().parents[2]
SHARED = templates.load(ROOT / "shared-infrastructure" / "template.yaml").document
RESOURCES = SHARED["Resources"]
STATES = ("active", "previous", "absent")
ACCOUNT_ROLE = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/purposepath-account-api-${Stage}"
POLICIES = {s: f"{s.capitalize()}ServicePolicy" for s in naming.SERVICES}
ACCOUNT_TEMPLATES = [
    "services/account/template-python.yaml",
    "services/account/template-dotnet.yaml",
]
PURGING = ("coaching", "traction")


def statements(service: str) -> list[dict[str, Any]]:
    policy = RESOURCES[POLICIES[service]]["Properties"]["PolicyDocument"]
    return list(policy["Statement"])


def as_list(node: Any) -> list[Any]:
    return node if isinstance(node, list) else [node]


def granting(service: str, action: str) -> list[dict[str, Any]]:
    return [s for s in statements(service) if action in as_list(s["Action"])]


def mentions(node: Any) -> set[str]:
    """Every logical id a node refers to (Ref, GetAtt, Sub variables)."""
    found: set[str] = set()
    if isinstance(node, list):
        for child in node:
            found |= mentions(child)
    elif isinstance(node, Mapping):
        for key, value in node.items():
            if key == "Ref":
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0])
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found |= {v.split(".")[0] for v in re.findall(r"\$\{([^}!]+)\}", text)}
                found |= mentions(value)
            else:
                found |= mentions(value)
    return found


# --- a small evaluator for the intrinsics of the key set and the Rules ------------------------


class Evaluator:
    def __init__(self, parameters: Mapping[str, str]) -> None:
        declared = SHARED["Parameters"]
        self.parameters = {name: str(body.get("Default", "")) for name, body in declared.items()}
        self.parameters.update(parameters)

    def condition(self, name: str) -> bool:
        return bool(self.value(SHARED["Conditions"][name]))

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.value(child) for child in node]
        if not isinstance(node, Mapping):
            return node
        ((key, arg),) = node.items()
        intrinsics = {
            "Ref": self._ref,
            "Condition": self.condition,
            "Fn::Equals": lambda a: self.value(a[0]) == self.value(a[1]),
            "Fn::Not": lambda a: not self.value(a[0]),
            "Fn::And": lambda a: all(self.value(a)),
            "Fn::Or": lambda a: any(self.value(a)),
            "Fn::If": lambda a: self.value(a[1] if self.condition(a[0]) else a[2]),
            "Fn::Join": lambda a: a[0].join(self.value(a[1])),
            "Fn::Sub": lambda a: re.sub(r"\$\{([^}]+)\}", lambda m: self._ref(m.group(1)), a),
        }
        assert key in intrinsics, f"the evaluator does not know {key}"
        return intrinsics[key](arg)

    def _ref(self, name: str) -> str:
        # A parameter's value, or a resource's id.
        return self.parameters.get(name, f"id-of-{name}")

    def rules_hold(self) -> bool:
        return all(
            self.value(assertion["Assert"])
            for rule in SHARED["Rules"].values()
            for assertion in rule["Assertions"]
        )


COMBINATIONS = list(itertools.product(STATES, STATES))


@pytest.mark.parametrize(("a", "b"), COMBINATIONS)
def test_rules_admit_exactly_one_active_slot(a: str, b: str) -> None:
    evaluator = Evaluator({"SigningKeyAState": a, "SigningKeyBState": b})
    assert evaluator.rules_hold() is ([a, b].count("active") == 1)


@pytest.mark.parametrize(
    ("a", "b"), [(a, b) for a, b in COMBINATIONS if [a, b].count("active") == 1]
)
@pytest.mark.parametrize("legacy", ["", "2026-03-01T13:01:00Z"])
def test_the_key_set_names_the_active_key_and_accepts_active_then_previous(
    a: str, b: str, legacy: str
) -> None:
    evaluator = Evaluator(
        {
            "Stage": "${Stage}",
            "SigningKeyAState": a,
            "SigningKeyBState": b,
            "LegacyHs256Until": legacy,
        }
    )
    parameter = RESOURCES["SigningKeySetParameter"]["Properties"]
    assert evaluator.value(parameter["Name"]) == naming.signing_keys_parameter("${Stage}")
    text = evaluator.value(parameter["Value"])
    keys = {"A": "id-of-SigningKeyA", "B": "id-of-SigningKeyB"}
    active = keys["A"] if a == "active" else keys["B"]
    previous = [keys[slot] for slot, state in (("A", a), ("B", b)) if state == "previous"]
    assert json.loads(text) == {
        "active": active,
        "accepted": [active, *previous],
        "legacyHs256Until": legacy,
    }
    assert text == json.dumps(json.loads(text), separators=(",", ":"))  # compact
    # The keys referred to exist in this combination.
    for slot, state in (("A", a), ("B", b)):
        has_key = evaluator.condition(f"HasSigningKey{slot}")
        assert has_key is (state != "absent")
        if not has_key:
            assert keys[slot] not in text


@pytest.mark.parametrize("slot", ["A", "B"])
def test_signing_keys_are_p256_and_only_the_account_role_may_sign(slot: str) -> None:
    key = RESOURCES[f"SigningKey{slot}"]
    assert key["Condition"] == f"HasSigningKey{slot}"
    assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == ("Delete", "Delete")
    props = key["Properties"]
    assert (props["KeySpec"], props["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    assert "EnableKeyRotation" not in props  # AWS refuses it on asymmetric keys
    assert props["PendingWindowInDays"] == 7
    policy = props["KeyPolicy"]["Statement"]
    root = [s for s in policy if s["Effect"] == "Allow"]
    assert len(root) == 1
    assert root[0]["Principal"] == {
        "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
    }
    (deny,) = [s for s in policy if s["Effect"] == "Deny"]
    assert (deny["Principal"], deny["Action"], deny["Resource"]) == ("*", "kms:Sign", "*")
    assert deny["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": {"Fn::Sub": ACCOUNT_ROLE}}}


def test_only_the_account_policy_grants_kms_sign() -> None:
    for service in naming.SERVICES:
        signing = granting(service, "kms:Sign")
        if service == "account":
            assert len(signing) == 1
            assert mentions(signing[0]["Resource"]) == {"SigningKeyA", "SigningKeyB"}
        else:
            assert signing == [], service
        wildcards = [
            s for s in statements(service) if any("*" in str(a) for a in as_list(s["Action"]))
        ]
        assert wildcards == [], service


@pytest.mark.parametrize("service", naming.SERVICES)
def test_every_service_reads_the_key_set_and_the_public_keys(service: str) -> None:
    (ssm,) = granting(service, "ssm:GetParameter")
    assert ssm["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
        + naming.signing_keys_parameter("${Stage}")
    }
    (public,) = granting(service, "kms:GetPublicKey")
    assert mentions(public["Resource"]) == {"SigningKeyA", "SigningKeyB"}


@pytest.mark.parametrize("service", naming.SERVICES)
def test_each_service_reads_only_its_own_redis_user_and_the_jwt_secret_only_in_the_window(
    service: str,
) -> None:
    reads = granting(service, "secretsmanager:GetSecretValue")
    read = {target for s in reads for target in mentions(s["Resource"])}
    own = f"Redis{service.capitalize()}UserSecret"
    assert read == {own, "JwtSecret", "JwtSecretArn"}
    (legacy,) = [s for s in reads if mentions(s["Resource"]) & {"JwtSecret"}]
    assert legacy["Condition"] == {
        "DateLessThan": {
            "aws:CurrentTime": {
                "Fn::If": ["LegacyHs256Open", {"Ref": "LegacyHs256Until"}, "2000-01-01T00:00:00Z"]
            }
        }
    }
    secret = RESOURCES[own]["Properties"]
    assert secret["Name"] == {"Fn::Sub": naming.redis_user_secret(service, "${Stage}")}
    generated = secret["GenerateSecretString"]
    assert json.loads(generated["SecretStringTemplate"]["Fn::Sub"]) == {
        "username": naming.redis_user(service, "${Stage}")
    }
    assert generated["GenerateStringKey"] == "password"
    # ElastiCache passwords: 16 to 128 characters, no space, quote, slash or @.
    assert 16 <= generated["PasswordLength"] <= 128
    assert generated["ExcludePunctuation"] is True
    assert secret["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}


def test_redis_users_have_the_least_access_and_default_is_off() -> None:
    def name(props: Mapping[str, Any]) -> str:
        user_name = props["UserName"]
        return user_name if isinstance(user_name, str) else user_name["Fn::Sub"]

    users = {
        name(body["Properties"]): body["Properties"]
        for body in RESOURCES.values()
        if body["Type"] == "AWS::ElastiCache::User"
    }
    assert users.pop("default")["AccessString"] == "off -@all"
    expected = {
        # The rate limits' script (EVALSHA, else EVAL, SCRIPT LOAD) on rl:* keys only.
        "account": "on ~rev:* ~cache:* ~rl:* +@read +@write +@connection -@dangerous "
        "+evalsha +eval +script|load",
        "coaching": "on ~rev:* +get +mget +ping +hello +auth",
        "traction": "on ~rev:* +get +mget +ping +hello +auth",
    }
    assert {user: props["AccessString"] for user, props in users.items()} == {
        naming.redis_user(s, "${Stage}"): access for s, access in expected.items()
    }
    for service in naming.SERVICES:
        props = RESOURCES[f"Redis{service.capitalize()}User"]["Properties"]
        assert props["AuthenticationMode"]["Type"] == "password"
        assert mentions(props["AuthenticationMode"]["Passwords"]) == {
            f"Redis{service.capitalize()}UserSecret"
        }
    group = RESOURCES["RedisUserGroup"]["Properties"]
    assert mentions(group["UserIds"]) == {
        "RedisDefaultUser",
        "RedisAccountUser",
        "RedisCoachingUser",
        "RedisTractionUser",
    }


def test_account_publishes_deletion_events_and_the_purges_may_fail_to_their_own_queue() -> None:
    (publish,) = granting("account", "sns:Publish")
    assert publish["Resource"] == {"Ref": "AccountEventsTopic"}
    for service in naming.SERVICES:
        sends = granting(service, "sqs:SendMessage")
        if service in PURGING:
            (send,) = sends
            assert mentions(send["Resource"]) == {f"{service.capitalize()}PurgeDeadLetterQueue"}
            assert granting(service, "sns:Publish") == []
        else:
            assert sends == []
    topic = RESOURCES["AccountEventsTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    for service in PURGING:
        queue = RESOURCES[f"{service.capitalize()}PurgeDeadLetterQueue"]["Properties"]
        assert queue["QueueName"] == {"Fn::Sub": f"purposepath-{service}-purge-dlq-${{Stage}}"}
        assert queue["KmsMasterKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
        alarm = RESOURCES[f"{service.capitalize()}PurgeDeadLetterAlarm"]["Properties"]
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


@pytest.mark.parametrize("service", naming.SERVICES)
def test_an_alarm_watches_each_services_revocation_check(service: str) -> None:
    alarm = RESOURCES[f"{service.capitalize()}RevocationCheckAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        f"PurposePath/{service}",
        "RevocationCheckUnavailable",
    )
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


# --- service templates ------------------------------------------------------------------------


def service_document(path: str) -> dict[str, Any]:
    return templates.load(ROOT / path).document


def imported(name: str) -> dict[str, Any]:
    return {"Fn::ImportValue": {"Fn::Sub": f"purposepath-{name}-${{Stage}}"}}


@pytest.mark.parametrize("path", ACCOUNT_TEMPLATES)
def test_the_account_function_runs_as_the_role_the_keys_name(path: str) -> None:
    resources = service_document(path)["Resources"]
    function = resources["ServiceFunction"]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": ["FunctionRole", "Arn"]}
    assert "Policies" not in function
    role = resources["FunctionRole"]["Properties"]
    assert role["RoleName"] == {"Fn::Sub": "purposepath-account-api-${Stage}"}
    assert ACCOUNT_ROLE.endswith(role["RoleName"]["Fn::Sub"])
    assert role["ManagedPolicyArns"][-1] == imported("account-policy-arn")
    variables = function["Environment"]["Variables"]
    assert variables["SIGNING_KEYS_PARAMETER"] == imported("signing-keys-parameter")
    assert variables["REDIS_USER_SECRET_ARN"] == imported("account-redis-user-secret-arn")
    assert variables["ACCOUNT_EVENTS_TOPIC_ARN"] == imported("account-events-topic-arn")
    assert "REDIS_AUTH_SECRET_ARN" not in variables
    routes = {
        (e["Properties"]["Method"], e["Properties"]["Path"]) for e in function["Events"].values()
    }
    assert {("POST", "/auth/logout-all"), ("POST", "/auth/password")} <= routes


@pytest.mark.parametrize("service", PURGING)
def test_the_purge_function_shares_code_and_role_and_subscribes_to_account_events(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = f"services/{service}/template.yaml"
    resources = service_document(path)["Resources"]
    api = resources["ServiceFunction"]["Properties"]
    purge = resources["PurgeFunction"]["Properties"]
    assert purge["Handler"] == f"{service}.purge.lambda_handler"
    assert purge["CodeUri"] == api["CodeUri"]
    assert purge["Role"] == api["Role"] == {"Fn::GetAtt": ["FunctionRole", "Arn"]}
    assert purge["FunctionName"] == {"Fn::Sub": f"purposepath-{service}-purge-${{Stage}}"}
    assert purge["LoggingConfig"]["LogGroup"] == {
        "Fn::Sub": f"/aws/lambda/purposepath-{service}-purge-${{Stage}}"
    }
    # Its log group (retention, KMS) is the shared stack's.
    groups = {
        body["Properties"]["LogGroupName"]["Fn::Sub"]
        for body in RESOURCES.values()
        if body["Type"] == "AWS::Logs::LogGroup"
    }
    assert f"/aws/lambda/purposepath-{service}-purge-${{Stage}}" in groups
    for variable in ("SIGNING_KEYS_PARAMETER", "REDIS_USER_SECRET_ARN"):
        assert (
            api["Environment"]["Variables"][variable] == purge["Environment"]["Variables"][variable]
        )
    assert api["Environment"]["Variables"]["REDIS_USER_SECRET_ARN"] == imported(
        f"{service}-redis-user-secret-arn"
    )

    out = translated(path, monkeypatch)["Resources"]
    (subscription,) = [b for b in out.values() if b["Type"] == "AWS::SNS::Subscription"]
    assert subscription["Properties"]["Protocol"] == "lambda"
    assert subscription["Properties"]["TopicArn"] == imported("account-events-topic-arn")
    assert subscription["Properties"]["Endpoint"] == {"Fn::GetAtt": ["PurgeFunction", "Arn"]}
    (invoke_config,) = [b for b in out.values() if b["Type"] == "AWS::Lambda::EventInvokeConfig"]
    assert invoke_config["Properties"]["MaximumRetryAttempts"] == 2
    function = out["PurgeFunction"]["Properties"]
    assert function["DeadLetterConfig"] == {"TargetArn": imported(f"{service}-purge-dlq-arn")}
    (permission,) = [
        b
        for b in out.values()
        if b["Type"] == "AWS::Lambda::Permission"
        and b["Properties"]["Principal"] == "sns.amazonaws.com"
    ]
    assert permission["Properties"]["SourceArn"] == imported("account-events-topic-arn")


@pytest.mark.parametrize("service", ["secretsmanager", "ssm", "kms", "sns"])
def test_egress_endpoints_reach_every_api_the_functions_call_in_each_az(service: str) -> None:
    endpoints = [
        body
        for body in RESOURCES.values()
        if body["Type"] == "AWS::EC2::VPCEndpoint"
        and body["Properties"]["ServiceName"]
        == {"Fn::Sub": f"com.amazonaws.${{AWS::Region}}.{service}"}
    ]
    assert len(endpoints) == 1
    (endpoint,) = endpoints
    assert endpoint["Condition"] == "SecretsEndpoint"
    props = endpoint["Properties"]
    assert props["SubnetIds"] == [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]
    assert props["PrivateDnsEnabled"] is True
    (statement,) = props["PolicyDocument"]["Statement"]
    assert "${AWS::AccountId}" in statement["Resource"]["Fn::Sub"]
