"""The edge between the engine and the command line: errors become messages and exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from invoke.exceptions import Exit

from ppdeploy.errors import PPDeployError

F = TypeVar("F", bound=Callable[..., Any])

INTERRUPTED = (
    "interrupted: CloudFormation carries on with whatever it had started (it finishes or "
    "rolls back by itself); run the same command again to pick up from the stack's real state"
)


def aws_failure(error: Exception) -> Exit | None:
    """An AWS SDK error as an exit (code 3), or None for any other error.

    botocore is looked up, not imported: a command that never loaded it (``local.status``,
    ``--list``) cannot have raised one of its errors, and the edge must not slow it down.
    """
    exceptions = sys.modules.get("botocore.exceptions")
    if exceptions is None:
        return None
    if isinstance(error, exceptions.ClientError):
        message = error.response.get("Error", {}).get("Message", str(error))
        return Exit(f"error: AWS refused a call: {message}", code=3)
    if isinstance(error, exceptions.BotoCoreError):
        return Exit(f"error: AWS call failed: {error}", code=3)
    return None


def at_edge(task_body: F) -> F:
    """Run a task body so every failure ends as one clear message and a non-zero exit."""

    @functools.wraps(task_body)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return task_body(*args, **kwargs)
        except PPDeployError as error:
            raise Exit(f"error: {error}", code=error.exit_code) from error
        except KeyboardInterrupt as error:
            raise Exit(INTERRUPTED, code=130) from error
        except Exception as error:
            failure = aws_failure(error)
            if failure is None:
                raise
            raise failure from error

    return run  # type: ignore[return-value]
