"""Whether a stack another stack depends on is in a state it can be depended on.

A stack a service imports from must not be in the middle of an operation, nor left broken
by one; but a stack whose update failed and rolled back is back on its previous working
template, with every resource and export it had. AWS CloudFormation User Guide, "Stack
status codes": ``UPDATE_ROLLBACK_COMPLETE`` is the "successful return of one or more
stacks to a previous working state after a failed stack update", and the stack accepts
updates again. So a failed shared update does not block every service deploy until the
shared stack deploys again. (The fingerprint skip still treats it as unsettled: the next
deploy of that stack itself is made again, whatever its tag says.)
"""

from __future__ import annotations

from ppdeploy.decide.fingerprint import SETTLED

ROLLED_BACK = "UPDATE_ROLLBACK_COMPLETE"
# States a dependency can be used in: a completed operation, or a completed update rollback.
USABLE = frozenset({*SETTLED, ROLLED_BACK})


def usable(status: str) -> bool:
    """True when a stack in ``status`` can be depended on (its exports are its last good ones)."""
    return status in USABLE


def note(status: str) -> str | None:
    """What a person should know about a usable dependency, or None when nothing is worth saying."""
    if status == ROLLED_BACK:
        return "its last update rolled back; the services use its previous, working state"
    return None
