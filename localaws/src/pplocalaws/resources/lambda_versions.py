"""Lambda versions and aliases as AWS keeps them, on moto's backend.

moto 5.2.5 has PublishVersion and aliases, with these gaps, each closed here:

- a published version shares its code record, environment and layers with ``$LATEST``
  (``copy.copy``), so a later UpdateFunctionCode changes the version's code location: a
  version must be an immutable snapshot ("Lambda function versions": "The function
  version includes ... The function code and all associated dependencies ... The function
  settings ... A published version is a snapshot ... you can't change it");
- it publishes a new version after a no-op update and refuses nothing: AWS "doesn't
  publish a version if the function's configuration and code haven't changed since the
  last version" (same guide), and refuses PublishVersion while an update is in progress
  ("Lambda function states", see ``lambda_updates``);
- it ignores PublishVersion's CodeSha256 and UpdateAlias's RevisionId preconditions, and
  numbers a version ``len(versions) + 1``, so a deleted version's number comes back;
- an alias's ``RoutingConfig`` is stored unchecked and its RevisionId never changes.
  "Weighted aliases" (Lambda developer guide, "Create a weighted alias"): an alias points
  to at most two versions, both published (not ``$LATEST``), with the same execution role;
  AliasRoutingConfiguration (API reference): each weight is between 0.0 and 1.0. CreateAlias
  (API reference): Name matches ``(?!^[0-9]+$)([a-zA-Z0-9-_]+)`` (1-128),
  FunctionVersion ``(\\$LATEST|[0-9]+)``;
- deleting a version an alias routes to is refused (DeleteFunction, API reference:
  ResourceConflictException);
- its CloudFormation ``AWS::Lambda::Version`` has no Ref, no GetAtt and no delete, and
  there is no ``AWS::Lambda::Alias`` at all: both are modelled below (their CloudFormation
  pages: Ref returns the version's / alias's ARN; GetAtt ``Version`` and ``FunctionArn``
  of a version, ``AliasArn`` of an alias). ProvisionedConcurrencyConfig is accepted and
  ignored (nothing runs provisioned locally). An alias with ``UpdatePolicy:
  CodeDeployLambdaAliasUpdate`` moves to a new version through a CodeDeploy deployment
  (``codedeploy_shift``).
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import unquote

from moto.awslambda.exceptions import (
    InvalidParameterValueException,
    LambdaClientError,
    PreconditionFailedException,
    UnknownFunctionException,
)
from moto.awslambda.models import LambdaAlias, LambdaBackend, LambdaFunction, lambda_backends
from moto.awslambda.responses import LambdaResponse
from moto.core.common_models import CloudFormationModel

from pplocalaws import seams
from pplocalaws.resources.common import LocalModel, Properties, properties_of, require
from pplocalaws.resources.lambda_updates import (
    make_independent,
    refuse_while_updating,
    wait_until_updated,
)

# Our note on a $LATEST function: the highest version number it ever published.
_LAST_NUMBER = "_pplocalaws_last_version"
_ALIAS_NAME = re.compile(r"^(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}$")
_FUNCTION_VERSION = re.compile(r"^(\$LATEST|[0-9]+)$")
_PUBLISHED_VERSION = re.compile(r"^[0-9]+$")
# What makes two snapshots the same function, for "nothing changed, nothing published".
_SNAPSHOT_KEYS = (
    "CodeSha256",
    "Handler",
    "Runtime",
    "Role",
    "MemorySize",
    "Timeout",
    "Environment",
    "Layers",
    "VpcConfig",
    "TracingConfig",
    "Architectures",
    "EphemeralStorage",
    "KMSKeyArn",
)


def _backend(account_id: str, region_name: str) -> LambdaBackend:
    return lambda_backends[account_id][region_name]


def _signature(function: LambdaFunction) -> tuple[Any, ...]:
    configuration = function.get_configuration()
    return tuple(repr(configuration.get(key)) for key in _SNAPSHOT_KEYS)


def published_versions(backend: LambdaBackend, function_name: str) -> list[LambdaFunction]:
    """The function's published versions, oldest first (``$LATEST`` left out)."""
    return list(backend.list_versions_by_function(function_name))[1:]


# --- PublishVersion -----------------------------------------------------------------


def _publishing_snapshots(original: Callable[..., Any]) -> Callable[..., Any]:
    def publish_version(
        self: LambdaBackend, function_name: str, description: str = ""
    ) -> LambdaFunction | None:
        storage = seams.lambda_storage(self)
        latest: LambdaFunction = storage.get_function_by_name_or_arn_forbid_qualifier(function_name)
        refuse_while_updating(latest)
        existing = published_versions(self, latest.function_name)
        if existing and _signature(existing[-1]) == _signature(latest):
            return existing[-1]  # nothing changed since the last version: no new one
        latest.code_or_config_updated = True  # moto publishes only when this is set
        version: LambdaFunction | None = original(self, function_name, description)
        if version is not None:
            make_independent(version)
            _number_after_every_earlier(storage, latest, version, existing)
        return version

    return publish_version


