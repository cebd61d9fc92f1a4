"""The gateway's side of Lambda's asynchronous invocation: run queued events on the workers.

The local AWS keeps the queue (``pplocalaws.resources.lambda_async``: retries, event age,
dead-letter queue); its local-only endpoint ``/_localaws/lambda/async`` hands out due
events. Here a few runner threads claim them, run each on the same warm workers that
serve the HTTP APIs (the function's execution role, its timeout), and report what it came
to, as Lambda's internal poller does ("Asynchronous invocation", Lambda Developer Guide,
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html).

What an outcome counts as ("Configuring error handling for asynchronous invocation"):
the handler raised, timed out or its process died -> a function error (retried, then the
dead-letter queue); every worker busy -> a throttle (retried without using an attempt);
a function the gateway cannot run (not Python, code missing) -> a function error too, so
the failure is visible in the log and the dead-letter queue rather than silently pending.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from pplocalaws.gateway.discovery import (
    LATEST,
    Catalog,
    FunctionConfig,
    LocalAwsClients,
    function_config_of,
)
from pplocalaws.gateway.workers import (
    Busy,
    Crashed,
    Failed,
    Outcome,
    Returned,
    TimedOut,
    Unavailable,
    WorkerRegistry,
)

log = logging.getLogger(__name__)

ASYNC_PATH = "/_localaws/lambda/async"
DEFAULT_RUNNERS = 2
CLAIM_WAIT_SECONDS = 10.0
RETRY_AFTER_SECONDS = 1.0  # the local AWS did not answer: try again after this


def _error(error_type: str, message: str) -> dict[str, str]:
    return {"outcome": "functionError", "errorType": error_type, "errorMessage": message}


def report_of(outcome: Outcome) -> dict[str, str]:
    """The report body for an outcome (see the module docstring for what counts as what)."""
    report = _error("Local.Unknown", repr(outcome))
    match outcome:
        case Returned():
            report = {"outcome": "succeeded"}
        case Failed(error_type=kind, message=message):
            report = _error(kind, message)
        case TimedOut(seconds=seconds):  # Lambda's own wording for a timeout
            report = _error("Sandbox.Timedout", f"Task timed out after {seconds:.2f} seconds")
        case Crashed(reason=reason):
            report = _error("Runtime.ExitError", reason)
        case Unavailable(reason=reason):
            report = _error("Local.Unavailable", reason)
        case Busy():
            report = {"outcome": "throttled", "errorMessage": "every worker stayed busy"}
    return report


class FunctionResolver:
    """What a queued event of ``name`` (with ``qualifier``) runs: $LATEST, a version, an alias."""

    def __init__(
        self, catalog: Catalog, clients: LocalAwsClients, chooser: random.Random | None = None
    ) -> None:
        self._catalog = catalog
        self._lambda = clients.awslambda
        self._chooser = chooser or random.Random()  # noqa: S311 - traffic split, not security

    def resolve(self, name: str, qualifier: str | None) -> FunctionConfig | str:
        """The function configuration, or why there is none."""
        if qualifier and qualifier != LATEST and not qualifier.isdigit():
            try:
                alias = self._lambda.get_alias(FunctionName=name, Name=qualifier)
            except Exception as error:
                return f"alias {qualifier} of function {name}: {error}"
            qualifier = alias["FunctionVersion"]
            weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            for version, weight in weights.items():  # "Weighted aliases": per invocation
                if self._chooser.random() < float(weight):
                    qualifier = version
        if not qualifier or qualifier == LATEST:
            function = self._catalog.current().functions.get(name)
            if function is None:
                function = self._catalog.after_miss().functions.get(name)
            return function or f"function {name} does not exist in the local AWS"
        try:
            item = self._lambda.get_function_configuration(FunctionName=name, Qualifier=qualifier)
        except Exception as error:
            return f"version {qualifier} of function {name}: {error}"
        return function_config_of(item, qualifier, qualifier)


class AsyncRunner:
    """Runner threads claiming queued events from the local AWS and running them."""

    def __init__(
        self,
        endpoint: str,
        resolver: FunctionResolver,
        registry: WorkerRegistry,
        *,
        runners: int = DEFAULT_RUNNERS,
        post: Callable[[str, dict[str, Any], float], tuple[int, Any]] | None = None,
    ) -> None:
        self._url = endpoint.rstrip("/") + ASYNC_PATH
        self._resolver = resolver
        self._registry = registry
        self._runners = runners
        self._post = post or _post_json
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(self._runners):
            thread = threading.Thread(target=self._run, name=f"gateway-async-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()  # a runner in a claim's wait ends with it (at most CLAIM_WAIT_SECONDS)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # a runner must outlive any one failure
                log.exception("async invocation runner failed; going on")
                worked = False
            if not worked and not self._stop.is_set():
                self._stop.wait(0.05)

    def run_once(self) -> bool:
        """Claim one event, run it, report it; False when none was claimed."""
        try:
            status, claimed = self._post(
                f"{self._url}/claim", {"wait": CLAIM_WAIT_SECONDS}, CLAIM_WAIT_SECONDS + 10
            )
        except OSError as error:
            log.debug("the local AWS is not answering claims (%s)", error)
            self._stop.wait(RETRY_AFTER_SECONDS)
            return False
        if status != 200 or not isinstance(claimed, dict):
            return False
        resolved = self._resolver.resolve(claimed["functionName"], claimed.get("qualifier"))
        outcome: Outcome
        if isinstance(resolved, str):
            outcome = Unavailable(resolved)
        else:
            outcome = self._registry.invoke(
                resolved,
                claimed["event"],
                claimed["requestId"],
                float(resolved.timeout_seconds),
                invoked_as=claimed.get("qualifier"),  # the metrics' Resource dimension
            )
        report = {"leaseId": claimed["leaseId"], **report_of(outcome)}
        log.info(
            "async invocation %s of %s (attempt %s): %s",
            claimed["requestId"],
            claimed["functionName"],
            claimed.get("attempt"),
            report["outcome"],
        )
        try:
            self._post(f"{self._url}/report", report, 10)
        except OSError as error:  # the lease lapses and the local AWS queues it again
            log.warning("cannot report async invocation %s: %s", claimed["requestId"], error)
        return True


def _post_json(url: str, body: dict[str, Any], timeout: float) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - the local AWS's loopback http URL
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - same
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, None
