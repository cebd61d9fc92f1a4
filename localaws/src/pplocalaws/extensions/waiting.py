"""Waiting for a stack operation to finish, as a client of CloudFormation must.

Stack operations answer at once and go on in the background (``operation_threads``); a caller
that needs the result polls DescribeStacks until the stack leaves ``*_IN_PROGRESS``, as
CloudFormation's own waiters do ("stack_create_complete" and the others poll
DescribeStacks). Tests and tools of this repository wait through these helpers, never by
sleeping a fixed time.

- :func:`settled_stack` polls any CloudFormation endpoint (a server in another process);
  :func:`stack_after_operation` also checks the status the operation ended in.
- :func:`join_after_stack_operations` is for moto's in-process mock: a botocore handler
  that, after each call that starts an operation, joins the operation's thread, so a test
  written as "call, then check the result" reads the finished stack, as it would after
  a waiter. A test that watches an operation in progress uses a client without it
  (``botocore_handlers_without_join``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore import handlers as botocore_handlers

# The CloudFormation calls that start a stack operation (their answers come first).
STARTING_CALLS = (
    "CreateStack",
    "UpdateStack",
    "DeleteStack",
    "ExecuteChangeSet",
    "ContinueUpdateRollback",
)
_SETTLED_POLL_SECONDS = 0.02


def is_settled(status: str) -> bool:
    """A stack status no operation will change by itself (REVIEW_IN_PROGRESS waits on a
    change set, not on an operation)."""
    return status == "REVIEW_IN_PROGRESS" or not status.endswith("_IN_PROGRESS")


def settled_stack(client: Any, stack_name: str, *, timeout: float = 120.0) -> dict[str, Any] | None:
    """DescribeStacks' answer for ``stack_name`` once no operation runs on it.

    None once the stack is deleted (DescribeStacks by name no longer finds it). Raises
    TimeoutError naming the stack and its status after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            stack: dict[str, Any] = client.describe_stacks(StackName=stack_name)["Stacks"][0]
        except client.exceptions.ClientError as error:
            if "does not exist" in str(error):
                return None
            raise
        if is_settled(stack["StackStatus"]):
            return stack
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"stack {stack_name} still {stack['StackStatus']} after {timeout:.0f} s"
            )
        time.sleep(_SETTLED_POLL_SECONDS)  # a poll interval, as a waiter's delay


def stack_after_operation(
    client: Any, stack_name: str, expected_status: str, *, timeout: float = 120.0
) -> dict[str, Any]:
    """DescribeStacks' answer once the stack's operation ended in ``expected_status``.

    Raises RuntimeError naming the status and reason it ended in otherwise (a deleted
    stack ends in DELETE_COMPLETE and is answered as ``{"StackStatus": "DELETE_COMPLETE"}``).
    """
    stack = settled_stack(client, stack_name, timeout=timeout)
    found = stack or {"StackStatus": "DELETE_COMPLETE"}
    if found["StackStatus"] != expected_status:
        raise RuntimeError(
            f"stack {stack_name} ended in {found['StackStatus']}, not {expected_status}: "
            f"{found.get('StackStatusReason') or 'no reason given'}"
        )
    return found


def _join_operations(event_name: str = "", **_kwargs: Any) -> None:
    if event_name.rsplit(".", 1)[-1] in STARTING_CALLS:
        _join_all()


def _join_all() -> None:
    # Looked up, not imported: importing it imports moto (a second), and a process that
    # never imported it has started no operation (keeps test processes without moto light).
    threads = sys.modules.get("pplocalaws.extensions.operation_threads")
    if threads is not None:
        threads.join_all()


_HANDLERS = [(f"after-call.cloudformation.{call}", _join_operations) for call in STARTING_CALLS]


@contextmanager
def join_after_stack_operations() -> Iterator[None]:
    """Within the block, every botocore session created makes each operation-starting
    CloudFormation call return after the operation finished (in-process mock only)."""
    botocore_handlers.BUILTIN_HANDLERS.extend(_HANDLERS)
    try:
        yield
    finally:
        for handler in _HANDLERS:
            botocore_handlers.BUILTIN_HANDLERS.remove(handler)
        _join_all()


@contextmanager
def botocore_handlers_without_join() -> Iterator[None]:
    """Within the block, new botocore sessions do not join operations (to watch one run)."""
    present = [handler for handler in _HANDLERS if handler in botocore_handlers.BUILTIN_HANDLERS]
    for handler in present:
        botocore_handlers.BUILTIN_HANDLERS.remove(handler)
    try:
        yield
    finally:
        botocore_handlers.BUILTIN_HANDLERS.extend(present)
