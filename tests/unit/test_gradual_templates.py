"""stages.toml's deployment_preference -> each service's DeploymentPreference and rollback alarms.

Checked on the templates as written and on SAM's own translation (what CloudFormation runs):
the alias is updated through CodeDeploy with the stage's configuration, and the deployment
group stops and rolls back on the service's errors alarm (the new version's) and 5xx alarm.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ppdeploy import catalog, config, templates
from ppdeploy.decide import stacks
from ppdeploy.errors import InputError
from tests.unit.test_service_aliases import ROOT, SERVICE_TEMPLATES, translated

TOPIC = {"Fn::ImportValue": {"Fn::Sub": "purposepath-alarm-topic-arn-${Stage}"}}


def service_of(path: str) -> str:
    return Path(path).parts[1]


def resources_of(path: str) -> dict[str, Any]:
    return dict(templates.load(ROOT / path).document["Resources"])


@pytest.mark.parametrize("path", SERVICE_TEMPLATES)
def test_the_preference_parameter_allows_exactly_the_predefined_lambda_configs(path: str) -> None:
    parameter = templates.load(ROOT / path).document["Parameters"]["DeploymentPreferenceType"]

    assert parameter["AllowedValues"] == list(config.DEPLOYMENT_PREFERENCES)
    assert parameter["Default"] == "AllAtOnce"


@pytest.mark.parametrize("path", SERVICE_TEMPLATES)
def test_the_function_deploys_by_the_preference_with_both_rollback_alarms(path: str) -> None:
    resources = resources_of(path)
    preference = resources["ServiceFunction"]["Properties"]["DeploymentPreference"]

    assert preference == {
        "Type": {"Ref": "DeploymentPreferenceType"},
        # The 5xx alarm by its name: a reference would close a dependency cycle.
        "Alarms": [
            {"Ref": "LiveVersionErrorsAlarm"},
            resources["Api5xxAlarm"]["Properties"]["AlarmName"],
        ],
    }


@pytest.mark.parametrize("path", SERVICE_TEMPLATES)
def test_the_errors_alarm_counts_only_the_new_versions_errors_through_live(path: str) -> None:
    props = resources_of(path)["LiveVersionErrorsAlarm"]["Properties"]

    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == (
        "AWS/Lambda",
        "Errors",
        "Sum",
    )
    assert {d["Name"]: d["Value"] for d in props["Dimensions"]} == {
        "FunctionName": {"Ref": "ServiceFunction"},
        "Resource": {"Fn::Sub": "${ServiceFunction}:live"},
        "ExecutedVersion": {"Fn::GetAtt": ["ServiceFunction", "Version.Version"]},
    }
    assert_one_in_a_minute(props, path, "live-version-errors")


@pytest.mark.parametrize("path", SERVICE_TEMPLATES)
def test_the_5xx_alarm_counts_the_apis_server_errors(path: str) -> None:
    props = resources_of(path)["Api5xxAlarm"]["Properties"]

    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == (
        "AWS/ApiGateway",
        "5xx",
        "Sum",
    )
    assert props["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "ServiceApi"}}]
    assert_one_in_a_minute(props, path, "api-5xx")


def assert_one_in_a_minute(props: dict[str, Any], path: str, suffix: str) -> None:
    assert props["Period"] == 60
    assert props["EvaluationPeriods"] == 1
    assert props["Threshold"] == 1
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    # No data is no failure: a canary's version may get no call in a minute.
    assert props["TreatMissingData"] == "notBreaching"
    assert props["AlarmActions"] == [TOPIC]
    # The alarm topic (and its key) admit alarms named purposepath-*-<stage> only.
    assert props["AlarmName"] == {"Fn::Sub": f"purposepath-{service_of(path)}-{suffix}-${{Stage}}"}


@pytest.mark.parametrize("path", SERVICE_TEMPLATES)
def test_sam_updates_the_alias_through_codedeploy_with_the_stages_config(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    resources = translated(path, monkeypatch)["Resources"]

    alias = resources["ServiceFunctionAliaslive"]
    assert alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"] == {
        "ApplicationName": {"Ref": "ServerlessDeploymentApplication"},
        "DeploymentGroupName": {"Ref": "ServiceFunctionDeploymentGroup"},
    }
    group = resources["ServiceFunctionDeploymentGroup"]["Properties"]
    # The translation resolves the parameter to its value (the default, here).
    assert group["DeploymentConfigName"] == {
        "Fn::Sub": ["CodeDeployDefault.Lambda${ConfigName}", {"ConfigName": "AllAtOnce"}]
    }
    assert group["AlarmConfiguration"] == {
        "Enabled": True,
        "Alarms": [
            {"Name": {"Ref": "LiveVersionErrorsAlarm"}},
            {"Name": {"Fn::Sub": f"purposepath-{service_of(path)}-api-5xx-${{Stage}}"}},
        ],
    }
    assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]
    # The errors alarm follows each new version (SAM resolves .Version to the version made).
    version = alias["Properties"]["FunctionVersion"]
    dimensions = resources["LiveVersionErrorsAlarm"]["Properties"]["Dimensions"]
    assert {"Name": "ExecutedVersion", "Value": version} in dimensions


@pytest.mark.parametrize("path", SERVICE_TEMPLATES)
def test_codedeploys_role_holds_only_the_lambda_managed_policy(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    role = translated(path, monkeypatch)["Resources"]["CodeDeployServiceRole"]["Properties"]

    assert role["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda"
    ]
    [statement] = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": ["codedeploy.amazonaws.com"]}
    assert "Policies" not in role


# --- stages.toml -> each service stack's parameter ----------------------------------------


@pytest.mark.parametrize(
    ("stage", "preference"),
    [
        ("dev", "AllAtOnce"),
        ("staging", "Linear10PercentEvery1Minute"),
        ("prod", "Canary10Percent5Minutes"),
    ],
)
@pytest.mark.parametrize(
    ("service", "runtime"),
    [("account", "python"), ("account", "dotnet"), ("coaching", None), ("traction", None)],
)
def test_each_stage_shifts_every_service_by_its_preference(
    stage: str, preference: str, service: str, runtime: str | None
) -> None:
    settings = config.stage(stage)
    source = catalog.service(service, runtime) if runtime else catalog.service(service)
    spec = stacks.service_spec(
        settings, source, artifact_bucket="bucket", artifact_key="key.zip", domain=""
    )

    assert settings.deployment_preference == preference
    assert spec.parameters["DeploymentPreferenceType"] == preference


def test_an_unknown_preference_is_refused_naming_the_stage_and_the_choices(
    tmp_path: Path,
) -> None:
    stages_file = tmp_path / "stages.toml"
    stages_file.write_text(
        '[defaults]\naccount_id = "123456789012"\nregion = "us-east-1"\n'
        '[stages.dev]\ndeployment_preference = "Canary50Percent1Minute"\n',
        encoding="utf-8",
    )

    with pytest.raises(InputError) as refused:
        config.stage("dev", stages_file)

    assert "'Canary50Percent1Minute'" in refused.value.what
    assert "stage 'dev'" in refused.value.what
    assert "Canary10Percent5Minutes" in refused.value.cause
    assert "[stages.dev]" in refused.value.fix
    assert refused.value.exit_code == 2


# --- no dependency cycle ------------------------------------------------------------------

SUBSTITUTION = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def dependencies(node: Any, names: set[str]) -> set[str]:
    """The resources ``node`` refers to (Ref, GetAtt, Sub, DependsOn), anywhere in it."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and value in names:
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                found |= {name for name in SUBSTITUTION.findall(text) if name in names}
            elif key == "DependsOn":
                found |= set(value if isinstance(value, list) else [value])
            found |= dependencies(value, names)
    elif isinstance(node, list):
        for item in node:
            found |= dependencies(item, names)
    return found & names


