"""AWS::Lambda::EventInvokeConfig (moto has no model): a function's async error handling.

"AWS::Lambda::EventInvokeConfig" (CloudFormation User Guide,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-eventinvokeconfig.html):
``FunctionName`` and ``Qualifier`` (required; ``$LATEST``, a version or an alias) are
create-only; ``MaximumRetryAttempts`` (0-2), ``MaximumEventAgeInSeconds`` (60-21600) and
``DestinationConfig`` update in place. SAM's ``EventInvokeConfig`` property generates it.
Stored through moto's PutFunctionEventInvokeConfig, which keeps one config per function:
the qualifier is not told apart (simplified: our templates configure one per function).
"""

from __future__ import annotations

import contextlib
from typing import Any

from moto.awslambda.exceptions import UnknownEventConfig
from moto.awslambda.models import lambda_backends
from moto.cloudformation.exceptions import ValidationError
from moto.core.common_models import CloudFormationModel

from pplocalaws.resources.common import LocalModel, Properties, require

RESOURCE_TYPE = "AWS::Lambda::EventInvokeConfig"
_CREATE_ONLY = ("FunctionName", "Qualifier")
# The API's limits (PutFunctionEventInvokeConfig, Lambda API Reference).
_LIMITS = {"MaximumRetryAttempts": (0, 2), "MaximumEventAgeInSeconds": (60, 21_600)}


def _config(properties: Properties) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for name, (low, high) in _LIMITS.items():
        if name not in properties:
            continue
        value = int(properties[name])
        if not low <= value <= high:
            raise ValidationError(
                message=f"{RESOURCE_TYPE}: {name} {value} is outside {low}-{high} "
                "(PutFunctionEventInvokeConfig's limits); choose a value in that range"
            )
        config[name] = value
    if properties.get("DestinationConfig"):
        config["DestinationConfig"] = properties["DestinationConfig"]
    return config


def _put(function_name: str, properties: Properties, account_id: str, region: str) -> None:
    backend = lambda_backends[account_id][region]
    with contextlib.suppress(UnknownEventConfig):  # Put replaces; moto's appends
        backend.delete_function_event_invoke_config(function_name)
    backend.put_function_event_invoke_config(function_name, _config(properties))


class LocalEventInvokeConfig(LocalModel, CloudFormationModel):
    """One function's asynchronous invocation settings. Ref returns the function name
    and qualifier, as CloudFormation's physical id does ("NAME:QUALIFIER")."""

    RESOURCE_TYPE = RESOURCE_TYPE
    REF_ATTRIBUTE = "physical_id"

    def __init__(self, function_name: str, qualifier: str, properties: Properties) -> None:
        self.function_name = function_name
        self.qualifier = qualifier
        self.physical_id = f"{function_name}:{qualifier}"
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalEventInvokeConfig:
        function_name = str(require(properties, "FunctionName", RESOURCE_TYPE))
        qualifier = str(require(properties, "Qualifier", RESOURCE_TYPE))
        _put(function_name, properties, account_id, region_name)
        return cls(function_name, qualifier, properties)

    @classmethod
    def replaced_by(cls, old: Properties, new: Properties) -> bool:
        return any(old.get(name) != new.get(name) for name in _CREATE_ONLY)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        _put(self.function_name, new, account_id, region_name)
        self.properties = new

    def delete(self, account_id: str, region_name: str) -> None:
        # The function may have gone first, and its config with it.
        with contextlib.suppress(Exception):
            lambda_backends[account_id][region_name].delete_function_event_invoke_config(
                self.function_name
            )
