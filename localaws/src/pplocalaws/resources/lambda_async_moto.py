"""The asynchronous invocation queue on moto's backends: settings, the DLQ send, Invoke Event.

- A function's settings come from moto's Lambda backend: the event invoke config
  (``MaximumRetryAttempts``, ``MaximumEventAgeInSeconds``; PutFunctionEventInvokeConfig or
  AWS::Lambda::EventInvokeConfig) and the ``DeadLetterConfig`` the template gave
  (kept by ``resources.awslambda``; moto drops it).
- The dead-letter send is Lambda's on the function's behalf, with the execution role's
  permissions ("Dead-letter queues", Lambda Developer Guide,
  https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq:
  "your function's execution role needs ... sqs:SendMessage"). It is authorised here like a
  call of the function's role session (pplocalaws.iam.authorizer): ``sqs:SendMessage`` on
  the queue, and for a queue encrypted with a customer managed key ``kms:GenerateDataKey``
  and ``kms:Decrypt`` through SQS (SQS Developer Guide, "Key management", "Configure KMS
  permissions for producers",
  https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
  Refused: the event is dropped and logged, as Lambda drops it.
- ``Invoke`` with ``InvocationType=Event`` queues the event and answers 202 with no body
  ("Invoke", Lambda API Reference), instead of moto running it (in Docker) at once.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from moto.awslambda.exceptions import UnknownEventConfig
from moto.awslambda.models import lambda_backends
from moto.sqs.models import sqs_backends

from pplocalaws import seams
from pplocalaws.iam import authorizer, lookups
from pplocalaws.iam.request import Call, KmsUse, Need
from pplocalaws.resources.lambda_async import AsyncQueue, AsyncSettings, Invocation

log = logging.getLogger(__name__)

_queue: list[AsyncQueue] = []
_queue_lock = threading.Lock()


def queue() -> AsyncQueue:
    """The server's one queue of asynchronous invocations (made on first use)."""
    with _queue_lock:
        if not _queue:
            _queue.append(AsyncQueue(settings_of, send_to_dead_letter))
        return _queue[0]


def settings_of(invocation: Invocation) -> AsyncSettings | None:
    backend = lambda_backends[invocation.account][invocation.region]
    try:
        function = backend.get_function(invocation.function_name, invocation.qualifier)
        unqualified = backend.get_function(invocation.function_name)
    except Exception:  # moto's UnknownFunctionException and kin: the function is gone
        return None
    try:
        config = backend.get_function_event_invoke_config(invocation.function_name)
    except UnknownEventConfig:
        config = {}
    dead_letter = getattr(unqualified, "dead_letter_config", None) or {}
    return AsyncSettings(
        function_arn=str(function.function_arn),
        role_arn=str(function.role),
        timeout_seconds=float(function.timeout or 3),
        maximum_retry_attempts=int(config.get("MaximumRetryAttempts", 2)),
        maximum_event_age_seconds=int(config.get("MaximumEventAgeInSeconds", 21_600)),
        dead_letter_arn=dead_letter.get("TargetArn") or None,
    )


def _role_session(invocation: Invocation, role_arn: str) -> lookups.Session:
    # Lambda acts with the function's execution role, in a session named after the function.
    role_name = role_arn.rsplit("/", 1)[-1]
    return lookups.Session(
        access_key_id="",
        session_token="",
        expiration=None,
        role_arn=role_arn,
        session_arn=f"arn:aws:sts::{invocation.account}:assumed-role/{role_name}/{invocation.function_name}",
        account=invocation.account,
        session_policy=None,
    )


def _send_message_call(queue_arn: str, key_arn: str | None, region: str) -> Call:
    kms: tuple[KmsUse, ...] = ()
    if key_arn:
        via = f"sqs.{region}.amazonaws.com"
        context = {"aws:sqs:arn": queue_arn}
        kms = (
            KmsUse(key_arn, "kms:GenerateDataKey", via, context),
            KmsUse(key_arn, "kms:Decrypt", via, context),
        )
    return Call("sqs", "json", "SendMessage", (Need("sqs:SendMessage", queue_arn),), kms)


def send_to_dead_letter(
    invocation: Invocation, settings: AsyncSettings, error_code: int, error_message: str
) -> str:
    """Send the event as-is to the DLQ with Lambda's attributes; "" when sent, else why not."""
    parts = settings.dead_letter_arn.split(":") if settings.dead_letter_arn else []
    if len(parts) != 6 or parts[2] != "sqs":
        return f"{settings.dead_letter_arn} is not an SQS queue ARN (SNS targets not modelled)"
    region, account, name = parts[3], parts[4], parts[5]
    if account != invocation.account:
        return "a queue in another account (not modelled: strict)"
    sqs = sqs_backends[account][region]
    found = sqs.queues.get(name)
    if found is None:
        return f"queue {settings.dead_letter_arn} does not exist"
    key_id = getattr(found, "kms_master_key_id", None)
    key_arn = lookups.customer_key_arn(account, region, key_id) if key_id else None
    aws_managed = str(key_id).startswith("alias/aws/")
    if (
        key_id
        and key_arn is None
        and not aws_managed
        and not lookups.key_arn(account, region, key_id)
    ):
        # SendMessage fails with KmsNotFound (SQS API Reference, "SendMessage", Errors).
        return f"the queue's KMS key {key_id} does not exist"
    call = _send_message_call(settings.dead_letter_arn or "", key_arn, region)
    denial = authorizer.authorize(_role_session(invocation, settings.role_arn), call, region)
    if denial is not None:
        session_arn = _role_session(invocation, settings.role_arn).session_arn
        return denial.message(session_arn)
    # "Dead-letter queues": RequestID (String), ErrorCode (Number), ErrorMessage (String).
    attributes = {
        "RequestID": {"DataType": "String", "StringValue": invocation.request_id},
        "ErrorCode": {"DataType": "Number", "StringValue": str(error_code)},
        "ErrorMessage": {"DataType": "String", "StringValue": error_message or "(none)"},
    }
    sqs.send_message(name, json.dumps(invocation.event), message_attributes=attributes)
    return ""


def _queue_event_invocation(
    backend: Any, function_name: str, qualifier: str | None, body: Any
) -> str:
    function = backend.get_function(function_name, qualifier)  # unknown: moto's 404
    try:
        event = json.loads(body) if body else {}
    except ValueError:
        event = body if isinstance(body, str) else body.decode()
    return queue().submit(
        Invocation(
            account=backend.account_id,
            region=backend.region_name,
            function_name=str(function.function_name),
            qualifier=qualifier,
            event=event,
            source="lambda:Invoke",
        )
    )


seams.queue_event_invocations_with(_queue_event_invocation)
