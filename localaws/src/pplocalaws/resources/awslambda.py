"""AWS::Lambda::Function settings moto's model drops, and AWS::Lambda::Permission (replaced).

moto's function model copies only Description, MemorySize, Timeout, VpcConfig, Environment
and ReservedConcurrentExecutions from the template; Architectures, TracingConfig,
KmsKeyArn, Layers and EphemeralStorage are dropped (our functions are arm64
with X-Ray tracing). A narrow wrapper applies them after moto's create and update.

moto's update applies configuration and code at once. CloudFormation updates a function
through UpdateFunctionConfiguration and UpdateFunctionCode, each only when its part of the
template changed, and waits for each to complete ("Lambda function states": an update is
InProgress, then Successful, and a second one is refused meanwhile). So the update here
runs them one after the other through ``lambda_updates``, configuration first: in between
the function runs the new configuration with the old code. (The order CloudFormation uses
is not documented; the point is that the two take effect separately.)

moto's model adds the raw CloudFormation properties as a policy statement (no statement
id, CloudFormation's field names), returns an object whose Ref is nothing, and cannot be
deleted. This one adds a proper statement through the Lambda backend's AddPermission,
with the permission's physical id as statement id (Ref returns it, as in CloudFormation),
and removes it on delete. Every property is create-only, so an update replaces it.
"""

from __future__ import annotations

import contextlib
import json

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import LambdaBackend, LambdaFunction, lambda_backends
from moto.core.common_models import CloudFormationModel

from pplocalaws import seams
from pplocalaws.resources import lambda_concurrency, lambda_updates, lambda_versions
from pplocalaws.resources.common import (
    LocalModel,
    Properties,
    properties_of,
    recreate,
    require,
    requires_replacement,
)
from pplocalaws.resources.patching import (
    extend_create,
    record_properties,
    recorded_properties,
    recording,
    set_update,
)

RESOURCE_TYPE = "AWS::Lambda::Permission"
# CloudFormation property -> AddPermission request field.
_STATEMENT_FIELDS = (
    "Action",
    "Principal",
    "SourceArn",
    "SourceAccount",
    "EventSourceToken",
    "PrincipalOrgID",
    "FunctionUrlAuthType",
)


def _backend(account_id: str, region_name: str) -> LambdaBackend:
    return lambda_backends[account_id][region_name]


def _apply_dropped_settings(
    function: LambdaFunction, properties: Properties, account_id: str, region: str
) -> None:
    function.architectures = list(properties.get("Architectures", ["x86_64"]))
    function.tracing_config = properties.get("TracingConfig") or {"Mode": "PassThrough"}
    function.kms_key_arn = properties.get("KmsKeyArn")
    function.layers = seams.lambda_layers(function, properties.get("Layers", []))
    function.ephemeral_storage = (properties.get("EphemeralStorage") or {}).get("Size", 512)
    # Where Lambda sends an asynchronous event that failed (resources.lambda_async_moto).
    function.dead_letter_config = dict(properties.get("DeadLetterConfig") or {})  # type: ignore[attr-defined]  # our note on moto's object


FUNCTION_TYPE = "AWS::Lambda::Function"
# UpdateFunctionConfiguration's defaults for what a template leaves out: a property removed
# from the template goes back to Lambda's default, as CloudFormation does.
_CONFIGURATION_DEFAULTS: Properties = {
    "Description": "",
    "MemorySize": 128,
    "Timeout": 3,
    "Environment": {"Variables": {}},
}


def _configuration(properties: Properties) -> Properties:
    return {key: value for key, value in properties.items() if key != "Code"}


def _update_function(
    cls: type,
    original_resource: LambdaFunction,
    new_resource_name: str,
    cloudformation_json: dict[str, object],
    account_id: str,
    region_name: str,
) -> LambdaFunction:
    new = properties_of(cloudformation_json)
    old = recorded_properties(original_resource)
    if requires_replacement(FUNCTION_TYPE, old, new):
        replaced: LambdaFunction = recreate(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        return replaced
    if _configuration(old) != _configuration(new):
        lambda_updates.wait_until_updated(original_resource)
        with lambda_updates.updating(original_resource):
            # First: a reservation past the account's quota refuses the whole update.
            lambda_concurrency.update(original_resource, new, account_id, region_name)
            original_resource.update_configuration({**_CONFIGURATION_DEFAULTS, **new})
            _apply_dropped_settings(original_resource, new, account_id, region_name)
        lambda_updates.wait_until_updated(original_resource)
    if old.get("Code") != new.get("Code"):
        lambda_updates.wait_until_updated(original_resource)
        with lambda_updates.updating(original_resource):
            original_resource.update_function_code(dict(new["Code"]))
        lambda_updates.wait_until_updated(original_resource)
    record_properties(original_resource, new)
    return original_resource


extend_create(LambdaFunction, recording(_apply_dropped_settings))
set_update(LambdaFunction, _update_function)
__all__ = ["LocalLambdaPermission", "lambda_versions"]


def _qualified(function_name: str) -> tuple[str, str | None]:
    """(function name or unqualified ARN, qualifier) of a FunctionName: a name, ``name:Q``,
    ``ACCOUNT:function:name[:Q]`` or a full ARN ``arn:aws:lambda:R:A:function:name[:Q]``."""
    parts = function_name.split(":")
    if len(parts) == 8:  # a full qualified ARN
        return ":".join(parts[:7]), parts[7]
    if len(parts) == 4 and parts[1] == "function":  # a partial qualified ARN
        return parts[2], parts[3]
    if len(parts) == 2:  # name:qualifier
        return parts[0], parts[1]
    return function_name, None


class LocalLambdaPermission(LocalModel, CloudFormationModel):
    """One statement in a function's resource policy. Ref returns its statement id."""

    RESOURCE_TYPE = RESOURCE_TYPE
    REF_ATTRIBUTE = "statement_id"

    def __init__(self, statement_id: str, function_name: str, properties: Properties) -> None:
        self.statement_id = statement_id
        self.function_name = function_name
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalLambdaPermission:
        function_name, qualifier = _qualified(
            str(require(properties, "FunctionName", RESOURCE_TYPE))
        )
        require(properties, "Action", RESOURCE_TYPE)
        require(properties, "Principal", RESOURCE_TYPE)
        request = {"StatementId": resource_name}
        request.update({key: properties[key] for key in _STATEMENT_FIELDS if key in properties})
        backend = _backend(account_id, region_name)
        if qualifier:
            # A permission on an alias or version covers that qualified ARN only: "Using
            # Lambda aliases in event sources and permissions policies", Resource policies
            # (https://docs.aws.amazon.com/lambda/latest/dg/using-aliases.html): invoking
            # without the alias "you get a permission error". moto keeps one policy per
            # function and would write the unqualified ARN: the statement names the
            # qualified ARN itself (SAM's SNS event on an AutoPublishAlias function grants
            # the alias).
            request["Resource"] = f"{backend.get_function(function_name).function_arn}:{qualifier}"
        backend.add_permission(function_name, None, json.dumps(request))  # type: ignore[arg-type]  # None means the unqualified function
        return cls(resource_name, function_name, properties)

    @classmethod
    def replaced_by(cls, old: Properties, new: Properties) -> bool:
        return True  # every property is create-only

    def delete(self, account_id: str, region_name: str) -> None:
        # The function went first, and its policy with it.
        with contextlib.suppress(UnknownFunctionException):
            _backend(account_id, region_name).remove_permission(
                self.function_name, self.statement_id
            )
