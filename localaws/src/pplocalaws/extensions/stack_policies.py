"""Stack policies enforced on updates, as CloudFormation enforces them.

moto stores a stack policy (SetStackPolicy, StackPolicyBody on CreateStack) and never
reads it again: every update goes through. CloudFormation checks each update action on an
existing resource against the policy before it touches anything:

- ``Update:Modify`` (changed in place), ``Update:Replace`` (replaced) and
  ``Update:Delete`` (removed from the template); adding a resource is never governed;
- a statement applies when its Action/NotAction, Resource/NotResource
  (``LogicalResourceId/<id>``, wildcards allowed) and Condition (``ResourceType``) match;
- an explicit Deny wins; without an applicable Allow the action is denied too (a stack
  with a policy is protected by default);
- ``StackPolicyDuringUpdateBody`` on UpdateStack replaces the policy for that update only.

A denied action fails the resource (UPDATE_FAILED, "Action denied by stack policy: ...")
and the update rolls back with nothing changed.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult, EmptyResult

from pplocalaws.extensions.changeset_model import live_stack
from pplocalaws.extensions.planning import ResourceChange
from pplocalaws.extensions.policies import condition_holds
from pplocalaws.seams import add_actions, read_template_url, request_param

MODIFY, REPLACE, DELETE = "Update:Modify", "Update:Replace", "Update:Delete"
_ACTIONS = frozenset({MODIFY, REPLACE, DELETE, "Update:*"})


@dataclass(frozen=True)
class Denial:
    """One update action the policy refuses, with CloudFormation's reason."""

    logical_id: str
    resource_type: str
    reason: str


def _listed(value: Any) -> list[str]:
    return [str(item) for item in (value if isinstance(value, list) else [value])]


def _matches(patterns: list[str], value: str) -> bool:
    return any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


def parse(body: str) -> list[dict[str, Any]]:
    """The statements of a stack policy document; ValidationError naming what is wrong."""
    try:
        document = json.loads(body)
    except ValueError as error:
        raise ValidationError(
            message=f"Error validating stack policy: the policy is not valid JSON ({error}). "
            "Pass a JSON document with a Statement list."
        ) from error
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise ValidationError(
            message="Error validating stack policy: the policy has no Statement list. "
            'Write {"Statement": [{"Effect": ..., "Action": ..., "Principal": "*", '
            '"Resource": ...}]}.'
        )
    for number, statement in enumerate(statements, start=1):
        _check_statement(number, statement)
    return statements


def _check_statement(number: int, statement: Any) -> None:
    where = f"Error validating stack policy: Statement [#{number}]"
    if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
        raise ValidationError(message=f"{where} needs Effect Allow or Deny.")
    if ("Action" in statement) == ("NotAction" in statement):
        raise ValidationError(message=f"{where} needs exactly one of Action and NotAction.")
    if ("Resource" in statement) == ("NotResource" in statement):
        raise ValidationError(message=f"{where} needs exactly one of Resource and NotResource.")
    actions = _listed(statement.get("Action", statement.get("NotAction")))
    unknown = [action for action in actions if action not in _ACTIONS]
    if unknown:
        raise ValidationError(
            message=f"{where} has unknown action(s) {unknown}; stack policies know "
            f"{sorted(_ACTIONS)}."
        )


def _applies(statement: Mapping[str, Any], action: str, resource: str, resource_type: str) -> bool:
    if "Action" in statement:
        action_matches = _matches(_listed(statement["Action"]), action)
    else:
        action_matches = not _matches(_listed(statement["NotAction"]), action)
    if "Resource" in statement:
        resource_matches = _matches(_listed(statement["Resource"]), resource)
    else:
        resource_matches = not _matches(_listed(statement["NotResource"]), resource)
    condition = statement.get("Condition")
    return (
        action_matches
        and resource_matches
        and (not condition or condition_holds(condition, {"ResourceType": resource_type}))
    )


def denial(
    statements: list[dict[str, Any]], action: str, logical_id: str, resource_type: str
) -> Denial | None:
    """Why the policy refuses ``action`` on a resource, or None when it allows it."""
    resource = f"LogicalResourceId/{logical_id}"
    allowed = False
    for number, statement in enumerate(statements, start=1):
        if not _applies(statement, action, resource, resource_type):
            continue
        if statement["Effect"] == "Deny":
            return Denial(
                logical_id,
                resource_type,
                f"Action denied by stack policy: Statement [#{number}] does not allow "
                f"[{action}] for resource [{resource}];",
            )
        allowed = True
    if allowed:
        return None
    return Denial(
        logical_id,
        resource_type,
        f"Action not allowed by stack policy: no statement allows [{action}] for resource "
        f"[{resource}];",
    )


def action_of(change: ResourceChange) -> str | None:
    """The policy action a planned change needs before it runs (None: not governed).

    A Conditional replacement is checked as Update:Modify here; whether it really
    replaces is known only when it runs, and then it is checked as Update:Replace.
    """
    if change.action == "Remove":
        return DELETE
    if change.action == "Modify":
        return REPLACE if change.replacement == "True" else MODIFY
    return None


def denials(policy_body: str | None, changes: Iterable[ResourceChange]) -> list[Denial]:
    """Every planned change the policy refuses (none without a policy)."""
    if not policy_body:
        return []
    statements = parse(policy_body)
    refused = []
    for change in changes:
        action = action_of(change)
        if action is not None:
            found = denial(statements, action, change.logical_id, change.resource_type)
            if found is not None:
                refused.append(found)
    return refused


def replacement_denial(
    policy_body: str | None, logical_id: str, resource_type: str
) -> Denial | None:
    """Whether the policy refuses a replacement decided while the update runs."""
    if not policy_body:
        return None
    return denial(parse(policy_body), REPLACE, logical_id, resource_type)


# -- responses ------------------------------------------------------------------------
def policy_from_request(
    response: CloudFormationResponse, body_param: str, url_param: str
) -> str | None:
    """A policy given as body or S3 URL (not both), checked; None when neither is given."""
    body = request_param(response, body_param)
    url = request_param(response, url_param)
    if body and url:
        raise ValidationError(message=f"You cannot specify both {url_param} and {body_param}")
    if url:
        body = read_template_url(response, url)
    if body:
        parse(body)
    return str(body) if body else None


def set_stack_policy(self: CloudFormationResponse) -> EmptyResult:
    backend: CloudFormationBackend = self.cloudformation_backend
    name = request_param(self, "StackName")
    stack = live_stack(backend, name)
    if stack is None:
        raise ValidationError(message=f"Stack: {name} does not exist")
    stack.policy = policy_from_request(self, "StackPolicyBody", "StackPolicyURL") or ""
    return EmptyResult()


def get_stack_policy(self: CloudFormationResponse) -> ActionResult:
    backend: CloudFormationBackend = self.cloudformation_backend
    name = request_param(self, "StackName")
    stack = live_stack(backend, name)
    if stack is None:
        raise ValidationError(message=f"Stack: {name} does not exist")
    return ActionResult({"StackPolicyBody": stack.policy or None})


def apply() -> None:
    add_actions(CloudFormationResponse, set_stack_policy, get_stack_policy)
