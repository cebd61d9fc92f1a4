"""Stack operations that run after the call that started them has answered.

CloudFormation's CreateStack, UpdateStack, DeleteStack, ExecuteChangeSet and
ContinueUpdateRollback answer at once: "CreateStack ... creates a stack as specified in the
template. After the call completes successfully, the stack creation starts. You can check
the status of the stack through the DescribeStacks operation." (CreateStack, AWS
CloudFormation API Reference,
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html).
A client sees the stack ``*_IN_PROGRESS`` and polls until it leaves that status.

Here the call does what CloudFormation rejects synchronously (validation, capabilities,
status checks), puts the stack in its ``*_IN_PROGRESS`` status, and hands the rest to
:func:`start`, which runs it in a thread of its own.

Serialisation: the work holds the one CloudFormation lock (``errors.py``) while it touches
state, as every call does, and gives it up at each resource event (``operations.
checkpoint``) and at every wait (``operations.pause``), so DescribeStacks, DescribeStackEvents
and other stacks' operations go on meanwhile. One operation per stack: the status check of
every mutating call refuses a stack in progress (``stacks.require_idle``), and
:func:`start` refuses a second thread for the same stack as a local AWS defect.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from moto.cloudformation.models import Stack

from pplocalaws.extensions.errors import cloudformation_lock

logger = logging.getLogger(__name__)

_registry_lock = threading.Lock()
_running: dict[str, threading.Thread] = {}
_operation_thread = threading.local()


class OperationAlreadyRunning(RuntimeError):
    """A second operation was started on a stack whose operation still runs (a defect)."""


def in_operation() -> bool:
    """True in the thread of a background stack operation."""
    return bool(getattr(_operation_thread, "active", False))


def start(stack: Stack, work: Callable[[], None], *, on_crash: Callable[[str], None]) -> None:
    """Run ``work`` for ``stack`` in its own thread, holding the CloudFormation lock.

    ``on_crash(reason)`` runs (under the lock) if ``work`` raises: an exception there is a
    local AWS defect, and the stack must still leave ``*_IN_PROGRESS`` so no client waits
    for ever.
    """

    def run() -> None:
        _operation_thread.active = True
        try:
            with cloudformation_lock():
                try:
                    work()
                except Exception as error:  # a defect: log it and end the operation
                    logger.exception("CloudFormation operation on %s failed", stack.name)
                    on_crash(
                        f"The local AWS failed during this operation: {type(error).__name__}: "
                        f"{error}. This is a local AWS defect; the server log has the traceback."
                    )
        finally:
            with _registry_lock:
                if _running.get(stack.stack_id) is threading.current_thread():
                    del _running[stack.stack_id]

    with _registry_lock:
        current = _running.get(stack.stack_id)
        if current is not None and current.is_alive():
            raise OperationAlreadyRunning(
                f"stack {stack.name} already has an operation running in the local AWS; "
                "the status check should have refused this call (local AWS defect)"
            )
        thread = threading.Thread(target=run, name=f"cloudformation:{stack.name}", daemon=True)
        _running[stack.stack_id] = thread
    thread.start()


def running() -> list[str]:
    """Stack ids whose operation is still running in this process."""
    with _registry_lock:
        return [stack_id for stack_id, thread in _running.items() if thread.is_alive()]


def join_all(timeout: float = 120.0) -> None:
    """Wait until every operation started in this process has finished.

    For in-process use (tests on moto's mock): a client of a server waits by polling
    DescribeStacks instead (``waiting.settled_stack``). Raises TimeoutError naming the
    stacks still running after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        with _registry_lock:
            threads = [
                thread
                for thread in _running.values()
                if thread.is_alive() and thread is not threading.current_thread()
            ]
        if not threads:
            return
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline and any(t.is_alive() for t in threads):
            names = ", ".join(sorted(t.name for t in threads if t.is_alive()))
            raise TimeoutError(f"stack operations still running after {timeout:.0f} s: {names}")
