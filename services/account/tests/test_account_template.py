"""template-python.yaml against the code: every route the code serves reaches it, and the
function is wired as the services brief requires."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str

from account.app import app

TEMPLATE = Path(__file__).resolve().parents[1] / "template-python.yaml"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    document, matches = decode_str(TEMPLATE.read_text(encoding="utf-8"))
    assert not matches, matches
    return dict(document)


def _code_routes() -> set[tuple[str, str]]:
    # Powertools keeps its route table in these attributes (no public accessor).
    routes = [*app._static_routes, *app._dynamic_routes]
    return {(route.method, route.path) for route in routes}


def test_every_route_the_code_serves_is_an_api_route_and_no_more(template) -> None:
    events = template["Resources"]["ServiceFunction"]["Properties"]["Events"]
    api_routes = {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in events.values()}
    assert api_routes == _code_routes()
    for event in events.values():
        assert event["Type"] == "HttpApi"
        assert event["Properties"]["PayloadFormatVersion"] == "2.0"
        assert event["Properties"]["ApiId"] == {"Ref": "ServiceApi"}


def test_function_settings(template) -> None:
    function = template["Resources"]["ServiceFunction"]["Properties"]
    assert function["Handler"] == "account.app.lambda_handler"
    assert (function["Runtime"], function["Architectures"]) == ("python3.13", ["arm64"])
    # Its own role with a fixed name: the signing keys deny kms:Sign to every other one.
    assert function["Role"] == {"Fn::GetAtt": ["FunctionRole", "Arn"]}
    role = template["Resources"]["FunctionRole"]["Properties"]
    assert role["RoleName"] == {"Fn::Sub": "purposepath-account-api-${Stage}"}
    assert {"Fn::ImportValue": {"Fn::Sub": "purposepath-account-policy-arn-${Stage}"}} in role[
        "ManagedPolicyArns"
    ]
    variables = function["Environment"]["Variables"]
    tables = {name for name in variables if name.endswith("_TABLE")}
    assert tables == {"USERS_TABLE", "TOKENS_TABLE", "TENANTS_TABLE", "SESSIONS_TABLE"}


def test_imports_only_shared_exports(template) -> None:
    naming = pytest.importorskip("ppdeploy.naming")
    imported: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "Fn::ImportValue" in node:
                imported.append(node["Fn::ImportValue"]["Fn::Sub"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(template)
    names = {name.removeprefix("purposepath-").removesuffix("-${Stage}") for name in imported}
    assert names
    assert names <= set(naming.SHARED_EXPORTS)


def test_no_stateful_resource(template) -> None:
    types = {resource["Type"] for resource in template["Resources"].values()}
    assert types == {
        "AWS::Serverless::Function",
        "AWS::Serverless::HttpApi",
        "AWS::ApiGatewayV2::ApiMapping",
        "AWS::IAM::Role",
        # The security alarms (login failures, lockouts, refresh-token reuse): no data.
        "AWS::CloudWatch::Alarm",
    }
