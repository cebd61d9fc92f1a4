"""Test-only fault injection: make an update's rollback fail, to reach UPDATE_ROLLBACK_FAILED.

On AWS a rollback fails when restoring a resource fails (someone changed it by hand, a
limit was hit); the stack stops in UPDATE_ROLLBACK_FAILED and only ContinueUpdateRollback
gets it out. moto's resources never fail that way, so the recovery path of a deploy tool
could not be exercised locally. This module lets a test template ask for that failure:

    Resources:
      Topic:
        Type: AWS::SNS::Topic
        Metadata: {PPDeploy::LocalFault: FailRollback}

When a failed update is rolled back, restoring ``Topic`` (a resource the update changed
in place; the Metadata sits in the update's template) fails: ``FailRollback`` on every
attempt (only ResourcesToSkip gets past it), ``FailRollbackOnce`` on the first attempt
only (a plain ContinueUpdateRollback then succeeds).

It is off unless a test turns it on: ``enabled_for_tests()`` in-process, or the
environment variable ``PPDEPLOY_LOCALAWS_FAULTS=1`` for a local AWS server started by a
test. Without either, the Metadata key is ignored like any other Metadata.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pplocalaws.extensions.failures import LocalFailure

ENVIRONMENT_SWITCH = "PPDEPLOY_LOCALAWS_FAULTS"
METADATA_KEY = "PPDeploy::LocalFault"
FAIL_ROLLBACK = "FailRollback"
FAIL_ROLLBACK_ONCE = "FailRollbackOnce"

_switched_on = False


class InjectedFault(LocalFailure):
    """A failure a test asked for through the resource's Metadata."""


def enabled() -> bool:
    return _switched_on or os.environ.get(ENVIRONMENT_SWITCH) == "1"


@contextmanager
def enabled_for_tests() -> Iterator[None]:
    """Honour fault Metadata inside the block (in-process tests)."""
    global _switched_on  # noqa: PLW0603 - a process-wide test switch, restored on exit
    previous, _switched_on = _switched_on, True
    try:
        yield
    finally:
        _switched_on = previous


def check_rollback(
    logical_id: str, failed_update_json: Mapping[str, Any] | None, attempt: int
) -> None:
    """Raise InjectedFault when this attempt (1, 2, ...) to restore the resource must fail."""
    if not enabled() or failed_update_json is None:
        return
    fault = (failed_update_json.get("Metadata") or {}).get(METADATA_KEY)
    if fault == FAIL_ROLLBACK or (fault == FAIL_ROLLBACK_ONCE and attempt == 1):
        raise InjectedFault(
            f"Injected fault ({METADATA_KEY}: {fault}): restoring {logical_id} failed. "
            "Continue the rollback (ContinueUpdateRollback), skipping it if it keeps failing."
        )
