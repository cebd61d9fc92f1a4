"""The checks a single-table Python service's SAM template must pass (coaching, traction).

A service's test module subclasses :class:`ServiceTemplateChecks` as
``Test<Service>Template``, naming the service, its app and how many routes it serves;
pytest collects the checks through the subclass. The account service keeps its own
checks: it has two runtimes and four tables.
"""

# ruff: noqa: S101 - these are pytest checks, collected through each service's test module

from __future__ import annotations

import inspect
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from pptesting.service_fixtures import project_folder
from pptesting.template import code_routes, imported_exports, load_template, template_routes


@cache
def _template(path: Path) -> dict[str, Any]:
    return load_template(path)


class ServiceTemplateChecks:
    """The SAM template serves exactly the routes the code serves, with shared imports only."""

    SERVICE: ClassVar[str]
    APP: ClassVar[APIGatewayHttpResolver]
    ROUTE_COUNT: ClassVar[int]

    @property
    def template(self) -> dict[str, Any]:
        # The template beside the test module's project: services/<service>/template.yaml.
        return _template(project_folder(Path(inspect.getfile(type(self)))) / "template.yaml")

    @property
    def function(self) -> dict[str, Any]:
        properties: dict[str, Any] = self.template["Resources"]["ServiceFunction"]["Properties"]
        return properties

    def test_every_code_route_is_an_api_route_and_back(self) -> None:
        assert code_routes(self.APP) == template_routes(self.template)
        assert len(template_routes(self.template)) == self.ROUTE_COUNT

    def test_handler_and_runtime(self) -> None:
        assert self.function["Handler"] == f"{self.SERVICE}.app.lambda_handler"
        assert (self.function["Runtime"], self.function["Architectures"]) == (
            "python3.13",
            ["arm64"],
        )
        assert self.function["FunctionName"] == {
            "Fn::Sub": f"purposepath-{self.SERVICE}-api-${{Stage}}"
        }

    def test_imports_only_shared_exports_and_only_its_own_table(self) -> None:
        naming = pytest.importorskip("ppdeploy.naming")
        allowed = {f"purposepath-{name}-${{Stage}}" for name in naming.SHARED_EXPORTS}

        imported = imported_exports(self.template)

        assert imported <= allowed
        assert not {name for name in imported if "table" in name} - {
            f"purposepath-{self.SERVICE}-table-${{Stage}}"
        }

    def test_api_and_purge_run_as_one_role_with_only_the_imported_service_policy(self) -> None:
        resources = self.template["Resources"]
        purge = resources["PurgeFunction"]["Properties"]
        # This loader keeps !GetAtt's short form as written.
        assert self.function["Role"] == purge["Role"] == {"Fn::GetAtt": "FunctionRole.Arn"}
        assert purge["Handler"] == f"{self.SERVICE}.purge.lambda_handler"
        policies = resources["FunctionRole"]["Properties"]["ManagedPolicyArns"]
        service_policy = {
            "Fn::ImportValue": {"Fn::Sub": f"purposepath-{self.SERVICE}-policy-arn-${{Stage}}"}
        }
        # The rest are the AWS managed policies a SAM-generated role would have.
        assert [p for p in policies if "Fn::ImportValue" in p] == [service_policy]

    def test_no_stateful_resources(self) -> None:
        types = {resource["Type"] for resource in self.template["Resources"].values()}

        assert types == {
            "AWS::Serverless::Function",
            "AWS::Serverless::HttpApi",
            "AWS::ApiGatewayV2::ApiMapping",
            "AWS::IAM::Role",
            "AWS::CloudWatch::Alarm",  # the gradual deploy's rollback alarms: no data
        }
