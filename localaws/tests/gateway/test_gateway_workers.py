"""Worker processes: warm invocations, errors, timeouts, crashes, pools and redeploys.

The handlers run on the test's own Python from a folder written here (no AWS, no network).
"""

from __future__ import annotations

import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pplocalaws.gateway.discovery import FunctionConfig
from pplocalaws.gateway.runtimes import Interpreter
from pplocalaws.gateway.workers import (
    WORKER_SCRIPT,
    Crashed,
    Failed,
    FunctionPool,
    Launch,
    LocalAwsSettings,
    Returned,
    TimedOut,
    Unavailable,
    Worker,
    WorkerRegistry,
    WorkerStartError,
    worker_environment,
)

HANDLERS = """
import os, sys, time

def echo(event, context):
    return {
        "event": event,
        "greeting": os.environ.get("GREETING"),
        "endpoint": os.environ.get("AWS_ENDPOINT_URL"),
        "remaining": context.get_remaining_time_in_millis(),
        "request": context.aws_request_id,
        "pid": os.getpid(),
        "path": sys.path,
    }

def boom(event, context):
    raise ValueError("bad input")

def slow(event, context):
    time.sleep(event.get("seconds", 30))
    return {"pid": os.getpid()}

def dies(event, context):
    os._exit(3)

def not_json(event, context):
    return {1, 2}
"""
AWS = LocalAwsSettings("http://127.0.0.1:1", "eu-west-1")
OWN_PYTHON = Interpreter(sys.executable, f"{sys.version_info.major}.{sys.version_info.minor}", True)


@pytest.fixture(scope="module")
def code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("code")
    (folder / "handlers.py").write_text(HANDLERS, encoding="utf-8")
    return folder


def _function(handler: str, **changes: Any) -> FunctionConfig:
    base = FunctionConfig(
        name="fn",
        arn="arn:aws:lambda:eu-west-1:123456789012:function:fn",
        handler=f"handlers.{handler}",
        runtime=f"python{OWN_PYTHON.version}",
        environment={"GREETING": "hi", "AWS_REGION": "overridden-by-lambda"},
        timeout_seconds=3,
        memory_mb=128,
        code_sha256="c2hh",
        last_modified="2025-01-01T00:00:00.000+0000",
    )
    return replace(base, **changes)


def _launch(code: Path, handler: str, **changes: Any) -> Launch:
    function = _function(handler, **changes)
    environment = worker_environment(function, code, code, AWS)
    return Launch(function, OWN_PYTHON, code, code, environment)


def test_a_warm_worker_runs_invocations_with_the_function_s_environment(code: Path) -> None:
    worker = Worker.start(_launch(code, "echo"))
    try:
        first = worker.invoke({"n": 1}, "req-1", timeout=3)
        second = worker.invoke({"n": 2}, "req-2", timeout=3)
    finally:
        worker.stop()

    assert isinstance(first, Returned)
    assert isinstance(second, Returned)
    assert first.result["event"] == {"n": 1}
    assert first.result["request"] == "req-1"
    assert first.result["greeting"] == "hi"
    assert first.result["endpoint"] == "http://127.0.0.1:1"
    assert 0 < first.result["remaining"] <= 3000
    assert second.result["pid"] == first.result["pid"] == worker.pid
    assert str(WORKER_SCRIPT.parent) not in first.result["path"]
    assert first.result["path"][0] == str(code)


def test_lambda_s_reserved_variables_win_over_the_function_s() -> None:
    environment = worker_environment(_function("echo"), Path("/c"), Path("/r"), AWS)

    assert environment["AWS_REGION"] == environment["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert environment["AWS_ACCESS_KEY_ID"] == "testing"
    assert environment["AWS_LAMBDA_FUNCTION_NAME"] == "fn"
    assert environment["LAMBDA_TASK_ROOT"] == "/c"
    assert environment["_HANDLER"] == "handlers.echo"
    assert "HOME" not in environment


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [("boom", "ValueError", "bad input"), ("not_json", "TypeError", "not JSON serializable")],
)
def test_a_handler_error_is_reported_and_the_worker_lives_on(
    code: Path, handler: str, error_type: str, message: str
) -> None:
    worker = Worker.start(_launch(code, handler))
    try:
        outcome = worker.invoke({}, "r", timeout=3)
        again = worker.invoke({}, "r", timeout=3)
    finally:
        worker.stop()

    assert isinstance(outcome, Failed)
    assert outcome.error_type == error_type
    assert message in outcome.message
    assert isinstance(again, Failed)


