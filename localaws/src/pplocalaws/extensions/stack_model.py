"""The stack as CloudFormation reports it.

moto's ``Stack`` evaluates Outputs lazily from the live resource map, names an output's
export by matching *values* (two outputs with one value get the same ExportName), masks a
NoEcho parameter only when its *value* equals its name, and keeps no status reason, no
original template and no capabilities. ``LocalStack`` keeps what CloudFormation keeps: the
original and processed templates, effective parameters, the outputs and exports fixed when
the last operation completed, and the status reason.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from moto.cloudformation.models import Stack
from moto.cloudformation.parsing import Export

from pplocalaws.extensions.parameters import masked
from pplocalaws.extensions.submission import Submission
from pplocalaws.seams import parsed_resources

# Statuses in which a stack's resources exist and its exports are visible to others.
EXPORTING_STATUSES = frozenset(
    {
        "CREATE_COMPLETE",
        "UPDATE_IN_PROGRESS",
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_COMPLETE",
        "UPDATE_FAILED",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_FAILED",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE",
        "DELETE_FAILED",
        "IMPORT_IN_PROGRESS",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_IN_PROGRESS",
        "IMPORT_ROLLBACK_FAILED",
        "IMPORT_ROLLBACK_COMPLETE",
    }
)
# Statuses from which only DeleteStack is allowed.
DELETE_ONLY_STATUSES = frozenset({"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"})


class LocalStack(Stack):
    """A moto Stack that starts empty and receives its template from an operation."""

    def __init__(
        self,
        *,
        stack_id: str,
        name: str,
        account_id: str,
        region_name: str,
        exports: dict[str, Export],
        notification_arns: list[str] | None = None,
        role_arn: str | None = None,
        termination_protection: bool = False,
        timeout_in_mins: int | None = None,
        stack_policy_body: str | None = None,
    ) -> None:
        super().__init__(
            stack_id=stack_id,
            name=name,
            template={},
            parameters={},
            account_id=account_id,
            region_name=region_name,
            notification_arns=notification_arns,
            role_arn=role_arn,
            cross_stack_resources=exports,
            enable_termination_protection=termination_protection,
            timeout_in_mins=timeout_in_mins,
            stack_policy_body=stack_policy_body,
        )
        # moto replaces an empty exports dict by a new one; imports must see the live one.
        self.cross_stack_resources = exports
        self.resource_map.cross_stack_resources = exports
        self.parameters: dict[str, str] = {}
        self.original_body: str = ""
        self.processed_template: dict[str, Any] = {}
        self.capabilities: list[str] = []
        self.transforms: tuple[str, ...] = ()
        self.status_reason: str | None = None
        self.last_updated_time: Any = None
        self.deletion_time: Any = None
        self.change_set_id: str | None = None
        self.published_outputs: list[dict[str, Any]] = []
        self.published_exports: list[Export] = []
        self.imported_names: set[str] = set()
        # lifecycle.PendingRollback while stopped in UPDATE_ROLLBACK_FAILED (typed loosely:
        # lifecycle imports this module).
        self.pending_rollback: Any = None

    def adopt(self, submission: Submission) -> None:
        """Make ``submission`` the stack's template, parameters and tags."""
        self.original_body = submission.original_body
        self.processed_template = copy.deepcopy(submission.template)
        self.template = (
            json.dumps(submission.template, indent=2)
            if submission.transforms
            else submission.original_body
        )
        self.template_dict = copy.deepcopy(submission.template)
        self.parameters = dict(submission.parameters)
        self.tags = dict(submission.tags)
        self.capabilities = list(submission.capabilities)
        self.transforms = submission.transforms
        self.description = submission.template.get("Description")

    @staticmethod
    def cloudformation_name_type() -> str:
        return "StackName"

    def is_created(self) -> bool:
        return self.status not in ("REVIEW_IN_PROGRESS", "CREATE_IN_PROGRESS")

    @property
    def declared_parameters(self) -> dict[str, Any]:
        return dict(self.processed_template.get("Parameters") or {})

    @property
    def has_resources(self) -> bool:
        return self.status in EXPORTING_STATUSES

    # -- what DescribeStacks serialises ------------------------------------------------
    @property
    def parameter_list(self) -> list[dict[str, Any]]:
        shown = masked(self.parameters, self.declared_parameters)
        return [{"ParameterKey": key, "ParameterValue": value} for key, value in shown.items()]

    @property
    def stack_parameters(self) -> dict[str, Any]:
        return dict(self.parameters)

    @property
    def outputs(self) -> list[dict[str, Any]] | None:
        return copy.deepcopy(self.published_outputs) or None

    @property
    def exports(self) -> list[Export]:
        return list(self.published_exports)

    @property
    def stack_resources(self) -> list[Any]:
        """The resources created so far (DescribeStackResources, ListStackResources).

        moto's answer iterates its lazy resource map, which creates on access every
        resource not yet created: while an operation runs in the background, a reader
        would create resources out of order and without events. CloudFormation lists the
        resources that exist.
        """
        created = parsed_resources(self.resource_map)
        return [
            created[name] for name in self.resource_map.resources if created.get(name) is not None
        ]

    # moto's serialiser finds StackSummary fields on a class named "Stack" by stripping the
    # class name; this class has another name, so it names them in full.
    @property
    def stack_name(self) -> str:
        return str(self.name)

    @property
    def stack_status(self) -> str:
        return str(self.status)

    @property
    def stack_status_reason(self) -> str | None:
        return self.status_reason
