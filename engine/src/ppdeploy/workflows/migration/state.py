"""What is true now: the legacy stack, the resources to adopt, exports, domain mappings.

Every step of the migration starts from a fresh reading, so a rerun continues from
wherever the last run stopped, whatever that was. Reading changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.exceptions

from ppdeploy import naming, project, templates
from ppdeploy.aws.cloudformation import CloudFormation, StackResource, StackState
from ppdeploy.config import Stage
from ppdeploy.decide.graph import resolve_name
from ppdeploy.templates import Template
from ppdeploy.workflows.migration import create_only, surgery

TABLE_TYPE = "AWS::DynamoDB::Table"
SECRET_TYPE = "AWS::SecretsManager::Secret"  # noqa: S105 - a resource type name, no secret
MAPPING_TYPE = "AWS::ApiGatewayV2::ApiMapping"
API_TYPE = "AWS::ApiGatewayV2::Api"
API_STAGE_TYPE = "AWS::ApiGatewayV2::Stage"
# The stateful types the shared stack can adopt through resource import, and the
# template property that names each one.
NAME_PROPERTIES = {TABLE_TYPE: "TableName", SECRET_TYPE: "Name"}


def stack_document(cfn: CloudFormation, name: str) -> surgery.Document | None:
    """The stack's deployed template, parsed (None when there is no stack)."""
    body = cfn.template_body(name)
    return None if body is None else templates.parse(body, Path(f"<deployed {name}>"))


@dataclass(frozen=True)
class Adoption:
    """A stateful resource of the shared template that exists already, and who holds it."""

    shared_id: str  # its logical id in the shared template
    resource_type: str
    name: str
    legacy: StackResource | None  # the legacy stack still owns it
    retained_in_legacy: bool
    in_shared: bool
    exists: bool
    # Tables: the live one (the legacy's, or one in no stack) and the template's, and
    # what differs between them in what only creation sets (see create_only).
    live_keys: create_only.TableKeys | None = None
    target_keys: create_only.TableKeys | None = None
    differences: tuple[create_only.Difference, ...] = ()

    @property
    def unowned(self) -> bool:
        return self.exists and self.legacy is None and not self.in_shared and not self.differences

    @property
    def moves(self) -> bool:
        """Its data is copied into a new table of the shared stack (the names differ, so
        both can exist); the legacy table stays in the legacy stack."""
        return (
            bool(self.differences)
            and self.live_keys is not None
            and (self.target_keys is not None and self.live_keys.name != self.target_keys.name)
        )

    @property
    def blocked(self) -> bool:
        """It differs from the template but has the template's name: it can neither be
        imported (an import cannot change it) nor sit beside a new table of that name."""
        return bool(self.differences) and not self.moves

    @property
    def renames(self) -> dict[str, str]:
        assert self.live_keys is not None  # noqa: S101 - only asked of a table that moves
        assert self.target_keys is not None  # noqa: S101 - same
        return create_only.key_renames(self.live_keys, self.target_keys)


@dataclass(frozen=True)
class LegacyExport:
    name: str
    output_key: str
    clashes: bool  # the shared stack exports the same name
    importers: tuple[str, ...]


@dataclass(frozen=True)
class DomainMapping:
    """An API_TYPE mapping the migration moves (or has moved) onto a new service's API_TYPE."""

    mapping_id: str
    domain: str
    key: str
    api_id: str
    service: str  # the new service serving this key
    held_by: str | None  # the old stack holding it (the legacy or its domain stack), if any
    held_as: str | None  # its logical id there
    in_service_stack: bool
    target_api: str | None  # the new service's API_TYPE id (None: not deployed yet)

    @property
    def legacy_id(self) -> str | None:
        """Its logical id in the legacy stack itself (None: not held there)."""
        return self.held_as if self.held_by == self.legacy_stack else None

    legacy_stack: str = ""

    @property
    def repointed(self) -> bool:
        return self.target_api is not None and self.api_id == self.target_api

    @property
    def done(self) -> bool:
        return self.in_service_stack and self.repointed


@dataclass(frozen=True)
class Reading:
    """One reading of everything the migration decides on."""

    stage: Stage
    legacy_name: str
    legacy: StackState | None
    legacy_template: surgery.Document | None
    adoptions: tuple[Adoption, ...]
    exports: tuple[LegacyExport, ...]
    mappings: tuple[DomainMapping, ...]
    shared: StackState | None

    @property
    def clashing_exports(self) -> list[LegacyExport]:
        return [export for export in self.exports if export.clashes]

    @property
    def domain(self) -> str | None:
        """The custom domain the legacy mapped services on (the new ones stay on it)."""
        domains = sorted({mapping.domain for mapping in self.mappings})
        return domains[0] if domains else None


