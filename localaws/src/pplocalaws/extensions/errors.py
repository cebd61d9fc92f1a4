"""CloudFormation's error responses, and XML errors instead of HTML 500 pages.

moto serialises only its own ``ServiceException`` errors; any other exception raised while
it handles a CloudFormation call (a KeyError in template parsing, a bug in a resource
model) escapes to werkzeug, which answers with an HTML 500 page that boto3 reports as
"Unable to parse response ... invalid XML". CloudFormation always answers with an XML
``ErrorResponse``. The patched ``call_action`` turns such an exception into a
``ValidationError`` naming the action and the cause, and logs the traceback server side.

The same wrapper serialises CloudFormation calls: moto's CloudFormation state is plain
dicts and the deploy engine runs several stacks in parallel against one server thread
pool, so two calls must not interleave. Each call is short: a stack operation answers
once it has started and goes on in a thread of its own (``operation_threads``), which
holds the same lock while it changes state and gives it up between resources.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

from pplocalaws.seams import request_action, wrap_call_action

logger = logging.getLogger(__name__)

_CLOUDFORMATION_LOCK = threading.RLock()


def cloudformation_lock() -> threading.RLock:
    """The lock every CloudFormation call holds (``operations.pause`` gives it up to wait)."""
    return _CLOUDFORMATION_LOCK


class ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(f"ChangeSet [{name}] does not exist")


class InvalidChangeSetStatus(CloudFormationError):
    code = "InvalidChangeSetStatus"

    def __init__(self, change_set_id: str, execution_status: str) -> None:
        super().__init__(
            f"ChangeSet [{change_set_id}] cannot be executed in its current execution "
            f"status of [{execution_status}]"
        )


class InsufficientCapabilities(CloudFormationError):
    code = "InsufficientCapabilitiesException"

    def __init__(self, capabilities: list[str]) -> None:
        super().__init__(f"Requires capabilities : [{', '.join(capabilities)}]")


def unexpected_error(action: str, error: BaseException) -> ValidationError:
    """The XML error that stands for an exception moto did not expect."""
    return ValidationError(
        message=f"The local AWS failed while handling {action}: "
        f"{type(error).__name__}: {error}. This is a local AWS defect, not a template "
        "error; the server log has the traceback."
    )


def _serialised_call_action(original: Callable[..., Any]) -> Callable[..., Any]:
    def call_action(self: CloudFormationResponse) -> Any:
        with _CLOUDFORMATION_LOCK:
            try:
                return original(self)
            except Exception as error:  # everything moto did not turn into an AWS error
                action = request_action(self) or "the request"
                logger.exception("CloudFormation %s failed inside the local AWS", action)
                status, headers, body = self.serialized(
                    ActionResult(unexpected_error(action, error))
                )
                headers["status"] = status
                return status, headers, body

    call_action.__doc__ = "moto's call_action, serialised, with AWS-style errors for any failure."
    return call_action


def apply() -> None:
    # Wrapping moto's dispatch is the extension point for every CloudFormation call.
    wrap_call_action(CloudFormationResponse, _serialised_call_action)
