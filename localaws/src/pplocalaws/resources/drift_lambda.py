"""Drift readers for Lambda permissions, versions and event invoke configs, and HTTP APIs.

- AWS::Lambda::Permission: its physical id is the statement id in the function's resource
  policy ("AWS::Lambda::Permission", Return values); the statement is found among the
  functions' policies and read back into Action, Principal and SourceArn/SourceAccount.
  FunctionName is not compared: the template may name the function, its ARN or an alias
  ARN, and the statement keeps only the resulting Resource. A removed statement is DELETED.
- AWS::Lambda::Version: a published version is immutable ("Lambda function versions":
  "The function version ... cannot be changed"), so only its deletion can drift it.
- AWS::ApiGatewayV2::Stage: found by name within the template's ApiId; its name, API,
  AutoDeploy and Description are compared (not its log and route settings).
- AWS::Lambda::EventInvokeConfig: the function's config, found by the template's
  FunctionName; its retry, event age and destinations are compared.
- AWS::ApiGatewayV2::Api: the settings moto stores; Body/BodyS3Location are write-only in
  the resource schema and never compared, as on AWS.
"""

from __future__ import annotations

from typing import Any

from pplocalaws.resources.drift_common import Live, Reader


# -- AWS::Lambda::Permission ------------------------------------------------------------------
def read_permission(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.awslambda.models import lambda_backends  # noqa: PLC0415 - moto loads on first use

    for function in lambda_backends[account_id][region].list_functions():
        for statement in function.policy.statements if function.policy else []:
            if statement.get("Sid") == physical_id:
                return _permission(statement)
    return None


def _permission(statement: dict[str, Any]) -> Live:
    principal = statement.get("Principal")
    if isinstance(principal, dict) and len(principal) == 1:
        principal = next(iter(principal.values()))
    live: Live = {"Action": statement.get("Action"), "Principal": principal}
    condition = statement.get("Condition") or {}
    source_arn = (condition.get("ArnLike") or {}).get("AWS:SourceArn")
    if source_arn:
        live["SourceArn"] = source_arn
    source_account = (condition.get("StringEquals") or {}).get("AWS:SourceAccount")
    if source_account:
        live["SourceAccount"] = source_account
    return live


# -- AWS::Lambda::Version (physical id: the version's ARN) -----------------------------------
def read_version(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.awslambda.exceptions import UnknownFunctionException  # noqa: PLC0415 - moto loads on first use
    from moto.awslambda.models import lambda_backends  # noqa: PLC0415 - moto loads on first use

    function_name, version = physical_id.split(":")[-2:]  # ...:function:<function>:<n>
    try:
        lambda_backends[account_id][region].get_function(function_name, version)
    except UnknownFunctionException:
        return None
    return {}


# -- AWS::ApiGatewayV2::Api (physical id: the API id) ----------------------------------------
def read_http_api(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.apigatewayv2.exceptions import ApiNotFound  # noqa: PLC0415 - moto loads on first use
    from moto.apigatewayv2.models import apigatewayv2_backends  # noqa: PLC0415 - moto loads on first use

    try:
        api = apigatewayv2_backends[account_id][region].get_api(physical_id)
    except ApiNotFound:
        return None
    live: Live = {
        "Name": api.name,
        "ProtocolType": api.protocol_type,
        "DisableExecuteApiEndpoint": bool(api.disable_execute_api_endpoint),
    }
    if api.description:
        live["Description"] = api.description
    if api.cors_configuration:
        live["CorsConfiguration"] = api.cors_configuration
    return live


# -- AWS::ApiGatewayV2::Stage (physical id: the stage's name, within the template's ApiId) -----
def read_stage(physical_id: str, account_id: str, region: str, expected: Live) -> Live | None:
    from moto.apigatewayv2.exceptions import ApiNotFound  # noqa: PLC0415 - moto loads on first use
    from moto.apigatewayv2.models import apigatewayv2_backends  # noqa: PLC0415 - moto loads on first use

    try:
        api = apigatewayv2_backends[account_id][region].get_api(str(expected.get("ApiId")))
    except ApiNotFound:
        return None
    stage = api.stages.get(physical_id)
    if stage is None:
        return None
    live: Live = {"ApiId": api.api_id, "StageName": stage.name}
    if stage.auto_deploy is not None:
        live["AutoDeploy"] = bool(stage.auto_deploy)
    if stage.description:
        live["Description"] = stage.description
    return live


# -- AWS::Lambda::EventInvokeConfig (found by the template's FunctionName) ------------------
def read_event_invoke_config(
    physical_id: str, account_id: str, region: str, expected: Live
) -> Live | None:
    """moto keeps one config per function (``lambda_event_invoke``): the qualifier is not
    told apart, so it is taken from the template."""
    from moto.awslambda.exceptions import (  # noqa: PLC0415 - moto loads on first use
        UnknownEventConfig,
        UnknownFunctionException,
    )
    from moto.awslambda.models import lambda_backends  # noqa: PLC0415 - moto loads on first use

    function_name = str(expected.get("FunctionName", ""))
    try:
        config = lambda_backends[account_id][region].get_function_event_invoke_config(function_name)
    except (UnknownEventConfig, UnknownFunctionException):
        return None
    live: Live = {"FunctionName": function_name, "Qualifier": expected.get("Qualifier")}
    for name in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
        if config.get(name) is not None:
            live[name] = config[name]
    # No destinations and an empty DestinationConfig are one setting (SAM writes ``{}``).
    live["DestinationConfig"] = config.get("DestinationConfig") or {}
    return live


READERS: dict[str, Reader] = {
    "AWS::Lambda::EventInvokeConfig": Reader(
        None,
        frozenset(
            {
                "FunctionName",
                "Qualifier",
                "MaximumRetryAttempts",
                "MaximumEventAgeInSeconds",
                "DestinationConfig",
            }
        ),
        read_with_template=read_event_invoke_config,
    ),
    "AWS::ApiGatewayV2::Stage": Reader(
        None,
        frozenset({"ApiId", "StageName", "AutoDeploy", "Description"}),
        read_with_template=read_stage,
    ),
    "AWS::Lambda::Permission": Reader(
        read_permission, frozenset({"Action", "Principal", "SourceArn", "SourceAccount"})
    ),
    "AWS::Lambda::Version": Reader(read_version, frozenset()),
    "AWS::ApiGatewayV2::Api": Reader(
        read_http_api,
        frozenset(
            {
                "Name",
                "ProtocolType",
                "DisableExecuteApiEndpoint",
                "Description",
                "CorsConfiguration",
            }
        ),
    ),
}
