"""The tiers that run stack operations in-process wait for them as a CloudFormation client does.

Stack operations run in the background (``pplocalaws.extensions.operation_threads``); the tests
of the functional, integration, e2e and fuzz tiers, written as "call, then check the result",
read the finished stack because each operation-starting call joins the operation first
(``waiting.join_after_stack_operations``), as a waiter would. Tests that watch an operation in
progress opt out per client.

The unit tier starts no stack operation (it has no network and no local AWS), so a run of the
unit tier alone neither imports the local AWS nor adds the handler to its botocore sessions:
whether to is decided from the tests the run collected, before the first test starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# The tiers under tests/ whose tests never start a stack operation in-process.
TIERS_WITHOUT_STACK_OPERATIONS = frozenset({"unit"})
TESTS = Path(__file__).parent


def tier_of(path: Path) -> str | None:
    """The tier (the folder right under tests/) a test file belongs to; None outside tests/."""
    try:
        relative = path.resolve().relative_to(TESTS.resolve())
    except ValueError:
        return None
    return relative.parts[0] if len(relative.parts) > 1 else None


def needs_joined_stack_operations(paths: list[Path]) -> bool:
    """Whether a run of tests in ``paths`` needs stack operations joined (any outside unit)."""
    return any(tier_of(path) not in TIERS_WITHOUT_STACK_OPERATIONS for path in paths)


@contextmanager
def stack_operations_joined_for(paths: list[Path]) -> Iterator[None]:
    """Within the block, in-process stack operations are joined if a test in ``paths`` needs it."""
    if not needs_joined_stack_operations(paths):
        yield
        return
    # Imported here, not at the top: a unit-only run would pay for botocore's handlers and
    # the local AWS package in every worker for nothing.
    import boto3  # noqa: PLC0415 - only the runs that join pay for it

    from pplocalaws.extensions.waiting import (  # noqa: PLC0415 - as above
        join_after_stack_operations,
    )

    boto3.DEFAULT_SESSION = None  # a session made before the handler would lack it
    with join_after_stack_operations():
        yield


@pytest.fixture(scope="session", autouse=True)
def _stack_operations_joined(request: pytest.FixtureRequest) -> Iterator[None]:
    with stack_operations_joined_for([item.path for item in request.session.items]):
        yield
