"""The traction purge function: subscribed to the account events topic, it deletes a deleted
tenant's goals, KPIs and readings (``tenant.deleted``). Traction data belongs to the tenant
and names no user, so ``user.deleted`` deletes nothing here (and succeeds); the tenant's data
goes when its last owner is deleted. Idempotent; a malformed event raises (retried, then
dead-lettered).
"""

from __future__ import annotations

from ppcommon.account_events import purge_handler
from traction import store


def _purge_user(_tenant_id: str, _user_id: str) -> int:
    return 0  # no traction item belongs to a user (see traction.store's purge section)


lambda_handler = purge_handler("traction", user=_purge_user, tenant=store.purge_tenant)
