"""CloudWatch alarm actions: a state change publishes to the alarm's SNS topics.

moto's ``SetAlarmState`` only records the new state. On AWS, "When the updated state
differs from the previous value, the action configured for the appropriate state is
invoked" (CloudWatch API Reference, "SetAlarmState";
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html),
and only while the alarm's actions are enabled ("PutMetricAlarm", ``ActionsEnabled``).
This module does that for SNS topic actions: ALARM runs ``AlarmActions``, OK runs
``OKActions``, INSUFFICIENT_DATA runs ``InsufficientDataActions``.

CloudWatch publishes as the service principal ``cloudwatch.amazonaws.com``, with
``aws:SourceArn`` (the alarm) and ``aws:SourceAccount`` in the request. So, strictly:

- the topic policy must allow that principal ``sns:Publish`` (and no Deny may apply):
  SNS Developer Guide, "Amazon SNS access control case examples" / "Example cases for
  Amazon SNS access control" (service principals publishing);
- a topic encrypted with a customer managed key needs the key policy to allow that
  principal ``kms:Decrypt`` and ``kms:GenerateDataKey*``: SNS Developer Guide, "Key
  management", section "Enable compatibility between event sources from AWS services and
  encrypted topics"
  (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
  IAM delegation through the account root does not help here: a service principal has no
  identity policies, so only a statement naming it (or ``*``) allows.

A refused action is not delivered and raises no error anywhere (AWS records it only in the
alarm's history as a failed action); here it is logged as ``alarm action refused: ...``.
States change through ``SetAlarmState``, called by a client or by the local AWS's alarm
evaluator (``alarm_evaluation``). Not modelled: actions other than SNS topics (logged and
skipped), the alarm history entry for an action, and the subject's region display name
(the region code is used).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from moto.sns.models import sns_backends

from pplocalaws import seams
from pplocalaws.iam import lookups, service_principals
from pplocalaws.iam.conditions import Context

log = logging.getLogger(__name__)

SERVICE_PRINCIPAL = "cloudwatch.amazonaws.com"
# "Enable compatibility between event sources from AWS services and encrypted topics".
KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")

_ACTIONS_FOR_STATE = {
    "ALARM": "alarm_actions",
    "OK": "ok_actions",
    "INSUFFICIENT_DATA": "insufficient_data_actions",
}


def service_allowed(document: str | None, action: str, resource: str, context: Context) -> str:
    """Why a resource policy refuses ``cloudwatch.amazonaws.com`` the action; "" if it allows.

    Only statements whose principal is the service (or ``*``) apply: "Policy evaluation
    logic" — an explicit Deny wins, otherwise an Allow is needed.
    """
    if not document:
        return "no policy"
    return service_principals.refusal(document, SERVICE_PRINCIPAL, action, resource, context)


def _refusal(account: str, region: str, topic_arn: str, context: Context) -> str:
    backend = sns_backends[account][region]
    topic = backend.topics.get(topic_arn)
    if topic is None:
        return "no such topic"
    why = service_allowed(topic.policy, "sns:Publish", topic_arn, context)
    if why:
        return f"the topic policy does not allow {SERVICE_PRINCIPAL} sns:Publish: {why}"
    key_arn = lookups.topic_key(account, region, topic_arn)
    if key_arn is None:
        return ""  # unencrypted, or SNS's AWS managed key: nothing more is needed
    key_policy = lookups.key_policy(account, region, key_arn)
    for action in KEY_ACTIONS:
        why = service_allowed(key_policy, action, key_arn, context)
        if why:
            return f"the key policy of {key_arn} does not allow {SERVICE_PRINCIPAL} {action}: {why}"
    return ""


def _message(alarm: Any, before: str, account: str, region: str) -> tuple[str, str]:
    # "Amazon SNS notifications" of alarms (CloudWatch User Guide, "Alarm actions"): a JSON
    # body naming the alarm and the transition; subject "STATE: "name" in REGION".
    body = {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": account,
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": alarm.state_updated_timestamp.isoformat(),
        "Region": region,
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": before,
    }
    subject = f'{alarm.state_value}: "{alarm.name}" in {region}'[:100]
    return json.dumps(body), subject


def _enabled(alarm: Any) -> bool:
    value = alarm.actions_enabled
    return value if isinstance(value, bool) else str(value).lower() == "true"


def run_actions(backend: Any, alarm: Any, before: str) -> list[str]:
    """Publish to the SNS topics of the alarm's new state; the topic ARNs delivered to."""
    if alarm.state_value == before or not _enabled(alarm):
        return []
    account, region = backend.account_id, backend.region_name
    context: Context = {
        "aws:sourcearn": [alarm.alarm_arn],
        "aws:sourceaccount": [account],
        "aws:securetransport": ["true"],
    }
    delivered = []
    for action in getattr(alarm, _ACTIONS_FOR_STATE.get(alarm.state_value, ""), []) or []:
        parts = str(action).split(":")
        if len(parts) < 6 or parts[2] != "sns":
            log.warning("alarm action not modelled, skipped: %s of %s", action, alarm.name)
            continue
        topic_account, topic_region = parts[4], parts[3]
        refusal = (
            "a topic in another account or region (not modelled: strict)"
            if (topic_account, topic_region) != (account, region)
            else _refusal(account, region, action, context)
        )
        if refusal:
            log.warning("alarm action refused: %s -> %s: %s", alarm.name, action, refusal)
            continue
        message, subject = _message(alarm, before, account, region)
        sns_backends[account][region].publish(message, arn=action, subject=subject)
        delivered.append(action)
    return delivered


def _on_state_change(backend: Any, alarm: Any, before: str) -> None:
    run_actions(backend, alarm, before)


seams.after_alarm_state_change(_on_state_change)
