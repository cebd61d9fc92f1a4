"""STAND-IN for h-purge's ``account.account_events`` (issue 12): on merge, TAKE THEIRS.

Written in the h-account branch only so the deletion use case can call the contract's
publisher names before the real module (SNS ``purposepath-account-events-<stage>``) lands.
It publishes nothing: it raises, so no deployed function can silently skip a purge; the
account tests replace both functions with recorders.
"""

from __future__ import annotations

from account.users import User

STAND_IN = True


def publish_user_deleted(user: User) -> None:
    raise NotImplementedError(
        f"account events are not wired in this branch (user {user.user_id}): merge h-purge"
    )


def publish_tenant_deleted(tenant_id: str) -> None:
    raise NotImplementedError(
        f"account events are not wired in this branch (tenant {tenant_id}): merge h-purge"
    )