def _number_after_every_earlier(
    storage: Any, latest: LambdaFunction, version: LambdaFunction, existing: list[LambdaFunction]
) -> None:
    """Number a new version past every version ever published ("Lambda function versions":
    Lambda increments the version number; a deleted version's number is not reused).

    moto numbers it ``len(versions) + 1``, which repeats a number once a version was
    deleted, and files it under that ARN, over the version that has it.
    """
    number = max([getattr(latest, _LAST_NUMBER, 0), *(int(v.version) for v in existing)]) + 1
    setattr(latest, _LAST_NUMBER, number)
    if str(version.version) == str(number):
        return
    arns = seams.lambda_function_arns(storage)
    version.set_version(number)
    arns[version.function_arn] = version
    for earlier in existing:  # give back the ARN moto's numbering took
        arns[earlier.function_arn] = earlier


# --- Aliases ------------------------------------------------------------------------


def _weights(routing_config: Any) -> dict[str, Any]:
    """AdditionalVersionWeights of a RoutingConfig (moto keeps the request's mapping)."""
    return dict((routing_config or {}).get("AdditionalVersionWeights") or {})


def check_alias(
    backend: LambdaBackend,
    function_name: str,
    name: str,
    function_version: str,
    routing_config: Mapping[str, Any] | None,
) -> None:
    """Refuse an alias AWS refuses (see the module docstring for the rules' sources)."""
    if not _ALIAS_NAME.match(name or ""):
        raise InvalidParameterValueException(
            f"Alias name {name!r} is invalid: it must be 1-128 letters, digits, '-' or '_', "
            "and not only digits"
        )
    if not _FUNCTION_VERSION.match(function_version or ""):
        raise InvalidParameterValueException(
            f"FunctionVersion {function_version!r} is invalid: give $LATEST or a published "
            "version number"
        )
    weights = _weights(routing_config)
    if not weights:
        return
    if len(weights) > 1:
        raise InvalidParameterValueException(
            f"Alias {name} routes to {len(weights)} additional versions; an alias points to "
            "at most two versions (FunctionVersion plus one in AdditionalVersionWeights)"
        )
    ((extra, weight),) = weights.items()
    if function_version == "$LATEST":
        raise InvalidParameterValueException(
            f"Alias {name} with a RoutingConfig cannot point to $LATEST; point "
            "FunctionVersion at a published version"
        )
    if not _PUBLISHED_VERSION.match(str(extra)):
        raise InvalidParameterValueException(
            f"AdditionalVersionWeights names {extra!r}; only published version numbers "
            "(not $LATEST or an alias) can take weighted traffic"
        )
    if str(extra) == function_version:
        raise InvalidParameterValueException(
            f"Alias {name}: version {extra} is both FunctionVersion and in "
            "AdditionalVersionWeights; name two different versions"
        )
    if not isinstance(weight, int | float) or not 0.0 <= float(weight) <= 1.0:
        raise InvalidParameterValueException(
            f"Alias {name}: the weight {weight!r} of version {extra} must be between 0.0 and 1.0"
        )
    primary = backend.get_function(function_name, function_version)
    additional = backend.get_function(function_name, str(extra))
    if primary.role != additional.role:
        raise InvalidParameterValueException(
            f"Alias {name}: versions {function_version} and {extra} have different execution "
            "roles; a weighted alias needs both versions to have the same role"
        )


def _creating_checked(original: Callable[..., LambdaAlias]) -> Callable[..., LambdaAlias]:
    def create_alias(
        self: LambdaBackend,
        name: str,
        function_name: str,
        function_version: str,
        description: str,
        routing_config: Any,
    ) -> LambdaAlias:
        self.get_function(function_name, function_version)  # an unknown version: not found
        check_alias(self, function_name, name, function_version, routing_config)
        return original(self, name, function_name, function_version, description, routing_config)

    return create_alias


def _updating_checked(original: Callable[..., LambdaAlias]) -> Callable[..., LambdaAlias]:
    def update_alias(
        self: LambdaBackend,
        name: str,
        function_name: str,
        function_version: str | None,
        description: str | None,
        routing_config: Any,
    ) -> LambdaAlias:
        alias = self.get_alias(name, function_name)
        version = function_version or alias.function_version
        routing: Any = alias.routing_config if routing_config is None else routing_config
        self.get_function(function_name, version)
        check_alias(self, function_name, name, version, routing)
        updated = original(self, name, function_name, version, description, routing_config)
        updated.revision_id = str(uuid.uuid4())  # every change gets a new RevisionId
        return updated

    return update_alias


