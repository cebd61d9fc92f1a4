"""Each service API integrates a published version through the alias ``live``.

Runtime, handler and code must reach the API together: on ``$LATEST`` CloudFormation's
UpdateFunctionConfiguration and UpdateFunctionCode take effect one after the other
("Lambda function states"), so for a moment a handler runs on the wrong runtime or code.
SAM's ``AutoPublishAlias`` publishes a version once the update is complete and moves the
alias to it; ``AutoPublishAliasAllProperties`` publishes on any change (runtime, handler),
not only a code change. Checked on SAM's own translation, as CloudFormation runs it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from ppdeploy import templates

ROOT = Path(__file__).resolve().parents[2]
SERVICE_TEMPLATES = [
    "services/account/template-python.yaml",
    "services/account/template-dotnet.yaml",
    "services/coaching/template.yaml",
    "services/traction/template.yaml",
]
PARAMETERS = {"Stage": "dev", "ArtifactBucket": "bucket", "ArtifactKey": "key.zip"}


class NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def translated(path: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # SAM fills AWS::Region from it
    document = json.loads(json.dumps(templates.load(ROOT / path).document, default=str))
    result: dict[str, Any] = transform(document, PARAMETERS, NoManagedPolicies())
    return result


@pytest.mark.parametrize("path", SERVICE_TEMPLATES)
def test_the_function_publishes_on_every_change_to_the_alias_live(path: str) -> None:
    function = templates.load(ROOT / path).document["Resources"]["ServiceFunction"]

    assert function["Properties"]["AutoPublishAlias"] == "live"
    assert function["Properties"]["AutoPublishAliasAllProperties"] is True


@pytest.mark.parametrize("path", SERVICE_TEMPLATES)
def test_every_route_integrates_the_alias_never_latest(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    resources = translated(path, monkeypatch)["Resources"]
    aliases = [k for k, v in resources.items() if v["Type"] == "AWS::Lambda::Alias"]
    assert aliases == ["ServiceFunctionAliaslive"]
    api = next(v for v in resources.values() if v["Type"] == "AWS::ApiGatewayV2::Api")
    uris = [
        operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        for methods in api["Properties"]["Body"]["paths"].values()
        for operation in methods.values()
    ]
    assert uris
    assert all("${ServiceFunctionAliaslive}" in uri for uri in uris), uris
    # The API's permissions (a purge function's SNS permission is not the API's business).
    permissions = [
        v
        for v in resources.values()
        if v["Type"] == "AWS::Lambda::Permission"
        and v["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    assert permissions
    assert all(
        p["Properties"]["FunctionName"] == {"Ref": "ServiceFunctionAliaslive"} for p in permissions
    )


def test_a_runtime_change_alone_publishes_a_new_version(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The version's logical id is a hash of the function's properties: a new id is a new
    version (and the alias moves to it in the same update)."""

    def version_id(runtime: str) -> str:
        source = (ROOT / SERVICE_TEMPLATES[2]).read_text(encoding="utf-8")
        changed = source.replace("Runtime: python3.13", f"Runtime: {runtime}")
        copy = tmp_path / f"template-{runtime}.yaml"
        copy.write_text(changed, encoding="utf-8")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        document = json.loads(json.dumps(templates.load(copy).document, default=str))
        resources = transform(document, PARAMETERS, NoManagedPolicies())["Resources"]
        return next(k for k, v in resources.items() if v["Type"] == "AWS::Lambda::Version")

    assert version_id("python3.13") != version_id("python3.12")
