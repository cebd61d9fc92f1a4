"""Lambda functions, versions and aliases in stacks, as the local AWS's CloudFormation runs them.

AWS::Lambda::Version and AWS::Lambda::Alias (their CloudFormation pages: Ref, GetAtt,
replacement, delete); a function's stack update is UpdateFunctionConfiguration then
UpdateFunctionCode, each waited for ("Lambda function states"). Here, not beside the
resource tests: replaced resources go last only with the extensions installed.
"""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from pplocalaws.resources.lambda_updates import INVOKED_QUALIFIER, UPDATE_SECONDS_VARIABLE

REGION = "us-east-1"
IAM = ["CAPABILITY_IAM"]
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _zip(body: str) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", body)
    return archive.getvalue()


@pytest.fixture
def stack_outputs(aws: None) -> Callable[[str], dict[str, str]]:
    cfn = boto3.client("cloudformation", region_name=REGION)

    def outputs(stack: str) -> dict[str, str]:
        described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}

    return outputs


def _stack_template(code_key: str, version_id: str, weights: list[Any] | None) -> str:
    alias: dict[str, Any] = {
        "FunctionName": {"Ref": "Function"},
        "Name": "live",
        "FunctionVersion": {"Fn::GetAtt": [version_id, "Version"]},
    }
    if weights is not None:
        alias["RoutingConfig"] = {"AdditionalVersionWeights": weights}
    return json.dumps(
        {
            "Resources": {
                "Role": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {"AssumeRolePolicyDocument": TRUST},
                },
                "Function": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Runtime": "python3.12",
                        "Handler": "app.handler",
                        "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                        "Code": {"S3Bucket": "artifacts", "S3Key": code_key},
                    },
                },
                version_id: {
                    "Type": "AWS::Lambda::Version",
                    "Properties": {
                        "FunctionName": {"Ref": "Function"},
                        "ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": 1},
                    },
                },
                "Alias": {"Type": "AWS::Lambda::Alias", "Properties": alias},
            },
            "Outputs": {
                "VersionArn": {"Value": {"Ref": version_id}},
                "VersionNumber": {"Value": {"Fn::GetAtt": [version_id, "Version"]}},
                "AliasArn": {"Value": {"Ref": "Alias"}},
                "Function": {"Value": {"Ref": "Function"}},
            },
        }
    )


@pytest.fixture
def artifacts(aws: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The functions' code in a bucket; updates stay InProgress for 0.1 s."""
    monkeypatch.setenv(UPDATE_SECONDS_VARIABLE, "0.1")
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="artifacts")
    for key in ("v1.zip", "v2.zip"):
        s3.put_object(Bucket="artifacts", Key=key, Body=_zip(key))
    return s3


def test_versions_and_aliases_are_created_updated_and_deleted_by_stacks(
    artifacts: Any, stack_outputs: Any
) -> None:
    cfn = boto3.client("cloudformation", region_name=REGION)
    client = boto3.client("lambda", region_name=REGION)
    cfn.create_stack(
        StackName="s", TemplateBody=_stack_template("v1.zip", "VersionA", None), Capabilities=IAM
    )
    first = stack_outputs("s")
    name = first["Function"]

    cfn.update_stack(
        StackName="s", TemplateBody=_stack_template("v2.zip", "VersionB", None), Capabilities=IAM
    )
    second = stack_outputs("s")
    alias = client.get_alias(FunctionName=name, Name="live")
    versions = [
        v["Version"] for v in client.list_versions_by_function(FunctionName=name)["Versions"]
    ]
    cfn.delete_stack(StackName="s")

    assert first["VersionArn"].endswith(f":function:{name}:1")
    assert first["AliasArn"].endswith(f":function:{name}:live")
    assert (first["VersionNumber"], second["VersionNumber"]) == ("1", "2")
    assert alias["FunctionVersion"] == "2"
    assert versions == ["$LATEST", "2"]  # the replaced VersionA was deleted
    assert client.list_functions()["Functions"] == []


def test_a_stack_alias_takes_routing_weights(artifacts: Any, stack_outputs: Any) -> None:
    cfn = boto3.client("cloudformation", region_name=REGION)
    client = boto3.client("lambda", region_name=REGION)
    cfn.create_stack(
        StackName="s", TemplateBody=_stack_template("v1.zip", "VersionA", None), Capabilities=IAM
    )
    name = stack_outputs("s")["Function"]
    template = json.loads(_stack_template("v2.zip", "VersionB", None))
    # Keep VersionA (weighted), add VersionB (primary): a canary step as CodeDeploy does it.
    template["Resources"]["VersionA"] = json.loads(_stack_template("v1.zip", "VersionA", None))[
        "Resources"
    ]["VersionA"]
    template["Resources"]["Alias"]["Properties"]["RoutingConfig"] = {
        "AdditionalVersionWeights": [
            {"FunctionVersion": {"Fn::GetAtt": ["VersionA", "Version"]}, "FunctionWeight": 0.9}
        ]
    }

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(template), Capabilities=IAM)

    alias = client.get_alias(FunctionName=name, Name="live")
    assert alias["FunctionVersion"] == "2"
    assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.9}}


def test_a_stack_update_changes_configuration_and_code_as_two_updates(
    artifacts: Any, stack_outputs: Any
) -> None:
    cfn = boto3.client("cloudformation", region_name=REGION)
    client = boto3.client("lambda", region_name=REGION)
    cfn.create_stack(
        StackName="s", TemplateBody=_stack_template("v1.zip", "VersionA", None), Capabilities=IAM
    )
    name = stack_outputs("s")["Function"]
    template = json.loads(_stack_template("v2.zip", "VersionA", None))
    template["Resources"]["Function"]["Properties"]["Runtime"] = "python3.13"

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(template), Capabilities=IAM)

    latest = client.get_function_configuration(FunctionName=name)
    version = client.get_function_configuration(FunctionName=name, Qualifier="1")
    assert (latest["Runtime"], latest["LastUpdateStatus"]) == ("python3.13", "Successful")
    assert latest["CodeSha256"] != version["CodeSha256"]
    assert version["Runtime"] == "python3.12"  # the version is unchanged


def test_between_a_stack_s_two_function_updates_the_new_runtime_runs_the_old_code(
    artifacts: Any, stack_outputs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfn = boto3.client("cloudformation", region_name=REGION)
    client = boto3.client("lambda", region_name=REGION)
    cfn.create_stack(
        StackName="s", TemplateBody=_stack_template("v1.zip", "VersionA", None), Capabilities=IAM
    )
    name = stack_outputs("s")["Function"]
    old_code = client.get_function_configuration(FunctionName=name)["CodeSha256"]
    template = json.loads(_stack_template("v2.zip", "VersionA", None))
    template["Resources"]["Function"]["Properties"]["Runtime"] = "python3.13"
    monkeypatch.setenv(UPDATE_SECONDS_VARIABLE, "0.5")
    seen: set[tuple[str, str]] = set()
    updater = threading.Thread(
        target=cfn.update_stack,
        kwargs={"StackName": "s", "TemplateBody": json.dumps(template), "Capabilities": IAM},
    )

    updater.start()
    while updater.is_alive():
        running = client.get_function_configuration(FunctionName=name, Qualifier=INVOKED_QUALIFIER)
        seen.add((running["Runtime"], "old" if running["CodeSha256"] == old_code else "new"))
        time.sleep(0.05)
    updater.join()

    assert ("python3.13", "old") in seen  # configuration done, code still updating
    assert ("python3.12", "new") not in seen
