"""The engine's one door to the embedded local AWS (the separate ``pplocalaws`` package).

The engine reaches the local AWS only here: start, stop and status of its server and its
gateway, and the endpoint. ``pplocalaws`` is imported on first use, so a deploy to AWS never
loads it and an engine installed alone (without it) works for everything but ``--local``;
its errors become the engine's own here, at the boundary.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from ppdeploy import project
from ppdeploy.errors import InputError, TargetError

if TYPE_CHECKING:
    from pplocalaws.control import Status

# The defaults, repeated here so `invoke --list` and flag help need not import the package;
# a unit test holds them equal to pplocalaws.control's.
DEFAULT_PORT = 4566
GATEWAY_PORT = 4567

P = ParamSpec("P")
R = TypeVar("R")


def _module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as missing:
        if missing.name is None or not missing.name.startswith("pplocalaws"):
            raise
        raise TargetError(
            "the embedded local AWS is not installed",
            cause="it is a package of its own (./localaws), installed with the checkout, "
            "not with the engine alone",
            fix="run `python -m pip install -e .` at the repository root "
            "(or `python -m pip install ./localaws`), or deploy to AWS without --local",
        ) from missing


def _control() -> ModuleType:
    return _module("pplocalaws.control")


def _translated(call: Callable[P, R]) -> Callable[P, R]:
    """``call`` with the local AWS's errors turned into the engine's."""

    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        problems = _module("pplocalaws.problems")
        try:
            return call(*args, **kwargs)
        except problems.BadOption as error:
            raise InputError(error.what, cause=error.cause, fix=error.fix) from error
        except problems.LocalAwsProblem as error:
            raise TargetError(error.what, cause=error.cause, fix=error.fix) from error

    return wrapper


@_translated
def status() -> Status:
    status_: Status = _control().status(project.state_dir())
    return status_


@_translated
def endpoint() -> str | None:
    """The running local AWS's endpoint, or None when it is not running."""
    found: str | None = _control().endpoint(project.state_dir())
    return found


@_translated
def start(port: int = DEFAULT_PORT) -> Status:
    """Start the local AWS in the background; a running one is left as it is."""
    started: Status = _control().start(project.state_dir(), port)
    return started


@_translated
def stop() -> bool:
    """Stop the local AWS this checkout started; True when one was running."""
    return bool(_control().stop(project.state_dir()))


@_translated
def gateway_status() -> Status:
    found: Status = _control().gateway_status(project.state_dir())
    return found


@_translated
def start_gateway(
    endpoint: str, port: int = GATEWAY_PORT, region: str = "us-east-1", domain: str | None = None
) -> Status:
    """Start the local gateway in front of the local AWS at ``endpoint``."""
    started: Status = _control().start_gateway(
        project.state_dir(), endpoint, port=port, region=region, domain=domain
    )
    return started


@_translated
def stop_gateway() -> bool:
    """Stop the local gateway and its workers; True when one was running."""
    return bool(_control().stop_gateway(project.state_dir()))
