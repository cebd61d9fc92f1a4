"""Publish account deletions to the account events topic, for coaching and traction to purge.

The topic is ``ACCOUNT_EVENTS_TOPIC_ARN`` (from the shared stack's export); the message
format lives in :mod:`ppcommon.account_events`, shared with the consumers.

Order: publish BEFORE deleting. ``DELETE /auth/me`` does, in this order:

1. check the password (nothing happens for a wrong one);
2. ``publish_user_deleted(user)``, and ``publish_tenant_deleted(tenant)`` when the user is
   the tenant's only owner (the condition ``users.delete`` deletes the tenant on);
3. revoke the user's tokens and delete the account's items.

A publish that fails (after botocore's standard retries, ``ppcommon.aws``) raises
:class:`AccountEventsUnavailable`, a 503 with nothing deleted and nothing revoked: the
person retries the same request. A deletion failing after the publish leaves an account
whose coaching and traction data is being purged: the person asked for exactly that and
proved it with the password, and their retry publishes again, which the idempotent purges
absorb. The other order cannot be made safe: once the account is gone its token is refused,
no retry can come, and an event lost then would leave the data behind for good, seen only in
a log line.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from ppcommon import aws
from ppcommon.account_events import AccountDeleted
from ppcommon.config import ConfigurationError
from ppcommon.errors import ApiError
from ppcommon.observability import logger, metrics

if TYPE_CHECKING:
    from account.users import User

SERVICE = "account"
TOPIC_VARIABLE = "ACCOUNT_EVENTS_TOPIC_ARN"
PUBLISH_FAILED_METRIC = "AccountEventPublishFailed"


class AccountEventsUnavailable(ApiError):
    """The deletion could not be announced, so nothing was deleted: try again later."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "account_events_unavailable",
            "the account could not be deleted right now and nothing was deleted: try again",
        )


def publish_user_deleted(user: User) -> str:
    """Announce that ``user`` is being deleted; the event's id."""
    return _publish(AccountDeleted.user(user.tenant_id, user.user_id))


def publish_tenant_deleted(tenant_id: str) -> str:
    """Announce that the whole tenant is being deleted; the event's id."""
    return _publish(AccountDeleted.tenant(tenant_id))


def topic_arn() -> str:
    arn = os.environ.get(TOPIC_VARIABLE, "").strip()
    if not arn:
        raise ConfigurationError(
            f"account events topic is not configured: environment variable {TOPIC_VARIABLE} is "
            "unset; set it in the account template from the shared stack's "
            "account-events-topic-arn export"
        )
    return arn


def _publish(event: AccountDeleted) -> str:
    arn = topic_arn()  # a configuration defect is a 500, and still nothing is deleted
    log = logger(SERVICE)
    try:
        response = aws.client("sns").publish(
            TopicArn=arn,
            Message=event.message(),
            MessageAttributes=event.message_attributes(),
        )
    except Exception as error:
        # botocore's ClientError and BotoCoreError (timeouts, no connection) alike; the
        # error code says which without logging the request.
        code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
        metrics(SERVICE).add_metric(name=PUBLISH_FAILED_METRIC, unit=MetricUnit.Count, value=1)
        log.error(
            "could not publish the account deletion; nothing deleted",
            extra={**event.log_fields(), "error_code": code},
        )
        raise AccountEventsUnavailable from error
    log.info(
        "published the account deletion",
        extra={**event.log_fields(), "message_id": response.get("MessageId")},
    )
    return event.event_id
