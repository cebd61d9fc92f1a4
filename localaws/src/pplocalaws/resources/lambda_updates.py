"""Lambda function updates as AWS runs them: each call takes effect on its own, a bit later.

"Lambda function states" (Lambda developer guide, section "Function states during
updates"): after ``UpdateFunctionCode`` or ``UpdateFunctionConfiguration`` the function's
``LastUpdateStatus`` is ``InProgress`` until the update is done, then ``Successful``; while
it is in progress, invocations run the function's previous code and configuration, and
another update (or ``PublishVersion``) is refused with ``ResourceConflictException`` ("An
update is in progress for resource: ..."). So code and configuration are two separate
updates, and between them the function runs the new code on the old runtime and handler
(or the reverse).

moto 5.2.5 applies every update at once and always answers ``Successful``. This module
keeps, on each moto ``$LATEST`` function it updates, a note: the snapshot of the code and
configuration invocations run, and when the update completes (``update_seconds()`` after it
started; ``PPLOCALAWS_LAMBDA_UPDATE_SECONDS``, default 1 s). The API still shows the new
values at once, with ``LastUpdateStatus: InProgress``, as AWS's do.

The local gateway runs what an invocation would run: it reads that snapshot through
GetFunction with the local-only qualifier :data:`INVOKED_QUALIFIER` (a name AWS's
qualifier pattern cannot spell, so it never shadows a real alias or version).
"""

from __future__ import annotations

import contextlib
import copy
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException, LambdaClientError
from moto.awslambda.models import LambdaBackend, LambdaFunction

from pplocalaws import seams

UPDATE_SECONDS_VARIABLE = "PPLOCALAWS_LAMBDA_UPDATE_SECONDS"
DEFAULT_UPDATE_SECONDS = 1.0
# "." is outside Lambda's qualifier pattern ([a-zA-Z0-9$_-]+): no alias or version has it.
INVOKED_QUALIFIER = "$LATEST.invoked"
_NOTE = "_pplocalaws_update"
_BEGIN_LOCK = threading.Lock()


def update_seconds() -> float:
    """How long an update stays InProgress (``PPLOCALAWS_LAMBDA_UPDATE_SECONDS``)."""
    raw = os.environ.get(UPDATE_SECONDS_VARIABLE, "")
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_UPDATE_SECONDS
    except ValueError:
        raise ValueError(
            f"{UPDATE_SECONDS_VARIABLE}={raw!r} is not a number of seconds; "
            f"unset it or give a number such as {DEFAULT_UPDATE_SECONDS}"
        ) from None


@dataclass(frozen=True)
class _Update:
    previous: LambdaFunction  # what invocations run until the update completes
    done_at: float  # time.monotonic()


class UpdateInProgress(LambdaClientError):
    """AWS's answer to a change while an update runs ("Lambda function states")."""

    def __init__(self, function_arn: str) -> None:
        super().__init__(
            "ResourceConflictException",
            "The operation cannot be performed at this time. An update is in progress for "
            f"resource: {function_arn}",
        )


def snapshot(function: LambdaFunction) -> LambdaFunction:
    """An independent copy of a function's code and configuration.

    moto's copies (``copy.copy``) share the ``code``, environment, layers and tags
    containers with ``$LATEST``, and ``UpdateFunctionCode`` changes ``code`` in place; a
    snapshot must not move when ``$LATEST`` does.
    """
    taken = copy.copy(function)
    make_independent(taken)
    return taken


def make_independent(function: LambdaFunction) -> None:
    """Give a moto copy its own containers, and no note of an update (see :func:`snapshot`)."""
    function.code = dict(function.code)
    function.environment_vars = dict(function.environment_vars or {})
    function.layers = list(function.layers)
    function.tags = dict(function.tags or {})
    vars(function).pop(_NOTE, None)


def _note(function: LambdaFunction) -> _Update | None:
    note: _Update | None = getattr(function, _NOTE, None)
    return note


def in_progress(function: LambdaFunction) -> bool:
    note = _note(function)
    return note is not None and time.monotonic() < note.done_at


def invoked(function: LambdaFunction) -> LambdaFunction:
    """What an invocation of ``$LATEST`` runs now: the previous snapshot during an update."""
    note = _note(function)
    if note is not None and time.monotonic() < note.done_at:
        return note.previous
    return function


def refuse_while_updating(function: LambdaFunction) -> None:
    if in_progress(function):
        raise UpdateInProgress(unqualified_arn(function))


