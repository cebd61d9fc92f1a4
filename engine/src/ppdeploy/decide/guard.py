"""Guards that run on a computed change set before it is executed.

A change set says, before anything happens, which resources CloudFormation would remove or
replace; these guards read it so that data is never lost to a rename or a create-only
property, and a stack is never left importing an export that vanished.

1. Stateful guard: a change set that removes or replaces a stateful resource (a table, a
   bucket, a cache, a secret, a certificate, a custom domain, a key, a log group) is
   refused unless that very logical id is allowed (``--allow-replace LOGICAL_ID``).
2. Export guard: a change that drops or changes an export another stack imports, or a
   delete of a stack whose exports are imported, is refused naming the importers.

Both only decide; they read what they need through ``CloudFormation`` and raise
``RefusedError`` so nothing is changed. CloudFormation itself refuses to delete an export
that is imported, but only while executing, after other resources of the update may already
have changed; refusing on the change set changes nothing at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ppdeploy.aws.cloudformation import ChangeSet, CloudFormation, ResourceChange
from ppdeploy.decide import graph
from ppdeploy.errors import RefusedError
from ppdeploy.model import StackSpec
from ppdeploy.templates import parse

STATEFUL_TYPES = frozenset(
    {
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::GlobalTable",
        "AWS::S3::Bucket",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::ElastiCache::CacheCluster",
        "AWS::SecretsManager::Secret",
        "AWS::CertificateManager::Certificate",
        "AWS::ApiGateway::DomainName",
        "AWS::ApiGatewayV2::DomainName",
        "AWS::KMS::Key",
        "AWS::Logs::LogGroup",
    }
)
DANGEROUS_POLICY_ACTIONS = frozenset({"Delete", "ReplaceAndDelete"})


@dataclass(frozen=True)
class Danger:
    """A change that would destroy or replace a stateful resource, and why."""

    logical_id: str
    resource_type: str
    what: str  # "removed", "replaced", "possibly replaced", "deleted"
    because: str

    def describe(self) -> str:
        return f"{self.logical_id} ({self.resource_type}) would be {self.what}: {self.because}"


def _forcing_properties(change: ResourceChange) -> list[str]:
    names = []
    for detail in change.details:
        target = detail.get("Target", {})
        if target.get("RequiresRecreation") in ("Always", "Conditionally"):
            name = target.get("Name") or target.get("Attribute", "")
            if name and name not in names:
                names.append(str(name))
    return names


def dangers(change_set: ChangeSet) -> list[Danger]:
    """Every change in ``change_set`` that removes or replaces a stateful resource."""
    found = []
    for change in change_set.changes:
        if change.resource_type not in STATEFUL_TYPES:
            continue
        if change.action == "Remove":
            found.append(
                Danger(
                    change.logical_id,
                    change.resource_type,
                    "removed",
                    "it is no longer in the template",
                )
            )
        elif change.replacement in ("True", "Conditional"):
            properties = _forcing_properties(change)
            cause = (
                f"a change to {', '.join(properties)} requires a new resource"
                if properties
                else "CloudFormation must create a new one"
            )
            what = "replaced" if change.replacement == "True" else "possibly replaced"
            found.append(Danger(change.logical_id, change.resource_type, what, cause))
        elif change.policy_action in DANGEROUS_POLICY_ACTIONS:
            found.append(
                Danger(
                    change.logical_id,
                    change.resource_type,
                    "deleted",
                    f"its policy action is {change.policy_action}",
                )
            )
    return found


def check_stateful(stack: str, change_set: ChangeSet, allowed: Iterable[str]) -> list[Danger]:
    """Refuse unless every dangerous change is explicitly allowed; return the allowed ones."""
    allowed = set(allowed)
    found = dangers(change_set)
    refused = [danger for danger in found if danger.logical_id not in allowed]
    if refused:
        listing = "; ".join(danger.describe() for danger in refused)
        flags = " ".join(f"--allow-replace {danger.logical_id}" for danger in refused)
        raise RefusedError(
            f"{stack}: refused: the change would destroy or replace stateful resources, "
            "so nothing was changed",
            cause=listing,
            fix="keep the resources' names and create-only properties as they are; or, to "
            f"accept losing or replacing exactly these resources, run again with {flags}",
        )
    return found


def _outputs_by_export(
    document: Mapping[str, Any], parameters: Mapping[str, str], where: str
) -> dict[str, str]:
    """Export name -> the output's definition (its Value and Condition, canonical JSON)."""
    found = {}
    for output in (document.get("Outputs") or {}).values():
        export = output.get("Export")
        if isinstance(export, dict) and "Name" in export:
            name = graph.resolve_name(export["Name"], parameters, where)
            body = {"Value": output.get("Value"), "Condition": output.get("Condition")}
            found[name] = json.dumps(body, sort_keys=True)
    return found


def export_changes(cfn: CloudFormation, spec: StackSpec) -> dict[str, str]:
    """Exports of the deployed stack that ``spec`` would drop or redefine: name -> how."""
    deployed = cfn.template_body(spec.name)
    if deployed is None:
        return {}
    state = cfn.describe(spec.name)
    old_parameters = state.parameters if state else {}
    before = _outputs_by_export(parse(deployed, spec.template.path), old_parameters, spec.name)
    after = _outputs_by_export(
        spec.template.document, graph.parameters_of(spec), str(spec.template.path)
    )
    changes = {}
    for name, definition in before.items():
        if name not in after:
            changes[name] = "dropped"
        elif after[name] != definition:
            changes[name] = "redefined"
    return changes


def check_exports(cfn: CloudFormation, spec: StackSpec) -> None:
    """Refuse a change that drops or redefines an export another stack imports."""
    blocked = {}
    for name, how in export_changes(cfn, spec).items():
        importers = cfn.importers(name)
        if importers:
            blocked[name] = (how, importers)
    if blocked:
        listing = "; ".join(
            f"{name} would be {how}, but {', '.join(importers)} import(s) it"
            for name, (how, importers) in sorted(blocked.items())
        )
        raise RefusedError(
            f"{spec.name}: refused: the change breaks exports other stacks import, so nothing "
            "was changed",
            cause=listing,
            fix="two steps: first deploy the importing stacks without the import (use a "
            "value or a new export), then deploy this change",
        )


def check_delete(cfn: CloudFormation, stack: str) -> None:
    """Refuse deleting a stack whose exports other stacks import."""
    state = cfn.describe(stack)
    if state is None:
        return
    blocked = {name: cfn.importers(name) for name in cfn.exports_of_stack(stack)}
    blocked = {name: importers for name, importers in blocked.items() if importers}
    if blocked:
        listing = "; ".join(
            f"{name} is imported by {', '.join(importers)}"
            for name, importers in sorted(blocked.items())
        )
        raise RefusedError(
            f"refused to delete {stack}: other stacks import its exports, so nothing was changed",
            cause=listing,
            fix="delete (or move off the exports) the importing stacks first, then delete this one",
        )
