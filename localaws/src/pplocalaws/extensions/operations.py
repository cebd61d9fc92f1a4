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


# How long an operation stands aside at a checkpoint: long enough for a thread blocked on
# the lock to take it (Python's locks are not fair), short enough not to show in a deploy.
_CHECKPOINT_SECONDS = 0.0005
# How much work an operation does between two checkpoints: standing aside at every event
# let the engine's polls (every 50 ms) re-serialise the stack's events between each two,
# which cost a sequential cold deploy ~0.7 s; every 20 ms keeps calls answered promptly.
_CHECKPOINT_EVERY_SECONDS = 0.02
_last_checkpoint = threading.local()


def checkpoint() -> None:
    """Let other CloudFormation calls in between two steps of a background operation.

    CloudFormation answers DescribeStacks and DescribeStackEvents while an operation runs,
    and works on several stacks at once; a background operation (``operation_threads``)
    calls this at each resource event, and stands aside when it has worked for
    ``_CHECKPOINT_EVERY_SECONDS`` since it last did, so other calls are not held up for the
    whole operation. Elsewhere (inside a request that must stay atomic) it does nothing.
    """
    if not operation_threads.in_operation():
        return
    now = time.monotonic()
    if now - getattr(_last_checkpoint, "at", 0.0) >= _CHECKPOINT_EVERY_SECONDS:
        pause(_CHECKPOINT_SECONDS)
        _last_checkpoint.at = time.monotonic()
