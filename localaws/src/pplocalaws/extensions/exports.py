"""The region's export registry, ListImports, and exports that are in use.

moto registers exports only in CreateStack (not when a CREATE change set executes), never
re-registers them after an update (renamed or removed exports linger) and has no
ListImports (NotImplementedError, HTTP 500). CloudFormation's registry always reflects
the stacks as they are; ListImports names the stacks whose template imports an export,
and an export another stack imports can be neither removed, changed nor deleted.
"""

from __future__ import annotations

from collections import OrderedDict

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.parsing import Export
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

from pplocalaws.extensions.stack_model import LocalStack
from pplocalaws.seams import add_actions, request_param


class ExportConflict(Exception):
    """An export change CloudFormation refuses; the text is its status reason."""


def refresh(backend: CloudFormationBackend) -> None:
    """Rebuild ``backend.exports`` from the stacks whose resources exist.

    The dict is updated in place: every stack's resource map holds it to resolve
    Fn::ImportValue.
    """
    current: OrderedDict[str, Export] = OrderedDict()
    for stack in backend.stacks.values():
        if isinstance(stack, LocalStack) and stack.has_resources:
            for export in stack.published_exports:
                current[export.name] = export
    backend.exports.clear()
    backend.exports.update(current)


def importers(backend: CloudFormationBackend, export_name: str, *, besides: str = "") -> list[str]:
    """Names of the stacks (other than the stack id ``besides``) that import an export."""
    return sorted(
        stack.name
        for stack in backend.stacks.values()
        if isinstance(stack, LocalStack)
        and stack.stack_id != besides
        and stack.status != "REVIEW_IN_PROGRESS"
        and export_name in stack.imported_names
    )


def check_publication(backend: CloudFormationBackend, stack: LocalStack, new: list[Export]) -> None:
    """Raise ExportConflict when ``stack`` may not publish ``new`` instead of its exports."""
    for export in new:
        owner = backend.exports.get(export.name)
        if owner is not None and owner.exporting_stack_id != stack.stack_id:
            owner_name = owner.exporting_stack_id.split("/")[1]
            raise ExportConflict(
                f"Export with name {export.name} is already exported by stack {owner_name}"
            )
    new_values = {export.name: export.value for export in new}
    for export in stack.published_exports:
        users = importers(backend, export.name, besides=stack.stack_id)
        if not users:
            continue
        if export.name not in new_values:
            raise ExportConflict(
                f"Export {export.name} cannot be deleted as it is in use by {', '.join(users)}"
            )
        if new_values[export.name] != export.value:
            raise ExportConflict(
                f"Cannot update export {export.name} as it is in use by {', '.join(users)}"
            )


def check_deletable(backend: CloudFormationBackend, stack: LocalStack) -> None:
    """Raise ExportConflict when another stack imports one of ``stack``'s exports."""
    check_publication(backend, stack, [])


def list_imports(self: CloudFormationResponse) -> ActionResult:
    """ListImports: the stacks that import an export (moto raises NotImplementedError)."""
    export_name = request_param(self, "ExportName")
    backend = self.cloudformation_backend
    users = importers(backend, export_name)
    if not users:
        raise ValidationError(message=f"Export '{export_name}' is not imported by any stack.")
    return ActionResult({"Imports": users})


def apply() -> None:
    add_actions(CloudFormationResponse, list_imports)
