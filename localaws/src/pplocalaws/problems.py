"""The local AWS's own error root: what went wrong, why, and what to do.

Callers (the deployment engine, tests, a person at a terminal) get the same three parts the
engine's errors carry; the engine turns them into its own errors at its boundary, so this
package never imports the engine.
"""

from __future__ import annotations


class LocalAwsProblem(Exception):
    """Root of every error the local AWS's control surface raises on purpose."""

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


class BadOption(LocalAwsProblem):
    """An option given to the local AWS (host, port) cannot be used."""


class Unavailable(LocalAwsProblem):
    """The local AWS or its gateway could not be started or does not answer."""
