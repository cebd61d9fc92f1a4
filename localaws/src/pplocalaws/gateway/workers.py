"""Warm worker processes per function: spawn, invoke with a deadline, replace on redeploy.

Like Lambda, each worker runs one invocation at a time; a function's pool grows on demand
up to a bound and a request waits for a free worker beyond it. A pool belongs to one
(function, version) snapshot, ``$LATEST`` or a published version, and to one revision of
it (CodeSha256 + LastModified + settings): when a deploy changes either, a new
pool starts from the new code and the old one is retired (idle workers stop now, busy ones
when their invocation ends). A worker that times out or dies is killed and not reused.

Workers get a clean environment, not the gateway's: the function's variables, Lambda's
runtime variables, and AWS settings that point every SDK call at the local AWS (no
profile or credentials file of the person running the gateway is read). With
``role_sessions`` (the gateway's default) each worker gets its own session of the
function's execution role, assumed in the local AWS's STS as Lambda does, so the local
AWS authorises its calls (pplocalaws.iam); a worker whose credentials would expire
before an invocation could finish is replaced instead of reused.

With a ``Telemetry`` (the gateway's default), each worker is one execution environment
with a log stream of its own: its stdout and stderr are read from a pipe into its log
group, each invocation framed by START, END and REPORT, and every invocation (or
throttle, or failed init) is counted in the function's metrics (``gateway.telemetry``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pplocalaws.gateway import worker as worker_protocol
from pplocalaws.gateway.artifacts import ArtifactStore, CodeUnavailable
from pplocalaws.gateway.discovery import FAKE_CREDENTIAL, FunctionConfig, Revision
from pplocalaws.gateway.runtimes import Interpreter, InterpreterFinder, UnsupportedRuntime
from pplocalaws.iam.sessions import Issued, RoleSessions, RoleUnavailable

if TYPE_CHECKING:
    from pplocalaws.gateway.log_delivery import LogTarget
    from pplocalaws.gateway.telemetry import OutputCapture, Telemetry

log = logging.getLogger(__name__)

DEFAULT_MAX_WORKERS = 4
# Lambda allows 10 s of init; a loaded CI machine importing a service's dependencies may
# need more, and a slow start here is not the function's fault, so this is generous.
INIT_TIMEOUT_SECONDS = 30.0
# API Gateway's longest integration timeout: a request never waits longer for a worker.
ACQUIRE_TIMEOUT_SECONDS = 30.0
STOP_GRACE_SECONDS = 2.0
WORKER_SCRIPT = Path(worker_protocol.__file__)
# A worker is not reused when its role credentials expire sooner than its function's
# timeout plus this: Lambda's credentials never run out mid-invocation.
CREDENTIALS_MARGIN_SECONDS = 300.0


@dataclass(frozen=True)
class LocalAwsSettings:
    endpoint: str
    region: str
    role_sessions: bool = False  # the gateway turns it on; unit tests run without STS


# What an invocation came to; the dispatcher turns each into API Gateway's answer.
@dataclass(frozen=True)
class Returned:
    result: Any


@dataclass(frozen=True)
class Failed:
    """The handler raised (or returned something that is not JSON)."""

    error_type: str
    message: str


@dataclass(frozen=True)
class TimedOut:
    seconds: float


@dataclass(frozen=True)
class Crashed:
    reason: str


@dataclass(frozen=True)
class Unavailable:
    """The gateway cannot run this function at all; ``reason`` is shown to the client."""

    reason: str


@dataclass(frozen=True)
class Busy:
    """Every worker stayed busy for the whole wait."""


Outcome = Returned | Failed | TimedOut | Crashed | Unavailable | Busy


@dataclass(frozen=True)
class Launch:
    """Everything needed to start a worker for one function revision."""

    function: FunctionConfig
    interpreter: Interpreter
    code_folder: Path
    runtime_packages: Path
    environment: Mapping[str, str]
    credentials: RoleSessions | None = None  # None: the fixed test credentials
    telemetry: Telemetry | None = None  # None: output goes to the gateway's, no logs/metrics


def worker_environment(
    function: FunctionConfig, code_folder: Path, runtime_packages: Path, aws: LocalAwsSettings
) -> dict[str, str]:
    """The process environment of a worker (Lambda's reserved variables win, as on AWS).

    ``REDIS_TLS=false`` is set for the local AWS only: the shared stack declares its Redis
    with in-transit encryption, but the local AWS backs it with a plain-TCP redis-server
    on loopback (``pplocalaws.redis``), so the services' cache must not start TLS.
    On AWS the variable is never set and the cache keeps TLS on.
    """
    stream = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[{function.version}]{uuid.uuid4().hex}"
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PYTHONUNBUFFERED": "1",
        **function.environment,
        "REDIS_TLS": "false",
        "_HANDLER": function.handler,
        "LAMBDA_TASK_ROOT": str(code_folder),
        "LAMBDA_RUNTIME_DIR": str(runtime_packages),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_VERSION": function.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": stream,
        "AWS_REGION": aws.region,
        "AWS_DEFAULT_REGION": aws.region,
        "AWS_ENDPOINT_URL": aws.endpoint,
        "AWS_ACCESS_KEY_ID": FAKE_CREDENTIAL,
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIAL,
        "AWS_SESSION_TOKEN": FAKE_CREDENTIAL,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


class WorkerStartError(Exception):
    """The worker did not become ready; the message says why (the log has the details)."""


class Worker:
    """One child process running the function's handler, talking over two pipes."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        request_fd: int,
        response_fd: int,
        credentials_expire_at: float = float("inf"),
        recording: _Recording | None = None,
    ) -> None:
        self._process = process
        self._request_fd = request_fd
        self._response_fd = response_fd
        self.credentials_expire_at = credentials_expire_at
        self._recording = recording

    @classmethod
    def start(cls, launch: Launch, init_timeout: float = INIT_TIMEOUT_SECONDS) -> Worker:
        environment = dict(launch.environment)
        issued = Issued({}, float("inf"))
        if launch.credentials is not None:
            try:
                issued = launch.credentials.issue()
            except RoleUnavailable as error:
                raise WorkerStartError(str(error)) from error
            environment.update(issued.environment)
        telemetry = launch.telemetry
        target = telemetry.new_environment(launch.function) if telemetry else None
        if target is not None:  # each execution environment logs to a stream of its own
            environment["AWS_LAMBDA_LOG_GROUP_NAME"] = target.group
            environment["AWS_LAMBDA_LOG_STREAM_NAME"] = target.stream
        began = time.monotonic()
        child_reads, parent_writes = os.pipe()
        parent_reads, child_writes = os.pipe()
        try:
            process = subprocess.Popen(  # noqa: S603 - our worker script, no shell
                [
                    launch.interpreter.executable,
                    "-u",
                    "-s",
                    str(WORKER_SCRIPT),
                    str(child_reads),
                    str(child_writes),
                    str(launch.runtime_packages),
                    *(["--log-markers"] if target else []),
                ],
                pass_fds=(child_reads, child_writes),
                env=environment,
                cwd=launch.code_folder,
                stdin=subprocess.DEVNULL,
                # with telemetry, the function's stdout and stderr become its log stream
                stdout=subprocess.PIPE if target else None,
                stderr=subprocess.STDOUT if target else None,
            )
        except OSError as error:
            for fd in (child_reads, parent_writes, parent_reads, child_writes):
                os.close(fd)
            raise WorkerStartError(
                f"cannot start {launch.interpreter.executable}: {error}"
            ) from error
        os.close(child_reads)
        os.close(child_writes)
        recording = None
        if telemetry is not None and target is not None and process.stdout is not None:
            recording = _Recording(telemetry, target, telemetry.capture(process.stdout, target))
        started = cls(process, parent_writes, parent_reads, issued.expires_at, recording)
        try:
            hello = worker_protocol.read_frame(parent_reads, time.monotonic() + init_timeout)
        except worker_protocol.FrameTimeout:
            started.kill()
            raise WorkerStartError(f"init did not finish within {init_timeout:.0f} s") from None
        if hello is None or hello.get("type") != "ready":
            started.kill()
            detail = hello.get("errorMessage") if hello else "the worker exited during init"
            raise WorkerStartError(f"init failed: {detail}")
        if recording is not None:
            recording.init_ms = (time.monotonic() - began) * 1000
            recording.capture.wait_for_end(worker_protocol.INIT_MARKER_ID)
        return started

    @property
    def pid(self) -> int:
        return self._process.pid

    def invoke(
        self,
        event: Mapping[str, Any],
        request_id: str,
        timeout: float,
        function: FunctionConfig | None = None,
        invoked_as: str | None = None,
    ) -> Outcome:
        """Run one invocation; a worker that timed out or broke is killed (not reused)."""
        began = time.monotonic()
        if self._recording is not None:
            self._recording.started(request_id, function)
        outcome = self._exchange(event, request_id, timeout)
        if self._recording is not None and function is not None:
            duration_ms = (time.monotonic() - began) * 1000
            self._recording.finished(self, request_id, function, invoked_as, outcome, duration_ms)
        if not isinstance(outcome, Returned | Failed):
            self.kill()
        return outcome

    def _exchange(self, event: Mapping[str, Any], request_id: str, timeout: float) -> Outcome:
        deadline = time.monotonic() + timeout
        message = {
            "requestId": request_id,
            "deadlineEpochMs": int((time.time() + timeout) * 1000),
            "event": event,
        }
        try:
            worker_protocol.write_frame(self._request_fd, message)
            reply = worker_protocol.read_frame(self._response_fd, deadline)
        except worker_protocol.FrameTimeout:
            return TimedOut(timeout)
        except OSError as error:  # the pipe broke: the worker is gone
            return Crashed(f"the worker's pipe broke ({error})")
        if reply is None:  # it closed its pipe: it is exiting, so its status comes soon
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=STOP_GRACE_SECONDS)
            return Crashed(f"the worker exited (status {self._process.poll()})")
        if reply.get("type") == "result":
            return Returned(reply.get("result"))
        return Failed(str(reply.get("errorType")), str(reply.get("errorMessage")))

    def stop(self) -> None:
        """Close its request pipe (the worker exits on end of input); kill if it lingers."""
        self._close_pipes()
        try:
            self._process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            return
        self._close_output()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self._process.kill()
        self._process.wait()
        self._close_pipes()
        self._close_output()

    def _close_output(self) -> None:
        if self._recording is not None and self._process.stdout is not None:
            self._recording.capture.wait_closed()  # its last lines are read first
            with contextlib.suppress(OSError):
                self._process.stdout.close()

    def _close_pipes(self) -> None:
        for fd in (self._request_fd, self._response_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._request_fd = self._response_fd = -1


class FunctionPool:
    """The warm workers of one function revision (at most ``max_workers``)."""

    def __init__(self, launch: Launch, max_workers: int = DEFAULT_MAX_WORKERS) -> None:
        self.launch = launch
        self._max_workers = max_workers
        self._condition = threading.Condition()
        self._idle: list[Worker] = []
        self._count = 0
        self._retired = False

    @property
    def revision(self) -> Revision:
        return self.launch.function.revision

    @property
    def size(self) -> int:
        return self._count

    def invoke(
        self,
        event: Mapping[str, Any],
        request_id: str,
        timeout: float,
        invoked_as: str | None = None,
    ) -> Outcome:
        acquired = self._acquire()
        if not isinstance(acquired, Worker):
            self._record_unrun(acquired, invoked_as)
            return acquired
        outcome: Outcome = Crashed("the invocation did not finish")
        function = self.launch.function
        try:
            outcome = acquired.invoke(event, request_id, timeout, function, invoked_as)
        finally:
            self._release(acquired, reusable=isinstance(outcome, Returned | Failed))
        return outcome

    def _record_unrun(self, refused: Crashed | Busy, invoked_as: str | None) -> None:
        """Metrics of an invocation no worker ran: a throttle, or an init failure."""
        telemetry = self.launch.telemetry
        if telemetry is None:
            return
        if isinstance(refused, Busy):
            telemetry.throttled(self.launch.function, invoked_as)
        else:
            telemetry.init_failed(self.launch.function, invoked_as)

    def _acquire(self) -> Worker | Crashed | Busy:
        deadline = time.monotonic() + ACQUIRE_TIMEOUT_SECONDS
        with self._condition:
            while not self._idle and self._count >= self._max_workers:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return Busy()
                self._condition.wait(remaining)
            stale = None
            if self._idle:
                idle = self._idle.pop()
                if self._fresh(idle):
                    return idle
                stale = idle  # its slot is reused for a worker with fresh credentials
            else:
                self._count += 1  # reserve the slot, then start outside the lock
        if stale is not None:
            log.info(
                "%s: worker %d's credentials expire soon, replacing it",
                self.launch.function.name,
                stale.pid,
            )
            stale.stop()
        try:
            started = Worker.start(self.launch)
        except WorkerStartError as error:
            with self._condition:
                self._count -= 1
                self._condition.notify()
            log.error("%s: worker failed to start: %s", self.launch.function.name, error)
            return Crashed(str(error))
        log.info(
            "%s: worker %d started (%d of at most %d)",
            self.launch.function.name,
            started.pid,
            self._count,
            self._max_workers,
        )
        return started

    def _fresh(self, worker: Worker) -> bool:
        needed = self.launch.function.timeout_seconds + CREDENTIALS_MARGIN_SECONDS
        return worker.credentials_expire_at - time.time() > needed

    def _release(self, used: Worker, *, reusable: bool) -> None:
        with self._condition:
            if reusable and not self._retired:
                self._idle.append(used)
                self._condition.notify()
                return
            self._count -= 1
            self._condition.notify()
        if reusable:
            used.stop()

    def retire(self) -> None:
        """Stop the idle workers now; busy ones stop when their invocation ends."""
        with self._condition:
            self._retired = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._condition.notify_all()
        for worker in idle:
            worker.stop()


@dataclass
class _Entry:
    revision: Revision
    pool: FunctionPool | None
    unavailable: Unavailable | None = None
    remembered: bool = True  # False: a failure worth retrying on the next request


class WorkerRegistry:
    """One pool per (function, version), replaced when that snapshot's revision changes."""

    def __init__(
        self,
        aws: LocalAwsSettings,
        artifacts: ArtifactStore,
        runtime_packages: Path,
        *,
        interpreters: InterpreterFinder | None = None,
        max_workers: int = DEFAULT_MAX_WORKERS,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.telemetry = telemetry
        self._aws = aws
        self._artifacts = artifacts
        self._runtime_packages = runtime_packages
        self._interpreters = interpreters or InterpreterFinder()
        self._max_workers = max_workers
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._preparing: dict[str, threading.Lock] = {}

    def invoke(
        self,
        function: FunctionConfig,
        event: Mapping[str, Any],
        request_id: str,
        timeout: float,
        invoked_as: str | None = None,
    ) -> Outcome:
        """Run ``function``; ``invoked_as`` is the qualifier it was invoked by (metrics)."""
        entry = self._entry_for(function)
        if entry.pool is None:
            return entry.unavailable or Unavailable("the function cannot run")
        return entry.pool.invoke(event, request_id, timeout, invoked_as)

    def pool_sizes(self) -> dict[str, int]:
        with self._lock:
            return {name: e.pool.size for name, e in self._entries.items() if e.pool}

    def close(self) -> None:
        with self._lock:
            entries, self._entries = list(self._entries.values()), {}
        for entry in entries:
            if entry.pool is not None:
                entry.pool.retire()

    def _entry_for(self, function: FunctionConfig) -> _Entry:
        key = function.key
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.revision == function.revision:
                return entry
            preparing = self._preparing.setdefault(key, threading.Lock())
        with preparing:  # one preparation per function; other functions go on meanwhile
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and entry.revision == function.revision:
                    return entry
            fresh = self._prepare(function)
            previous = None
            in_use: set[str] = set()
            if fresh.remembered:
                with self._lock:
                    previous = self._entries.get(key)
                    self._entries[key] = fresh
                    in_use = {
                        e.pool.launch.function.code_sha256 for e in self._entries.values() if e.pool
                    }
        if previous is not None and previous.pool is not None:
            log.info("%s: new revision deployed, replacing its workers", key)
            previous.pool.retire()
            if previous.pool.launch.function.code_sha256 not in in_use:  # another version's
                self._artifacts.forget(previous.pool.launch.function, keep=function)
        return fresh

    def _prepare(self, function: FunctionConfig) -> _Entry:
        try:
            interpreter = self._interpreters.for_runtime(function.runtime)
        except UnsupportedRuntime as error:
            log.warning("%s: %s", function.name, error)
            return _Entry(function.revision, None, Unavailable(str(error)))
        try:
            code_folder = self._artifacts.unpacked(function)
        except CodeUnavailable as error:
            reason = f"the code of function {function.name} cannot be loaded: {error}"
            log.error("%s", reason)
            return _Entry(function.revision, None, Unavailable(reason), remembered=False)
        log.info("%s: %s", function.name, interpreter.describe(function.runtime))
        environment = worker_environment(function, code_folder, self._runtime_packages, self._aws)
        credentials = None
        if self._aws.role_sessions:
            credentials = RoleSessions(
                self._aws.endpoint, self._aws.region, function.name, FAKE_CREDENTIAL
            )
        launch = Launch(
            function,
            interpreter,
            code_folder,
            self._runtime_packages,
            environment,
            credentials,
            self.telemetry,
        )
        return _Entry(function.revision, FunctionPool(launch, self._max_workers))


class _Recording:
    """A worker's telemetry: its log stream, its output reader, its init time."""

    def __init__(self, telemetry: Telemetry, target: LogTarget, capture: OutputCapture) -> None:
        self.telemetry = telemetry
        self.target = target
        self.capture = capture
        self.init_ms: float | None = None  # reported once, on the first invocation

    def started(self, request_id: str, function: FunctionConfig | None) -> None:
        version = function.version if function is not None else "$LATEST"
        self.telemetry.started(self.target, request_id, version)

    def finished(
        self,
        worker: Worker,
        request_id: str,
        function: FunctionConfig,
        invoked_as: str | None,
        outcome: Outcome,
        duration_ms: float,
    ) -> None:
        if isinstance(outcome, Returned | Failed):
            self.capture.wait_for_end(request_id)
        init_ms, self.init_ms = self.init_ms, None
        self.telemetry.finished(
            self.target,
            function,
            request_id,
            invoked_as=invoked_as,
            duration_ms=duration_ms,
            pid=worker.pid,
            init_ms=init_ms,
            error=not isinstance(outcome, Returned),
            timed_out_after=outcome.seconds if isinstance(outcome, TimedOut) else None,
            crash=outcome.reason if isinstance(outcome, Crashed) else None,
        )