def unqualified_arn(function: LambdaFunction) -> str:
    """The unqualified ARN, as AWS names the resource in the conflict message."""
    return str(function.function_arn).split(":$LATEST")[0]


def begin_update(function: LambdaFunction) -> None:
    """Refuse if an update runs; else note the running snapshot and the completion time.

    AWS sets ``LastModified`` on every update (moto only on code updates).
    """
    with _BEGIN_LOCK:  # the server is threaded: two calls must not both start an update
        refuse_while_updating(function)
        previous = snapshot(function)
        setattr(function, _NOTE, _Update(previous, time.monotonic() + update_seconds()))
    function.last_modified = _now()


@contextlib.contextmanager
def updating(function: LambdaFunction) -> Iterator[None]:
    """:func:`begin_update`, undone when the change itself fails (a refused request
    starts no update on AWS: the function stays as it was, Successful)."""
    earlier, modified = _note(function), function.last_modified
    begin_update(function)
    try:
        yield
    except BaseException:
        if earlier is None:
            vars(function).pop(_NOTE, None)
        else:
            setattr(function, _NOTE, earlier)
        function.last_modified = modified
        raise


def complete_now(function: LambdaFunction) -> None:
    """End the running update at once (UpdateFunctionCode with Publish, see its caller)."""
    note = _note(function)
    if note is not None:
        setattr(function, _NOTE, _Update(note.previous, time.monotonic()))


def wait_until_updated(function: LambdaFunction) -> None:
    """Block until the running update completes (CloudFormation waits for it, too)."""
    note = _note(function)
    if note is not None:
        time.sleep(max(0.0, note.done_at - time.monotonic()))


def _now() -> str:
    from moto.core.utils import iso_8601_datetime_with_nanoseconds  # noqa: PLC0415 - moto util

    return str(iso_8601_datetime_with_nanoseconds())


# --- patches on moto's backend and model ------------------------------------------------


def _reporting_status(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
        configuration = original(self, on_create)
        if "LastUpdateStatus" in configuration and in_progress(self):
            configuration["LastUpdateStatus"] = "InProgress"
        return configuration

    return get_configuration


def _code_update(original: Callable[..., Any]) -> Callable[..., Any]:
    def update_function_code(
        self: LambdaBackend, function_name: str, qualifier: str | None, body: dict[str, Any]
    ) -> dict[str, Any]:
        function: LambdaFunction = self.get_function(function_name, qualifier)
        if body.get("DryRun"):
            return dict(function.get_configuration())  # validated, nothing changes
        with updating(function):
            try:  # moto's backend applies it twice; once is right
                function.update_function_code(body)
            except ValueError as error:  # moto's way of saying the S3 object is missing
                if error.args[:1] != ("InvalidParameterValueException",):
                    raise
                raise InvalidParameterValueException(str(error.args[-1])) from None
        if body.get("Publish"):  # simplified: the update completes now, then publishes
            complete_now(function)
            version = self.publish_version(function_name) or function
            return dict(version.get_configuration())
        return dict(function.get_configuration())

    return update_function_code


def _configuration_update(original: Callable[..., Any]) -> Callable[..., Any]:
    def update_function_configuration(
        self: LambdaBackend, function_name: str, qualifier: str | None, body: dict[str, Any]
    ) -> dict[str, Any]:
        function: LambdaFunction = self.get_function(function_name, qualifier)
        with updating(function):
            return dict(function.update_configuration(body))

    return update_function_configuration


def _reading_invoked(original: Callable[..., LambdaFunction]) -> Callable[..., LambdaFunction]:
    def get_function(
        self: LambdaBackend, function_name_or_arn: str, qualifier: str | None = None
    ) -> LambdaFunction:
        suffix = ":" + INVOKED_QUALIFIER
        if qualifier == INVOKED_QUALIFIER or function_name_or_arn.endswith(suffix):
            latest = original(self, function_name_or_arn.removesuffix(suffix), None)
            return invoked(latest)
        return original(self, function_name_or_arn, qualifier)

    return get_function


seams.patch_method(LambdaFunction, "get_configuration", _reporting_status)
seams.patch_method(LambdaBackend, "update_function_code", _code_update)
seams.patch_method(LambdaBackend, "update_function_configuration", _configuration_update)
seams.patch_method(LambdaBackend, "get_function", _reading_invoked)
