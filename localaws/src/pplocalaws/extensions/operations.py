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
