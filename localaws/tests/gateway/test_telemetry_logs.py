"""A worker's log stream: its printed lines framed by START, END and REPORT, as Lambda writes.

Real worker processes on the test's own Python; the log shipper writes to a recording
client (no AWS, no network).
"""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pplocalaws.gateway import telemetry as telemetry_module
from pplocalaws.gateway import worker as worker_protocol
from pplocalaws.gateway.discovery import FunctionConfig
from pplocalaws.gateway.log_delivery import LogShipper
from pplocalaws.gateway.metrics import MetricsPublisher
from pplocalaws.gateway.runtimes import Interpreter
from pplocalaws.gateway.telemetry import Telemetry, report_line, stream_name, timeout_line
from pplocalaws.gateway.workers import (
    Busy,
    FunctionPool,
    Launch,
    LocalAwsSettings,
    Returned,
    TimedOut,
    Worker,
    worker_environment,
)

HANDLERS = """
import logging, os, sys, time
logging.basicConfig(level=logging.INFO)
print("init line")

def talk(event, context):
    print("handler says", event["n"])
    print("to stderr", file=sys.stderr)
    logging.getLogger("svc").info("logged %s", context.log_stream_name)
    return {"statusCode": 200, "stream": context.log_stream_name}

def boom(event, context):
    raise ValueError("bad input")

def not_json(event, context):
    return {1, 2}

def slow(event, context):
    print("before sleeping")
    time.sleep(30)
"""
OWN_PYTHON = Interpreter(sys.executable, f"{sys.version_info.major}.{sys.version_info.minor}", True)
AWS = LocalAwsSettings("http://127.0.0.1:1", "eu-west-1")


class RecordingLogs:
    """A CloudWatch Logs client that keeps what it is sent."""

    def __init__(self) -> None:
        self.streams: list[tuple[str, str]] = []
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    def create_log_stream(self, logGroupName: str, logStreamName: str) -> None:
        self.streams.append((logGroupName, logStreamName))

    def put_log_events(self, logGroupName: str, logStreamName: str, logEvents: list[Any]) -> None:
        self.events += [(logGroupName, logStreamName, event) for event in logEvents]

    def messages(self) -> list[str]:
        return [event["message"] for _, _, event in self.events]


class RecordingMetrics:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[dict[str, Any]]]] = []

    def put_metric_data(self, Namespace: str, MetricData: list[dict[str, Any]]) -> None:
        self.calls.append((Namespace, MetricData))


@pytest.fixture(scope="module")
def code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("code")
    (folder / "handlers.py").write_text(HANDLERS, encoding="utf-8")
    return folder


@pytest.fixture
def sinks() -> tuple[RecordingLogs, RecordingMetrics, Telemetry]:
    logs, cloudwatch = RecordingLogs(), RecordingMetrics()
    telemetry = Telemetry(
        LogShipper(lambda name: logs), MetricsPublisher(lambda: cloudwatch), echo=None
    )
    return logs, cloudwatch, telemetry


def _launch(code: Path, handler: str, telemetry: Telemetry, **changes: Any) -> Launch:
    function = FunctionConfig(
        name="fn",
        arn="arn:aws:lambda:eu-west-1:123456789012:function:fn",
        handler=f"handlers.{handler}",
        runtime=f"python{OWN_PYTHON.version}",
        environment={},
        timeout_seconds=3,
        memory_mb=256,
        code_sha256="c2hh",
        last_modified="2025-01-01T00:00:00.000+0000",
    )
    function = replace(function, **changes)
    environment = worker_environment(function, code, code, AWS)
    return Launch(function, OWN_PYTHON, code, code, environment, None, telemetry)


def test_an_invocation_s_lines_come_between_start_and_end_then_report(
    code: Path, sinks: tuple[RecordingLogs, RecordingMetrics, Telemetry]
) -> None:
    logs, _, telemetry = sinks
    launch = _launch(code, "talk", telemetry)
    worker = Worker.start(launch)
    try:
        first = worker.invoke({"n": 1}, "req-1", 3, launch.function)
        second = worker.invoke({"n": 2}, "req-2", 3, launch.function)
    finally:
        worker.stop()
    telemetry.flush()

    assert isinstance(first, Returned)
    assert isinstance(second, Returned)
    messages = logs.messages()
    assert messages[0] == "init line"  # init output precedes the first START, as on Lambda
    first_run = messages[messages.index("START RequestId: req-1 Version: $LATEST") :]
    assert first_run[1:4] == [
        "handler says 1",
        "to stderr",
        f"INFO:svc:logged {first.result['stream']}",
    ]
    assert first_run[4] == "END RequestId: req-1"
    assert re.fullmatch(
        r"REPORT RequestId: req-1\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 256 MB\tMax Memory Used: [1-9]\d* MB\tInit Duration: \d+\.\d\d ms\t",
        first_run[5],
    )
    second_report = messages[-1]
    assert second_report.startswith("REPORT RequestId: req-2\t")
    assert "Init Duration" not in second_report  # a warm invocation
    # one stream for this execution environment, named as Lambda names it
    assert {(group, stream) for group, stream, _ in logs.events} == {
        ("/aws/lambda/fn", first.result["stream"])
    }
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", first.result["stream"])
    timestamps = [event["timestamp"] for _, _, event in logs.events]
    assert timestamps == sorted(timestamps)


