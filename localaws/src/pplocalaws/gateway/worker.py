"""A warm worker: one Lambda execution environment running one Python handler.

Run as a script by the function's own interpreter (``python3.13 worker.py REQUEST_FD
RESPONSE_FD RUNTIME_PACKAGES [--log-markers]``), so it uses the standard library only and
no newer syntax than Python 3.9. The environment (LAMBDA_TASK_ROOT, _HANDLER, the
function's variables, the AWS settings) comes from the parent. Lambda's phases are kept:
the handler's module is imported once (init), then invocations run one at a time, each
with a context whose remaining time counts down to the invocation's deadline.

Messages are length-prefixed JSON frames on two inherited pipes, so the handler's own
stdout and stderr (print, logging) go to the gateway as they go to CloudWatch. With
``--log-markers`` the worker writes an end marker line to its stdout after each invocation
(after the handler's own lines, before the reply), so the gateway writes END and REPORT
after every line the invocation printed (``pplocalaws.gateway.telemetry``).
"""

from __future__ import annotations

import contextlib
import decimal
import importlib
import json
import os
import select
import struct
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

FRAME_HEADER = struct.Struct(">I")
END_MARKER = "\x1eppdeploy-invocation-end "  # telemetry.END_MARKER (stdlib only here)
INIT_MARKER_ID = "init"  # the end marker of the init phase
READ_CHUNK = 1 << 16


class FrameTimeout(Exception):
    """No complete frame arrived before the deadline."""


def encode_frame(message: dict[str, Any]) -> bytes:
    """The frame of a message; raises TypeError for what is not JSON (before any write)."""
    payload = json.dumps(message, default=_json_default).encode("utf-8")
    return FRAME_HEADER.pack(len(payload)) + payload


def write_frame(fd: int, message: dict[str, Any]) -> None:
    write_encoded(fd, encode_frame(message))


def write_encoded(fd: int, frame: bytes) -> None:
    view = memoryview(frame)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes | None:
    chunks: list[bytes] = []
    missing = size
    while missing:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise FrameTimeout
        chunk = os.read(fd, min(missing, READ_CHUNK))
        if not chunk:
            return None  # the other side closed the pipe
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None) -> dict[str, Any] | None:
    """The next message, or None when the pipe closed; FrameTimeout past ``deadline``."""
    header = _read_exactly(fd, FRAME_HEADER.size, deadline)
    if header is None:
        return None
    payload = _read_exactly(fd, FRAME_HEADER.unpack(header)[0], deadline)
    if payload is None:
        return None
    message = json.loads(payload)
    return message if isinstance(message, dict) else None


def _json_default(value: object) -> object:
    """What Lambda's Python runtime also serialises: Decimal (DynamoDB numbers) as numbers."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class LambdaContext:
    """The context object Lambda passes a Python handler (the attributes handlers use)."""

    def __init__(self, request_id: str, deadline_epoch_ms: int) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = os.environ.get("PPDEPLOY_FUNCTION_ARN", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_epoch_ms = deadline_epoch_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_epoch_ms - int(time.time() * 1000))


def load_handler(spec: str) -> Callable[[Any, Any], Any]:
    """``package.module.function`` (or ``folder/module.function``) -> the function."""
    module_name, _, function_name = spec.replace("/", ".").rpartition(".")
    if not module_name or not function_name:
        raise ValueError(f"Bad handler {spec!r}: expected module.function")
    handler = getattr(importlib.import_module(module_name), function_name, None)
    if not callable(handler):
        raise AttributeError(f"Handler {function_name!r} missing on module {module_name!r}")
    return handler  # type: ignore[no-any-return]  # checked callable above


def _error(kind: str, error: BaseException) -> dict[str, Any]:
    return {
        "type": kind,
        "errorType": type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_exception(type(error), error, error.__traceback__),
    }


def _mark_end(request_id: str) -> None:
    """After every line the invocation printed, on the same pipe: its end marker."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # the handler closed or replaced it
            stream.flush()
    os.write(1, f"{END_MARKER}{request_id}\n".encode())


def _serve(
    request_fd: int,
    response_fd: int,
    handler: Callable[[Any, Any], Any],
    markers: bool = False,
) -> int:
    while True:
        message = read_frame(request_fd)
        if message is None:
            return 0  # the gateway closed the pipe: shut down like a retired sandbox
        context = LambdaContext(message["requestId"], int(message["deadlineEpochMs"]))
        try:
            result = handler(message["event"], context)
            # encoded first: a result that is not JSON is the handler's error, logged before END
            frame = encode_frame({"type": "result", "result": result})
            if markers:
                _mark_end(context.aws_request_id)
            write_encoded(response_fd, frame)
        except Exception as error:  # a handler error is reported, not fatal
            print(  # Lambda logs a handler's error and traceback in the function's log
                f"[ERROR] {type(error).__name__}: {error}\n" + traceback.format_exc(),
                file=sys.stderr,
                flush=True,
            )
            if markers:
                _mark_end(context.aws_request_id)
            write_frame(response_fd, _error("error", error))


def main(argv: list[str]) -> int:
    request_fd, response_fd, runtime_packages = int(argv[1]), int(argv[2]), argv[3]
    # Run as a script, Python put this file's folder first on sys.path: the handler must
    # not import the gateway's modules by accident. The function's code comes first, then
    # the packages the runtime provides, then the interpreter's own.
    del sys.path[0]
    sys.path[0:0] = [os.environ["LAMBDA_TASK_ROOT"], runtime_packages]
    os.chdir(os.environ["LAMBDA_TASK_ROOT"])
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except BaseException as error:  # init failures (even SystemExit) are reported
        traceback.print_exc()
        write_frame(response_fd, _error("init-error", error))
        return 1
    markers = "--log-markers" in argv[4:]
    if markers:  # init's own lines come before the first START
        _mark_end(INIT_MARKER_ID)
    write_frame(response_fd, {"type": "ready"})
    return _serve(request_fd, response_fd, handler, markers=markers)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
