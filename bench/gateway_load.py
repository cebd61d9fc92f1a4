"""Load check: concurrent clients across the three services through the local gateway.

``--clients`` (8) threads, each on its own keep-alive connection, share ``--requests``
(2000) requests spread evenly over the three services: their health checks and one
authenticated read each (the account one reads through the Redis cache). A user is
registered first and removed at the end. Passes (exit 0) only with zero 5xx, zero
connection errors and every answer the expected 200. Prints statuses per path, p50/p99
and the throughput.

    python bench/gateway_load.py [--clients 8] [--requests 2000] [--url http://127.0.0.1:4567]
"""

from __future__ import annotations

import argparse
import http.client
import json
import secrets
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from local_system import System, percentile, private_system, register_verified

AUTHENTICATED_READS = ("/account/tenants/current", "/coaching/sessions", "/traction/goals")
HEALTH = ("/account/health", "/coaching/health", "/traction/health")
PATHS = tuple(path for pair in zip(HEALTH, AUTHENTICATED_READS, strict=True) for path in pair)


@dataclass
class Tally:
    """What the clients saw; filled under ``lock``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    next_index: int = 0

    def claim(self, total: int) -> int | None:
        with self.lock:
            if self.next_index >= total:
                return None
            self.next_index += 1
            return self.next_index - 1


def _call(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    token: str | None = None,
    body: dict[str, Any] | None = None,
) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def _register(system: System) -> tuple[str, str]:
    """A fresh user's access token (its tenant is what the account read returns) and the
    password that deletes it."""
    connection = http.client.HTTPConnection("127.0.0.1", system.gateway_port, timeout=30)
    email = f"load-{uuid.uuid4().hex[:12]}@bench.purposepath.app"
    password = secrets.token_urlsafe(18)
    try:

        def call(method: str, path: str, body: Any) -> tuple[int, Any]:
            status, raw = _call(connection, method, path, body=body)
            return status, raw[:200]

        register_verified(system, call, email, password, "Load")
        logged_in, body = _call(
            connection, "POST", "/account/auth/login", body={"email": email, "password": password}
        )
        if logged_in != 200:
            raise SystemExit(f"login answered {logged_in}: {body[:200]!r}")
        return str(json.loads(body)["accessToken"]), password
    finally:
        connection.close()


def _client(system: System, token: str, total: int, tally: Tally, start: threading.Barrier) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", system.gateway_port, timeout=60)
    start.wait()
    try:
        while (index := tally.claim(total)) is not None:
            path = PATHS[index % len(PATHS)]
            began = time.perf_counter()
            try:
                status, _ = _call(connection, "GET", path, token=token)
            except (OSError, http.client.HTTPException) as error:
                connection.close()  # reconnects on the next request
                with tally.lock:
                    tally.errors[f"{path}: {type(error).__name__}"] += 1
                continue
            elapsed = (time.perf_counter() - began) * 1000
            with tally.lock:
                tally.statuses[(path, status)] += 1
                tally.latencies_ms.append(elapsed)
    finally:
        connection.close()


def _run(system: System, clients: int, total: int) -> tuple[Tally, float]:
    token, password = _register(system)
    tally = Tally()
    start = threading.Barrier(clients + 1)
    threads = [
        threading.Thread(target=_client, args=(system, token, total, tally, start), daemon=True)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    connection = http.client.HTTPConnection("127.0.0.1", system.gateway_port, timeout=30)
    try:
        _call(connection, "DELETE", "/account/auth/me", token=token, body={"password": password})
    finally:
        connection.close()
    return tally, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--url", help="a running gateway (default: start a private system)")
    arguments = parser.parse_args()
    if arguments.clients < 1 or arguments.requests < 1:
        parser.error("--clients and --requests must be at least 1")

    owned: AbstractContextManager[System] = (
        nullcontext(System(arguments.url.rstrip("/"), None, None))
        if arguments.url
        else private_system()
    )
    with owned as system:
        tally, seconds = _run(system, arguments.clients, arguments.requests)
        workers = system.worker_pool_sizes()

    answered = sum(tally.statuses.values())
    server_errors = sum(n for (_, status), n in tally.statuses.items() if status >= 500)
    unexpected = sum(n for (_, status), n in tally.statuses.items() if status != 200)
    ordered = sorted(tally.latencies_ms)
    print(f"{arguments.clients} clients, {arguments.requests} requests over {len(PATHS)} paths")
    for (path, status), count in sorted(tally.statuses.items()):
        print(f"  {status}  {count:5d}  GET {path}")
    for error, count in sorted(tally.errors.items()):
        print(f"  ERR  {count:5d}  {error}")
    if ordered:
        p50, p99 = percentile(ordered, 0.50), percentile(ordered, 0.99)
        print(f"latency p50={p50:.2f} ms  p99={p99:.2f} ms  max={ordered[-1]:.2f} ms")
    print(f"throughput {answered / seconds:.0f} requests/s ({seconds:.2f} s)")
    print(f"warm workers {json.dumps(workers)}")
    errors = sum(tally.errors.values())
    print(f"5xx: {server_errors}  other non-200: {unexpected - server_errors}  errors: {errors}")
    passed = answered == arguments.requests and unexpected == 0 and not tally.errors
    print("load check passed" if passed else "load check FAILED")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
