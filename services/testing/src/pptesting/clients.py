"""boto3 clients made once per test process and handed out again (in-process tests only).

Making a boto3 client costs about 8 ms of CPU even from a session whose service models are
loaded; a test that starts a fresh container (every ppcommon cache cleared) and sets up its
moto account made five to ten of them, most of the account suite's time. A client holds no
state a test can see: moto answers every client through botocore's ``before-send`` hook
whichever mock is running, and what a client is bound to (service, region, endpoint,
credentials, configuration) is the key it is remembered by, read from the arguments and
from every ``AWS_*`` variable of the environment at the time it is asked for. Another
region or endpoint in a test is another client, as a new container would make.

The one thing a reused client carries from test to test is botocore's retry quota (the
"standard" mode's token bucket, spent only on throttling, 5xx and connection errors, which
the suites never provoke); ``ReusingSession.forget`` starts over when a test needs it.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

import boto3


def _environment() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))


class ReusingSession(boto3.session.Session):
    """A boto3 session that makes each distinct client (and resource) once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # key -> (the client or resource, its config: kept so that its id is not reused)
        self._made: dict[tuple[Any, ...], tuple[Any, Any]] = {}

    def _reused(self, kind: str, make: Any, *args: Any, **kwargs: Any) -> Any:
        binding = inspect.signature(make).bind(*args, **kwargs)
        binding.apply_defaults()  # an argument left out and one passed as its default: alike
        bound = binding.arguments
        config = bound.get("config")
        named = tuple(sorted((k, id(v) if k == "config" else v) for k, v in bound.items()))
        key = (kind, named, _environment())
        if key not in self._made:
            self._made[key] = (make(*args, **kwargs), config)
        return self._made[key][0]

    def client(self, *args: Any, **kwargs: Any) -> Any:
        return self._reused("client", super().client, *args, **kwargs)

    def resource(self, *args: Any, **kwargs: Any) -> Any:
        return self._reused("resource", super().resource, *args, **kwargs)

    def forget(self) -> None:
        """Make every client anew from here on."""
        self._made.clear()


_SHARED: list[ReusingSession] = []


def shared_session() -> ReusingSession:
    """The process's reusing session (pptesting's fixtures and ppcommon in tests share it)."""
    if not _SHARED:
        _SHARED.append(ReusingSession())
    return _SHARED[0]
