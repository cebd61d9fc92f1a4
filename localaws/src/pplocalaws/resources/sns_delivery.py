"""SNS delivers to ``lambda`` subscriptions by invoking the function asynchronously.

Lambda Developer Guide, "Invoking Lambda functions with Amazon SNS notifications"
(https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html): "Amazon SNS invokes your
function asynchronously with an event that contains a message and metadata"; the event is
``{"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn",
"Sns": {"Type": "Notification", "MessageId", "TopicArn", "Subject", "Message",
"Timestamp", "SignatureVersion", "Signature", "SigningCertUrl", "UnsubscribeUrl",
"MessageAttributes": {name: {"Type", "Value"}}}}]}``. Publish answers at once; the
function runs later (``lambda_async``: retries, event age, the dead-letter queue).

SNS invokes as the service principal ``sns.amazonaws.com``, so the function's resource
policy must allow it ``lambda:InvokeFunction`` on the subscribed ARN, with
``aws:SourceArn`` the topic (the same guide, "Grant permissions"; SAM's ``Events: Type:
SNS`` adds that AWS::Lambda::Permission). Refused: SNS's Invoke fails with a client error,
which SNS does not retry ("Amazon SNS message delivery retries", SNS Developer Guide,
https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html), so the
message is not delivered; here it is logged as ``SNS delivery refused: ...``.

moto's own delivery (running the function in Docker inside Publish) is replaced through
``seams.deliver_sns_to_lambda_with``; moto still applies filter policies and
MessageStructure. Not modelled: the subscription's own redrive policy (SNS dead-letter
queue) for refused deliveries, and delivery to a function in another account or region.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from moto.awslambda.models import lambda_backends

from pplocalaws import seams
from pplocalaws.iam import service_principals
from pplocalaws.iam.conditions import Context
from pplocalaws.resources.lambda_async import Invocation
from pplocalaws.resources.lambda_async_moto import queue

log = logging.getLogger(__name__)

SERVICE_PRINCIPAL = "sns.amazonaws.com"
INVOKE_ACTION = "lambda:InvokeFunction"


def service_may_invoke(document: str | None, function_arn: str, context: Context) -> str:
    """Why the resource policy refuses SNS ``lambda:InvokeFunction``; "" when it allows.

    Only statements naming the service (or ``*``) apply; an explicit Deny wins, otherwise
    an Allow is needed ("Policy evaluation logic", IAM User Guide).
    """
    if not document:
        return "the function has no resource-based policy"
    reason = service_principals.refusal(
        document, SERVICE_PRINCIPAL, INVOKE_ACTION, function_arn, context
    )
    return f"no statement allows {SERVICE_PRINCIPAL} {INVOKE_ACTION}: {reason}" if reason else ""


def _target(endpoint: str) -> tuple[str, str, str, str | None] | None:
    """(region, account, function name, qualifier) of a subscription's function ARN."""
    parts = endpoint.split(":")
    if len(parts) not in (7, 8) or parts[2] != "lambda" or parts[5] != "function":
        return None
    return parts[3], parts[4], parts[6], parts[7] if len(parts) == 8 else None


def _resource_policy(account: str, region: str, name: str) -> str | None:
    # moto keeps one policy per function; a statement for an alias or version names that
    # qualified ARN as its Resource (resources.awslambda), so evaluating the policy against
    # the subscribed ARN tells them apart.
    try:
        wire = json.loads(lambda_backends[account][region].get_policy(name))
    except Exception:  # moto raises when the function has no policy, or does not exist
        return None
    document = wire.get("Policy")
    return document if isinstance(document, str) else json.dumps(document)


def lambda_event(
    subscription: Any,
    message_id: str,
    message: str,
    subject: str | None,
    attributes: dict[str, Any] | None,
) -> dict[str, Any]:
    """The event Lambda receives for one SNS message ("Invoking Lambda functions with
    Amazon SNS notifications", example event). Signature fields come from moto's signed
    HTTP notification for the same message (its SigningCertURL serves the certificate)."""
    signed = subscription.get_post_data(message, message_id, subject, attributes)
    notification = {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": subscription.topic.arn,
        "Subject": subject,
        "Message": message,
        "Timestamp": signed["Timestamp"],
        "SignatureVersion": signed["SignatureVersion"],
        "Signature": signed["Signature"],
        "SigningCertUrl": signed["SigningCertURL"],
        "UnsubscribeUrl": (
            f"https://sns.{subscription.topic.sns_backend.region_name}.amazonaws.com/"
            f"?Action=Unsubscribe&SubscriptionArn={subscription.arn}"
        ),
        "MessageAttributes": {
            name: {"Type": value.get("Type"), "Value": value.get("Value")}
            for name, value in (attributes or {}).items()
        },
    }
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription.arn,
                "Sns": notification,
            }
        ]
    }


def deliver(
    subscription: Any,
    message_id: str,
    message: str,
    subject: str | None,
    attributes: dict[str, Any] | None,
) -> bool:
    """Queue the asynchronous invocation if SNS may invoke the function; True if queued."""
    topic_arn = subscription.topic.arn
    target = _target(str(subscription.endpoint))
    if target is None:
        log.warning("SNS delivery refused: %s is not a Lambda function ARN", subscription.endpoint)
        return False
    region, account, name, qualifier = target
    topic_region, topic_account = topic_arn.split(":")[3], topic_arn.split(":")[4]
    if (region, account) != (topic_region, topic_account):
        log.warning(
            "SNS delivery refused: %s -> %s: a function in another account or region "
            "(not modelled: strict)",
            topic_arn,
            subscription.endpoint,
        )
        return False
    context: Context = {
        "aws:sourcearn": [topic_arn],
        "aws:sourceaccount": [topic_account],
        "aws:securetransport": ["true"],
    }
    document = _resource_policy(account, region, name)
    refusal = service_may_invoke(document, str(subscription.endpoint), context)
    if refusal:
        log.warning(
            "SNS delivery refused: %s -> %s: %s; message %s not delivered",
            topic_arn,
            subscription.endpoint,
            refusal,
            message_id,
        )
        return False
    queue().submit(
        Invocation(
            account=account,
            region=region,
            function_name=name,
            qualifier=qualifier,
            event=lambda_event(subscription, message_id, message, subject, attributes),
            source=topic_arn,
        )
    )
    return True


def _deliver(
    subscription: Any,
    message_id: str,
    message: str,
    subject: str | None,
    attributes: dict[str, Any] | None,
) -> None:
    deliver(subscription, message_id, message, subject, attributes)


seams.deliver_sns_to_lambda_with(_deliver)
