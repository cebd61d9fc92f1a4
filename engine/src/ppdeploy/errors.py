"""One exception root for the engine; the command line turns it into a message and an exit code.

Every error names the thing, the cause and the fix, so a person can act on it without
reading code. Only ``ppdeploy.tasks`` turns these into exits (``invoke.Exit``).
"""

from __future__ import annotations


class PPDeployError(Exception):
    """Root of every error the engine raises on purpose."""

    exit_code = 1

    def __init__(self, what: str, *, cause: str = "", fix: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.cause = cause
        self.fix = fix

    def __str__(self) -> str:
        parts = [self.what]
        if self.cause:
            parts.append(f"cause: {self.cause}")
        if self.fix:
            parts.append(f"fix: {self.fix}")
        return "\n  ".join(parts)


class InputError(PPDeployError):
    """A flag, parameter, stage or file the person gave is not usable."""

    exit_code = 2


class TemplateError(InputError):
    """A template cannot be read, parsed or linted clean."""


class TargetError(PPDeployError):
    """The AWS target cannot be reached or used (credentials, endpoint, local AWS down)."""

    exit_code = 3


class DeployError(PPDeployError):
    """CloudFormation refused or failed a change."""

    exit_code = 4


class RefusedError(PPDeployError):
    """A guard or the person declined; nothing was changed."""

    exit_code = 5
