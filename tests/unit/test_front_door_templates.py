"""The front door's infrastructure: the SES sender, who may send, the account's Redis
rate-limit ACL, its reserved concurrency and its security-event alarms.

Parsed with the engine's template loader; the reserved concurrency is also checked on SAM's
own translation, as CloudFormation runs it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ppdeploy import catalog, config, naming, templates
from ppdeploy.decide import fingerprint, stacks
from tests.unit.test_service_aliases import translated

ROOT = Path(__file__).resolve().parents[2]
SHARED = templates.load(ROOT / "shared-infrastructure" / "template.yaml").document
RESOURCES = SHARED["Resources"]
ACCOUNT_TEMPLATES = [
    "services/account/template-python.yaml",
    "services/account/template-dotnet.yaml",
]
IDENTITY_ARN = (
    "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderIdentity}"
)


def walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, Mapping):
        for child in node.values():
            yield from walk(child)
    elif isinstance(node, list):
        for child in node:
            yield from walk(child)


def as_list(node: Any) -> list[Any]:
    return node if isinstance(node, list) else [node]


def account(path: str) -> dict[str, Any]:
    document: dict[str, Any] = templates.load(ROOT / path).document
    return document


# --- the SES sender -------------------------------------------------------------------------


def test_the_sender_is_the_domain_with_a_hosted_zone_else_the_address() -> None:
    identity = RESOURCES["SenderIdentity"]
    assert identity["Type"] == "AWS::SES::EmailIdentity"
    assert "Condition" not in identity, "every stage has a sender"
    props = identity["Properties"]
    assert props["EmailIdentity"] == {
        "Fn::If": [
            "HasHostedZone",
            {"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "EmailFrom"}]}]},
            {"Ref": "EmailFrom"},
        ]
    }
    # Easy DKIM for the domain; an address identity takes no signing attributes.
    assert props["DkimSigningAttributes"] == {
        "Fn::If": [
            "HasHostedZone",
            {"NextSigningKeyLength": "RSA_2048_BIT"},
            {"Ref": "AWS::NoValue"},
        ]
    }


@pytest.mark.parametrize("number", [1, 2, 3])
def test_each_dkim_token_is_a_cname_in_the_zone_only_with_a_hosted_zone(number: int) -> None:
    record = RESOURCES[f"SenderDkimRecord{number}"]
    assert record["Type"] == "AWS::Route53::RecordSet"
    assert record["Condition"] == "HasHostedZone"
    props = record["Properties"]
    assert props["HostedZoneId"] == {"Ref": "HostedZoneId"}
    assert props["Type"] == "CNAME"
    assert props["Name"] == {"Fn::GetAtt": ["SenderIdentity", f"DkimDNSTokenName{number}"]}
    assert props["ResourceRecords"] == [
        {"Fn::GetAtt": ["SenderIdentity", f"DkimDNSTokenValue{number}"]}
    ]


def test_exactly_three_dkim_records() -> None:
    dkim = [
        name
        for name, resource in RESOURCES.items()
        if resource["Type"] == "AWS::Route53::RecordSet"
        and "Dkim" in json.dumps(resource["Properties"].get("Name"))
    ]
    assert sorted(dkim) == [f"SenderDkimRecord{n}" for n in (1, 2, 3)]


def test_sender_and_identity_are_exported_on_every_stage() -> None:
    outputs = SHARED["Outputs"]
    assert outputs["EmailFrom"]["Value"] == {"Ref": "EmailFrom"}
    assert outputs["EmailFrom"]["Export"]["Name"] == {"Fn::Sub": "purposepath-email-from-${Stage}"}
    assert outputs["EmailIdentityArn"]["Value"] == {"Fn::Sub": IDENTITY_ARN}
    assert outputs["EmailIdentityArn"]["Export"]["Name"] == {
        "Fn::Sub": "purposepath-email-identity-arn-${Stage}"
    }
    assert "Condition" not in outputs["EmailFrom"]
    assert "Condition" not in outputs["EmailIdentityArn"]
    assert {"email-from", "email-identity-arn"} <= set(naming.SHARED_EXPORTS)


# --- who may send ---------------------------------------------------------------------------


def ses_statements(resource: Mapping[str, Any]) -> list[dict[str, Any]]:
    document = resource.get("Properties", {}).get("PolicyDocument", {})
    return [
        statement
        for statement in as_list(document.get("Statement", []))
        if any(str(action).lower().startswith("ses:") for action in as_list(statement["Action"]))
    ]


def test_only_the_account_policy_sends_and_only_from_the_sender() -> None:
    (statement,) = ses_statements(RESOURCES["AccountServicePolicy"])
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "ses:SendEmail"
    assert statement["Resource"] == {"Fn::Sub": IDENTITY_ARN}
    assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "EmailFrom"}}}


def test_no_other_policy_of_the_stage_grants_any_ses_action() -> None:
    granting = {
        name
        for name, resource in RESOURCES.items()
        if name != "AccountServicePolicy" and ses_statements(resource)
    }
    assert granting == set()
    # Nor an inline policy of a role anywhere in the shared template.
    for name, resource in RESOURCES.items():
        if name == "AccountServicePolicy":
            continue
        for node in walk(resource):
            if isinstance(node, str):
                assert not node.lower().startswith("ses:"), f"{name} mentions {node}"


@pytest.mark.parametrize(
    "path", ["services/coaching/template.yaml", "services/traction/template.yaml"]
)
def test_coaching_and_traction_templates_never_mention_ses(path: str) -> None:
    text = json.dumps(templates.load(ROOT / path).document).lower()
    assert '"ses:' not in text


# --- Redis: the account's rate-limit keys and scripts -------------------------------------


def test_account_redis_user_may_run_the_rate_limit_script_on_rl_keys_only() -> None:
    rules = RESOURCES["RedisAccountUser"]["Properties"]["AccessString"].split()
    assert rules == [
        "on",
        "~rev:*",
        "~cache:*",
        "~rl:*",
        "+@read",
        "+@write",
        "+@connection",
        "-@dangerous",
        "+evalsha",
        "+eval",
        "+script|load",
    ]
    # Applied left to right: a category removal after them would take them away again.
    dangerous = rules.index("-@dangerous")
    for command in ("+evalsha", "+eval", "+script|load"):
        assert rules.index(command) > dangerous
    assert "+@scripting" not in rules, "SCRIPT FLUSH/KILL stay out of reach"


@pytest.mark.parametrize("service", ["Coaching", "Traction"])
def test_readers_get_no_scripting_and_no_rl_keys(service: str) -> None:
    rules = RESOURCES[f"Redis{service}User"]["Properties"]["AccessString"].split()
    assert "~rl:*" not in rules
    assert not [rule for rule in rules if rule.lstrip("+").startswith(("eval", "script"))]


# --- the account templates ------------------------------------------------------------------


@pytest.mark.parametrize("path", ACCOUNT_TEMPLATES)
def test_reserved_concurrency_is_a_parameter_zero_meaning_none(path: str) -> None:
    document = account(path)
    parameter = document["Parameters"]["AccountReservedConcurrency"]
    assert parameter["Type"] == "Number"
    assert parameter["Default"] == 0
    assert parameter["MinValue"] == 0
    assert document["Conditions"]["HasReservedConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AccountReservedConcurrency"}, 0]}]
    }
    props = document["Resources"]["ServiceFunction"]["Properties"]
    assert props["ReservedConcurrentExecutions"] == {
        "Fn::If": [
            "HasReservedConcurrency",
            {"Ref": "AccountReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }


@pytest.mark.parametrize("path", ACCOUNT_TEMPLATES)
def test_sam_carries_the_reservation_to_the_lambda_function(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    resources = translated(path, monkeypatch)["Resources"]
    function = next(v for v in resources.values() if v["Type"] == "AWS::Lambda::Function")
    assert function["Properties"]["ReservedConcurrentExecutions"]["Fn::If"][0] == (
        "HasReservedConcurrency"
    )


@pytest.mark.parametrize("path", ACCOUNT_TEMPLATES)
def test_mail_settings_reach_the_function(path: str) -> None:
    variables = account(path)["Resources"]["ServiceFunction"]["Properties"]["Environment"][
        "Variables"
    ]
    assert variables["EMAIL_FROM"] == {
        "Fn::ImportValue": {"Fn::Sub": "purposepath-email-from-${Stage}"}
    }
    # Links follow the request's own host and path: nothing here may depend on DomainName,
    # which `invoke migrate` sets in an import change set that may change nothing else.
    assert "PUBLIC_BASE_URL" not in variables
    assert "DomainName" not in json.dumps(account(path)["Resources"]["ServiceFunction"])
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "PurposePath/account"


def test_both_runtimes_get_the_same_environment_and_alarms() -> None:
    python, dotnet = (account(path) for path in ACCOUNT_TEMPLATES)

    def variables(document: dict[str, Any]) -> Any:
        return document["Resources"]["ServiceFunction"]["Properties"]["Environment"]

    def alarms(document: dict[str, Any]) -> dict[str, Any]:
        return {
            name: resource
            for name, resource in document["Resources"].items()
            if resource["Type"] == "AWS::CloudWatch::Alarm"
        }

    assert variables(python) == variables(dotnet)
    assert alarms(python) == alarms(dotnet)
    assert python["Parameters"] == dotnet["Parameters"]


ALARMS = {
    "LoginFailedAlarm": ("LoginFailed", 50),
    "AccountLockedOutAlarm": ("AccountLockedOut", 5),
    "RefreshTokenReuseAlarm": ("RefreshTokenReuse", 1),
}


@pytest.mark.parametrize("path", ACCOUNT_TEMPLATES)
@pytest.mark.parametrize(("logical_id", "expected"), ALARMS.items())
def test_security_event_alarm(path: str, logical_id: str, expected: tuple[str, int]) -> None:
    metric, threshold = expected
    props = account(path)["Resources"][logical_id]["Properties"]
    (query,) = props["Metrics"]
    # Summed over every dimension set of the namespace the code emits into.
    expression = f'SELECT SUM({metric}) FROM "PurposePath/account"'  # noqa: S608 - a CloudWatch query, no database
    assert query["Expression"] == expression
    assert query["Period"] == 300
    assert query["ReturnData"] is True
    assert props["EvaluationPeriods"] == 1
    assert props["Threshold"] == threshold
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert props["TreatMissingData"] == "notBreaching"
    topic = {"Fn::ImportValue": {"Fn::Sub": "purposepath-alarm-topic-arn-${Stage}"}}
    assert props["AlarmActions"] == [topic]
    assert props["OKActions"] == [topic]
    # The alarm topic (and its key) admit alarms named purposepath-*-<stage> only.
    name = props["AlarmName"]["Fn::Sub"]
    assert name.startswith("purposepath-account-")
    assert name.endswith("-${Stage}")


# --- stages.toml -> the account stack's parameter ----------------------------------------


@pytest.mark.parametrize(("stage", "reserved"), [("dev", 0), ("staging", 20), ("prod", 100)])
def test_each_stage_reserves_its_concurrency(stage: str, reserved: int) -> None:
    settings = config.stage(stage)
    assert settings.account_reserved_concurrency == reserved
    spec = stacks.service_spec(
        settings,
        catalog.service("account", "python"),
        artifact_bucket="bucket",
        artifact_key="key.zip",
        domain="",
    )
    assert spec.parameters["AccountReservedConcurrency"] == str(reserved)


@pytest.mark.parametrize("service", ["coaching", "traction"])
def test_other_services_take_no_reservation_parameter(service: str) -> None:
    spec = stacks.service_spec(
        config.stage("prod"),
        catalog.service(service),
        artifact_bucket="bucket",
        artifact_key="key.zip",
        domain="",
    )
    assert "AccountReservedConcurrency" not in spec.parameters


def test_the_account_spec_is_the_same_every_time_so_a_no_op_stays_a_no_op() -> None:
    def fingerprinted() -> str:
        spec = stacks.service_spec(
            config.stage("staging"),
            catalog.service("account", "python"),
            artifact_bucket="bucket",
            artifact_key="key.zip",
            domain="api.staging.purposepath.app",
        )
        return fingerprint.compute(spec, {})

    assert fingerprinted() == fingerprinted()


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_each_stage_sends_from_its_own_zone(stage: str) -> None:
    settings = config.stage(stage)
    assert settings.email_from == f"no-reply@{settings.domain.split('.', 1)[1]}"
    assert settings.shared_parameters()["EmailFrom"] == settings.email_from


def references(node: Any) -> set[str]:
    """Logical ids a translated resource names (Ref, GetAtt, Sub, DependsOn)."""
    found: set[str] = set()
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in ("Ref", "DependsOn"):
                found |= {str(item).split(".")[0] for item in as_list(value)}
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else str(value).split(".")[0])
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}
                found |= references(value)
            else:
                found |= references(value)
    elif isinstance(node, list):
        for child in node:
            found |= references(child)
    return found


@pytest.mark.parametrize("path", ACCOUNT_TEMPLATES)
def test_the_function_never_names_its_own_api(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The API's routes name the function's alias, so a function naming the API (as an
    # execute-api PUBLIC_BASE_URL would) is a circular dependency CloudFormation refuses.
    resources = translated(path, monkeypatch)["Resources"]
    graph = {name: references(body) & set(resources) for name, body in resources.items()}
    reached: set[str] = set()
    frontier = set(graph["ServiceFunction"])
    while frontier:
        name = frontier.pop()
        if name not in reached:
            reached.add(name)
            frontier |= graph[name]
    assert "ServiceFunction" not in reached
