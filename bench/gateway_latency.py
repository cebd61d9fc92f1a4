"""Warm latency of ``GET /coaching/health`` through the local gateway vs in-process.

One run, one process: a private system comes up (``invoke up --skip-tests`` on free
ports), its gateway is restarted so the first request is a real cold start, then
``--requests`` (2000) warm requests go through the gateway on one keep-alive connection,
and the same handler answers the same event ``--requests`` times in this process. Prints
p50/p99 of both, the cold request, the gateway's overhead at p50 and the ratio of the two
p50s. Target: overhead at most 3 ms at p50 (``--enforce`` exits 1 when it is missed).

    python bench/gateway_latency.py [--requests 2000] [--url http://127.0.0.1:4567] [--enforce]

``--url`` measures a gateway that is already running (no cold request then).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from local_system import System, percentile, private_system

PATH = "/coaching/health"
DOMAIN = "api.dev.purposepath.app"
TARGET_OVERHEAD_MS = 3.0


def _get(connection: http.client.HTTPConnection) -> float:
    """One GET through the gateway; its latency in ms (a non-200 stops the bench)."""
    started = time.perf_counter()
    connection.request("GET", PATH)
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise SystemExit(f"GET {PATH} answered {response.status}: {body[:200]!r}")
    return elapsed


def _through_gateway(system: System, count: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", system.gateway_port, timeout=30)
    try:
        return [_get(connection) for _ in range(count)]
    finally:
        connection.close()


def _in_process_handler() -> Callable[[dict[str, Any]], Any]:
    """The coaching handler imported here, configured as its template configures it."""
    os.environ.update(
        STAGE="dev",
        POWERTOOLS_SERVICE_NAME="coaching",
        POWERTOOLS_METRICS_NAMESPACE="PurposePath",
        POWERTOOLS_TRACE_DISABLED="true",
        AWS_DEFAULT_REGION="us-east-1",
    )
    from coaching.app import lambda_handler  # noqa: PLC0415 - after the environment
    from pplocalaws.gateway import events  # noqa: PLC0415 - same module the gateway uses
    from pplocalaws.gateway.worker import LambdaContext  # noqa: PLC0415

    request = events.IncomingRequest(
        method="GET",
        raw_path=PATH,
        raw_query="",
        headers=(("Host", DOMAIN), ("Accept", "*/*")),
        body=b"",
        source_ip="127.0.0.1",
    )
    route = events.RouteContext(
        api_id="local", stage="$default", route_key="GET /health", domain_name=DOMAIN
    )

    def answer(_unused: dict[str, Any]) -> Any:
        # What the gateway does around the handler, minus HTTP and the worker's pipes.
        event = events.build_event(request, route)
        context = LambdaContext(
            event["requestContext"]["requestId"], int(time.time() * 1000) + 30_000
        )
        response = events.function_response(lambda_handler(event, context))
        if response.status != 200:
            raise SystemExit(f"in-process {PATH} answered {response.status}")
        return response

    return answer


def _in_process(count: int) -> tuple[float, list[float]]:
    # Powertools writes its metrics to stdout (the gateway's workers write them to its log)
    # and warns when a flush has none: kept out of the report, still paid for.
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _time_in_process(count)


def _time_in_process(count: int) -> tuple[float, list[float]]:
    started = time.perf_counter()
    answer = _in_process_handler()
    answer({})
    cold = (time.perf_counter() - started) * 1000
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        answer({})
        samples.append((time.perf_counter() - started) * 1000)
    return cold, samples


def _row(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    return (
        f"{name:<22} n={len(ordered):<5} p50={percentile(ordered, 0.50):7.2f} ms  "
        f"p99={percentile(ordered, 0.99):7.2f} ms  max={ordered[-1]:7.2f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--url", help="a running gateway (default: start a private system)")
    parser.add_argument("--enforce", action="store_true", help="exit 1 when over the target")
    arguments = parser.parse_args()
    if arguments.requests < 1:
        parser.error("--requests must be at least 1")

    owned: AbstractContextManager[System] = (
        nullcontext(System(arguments.url.rstrip("/"), None, None))
        if arguments.url
        else private_system()
    )
    with owned as system:
        cold_gateway: float | None = None
        if system.state_dir is not None:
            system.restart_gateway()
            cold_gateway = _through_gateway(system, 1)[0]
        gateway = _through_gateway(system, arguments.requests)
        workers = system.worker_pool_sizes()
    cold_in_process, in_process = _in_process(arguments.requests)

    gateway_p50 = percentile(sorted(gateway), 0.50)
    direct_p50 = percentile(sorted(in_process), 0.50)
    overhead = gateway_p50 - direct_p50
    print(f"GET {PATH}, {arguments.requests} warm requests each")
    print(_row("through the gateway", gateway))
    print(_row("in-process handler", in_process))
    if cold_gateway is not None:
        print(f"cold first request     gateway {cold_gateway:.1f} ms (worker start + init)")
    print(f"cold in-process        {cold_in_process:.1f} ms (import + first call)")
    print(f"warm workers           {json.dumps(workers)}")
    print(
        f"gateway overhead p50   {overhead:.2f} ms (target <= {TARGET_OVERHEAD_MS:.0f} ms); "
        f"ratio gateway/in-process p50 = {gateway_p50 / direct_p50:.1f}x"
    )
    met = overhead <= TARGET_OVERHEAD_MS
    print("target met" if met else "target MISSED")
    return 0 if met or not arguments.enforce else 1


if __name__ == "__main__":
    sys.exit(main())