def test_a_handler_past_its_deadline_times_out_and_its_worker_is_killed(code: Path) -> None:
    worker = Worker.start(_launch(code, "slow"))

    outcome = worker.invoke({"seconds": 30}, "r", timeout=0.2)

    assert outcome == TimedOut(0.2)
    assert worker._process.poll() is not None


def test_a_worker_that_exits_is_a_crash(code: Path) -> None:
    worker = Worker.start(_launch(code, "dies"))

    outcome = worker.invoke({}, "r", timeout=3)

    assert isinstance(outcome, Crashed)
    assert "status 3" in outcome.reason


@pytest.mark.parametrize(
    ("handler", "reason"),
    [("missing_module.handler", "No module named"), ("handlers.absent", "missing on module")],
)
def test_an_init_failure_says_why(code: Path, handler: str, reason: str) -> None:
    launch = _launch(code, "echo")
    launch = replace(launch, environment={**launch.environment, "_HANDLER": handler})

    with pytest.raises(WorkerStartError, match=reason):
        Worker.start(launch)


def test_a_pool_grows_to_its_bound_and_requests_beyond_it_wait(code: Path) -> None:
    pool = FunctionPool(_launch(code, "slow"), max_workers=2)
    outcomes: list[Any] = []

    def call() -> None:
        outcomes.append(pool.invoke({"seconds": 0.2}, "r", timeout=10))

    callers = [threading.Thread(target=call) for _ in range(5)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=60)
    size = pool.size
    pool.retire()

    assert len(outcomes) == 5
    assert all(isinstance(outcome, Returned) for outcome in outcomes)
    assert len({outcome.result["pid"] for outcome in outcomes}) <= 2
    assert size <= 2
    assert pool.size == 0


def test_a_timed_out_worker_is_replaced_in_its_pool(code: Path) -> None:
    pool = FunctionPool(_launch(code, "slow"), max_workers=1)

    timed_out = pool.invoke({"seconds": 30}, "r", timeout=0.2)
    after = pool.invoke({"seconds": 0}, "r", timeout=5)
    pool.retire()

    assert isinstance(timed_out, TimedOut)
    assert isinstance(after, Returned)


class Artifacts:
    """Stands in for the ArtifactStore: every revision's code is the folder given."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.forgotten: list[str] = []

    def unpacked(self, function: FunctionConfig) -> Path:
        return self.folder

    def forget(self, function: FunctionConfig, keep: FunctionConfig | None = None) -> None:
        self.forgotten.append(function.code_sha256)


def test_a_new_revision_replaces_the_warm_workers(code: Path) -> None:
    artifacts = Artifacts(code)
    registry = WorkerRegistry(AWS, artifacts, code)  # type: ignore[arg-type]  # a stand-in
    deployed = _function("echo")
    redeployed = replace(deployed, code_sha256="bmV3", environment={"GREETING": "hello"})
    try:
        first = registry.invoke(deployed, {}, "r", 3)
        warm = registry.invoke(deployed, {}, "r", 3)
        after = registry.invoke(redeployed, {}, "r", 3)
    finally:
        registry.close()

    assert isinstance(first, Returned)
    assert isinstance(warm, Returned)
    assert isinstance(after, Returned)
    assert warm.result["pid"] == first.result["pid"]
    assert after.result["pid"] != first.result["pid"]
    assert after.result["greeting"] == "hello"
    assert artifacts.forgotten == ["c2hh"]


def test_a_function_on_another_runtime_is_unavailable_with_the_reason(code: Path) -> None:
    registry = WorkerRegistry(AWS, Artifacts(code), code)  # type: ignore[arg-type]  # a stand-in

    outcome = registry.invoke(_function("echo", runtime="dotnet10"), {}, "r", 3)

    assert isinstance(outcome, Unavailable)
    assert "dotnet10" in outcome.reason
