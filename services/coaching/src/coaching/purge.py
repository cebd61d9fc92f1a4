"""The coaching purge function: subscribed to the account events topic, it deletes a deleted
user's coaching sessions and messages (``user.deleted``) or a deleted tenant's, every user's
(``tenant.deleted``). Idempotent; a malformed event raises (retried, then dead-lettered).
"""

from __future__ import annotations

from coaching import store
from ppcommon.account_events import purge_handler

lambda_handler = purge_handler("coaching", user=store.purge_user, tenant=store.purge_tenant)
