"""The edge between the engine and the command line: errors become messages and exit codes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import botocore.exceptions
from invoke.exceptions import Exit

from ppdeploy.errors import PPDeployError

F = TypeVar("F", bound=Callable[..., Any])

INTERRUPTED = (
    "interrupted: CloudFormation carries on with whatever it had started (it finishes or "
    "rolls back by itself); run the same command again to pick up from the stack's real state"
)


def at_edge(task_body: F) -> F:
    """Run a task body so every failure ends as one clear message and a non-zero exit."""

    @functools.wraps(task_body)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return task_body(*args, **kwargs)
        except PPDeployError as error:
            raise Exit(f"error: {error}", code=error.exit_code) from error
        except botocore.exceptions.ClientError as error:
            message = error.response.get("Error", {}).get("Message", str(error))
            raise Exit(f"error: AWS refused a call: {message}", code=3) from error
        except botocore.exceptions.BotoCoreError as error:
            raise Exit(f"error: AWS call failed: {error}", code=3) from error
        except KeyboardInterrupt as error:
            raise Exit(INTERRUPTED, code=130) from error

    return run  # type: ignore[return-value]