def cycle_in(resources: dict[str, Any]) -> list[str]:
    """One dependency cycle among ``resources`` (CloudFormation refuses any), or []."""
    names = set(resources)
    edges = {name: dependencies(body, names) for name, body in resources.items()}
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(name: str) -> list[str]:
        state[name] = "open"
        path.append(name)
        for target in sorted(edges[name]):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        state[name] = "done"
        path.pop()
        return []

    for name in sorted(names):
        if name not in state and (found := visit(name)):
            return found
    return []


@pytest.mark.parametrize("path", SERVICE_TEMPLATES)
def test_the_translated_template_has_no_dependency_cycle(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # UpdatePolicy's references count: the alias's update needs the deployment group.
    assert cycle_in(translated(path, monkeypatch)["Resources"]) == []


def test_the_cycle_check_finds_the_5xx_alarm_by_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shape CloudFormation refused: the group -> the 5xx alarm -> the API -> the alias."""
    text = (ROOT / SERVICE_TEMPLATES[2]).read_text(encoding="utf-8")
    by_reference = text.replace(
        "- !Sub purposepath-coaching-api-5xx-${Stage}", "- !Ref Api5xxAlarm"
    )
    assert by_reference != text
    variant = tmp_path / "template.yaml"
    variant.write_text(by_reference, encoding="utf-8")

    cycle = cycle_in(translated(str(variant), monkeypatch)["Resources"])

    assert {"Api5xxAlarm", "ServiceApi", "ServiceFunctionAliaslive"} <= set(cycle)