def domain_stack(stage: str) -> str:
    """The predecessor's separate custom-domain stack: the domain and its API mappings."""
    return f"{naming.PREFIX}-api-domain-{stage}"


def shared_template() -> Template:
    return templates.load(project.shared_template())


def shared_exports(stage: str) -> set[str]:
    return {naming.export(name, stage) for name in naming.SHARED_EXPORTS + naming.DOMAIN_EXPORTS}


class Reader:
    """Reads the stage's real state through the target's clients."""

    def __init__(self, cfn: CloudFormation, clients: Any, stage: Stage, legacy_name: str) -> None:
        self._cfn = cfn
        self._client = clients  # target.client: service name -> boto3 client
        self._stage = stage
        self._legacy_name = legacy_name

    def read(self) -> Reading:
        cfn, stage = self._cfn, self._stage
        legacy = cfn.describe(self._legacy_name)
        legacy_template = stack_document(cfn, self._legacy_name) if legacy else None
        legacy_resources = cfn.resources(self._legacy_name) if legacy else []
        shared_name = naming.shared_stack(stage.name)
        shared = cfn.describe(shared_name)
        shared_ids = {r.logical_id for r in cfn.resources(shared_name)} if shared else set()
        return Reading(
            stage=stage,
            legacy_name=self._legacy_name,
            legacy=legacy,
            legacy_template=legacy_template,
            adoptions=tuple(self._adoptions(legacy_resources, legacy_template, shared_ids)),
            exports=tuple(self._exports(legacy)),
            mappings=tuple(self._mappings(legacy_resources, self._domain_stack_resources())),
            shared=shared,
        )

    # -- stateful resources -------------------------------------------------------------

    def _adoptions(
        self,
        legacy_resources: list[StackResource],
        legacy_template: surgery.Document | None,
        shared_ids: set[str],
    ) -> list[Adoption]:
        document = shared_template().document
        parameters = self._stage.shared_parameters()
        found = []
        for logical_id, resource in document["Resources"].items():
            kind = resource["Type"]
            if kind not in NAME_PROPERTIES or not surgery.condition_holds(
                document, resource.get("Condition"), parameters
            ):
                continue
            name = resolve_name(
                resource["Properties"][NAME_PROPERTIES[kind]], parameters, logical_id
            )
            # The legacy resource of that name, else (a table of another name) the one with
            # the same logical id: the predecessor's template used our logical ids.
            legacy = next(
                (r for r in legacy_resources if r.resource_type == kind and _names(r, name)),
                None,
            ) or next(
                (
                    r
                    for r in legacy_resources
                    if kind == TABLE_TYPE and r.resource_type == kind and r.logical_id == logical_id
                ),
                None,
            )
            exists = legacy is not None or logical_id in shared_ids or self._exists(kind, name)
            if not exists:
                continue
            live = target = None
            differences: tuple[create_only.Difference, ...] = ()
            if kind == TABLE_TYPE and (legacy is not None or logical_id not in shared_ids):
                live = create_only.live_table(
                    self._client("dynamodb").describe_table(
                        TableName=legacy.physical_id if legacy else name
                    )["Table"]
                )
                target = create_only.template_table(name, resource["Properties"])
                differences = tuple(create_only.differences(live, target))
            found.append(
                Adoption(
                    live_keys=live,
                    target_keys=target,
                    differences=differences,
                    shared_id=logical_id,
                    resource_type=kind,
                    name=name,
                    legacy=legacy,
                    retained_in_legacy=legacy is not None
                    and legacy_template is not None
                    and surgery.is_retained(legacy_template, legacy.logical_id),
                    in_shared=logical_id in shared_ids,
                    exists=exists,
                )
            )
        return found

    def _exists(self, kind: str, name: str) -> bool:
        return self.physical_id(kind, name) is not None

    def physical_id(self, kind: str, name: str) -> str | None:
        """A table's name or a secret's ARN when it exists (a secret being deleted does not)."""
        try:
            if kind == TABLE_TYPE:
                self._client("dynamodb").describe_table(TableName=name)
                return name
            described = self._client("secretsmanager").describe_secret(SecretId=name)
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
        return None if described.get("DeletedDate") else str(described["ARN"])

    def secret_digest(self, name: str) -> str | None:
        """SHA-256 of a secret's current value (never the value itself); None: no secret."""
        try:
            value = self._client("secretsmanager").get_secret_value(SecretId=name)
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
        return hashlib.sha256(str(value.get("SecretString", "")).encode()).hexdigest()

    def table_arn(self, name: str) -> str:
        return str(self._client("dynamodb").describe_table(TableName=name)["Table"]["TableArn"])

    # -- exports ------------------------------------------------------------------------

    def _exports(self, legacy: StackState | None) -> list[LegacyExport]:
        if legacy is None:
            return []
        ours = shared_exports(self._stage.name)
        return [
            LegacyExport(
                name=export,
                output_key=key,
                clashes=export in ours,
                importers=tuple(self._cfn.importers(export)),
            )
            for key, export in sorted(self._cfn.output_exports(self._legacy_name).items())
        ]

    # -- domain mappings ----------------------------------------------------------------

    def _domain_stack_resources(self) -> list[StackResource]:
        name = domain_stack(self._stage.name)
        return self._cfn.resources(name) if self._cfn.describe(name) else []

    def _mappings(
        self, legacy_resources: list[StackResource], domain_resources: list[StackResource]
    ) -> list[DomainMapping]:
        """Mappings on any custom domain whose key a new service serves, which the legacy
        or its domain stack owns, or which point at the legacy or the new service's API."""
        holders = {
            r.physical_id: (stack, r.logical_id)
            for stack, resources in (
                (domain_stack(self._stage.name), domain_resources),
                (self._legacy_name, legacy_resources),
            )
            for r in resources
            if r.resource_type == MAPPING_TYPE
        }
        legacy_apis = {r.physical_id for r in legacy_resources if r.resource_type == API_TYPE}
        service_apis = {service: self.service_api(service) for service in naming.SERVICES}
        service_mappings = {
            service: {
                r.physical_id
                for r in self._cfn.resources(naming.service_stack(service, self._stage.name))
                if r.resource_type == MAPPING_TYPE
            }
            for service in naming.SERVICES
        }
        keys = {key: service for service, key in naming.MAPPING_KEYS.items()}
        gateway = self._client("apigatewayv2")
        found = []
        for domain in _items(gateway.get_domain_names):
            domain_name = domain["DomainName"]
            for raw in _items(gateway.get_api_mappings, DomainName=domain_name):
                service = keys.get(raw.get("ApiMappingKey", ""))
                mapping_id, api_id = raw["ApiMappingId"], raw["ApiId"]
                if service is None:
                    continue
                api = service_apis[service]
                target = api[0] if api is not None else None
                ours = mapping_id in service_mappings[service] or api_id == target
                if mapping_id not in holders and api_id not in legacy_apis and not ours:
                    continue
                found.append(
                    DomainMapping(
                        mapping_id=mapping_id,
                        domain=domain_name,
                        key=raw.get("ApiMappingKey", ""),
                        api_id=api_id,
                        service=service,
                        held_by=holders.get(mapping_id, (None, None))[0],
                        held_as=holders.get(mapping_id, (None, None))[1],
                        legacy_stack=self._legacy_name,
                        in_service_stack=mapping_id in service_mappings[service],
                        target_api=target,
                    )
                )
        return found

    def service_api(self, service: str) -> tuple[str, str] | None:
        """(API_TYPE id, stage name) of the new service's HTTP API_TYPE (None: not deployed)."""
        stack = naming.service_stack(service, self._stage.name)
        state = self._cfn.describe(stack)
        if state is None or "ApiId" not in state.outputs:
            return None
        stages = [
            r.physical_id for r in self._cfn.resources(stack) if r.resource_type == API_STAGE_TYPE
        ]
        return state.outputs["ApiId"], stages[0] if stages else "$default"


def _names(resource: StackResource, name: str) -> bool:
    """Whether a stack resource is the table or secret called ``name`` (a secret by ARN)."""
    if resource.resource_type == SECRET_TYPE:
        # arn:...:secret:<name>-<6 random characters>
        return resource.physical_id.split(":secret:", 1)[-1].rsplit("-", 1)[0] == name
    return resource.physical_id == name


def _items(call: Any, **arguments: Any) -> list[dict[str, Any]]:
    """Every item of a paged API_TYPE Gateway v2 list call."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = call(**arguments, **({"NextToken": token} if token else {}))
        items += page.get("Items", [])
        token = page.get("NextToken")
        if not token:
            return items
