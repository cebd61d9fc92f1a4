"""Updating the legacy stack with its own template, edited (see ``surgery``).

The legacy stack is the predecessor's: it is not linted, and it keeps its parameters and
tags. It goes through the same change-set deploy as every stack (guards, approval,
events), so an export another stack imports is never dropped silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from ppdeploy.aws.cloudformation import StackState
from ppdeploy.decide.fingerprint import TAG
from ppdeploy.errors import DeployError
from ppdeploy.model import StackSpec
from ppdeploy.templates import Template
from ppdeploy.workflows.migration import surgery
from ppdeploy.workflows.migration.state import Reading
from ppdeploy.workflows.session import StageSession
from ppdeploy.workflows.stack_deploy import deploy_stack

MASKED = "****"  # what DescribeStacks shows for a NoEcho parameter


def as_template(document: surgery.Document, label: str) -> Template:
    """An edited template, ready to deploy (JSON: CloudFormation reads both)."""
    return Template(path=Path(label), body=json.dumps(document, indent=1), document=document)


def update(
    session: StageSession,
    reading: Reading,
    document: surgery.Document,
    *,
    allow_removing: Iterable[str] = (),
) -> None:
    """Deploy ``document`` to the legacy stack; ``allow_removing`` passes the stateful guard."""
    state = reading.legacy
    if state is None:
        raise DeployError(
            f"the legacy stack {reading.legacy_name} disappeared during the migration"
        )
    update_stack(session, state, document, allow_removing=allow_removing)


def update_stack(
    session: StageSession,
    state: StackState,
    document: surgery.Document,
    *,
    allow_removing: Iterable[str] = (),
) -> None:
    """Deploy ``document`` to one of the predecessor's stacks (the legacy or its domain
    stack), with its own parameters and tags."""
    masked = sorted(key for key, value in state.parameters.items() if value == MASKED)
    if masked:
        raise DeployError(
            f"the legacy stack {state.name} has NoEcho parameters: {', '.join(masked)}",
            cause="their values cannot be read back, so the stack cannot be updated with them",
            fix="update the legacy stack once with those parameters given as plain values, or "
            "release its tables and secret by hand, then migrate again",
        )
    spec = StackSpec(
        name=state.name,
        template=as_template(document, f"<{state.name}, edited by migrate>"),
        parameters=dict(state.parameters),
        tags={key: value for key, value in state.tags.items() if key != TAG},
    )
    deploy_stack(
        session.cfn,
        spec,
        session.reporter,
        approve=session.approve,
        force=True,  # the edited template is the change; a fingerprint means nothing here
        allow_replace=frozenset(allow_removing),
    )
