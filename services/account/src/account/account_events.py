"""STAND-IN for h-purge's ``account.account_events`` (issue 12): on merge, TAKE THEIRS.

Written in the h-account branch only so the deletion use case can call the contract's
publisher names before the real module lands. It publishes the contract's message
(CONTRACT-12, "Deletion events") to ``ACCOUNT_EVENTS_TOPIC_ARN`` and nothing more: no
metric, no 503 mapping; a missing topic is a configuration error, so no deletion can
skip its announcement silently.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime

from account.users import User
from ppcommon import aws
from ppcommon.config import ConfigurationError

STAND_IN = True
TOPIC_VARIABLE = "ACCOUNT_EVENTS_TOPIC_ARN"


def publish_user_deleted(user: User) -> str:
    return _publish({"type": "user.deleted", "tenantId": user.tenant_id, "userId": user.user_id})


def publish_tenant_deleted(tenant_id: str) -> str:
    return _publish({"type": "tenant.deleted", "tenantId": tenant_id})


def _publish(fields: dict[str, str]) -> str:
    arn = os.environ.get(TOPIC_VARIABLE, "").strip()
    if not arn:
        raise ConfigurationError(f"account events topic is not configured: {TOPIC_VARIABLE}")
    event_id = str(uuid.uuid4())
    occurred = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    message = {
        "type": fields["type"],
        "eventId": event_id,
        **{k: v for k, v in fields.items() if k != "type"},
        "occurredAt": occurred,
    }
    aws.client("sns").publish(
        TopicArn=arn,
        Message=json.dumps(message, separators=(",", ":")),
        MessageAttributes={"type": {"DataType": "String", "StringValue": fields["type"]}},
    )
    return event_id
