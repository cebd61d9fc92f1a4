"""HTTP APIs as SAM emits them (Api with an OpenAPI Body, $default stage), plus explicit routes."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import boto3

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:purposepath-account-api-dev"
INVOKE_PATH = f"lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"
INVOKE_URI = {"Fn::Sub": f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:{INVOKE_PATH}"}


def _operation() -> dict[str, Any]:
    return {
        "x-amazon-apigateway-integration": {
            "httpMethod": "POST",
            "type": "aws_proxy",
            "uri": INVOKE_URI,
            "payloadFormatVersion": "2.0",
        },
        "responses": {},
    }


SAM_OUTPUT: dict[str, Any] = {
    "Resources": {
        "Api": {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {
                "Body": {
                    "openapi": "3.0.1",
                    "info": {"version": "1.0", "title": {"Ref": "AWS::StackName"}},
                    "paths": {
                        "/health": {"get": _operation()},
                        "/{proxy+}": {
                            "x-amazon-apigateway-any-method": {
                                **_operation(),
                                "parameters": [{"required": True, "name": "proxy+", "in": "path"}],
                            }
                        },
                    },
                }
            },
        },
        "ApiApiGatewayDefaultStage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "StageName": "$default",
                "AutoDeploy": True,
                "AccessLogSettings": {
                    "DestinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:access",
                    "Format": "$context.requestId",
                },
                "Tags": {"httpapi:createdBy": "SAM"},
            },
        },
    },
    "Outputs": {
        "ApiId": {"Value": {"Ref": "Api"}},
        "Endpoint": {"Value": {"Fn::GetAtt": ["Api", "ApiEndpoint"]}},
        "Stage": {"Value": {"Ref": "ApiApiGatewayDefaultStage"}},
    },
}


def _routes(apis: Any, api_id: str) -> dict[str, str]:
    """Route key -> integration URI."""
    integrations = {i["IntegrationId"]: i for i in apis.get_integrations(ApiId=api_id)["Items"]}
    return {
        r["RouteKey"]: integrations[r["Target"].split("/")[1]]["IntegrationUri"]
        for r in apis.get_routes(ApiId=api_id)["Items"]
    }


def test_body_routes_integrations_and_stage_exist(
    aws: boto3.Session, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
    cfn, apis = aws.client("cloudformation"), aws.client("apigatewayv2")
    cfn.create_stack(StackName="svc", TemplateBody=json.dumps(SAM_OUTPUT))
    outputs = stack_outputs("svc")
    api_id = outputs["ApiId"]

    api = apis.get_api(ApiId=api_id)
    assert (api["Name"], api["ProtocolType"], api["ApiEndpoint"]) == (
        "svc",
        "HTTP",
        outputs["Endpoint"],
    )
    uri = (
        f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"
    )
    assert _routes(apis, api_id) == {"GET /health": uri, "ANY /{proxy+}": uri}
    integration = apis.get_integrations(ApiId=api_id)["Items"][0]
    assert (integration["IntegrationType"], integration["PayloadFormatVersion"]) == (
        "AWS_PROXY",
        "2.0",
    )
    assert len(apis.get_integrations(ApiId=api_id)["Items"]) == 1  # one per distinct integration
    stage = apis.get_stage(ApiId=api_id, StageName="$default")
    assert outputs["Stage"] == "$default"
    assert stage["AutoDeploy"] is True
    assert stage["AccessLogSettings"]["Format"] == "$context.requestId"


def test_a_changed_body_reimports_routes_and_keeps_the_stage(
    aws: boto3.Session, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
    cfn, apis = aws.client("cloudformation"), aws.client("apigatewayv2")
    cfn.create_stack(StackName="svc", TemplateBody=json.dumps(SAM_OUTPUT))
    api_id = stack_outputs("svc")["ApiId"]
    template = copy.deepcopy(SAM_OUTPUT)
    paths = template["Resources"]["Api"]["Properties"]["Body"]["paths"]
    paths["/me"] = {"get": _operation()}
    del paths["/health"]

    cfn.update_stack(StackName="svc", TemplateBody=json.dumps(template))

    assert stack_outputs("svc")["ApiId"] == api_id
    assert sorted(_routes(apis, api_id)) == ["ANY /{proxy+}", "GET /me"]
    assert len(apis.get_integrations(ApiId=api_id)["Items"]) == 1
    assert [s["StageName"] for s in apis.get_stages(ApiId=api_id)["Items"]] == ["$default"]


def test_explicit_route_and_integration_update_in_place(
    aws: boto3.Session, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
    cfn, apis = aws.client("cloudformation"), aws.client("apigatewayv2")
    template: dict[str, Any] = {
        "Resources": {
            "Api": {
                "Type": "AWS::ApiGatewayV2::Api",
                "Properties": {"Name": "explicit", "ProtocolType": "HTTP"},
            },
            "Integration": {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {
                    "ApiId": {"Ref": "Api"},
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": FUNCTION_ARN,
                    "PayloadFormatVersion": "2.0",
                },
            },
            "Route": {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {
                    "ApiId": {"Ref": "Api"},
                    "RouteKey": "GET /health",
                    "Target": {"Fn::Join": ["/", ["integrations", {"Ref": "Integration"}]]},
                },
            },
        },
        "Outputs": {"ApiId": {"Value": {"Ref": "Api"}}, "RouteId": {"Value": {"Ref": "Route"}}},
    }
    cfn.create_stack(StackName="svc", TemplateBody=json.dumps(template))
    before = stack_outputs("svc")
    template["Resources"]["Route"]["Properties"]["RouteKey"] = "GET /healthz"
    template["Resources"]["Integration"]["Properties"]["TimeoutInMillis"] = 5000

    cfn.update_stack(StackName="svc", TemplateBody=json.dumps(template))

    assert stack_outputs("svc") == before
    route = apis.get_route(ApiId=before["ApiId"], RouteId=before["RouteId"])
    assert route["RouteKey"] == "GET /healthz"
    assert apis.get_integrations(ApiId=before["ApiId"])["Items"][0]["TimeoutInMillis"] == 5000


def test_delete_stack_removes_the_api(aws: boto3.Session) -> None:
    cfn, apis = aws.client("cloudformation"), aws.client("apigatewayv2")
    cfn.create_stack(StackName="svc", TemplateBody=json.dumps(SAM_OUTPUT))

    cfn.delete_stack(StackName="svc")

    assert apis.get_apis()["Items"] == []