def _deleting_unreferenced(original: Callable[..., None]) -> Callable[..., None]:
    def delete_function(self: LambdaBackend, function_name: str, qualifier: str | None = None):  # type: ignore[no-untyped-def]  # moto's signature
        if qualifier and _PUBLISHED_VERSION.match(qualifier):
            with contextlib.suppress(UnknownFunctionException):
                referencing = sorted(
                    alias.name
                    for alias in self.list_aliases(function_name)
                    if qualifier in {alias.function_version, *_weights(alias.routing_config)}
                )
                if referencing:
                    raise LambdaClientError(
                        "ResourceConflictException",
                        f"Unable to delete version {qualifier} of {function_name} because the "
                        f"following aliases reference it: {referencing}; point the aliases at "
                        "another version first",
                    )
        return original(self, function_name, qualifier)

    return delete_function


# --- Preconditions the API takes (moto's responses read neither) ------------------------


def _body(response: LambdaResponse) -> dict[str, Any]:
    parsed = json.loads(response.body or "{}")
    return parsed if isinstance(parsed, dict) else {}


def _publishing_matching_code(original: Callable[..., Any]) -> Callable[..., Any]:
    """PublishVersion's CodeSha256: "Only publish a version if the hash value matches the
    value that's specified" (PublishVersion, API reference)."""

    def publish_version(self: LambdaResponse) -> Any:
        function_name = unquote(self.path.split("/")[-2])  # as moto's own handler reads it
        expected = _body(self).get("CodeSha256")
        if expected:
            require_code(self.backend.get_function(function_name), str(expected))
        return original(self)

    return publish_version


def require_code(latest: LambdaFunction, expected: str) -> None:
    if expected != latest.code_sha_256:
        raise InvalidParameterValueException(
            f"CodeSHA256 ({expected}) is different from current CodeSHA256 in $LATEST "
            f"({latest.code_sha_256}) of {latest.function_name}; publish the code you "
            "updated, or leave CodeSha256 out"
        )


def _updating_matching_revision(original: Callable[..., Any]) -> Callable[..., Any]:
    """UpdateAlias's RevisionId: "Only update the alias if the revision ID matches the ID
    that's specified" (UpdateAlias, API reference; PreconditionFailedException)."""

    def update_alias(self: LambdaResponse) -> Any:
        function_name = unquote(self.path.rsplit("/")[-3])  # as moto's own handler reads it
        alias_name = unquote(self.path.rsplit("/", 2)[-1])
        revision = _body(self).get("RevisionId")
        current = self.backend.get_alias(name=alias_name, function_name=function_name)
        if revision and revision != current.revision_id:
            raise PreconditionFailedException(
                "The Revision Id provided does not match the latest Revision Id. Call the "
                "GetAlias API to retrieve the latest Revision Id"
            )
        return original(self)

    return update_alias


seams.patch_method(LambdaResponse, "publish_version", _publishing_matching_code)
seams.patch_method(LambdaResponse, "update_alias", _updating_matching_revision)
seams.patch_method(LambdaBackend, "publish_version", _publishing_snapshots)
seams.patch_method(LambdaBackend, "create_alias", _creating_checked)
seams.patch_method(LambdaBackend, "update_alias", _updating_checked)
seams.patch_method(LambdaBackend, "delete_function", _deleting_unreferenced)


# --- CloudFormation -------------------------------------------------------------------

VERSION_TYPE = "AWS::Lambda::Version"
ALIAS_TYPE = "AWS::Lambda::Alias"
CODEDEPLOY_POLICY = "CodeDeployLambdaAliasUpdate"


class LocalLambdaVersion(LocalModel, CloudFormationModel):
    """A published version. Ref: its ARN; GetAtt Version (the number) and FunctionArn."""

    RESOURCE_TYPE = VERSION_TYPE
    REF_ATTRIBUTE = "arn"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {
        "Version": "version",
        "FunctionArn": "function_arn",
    }

    def __init__(self, arn: str, function_name: str, version: str, properties: Properties):
        self.arn = arn
        self.function_name = function_name
        self.version = version
        self.function_arn = arn.rsplit(":", 1)[0]
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalLambdaVersion:
        name = str(require(properties, "FunctionName", VERSION_TYPE))
        backend = _backend(account_id, region_name)
        latest = backend.get_function(name)
        if properties.get("CodeSha256"):  # AWS::Lambda::Version: only publish matching code
            require_code(latest, str(properties["CodeSha256"]))
        wait_until_updated(latest)  # CloudFormation publishes once the function has settled
        version = backend.publish_version(name, str(properties.get("Description") or ""))
        if version is None:
            raise UnknownFunctionException(name)
        return cls(
            str(version.function_arn), latest.function_name, str(version.version), properties
        )

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        pass  # what may change in place (SnapStart) has no local effect

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(UnknownFunctionException):
            _backend(account_id, region_name).delete_function(self.function_name, self.version)