def test_each_execution_environment_has_a_stream_of_its_own(
    code: Path, sinks: tuple[RecordingLogs, RecordingMetrics, Telemetry]
) -> None:
    _, _, telemetry = sinks
    launch = _launch(code, "talk", telemetry)
    one, two = Worker.start(launch), Worker.start(launch)
    try:
        a = one.invoke({"n": 1}, "a", 3, launch.function)
        b = two.invoke({"n": 2}, "b", 3, launch.function)
    finally:
        one.stop()
        two.stop()

    assert isinstance(a, Returned)
    assert isinstance(b, Returned)
    assert a.result["stream"] != b.result["stream"]


def test_a_handler_error_is_logged_with_its_traceback_before_end(
    code: Path, sinks: tuple[RecordingLogs, RecordingMetrics, Telemetry]
) -> None:
    logs, cloudwatch, telemetry = sinks
    launch = _launch(code, "boom", telemetry)
    worker = Worker.start(launch)
    try:
        worker.invoke({}, "req-e", 3, launch.function)
    finally:
        worker.stop()
    telemetry.flush()

    messages = logs.messages()
    end = messages.index("END RequestId: req-e")
    assert (
        "[ERROR] ValueError: bad input"
        in messages[messages.index("START RequestId: req-e Version: $LATEST") : end]
    )
    errors = [
        datum for _, data in cloudwatch.calls for datum in data if datum["MetricName"] == "Errors"
    ]
    assert errors
    assert errors[0]["Values"] == [1.0]


def test_a_timeout_is_logged_as_lambda_logs_it(
    code: Path, sinks: tuple[RecordingLogs, RecordingMetrics, Telemetry]
) -> None:
    logs, _, telemetry = sinks
    launch = _launch(code, "slow", telemetry)
    worker = Worker.start(launch)

    outcome = worker.invoke({}, "req-t", 0.3, launch.function)
    telemetry.flush()

    assert outcome == TimedOut(0.3)
    messages = logs.messages()
    assert any(re.fullmatch(r"\S+Z req-t Task timed out after 0\.30 seconds", m) for m in messages)
    assert messages[-2:][0] == "END RequestId: req-t"
    assert messages[-1].startswith("REPORT RequestId: req-t\t")


def test_a_pool_with_every_worker_busy_counts_a_throttle(
    code: Path,
    sinks: tuple[RecordingLogs, RecordingMetrics, Telemetry],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, cloudwatch, telemetry = sinks
    pool = FunctionPool(_launch(code, "talk", telemetry), max_workers=1)
    monkeypatch.setattr(pool, "_acquire", Busy)

    assert pool.invoke({"n": 1}, "r", 3, invoked_as="live") == Busy()
    telemetry.flush()

    names = {
        (datum["MetricName"], len(datum["Dimensions"])) for _, d in cloudwatch.calls for datum in d
    }
    assert names == {("Throttles", 1), ("Throttles", 2), ("Throttles", 3)}


def test_the_line_formats_follow_lambda_s() -> None:
    assert report_line("r", 12.341, 128, 60) == (
        "REPORT RequestId: r\tDuration: 12.34 ms\tBilled Duration: 13 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 60 MB\t"
    )
    cold = report_line("r", 0.2, 128, 60, 250.5)
    assert cold.endswith("Init Duration: 250.50 ms\t")
    assert "\tBilled Duration: 251 ms\t" in cold  # INIT is billed since August 2025
    assert (
        timeout_line("r", 3, now=0)
        == "1970-01-01T00:00:00.000Z r Task timed out after 3.00 seconds"
    )
    assert stream_name("7", now=0).startswith("1970/01/01/[7]")


def test_a_result_that_is_not_json_is_logged_as_the_handler_s_error_before_end(
    code: Path, sinks: tuple[RecordingLogs, RecordingMetrics, Telemetry]
) -> None:
    logs, _, telemetry = sinks
    launch = _launch(code, "not_json", telemetry)
    worker = Worker.start(launch)
    try:
        worker.invoke({}, "req-j", 3, launch.function)
    finally:
        worker.stop()
    telemetry.flush()

    messages = logs.messages()
    end = messages.index("END RequestId: req-j")
    assert any(m.startswith("[ERROR] TypeError") for m in messages[:end])


def test_the_worker_and_the_gateway_agree_on_the_end_marker() -> None:
    assert worker_protocol.END_MARKER == telemetry_module.END_MARKER
