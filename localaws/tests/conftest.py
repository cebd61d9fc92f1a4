"""Every localaws test process waits for stack operations the way a CloudFormation client does.

Stack operations run in the background (``pplocalaws.extensions.operation_threads``); the tests
here, written as "call, then check the result", read the finished stack because each
operation-starting call joins the operation first (``waiting.join_after_stack_operations``),
as a waiter would. Tests that watch an operation in progress opt out per client.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from pplocalaws.extensions.waiting import join_after_stack_operations


@pytest.fixture(scope="session", autouse=True)
def _stack_operations_joined() -> Iterator[None]:
    boto3.DEFAULT_SESSION = None  # a session made before the handler would lack it
    with join_after_stack_operations():
        yield
