"""Running one IMPORT change set: compute, show, approve, execute, wait, check."""

from __future__ import annotations

import time
import uuid

from ppdeploy.aws.cloudformation import ResourceToImport
from ppdeploy.errors import DeployError, RefusedError
from ppdeploy.events import ChangeSetComputed, Message, ResourceEvent
from ppdeploy.workflows.migration import legacy, surgery
from ppdeploy.workflows.session import StageSession


def run_import(
    session: StageSession,
    stack: str,
    document: surgery.Document,
    *,
    parameters: dict[str, str],
    tags: dict[str, str],
    resources: list[ResourceToImport],
    what: str,
) -> None:
    """Adopt ``resources`` into ``stack`` (created when missing) through one IMPORT change set.

    A change set CloudFormation cannot compute, or the person does not approve, is deleted
    (a stack it created stays in REVIEW_IN_PROGRESS, which the next run reuses).
    """
    cfn = session.cfn
    token = f"ppdeploy-import-{uuid.uuid4().hex}"
    change_set = cfn.create_change_set(
        stack_name=stack,
        change_set_type="IMPORT",
        change_set_name=f"ppdeploy-import-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}",
        template_body=legacy.as_template(document, f"<{stack} import>").body,
        parameters=parameters,
        tags=tags,
        resources_to_import=resources,
        token=token,
    )
    if change_set.status != "CREATE_COMPLETE":
        cfn.delete_change_set(change_set.change_set_id)
        raise DeployError(
            f"CloudFormation could not compute the import of {what} into {stack}",
            cause=change_set.reason or change_set.status,
            fix="correct what the cause names and migrate again",
        )
    session.reporter.emit(ChangeSetComputed(stack, change_set))
    if not session.reporter.confirm(f"Import {what} into {stack}?", assume_yes=session.assume_yes):
        cfn.delete_change_set(change_set.change_set_id)
        raise RefusedError(f"the import into {stack} was not approved; nothing was changed")
    mark = cfn.latest_event_id(stack)
    cfn.execute_change_set(change_set.change_set_id, token=token)
    final, _ = cfn.wait(
        stack,
        after_event=mark,
        on_event=lambda event: session.reporter.emit(ResourceEvent(stack, event)),
    )
    if final is None or final.status != "IMPORT_COMPLETE":
        raise DeployError(
            f"the import of {what} into {stack} ended in "
            f"{final.status if final else 'DELETE_COMPLETE'}",
            cause=final.status_reason if final else "",
            fix=f"read `invoke events --stack {stack}` for the resource that failed, then "
            "migrate again",
        )
    session.reporter.emit(Message(f"{stack}: imported {what}", "success"))
