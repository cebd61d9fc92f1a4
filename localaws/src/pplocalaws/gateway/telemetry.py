"""What Lambda records of each invocation: the function's log lines and its metrics.

"Lambda function logs" / "Sending Lambda function logs to CloudWatch Logs" (Lambda
Developer Guide, https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
and https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html): each execution
environment writes to its own log stream ``YYYY/MM/DD/[version]id`` of the group
``/aws/lambda/<function>``: everything the function prints (stdout and stderr), framed by
``START RequestId: id Version: v``, ``END RequestId: id`` and ``REPORT RequestId: id``
with Duration, Billed Duration (rounded up to the millisecond), Memory Size, Max Memory
Used and, on the invocation that followed a cold start, Init Duration (tab-separated,
as Lambda writes it). Since 1 August 2025 the INIT phase of on-demand ZIP functions on
managed runtimes is billed too ("AWS Lambda standardizes billing for INIT Phase", AWS
Compute Blog), so a cold start's Billed Duration covers Init Duration plus Duration.
A timeout adds ``<time> <id> Task timed out after N seconds``. Only what the function
itself printed is logged: the event, the response and the environment never are.

The local AWS does not model a function's ``LoggingConfig`` (moto drops it), so the group
is always ``/aws/lambda/<function>``; every template here names exactly that group.

A worker's stdout and stderr come to the gateway on one pipe (``OutputCapture``); the
worker writes an end marker after each invocation (``worker.py --log-markers``) so that
END and REPORT follow every line the invocation printed.
"""

from __future__ import annotations

import datetime
import logging
import math
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from pplocalaws.gateway import metrics as metric_points
from pplocalaws.gateway.log_delivery import LogShipper, LogTarget

if TYPE_CHECKING:
    from pplocalaws.gateway.discovery import FunctionConfig
    from pplocalaws.gateway.metrics import MetricsPublisher

log = logging.getLogger(__name__)

END_MARKER = "\x1eppdeploy-invocation-end "
MARKER_WAIT_SECONDS = 2.0  # a worker's last lines reach the pipe before its reply


def log_group(function_name: str) -> str:
    return f"/aws/lambda/{function_name}"


def stream_name(version: str, now: float | None = None) -> str:
    """One execution environment's stream: ``2026/12/03/[$LATEST]<32 hex>``."""
    day = time.strftime("%Y/%m/%d", time.gmtime(time.time() if now is None else now))
    return f"{day}/[{version}]{uuid.uuid4().hex}"


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(
    request_id: str,
    duration_ms: float,
    memory_mb: int,
    max_memory_mb: int,
    init_ms: float | None = None,
) -> str:
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {max(1, math.ceil(duration_ms + (init_ms or 0.0)))} ms\t"
        f"Memory Size: {memory_mb} MB\t"
        f"Max Memory Used: {max_memory_mb} MB\t"
    )
    if init_ms is not None:
        line += f"Init Duration: {init_ms:.2f} ms\t"
    return line


def timeout_line(request_id: str, seconds: float, now: float | None = None) -> str:
    stamp = datetime.datetime.fromtimestamp(time.time() if now is None else now, datetime.UTC)
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
    return f"{iso} {request_id} Task timed out after {seconds:.2f} seconds"


