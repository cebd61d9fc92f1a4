"""Deliver a function's log lines to CloudWatch Logs in the local AWS, off the request path.

Lambda sends what a function prints, with its START, END and REPORT lines, to the
function's log group, one log stream per execution environment, "provided your function's
execution role has the necessary permissions" (logs:CreateLogGroup, logs:CreateLogStream,
logs:PutLogEvents: "Sending Lambda function logs to CloudWatch Logs", Lambda Developer
Guide, https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html).
So the writes here are made with the function's own role session (``clients_for``), and
the local AWS's IAM layer decides them as AWS would: a role that may not create the
missing group, or may not write to it, loses its logs (the gateway warns once, naming the
group, the cause and the fix). "Configuring CloudWatch log groups"
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html):
a group that does not exist is created on first use when the role allows it.

Lines queue in memory and a background thread flushes them every ``flush_seconds`` in
PutLogEvents batches inside CloudWatch Logs' limits ("PutLogEvents", CloudWatch Logs API
Reference: at most 10,000 events and 1,048,576 bytes a call, each event counting its
UTF-8 size plus 26 bytes; events of one call in chronological order; an event at most
256 KB). A request never waits for the local AWS.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions

from pplocalaws.gateway.periodic_flush import PeriodicFlush

log = logging.getLogger(__name__)

MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD_BYTES = 26
MAX_EVENT_BYTES = 256 * 1024 - EVENT_OVERHEAD_BYTES
DEFAULT_FLUSH_SECONDS = 0.5
MAX_QUEUED_EVENTS = 100_000  # beyond this the oldest lines are dropped, not the gateway


@dataclass(frozen=True)
class LogTarget:
    """Where one execution environment's lines go."""

    function_name: str
    group: str
    stream: str


@dataclass
class DeliveryStats:
    delivered: int = 0
    dropped: dict[str, int] = field(default_factory=dict)  # group -> events lost


def clipped(message: str) -> str:
    """A message within CloudWatch Logs' event size (longer ones are cut, as Lambda does)."""
    encoded = message.encode("utf-8")
    if len(encoded) <= MAX_EVENT_BYTES:
        return message
    return encoded[:MAX_EVENT_BYTES].decode("utf-8", errors="ignore")


def batches(events: list[tuple[int, str]]) -> list[list[dict[str, Any]]]:
    """Chronological PutLogEvents batches within the count and byte limits."""
    result: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for timestamp, message in sorted(events, key=lambda event: event[0]):
        cost = len(message.encode("utf-8")) + EVENT_OVERHEAD_BYTES
        if current and (len(current) >= MAX_BATCH_EVENTS or size + cost > MAX_BATCH_BYTES):
            result.append(current)
            current, size = [], 0
        current.append({"timestamp": timestamp, "message": message})
        size += cost
    if current:
        result.append(current)
    return result


def _code(error: botocore.exceptions.ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class LogShipper(PeriodicFlush):
    """Queues lines per log stream; a background thread writes them to the local AWS."""

    def __init__(
        self,
        clients_for: Callable[[str], Any],
        *,
        flush_seconds: float = DEFAULT_FLUSH_SECONDS,
    ) -> None:
        super().__init__("log-delivery", flush_seconds)
        self._clients_for = clients_for  # function name -> a logs client with its role
        self._pending: dict[LogTarget, list[tuple[int, str]]] = {}
        self._queued = 0
        self._in_flight = False
        self._streams: set[LogTarget] = set()
        self._warned: set[tuple[str, str]] = set()
        self.stats = DeliveryStats()

    def put(self, target: LogTarget, timestamp_ms: int, message: str) -> None:
        with self._condition:
            if self._queued >= MAX_QUEUED_EVENTS:
                self._count_dropped(target.group, 1)
                return
            self._pending.setdefault(target, []).append((timestamp_ms, clipped(message)))
            self._queued += 1

    def flush(self) -> None:
        """Deliver everything queued now (on the caller's thread)."""
        with self._condition:
            while self._in_flight:  # the background thread holds a batch: let it finish
                self._condition.wait()
            pending, self._pending, self._queued = self._pending, {}, 0
            self._in_flight = True
        try:
            for target, events in pending.items():
                self._deliver(target, events)
        finally:
            with self._condition:
                self._in_flight = False
                self._condition.notify_all()

    def _deliver(self, target: LogTarget, events: list[tuple[int, str]]) -> None:
        try:
            client = self._clients_for(target.function_name)
            if target not in self._streams:
                self._create_stream(client, target)
                self._streams.add(target)
            for batch in batches(events):
                client.put_log_events(
                    logGroupName=target.group, logStreamName=target.stream, logEvents=batch
                )
                self._count_delivered(len(batch))
        except botocore.exceptions.ClientError as error:
            self._streams.discard(target)
            self._lost(target, len(events), f"{_code(error)}: {error}")
        except Exception as error:  # the role cannot be assumed, the local AWS is down
            self._lost(target, len(events), str(error))

    @staticmethod
    def _create_stream(client: Any, target: LogTarget) -> None:
        try:
            client.create_log_stream(logGroupName=target.group, logStreamName=target.stream)
        except botocore.exceptions.ClientError as error:
            code = _code(error)
            if code == "ResourceAlreadyExistsException":
                return
            if code != "ResourceNotFoundException":
                raise
            # the group is missing: Lambda creates it, if the role may (module docstring)
            client.create_log_group(logGroupName=target.group)
            client.create_log_stream(logGroupName=target.group, logStreamName=target.stream)

    def _count_delivered(self, count: int) -> None:
        with self._condition:
            self.stats.delivered += count

    def _count_dropped(self, group: str, count: int) -> None:
        self.stats.dropped[group] = self.stats.dropped.get(group, 0) + count

    def _lost(self, target: LogTarget, count: int, reason: str) -> None:
        with self._condition:
            self._count_dropped(target.group, count)
            first = (target.function_name, target.group) not in self._warned
            self._warned.add((target.function_name, target.group))
        if first:
            log.warning(
                "%s: its logs cannot be written to log group %s, so they are dropped as "
                "Lambda drops them (%s); fix: let the function's execution role "
                "logs:CreateLogGroup, logs:CreateLogStream and logs:PutLogEvents on the "
                "group (AWSLambdaBasicExecutionRole), or deploy the stack that creates it",
                target.function_name,
                target.group,
                reason,
            )


class RoleLogClients:
    """A CloudWatch Logs client per function, signed with its execution role's session."""

    def __init__(self, endpoint: str, region: str, admin_credential: str) -> None:
        self._endpoint = endpoint
        self._region = region
        self._admin_credential = admin_credential
        self._lock = threading.Lock()
        self._clients: dict[str, tuple[Any, float]] = {}  # name -> (client, renew after)

    def __call__(self, function_name: str) -> Any:
        import time  # noqa: PLC0415 - only where a session is issued

        import boto3  # noqa: PLC0415 - the gateway loads boto3 anyway; tests pass their own

        from pplocalaws.iam.sessions import RoleSessions  # noqa: PLC0415 - as above

        with self._lock:
            cached = self._clients.get(function_name)
            if cached is not None and cached[1] > time.time():
                return cached[0]
        issued = RoleSessions(
            self._endpoint, self._region, function_name, self._admin_credential
        ).issue()
        session = boto3.session.Session(
            aws_access_key_id=issued.environment["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=issued.environment["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=issued.environment["AWS_SESSION_TOKEN"],
            region_name=self._region,
        )
        client = session.client("logs", endpoint_url=self._endpoint)
        with self._lock:  # renewed well before the session runs out
            self._clients[function_name] = (client, issued.expires_at - 300)
        return client