def _routing_from_template(properties: Properties) -> dict[str, Any] | None:
    """CloudFormation's ``[{FunctionVersion, FunctionWeight}]`` as the API's map."""
    routing = properties.get("RoutingConfig")
    if routing is None:
        return None
    return {
        "AdditionalVersionWeights": {
            str(item["FunctionVersion"]): float(item["FunctionWeight"])
            for item in routing.get("AdditionalVersionWeights") or []
        }
    }


class LocalLambdaAlias(LocalModel, CloudFormationModel):
    """An alias. Ref: its ARN; GetAtt AliasArn. Name and FunctionName replace it."""

    RESOURCE_TYPE = ALIAS_TYPE
    REF_ATTRIBUTE = "arn"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"AliasArn": "arn"}

    def __init__(self, arn: str, function_name: str, name: str, properties: Properties):
        self.arn = arn
        self.function_name = function_name
        self.name = name
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalLambdaAlias:
        function_name = str(require(properties, "FunctionName", ALIAS_TYPE))
        name = str(require(properties, "Name", ALIAS_TYPE))
        version = str(require(properties, "FunctionVersion", ALIAS_TYPE))
        alias = _backend(account_id, region_name).create_alias(
            name,
            function_name,
            version,
            str(properties.get("Description") or ""),
            _routing_from_template(properties),  # type: ignore[arg-type]  # moto types it str
        )
        return cls(str(alias.arn), function_name, name, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: LocalLambdaAlias,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LocalLambdaAlias:
        """An update; with ``CodeDeployLambdaAliasUpdate``, a new version goes through
        CodeDeploy first ("UpdatePolicy attribute", CodeDeployLambdaAliasUpdate policy:
        CloudFormation "performs an CodeDeploy deployment when the version changes")."""
        policy = (cloudformation_json.get("UpdatePolicy") or {}).get(CODEDEPLOY_POLICY)
        new = properties_of(cloudformation_json)
        if policy is not None and not cls.replaced_by(original_resource.properties, new):
            original_resource.shift_through_codedeploy(policy, new, account_id, region_name)
        updated: LocalLambdaAlias = super().update_from_cloudformation_json(
            original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        return updated

    def shift_through_codedeploy(
        self, policy: Properties, new: Properties, account_id: str, region_name: str
    ) -> None:
        """Move the alias to the template's new version by a CodeDeploy deployment."""
        from pplocalaws.resources import codedeploy_shift  # noqa: PLC0415 - only for updates

        live = _backend(account_id, region_name).get_alias(self.name, self.function_name)
        target = str(require(new, "FunctionVersion", ALIAS_TYPE))
        if str(live.function_version) == target:
            return  # the version does not change (a rollback after CodeDeploy rolled back)
        hooks = sorted(set(policy) & {"BeforeAllowTrafficHook", "AfterAllowTrafficHook"})
        if hooks:
            raise codedeploy_shift.DeploymentStopped(
                f"{CODEDEPLOY_POLICY} of alias {self.name}: {', '.join(hooks)} is not "
                "modelled by the local AWS (it would invoke the hook function and wait for "
                "its PutLifecycleEventHookExecutionStatus); remove the hook for local deploys"
            )
        codedeploy_shift.run(
            codedeploy_shift.AliasShift(
                account_id=account_id,
                region_name=region_name,
                application=str(require(policy, "ApplicationName", CODEDEPLOY_POLICY)),
                group=str(require(policy, "DeploymentGroupName", CODEDEPLOY_POLICY)),
                function_name=self.function_name,
                alias=self.name,
                from_version=str(live.function_version),
                to_version=target,
            )
        )

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        routing = _routing_from_template(new)
        _backend(account_id, region_name).update_alias(
            self.name,
            self.function_name,
            str(require(new, "FunctionVersion", ALIAS_TYPE)),
            str(new.get("Description") or ""),
            routing if routing is not None else {},  # type: ignore[arg-type]  # moto types it str
        )

    def delete(self, account_id: str, region_name: str) -> None:
        with contextlib.suppress(UnknownFunctionException):
            _backend(account_id, region_name).delete_alias(self.name, self.function_name)
