"""The SAM template serves exactly the routes the code serves, with shared imports only."""

from __future__ import annotations

from pathlib import Path

import pytest
from coaching.app import app
from pptesting.template import code_routes, imported_exports, load_template, template_routes

TEMPLATE = load_template(Path(__file__).resolve().parents[1] / "template.yaml")
FUNCTION = TEMPLATE["Resources"]["ServiceFunction"]["Properties"]


def test_every_code_route_is_an_api_route_and_back() -> None:
    assert code_routes(app) == template_routes(TEMPLATE)
    assert len(template_routes(TEMPLATE)) == 8


def test_handler_and_runtime() -> None:
    assert FUNCTION["Handler"] == "coaching.app.lambda_handler"
    assert (FUNCTION["Runtime"], FUNCTION["Architectures"]) == ("python3.13", ["arm64"])
    assert FUNCTION["FunctionName"] == {"Fn::Sub": "purposepath-coaching-api-${Stage}"}


def test_imports_only_shared_exports_and_only_its_own_table() -> None:
    naming = pytest.importorskip("ppdeploy.naming")
    allowed = {f"purposepath-{name}-${{Stage}}" for name in naming.SHARED_EXPORTS}

    imported = imported_exports(TEMPLATE)

    assert imported <= allowed
    assert not {name for name in imported if "table" in name} - {
        "purposepath-coaching-table-${Stage}"
    }


def test_policies_are_only_the_imported_service_policy() -> None:
    assert FUNCTION["Policies"] == [
        {"Fn::ImportValue": {"Fn::Sub": "purposepath-coaching-policy-arn-${Stage}"}}
    ]


def test_no_stateful_resources() -> None:
    types = {resource["Type"] for resource in TEMPLATE["Resources"].values()}

    assert types == {
        "AWS::Serverless::Function",
        "AWS::Serverless::HttpApi",
        "AWS::ApiGatewayV2::ApiMapping",
    }