def peak_memory_mb(pid: int) -> int:
    """The process's peak resident memory (Linux VmHWM) in MB, 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return math.ceil(int(line.split()[1]) / 1024)
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _now_ms() -> int:
    return int(time.time() * 1000)


class OutputCapture:
    """Reads a worker's stdout+stderr pipe: each line to its log stream (and echoed)."""

    def __init__(
        self, pipe: IO[bytes], target: LogTarget, shipper: LogShipper, echo: IO[str] | None
    ) -> None:
        self._pipe = pipe
        self._target = target
        self._shipper = shipper
        self._echo = echo
        self._condition = threading.Condition()
        self._ended: set[str] = set()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="worker-output", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for raw in iter(self._pipe.readline, b""):
            text = raw.decode("utf-8", errors="replace").rstrip("\n")
            if text.startswith(END_MARKER):
                with self._condition:
                    self._ended.add(text[len(END_MARKER) :])
                    self._condition.notify_all()
                continue
            self._shipper.put(self._target, _now_ms(), text)
            if self._echo is not None:
                print(text, file=self._echo, flush=True)
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def wait_for_end(self, request_id: str, timeout: float = MARKER_WAIT_SECONDS) -> bool:
        """Wait until the invocation's printed lines have all been read."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while request_id not in self._ended and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
            self._ended.discard(request_id)
            return True

    def wait_closed(self, timeout: float = MARKER_WAIT_SECONDS) -> None:
        self._thread.join(timeout)


class Telemetry:
    """The logs and metrics side of the gateway: one per gateway, shared by every worker."""

    def __init__(
        self,
        shipper: LogShipper,
        publisher: MetricsPublisher,
        *,
        echo: IO[str] | None = sys.stderr,
        peak_memory: Callable[[int], int] = peak_memory_mb,
    ) -> None:
        self.shipper = shipper
        self.publisher = publisher
        self._echo = echo
        self._peak_memory = peak_memory

    def start(self) -> None:
        self.shipper.start()
        self.publisher.start()

    def stop(self) -> None:
        self.shipper.stop()
        self.publisher.stop()

    def flush(self) -> None:
        self.shipper.flush()
        self.publisher.flush()

    def new_environment(self, function: FunctionConfig) -> LogTarget:
        """The log stream of one new execution environment of ``function``."""
        return LogTarget(function.name, log_group(function.name), stream_name(function.version))

    def capture(self, pipe: IO[bytes], target: LogTarget) -> OutputCapture:
        return OutputCapture(pipe, target, self.shipper, self._echo)

    def started(self, target: LogTarget, request_id: str, version: str) -> None:
        self.shipper.put(target, _now_ms(), start_line(request_id, version))

    def finished(
        self,
        target: LogTarget,
        function: FunctionConfig,
        request_id: str,
        *,
        invoked_as: str | None,
        duration_ms: float,
        pid: int,
        init_ms: float | None,
        error: bool,
        timed_out_after: float | None = None,
        crash: str | None = None,
    ) -> None:
        """The invocation's closing lines and its metrics (its printed lines are read)."""
        if timed_out_after is not None:
            self.shipper.put(target, _now_ms(), timeout_line(request_id, timed_out_after))
        if crash is not None:  # Lambda's runtime report when the process died
            self.shipper.put(
                target, _now_ms(), f"RequestId: {request_id} Error: {crash}\nRuntime.ExitError"
            )
        self.shipper.put(target, _now_ms(), end_line(request_id))
        self.shipper.put(
            target,
            _now_ms(),
            report_line(
                request_id, duration_ms, function.memory_mb, self._peak_memory(pid), init_ms
            ),
        )
        self.publisher.record(
            metric_points.lambda_points(
                function.name, invoked_as, function.version, error=error, duration_ms=duration_ms
            )
        )

    def init_failed(self, function: FunctionConfig, invoked_as: str | None) -> None:
        """An environment that never became ready: the invocation counts as an error."""
        points = metric_points.lambda_points(
            function.name, invoked_as, function.version, error=True, duration_ms=0.0
        )
        self.publisher.record([p for p in points if p.name != "Duration"])  # no handler ran

    def throttled(self, function: FunctionConfig, invoked_as: str | None) -> None:
        self.publisher.record(
            metric_points.throttle_points(function.name, invoked_as, function.version)
        )

    def api_request(
        self,
        api_id: str,
        stage: str,
        status: int,
        latency_ms: float,
        integration_ms: float | None,
    ) -> None:
        self.publisher.record(
            metric_points.api_points(api_id, stage, status, latency_ms, integration_ms)
        )
