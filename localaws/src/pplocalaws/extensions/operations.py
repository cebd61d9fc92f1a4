"""Waiting inside a CloudFormation operation without stopping every other CloudFormation call.

A stack operation in the local AWS waits where AWS's would: for a function update to settle
("Lambda function states"), for a CodeDeploy traffic shift to finish
(``UpdatePolicy: CodeDeployLambdaAliasUpdate``). Every CloudFormation call is serialised by
one lock (``errors.py``); an operation that slept holding it would freeze DescribeStacks and
DescribeStackEvents for everyone, which AWS never does. :func:`pause` gives the lock up for
the wait and takes it back after, however deeply the caller holds it.
"""

from __future__ import annotations

import threading
import time

from pplocalaws.extensions import operation_threads
from pplocalaws.extensions.errors import cloudformation_lock


def pause(seconds: float) -> None:
    """Sleep ``seconds``, letting other CloudFormation calls run meanwhile if this thread
    holds the CloudFormation lock (outside an operation it is a plain sleep)."""
    if seconds <= 0:
        return
    # Condition.wait releases an RLock however many times it is held, and restores it.
    condition = threading.Condition(cloudformation_lock())
    try:
        with condition:
            condition.wait(seconds)
    except RuntimeError:  # pragma: no cover - Condition refuses only a lock it cannot take
        time.sleep(seconds)


# How long an operation stands aside at each checkpoint: long enough for a thread blocked
# on the lock to take it (Python's locks are not fair), short enough not to show in a deploy.
_CHECKPOINT_SECONDS = 0.0005


def checkpoint() -> None:
    """Let other CloudFormation calls in between two steps of a background operation.

    CloudFormation answers DescribeStacks and DescribeStackEvents while an operation runs,
    and works on several stacks at once; a background operation (``operation_threads``) calls
    this at each resource event so other calls are not held up for the whole operation.
    Elsewhere (inside a request that must stay atomic) it does nothing.
    """
    if operation_threads.in_operation():
        pause(_CHECKPOINT_SECONDS)
