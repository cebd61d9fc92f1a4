"""``invoke rotate-signing-key`` and the legacy HS256 window: shared-stack updates that
change only operated parameters.

Each step updates the shared stack with its deployed template and its deployed parameters,
changing only the parameters ``decide.signing_keys`` chose, so a rotation never carries a
template or configuration change along with it. Retiring deletes the previous key: the
stateful guard lets exactly that key go, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ppdeploy import naming
from ppdeploy.decide import signing_keys, stacks
from ppdeploy.errors import InputError
from ppdeploy.events import Message
from ppdeploy.model import DeployResult, StackSpec
from ppdeploy.templates import Template, parse
from ppdeploy.workflows.session import StageSession


@dataclass(frozen=True)
class RotationResult:
    summary: str
    deploy: DeployResult
    parameters: dict[str, str]


def _deployed_spec(session: StageSession, changes: dict[str, str]) -> StackSpec:
    """The shared stack as deployed, with only ``changes`` to its parameters."""
    name = naming.shared_stack(session.stage.name)
    state = session.cfn.describe(name)
    body = session.cfn.template_body(name)
    if state is None or body is None or state.in_progress:
        raise InputError(
            f"{name} is {state.status if state else 'not deployed'}",
            cause="the signing keys live in the shared stack, which must be deployed and settled",
            fix="deploy it with `invoke deploy-shared` (or wait for the running update), "
            "then run this again",
        )
    where = Path(f"<deployed {name}>")
    template = Template(path=where, body=body, document=parse(body, where))
    return StackSpec(
        name=name,
        template=template,
        parameters={**state.parameters, **changes},
        tags=stacks.tags(session.stage, "shared-infrastructure"),
        termination_protection=session.stage.termination_protection,
        stack_policy=(
            stacks.protective_stack_policy() if session.stage.termination_protection else None
        ),
    )


def rotate(
    session: StageSession,
    *,
    retire: bool,
    overlap_seconds: int | None = None,
    now: datetime | None = None,
) -> RotationResult:
    """Start a rotation, or (``retire``) retire the previous key after the overlap."""
    now = now or datetime.now(UTC)
    overlap = signing_keys.check_overlap(overlap_seconds, is_local=session.target.is_local)
    name = naming.shared_stack(session.stage.name)
    current = _deployed_spec(session, {})
    slots = signing_keys.KeySlots.from_parameters(current.parameters, name)
    change = (
        signing_keys.retire(slots, name, now, overlap)
        if retire
        else signing_keys.start_rotation(slots, name, now)
    )
    session.reporter.emit(Message(f"{name}: {change.summary}"))
    spec = _deployed_spec(session, change.parameters)
    allowed = (change.deletes_key,) if change.deletes_key else ()
    result = session.deploy(spec, also_allow=allowed)
    return RotationResult(change.summary, result, spec.parameters)


def open_legacy_window(session: StageSession, now: datetime | None = None) -> str:
    """Accept HS256 tokens of the legacy secret until now + the longest token lifetime."""
    until = signing_keys.legacy_window_end(now or datetime.now(UTC))
    spec = _deployed_spec(session, {signing_keys.LEGACY_UNTIL: until})
    if signing_keys.LEGACY_UNTIL not in spec.template.parameters:
        raise InputError(
            f"{spec.name} has no legacy HS256 window",
            cause=f"its deployed template declares no {signing_keys.LEGACY_UNTIL} parameter",
            fix="deploy the shared stack first (`invoke deploy-shared`), then run this again",
        )
    session.deploy(spec)
    session.reporter.emit(
        Message(f"legacy HS256 tokens are accepted until {until} (the window then closes)")
    )
    return until
