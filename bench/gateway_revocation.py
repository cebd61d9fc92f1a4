"""Per-request cost of the revocation check through the local gateway, against a baseline
in the same run that differs from it only by the check's Redis round trip.

Every service checks the caller's token in ``ppcommon.http.bearer_claims``: the ES256
verification (no cache: every request pays it), then ``ppcommon.revocations``, whose
verdict is kept in the worker process for 0.5 s keyed by the token's ids
(``rev:jti:<jti>``, ``rev:sid:``, ``rev:user:``, ``rev:tenant:``). The key holds the
token id, so:

- kind ``check``: a token this worker has never seen (a new ``jti`` from a refresh, same
  session): the verdict is not cached, the check sends one ``MGET`` of four keys to the
  stage's Redis as the coaching reader user;
- kind ``cached`` (the baseline): the same token again within 0.4 s of its first use:
  the verdict comes from the process cache, no Redis round trip.

Both kinds are the same request on the same route, ``GET /coaching/sessions/bench``: the
token is verified, checked, and the route answers 404 at once (``bench`` cannot be a
session id), so no DynamoDB call adds noise to either. Same token bytes, same headers,
same worker (the requests go one at a time on one keep-alive connection, so the gateway
keeps one warm coaching worker; the script prints the pool sizes and warns when coaching
has more than one, as a pair split across workers would make the baseline a miss too).
The only difference is the ``MGET`` (and one dictionary insert). A token refused before
the check would not do: a 401 skips the route and builds another response, and a
revoked token would add the revocation's own work.

The tokens: one registered user logs in once, then ``--requests`` + warm-up refreshes
give as many access tokens (new ``jti``, same ``sid``), fetched before timing starts.
Each round times one request of each kind, alternating the order (even rounds: ``check``
with the new token then ``cached`` with it; odd rounds: ``cached`` with the previous
round's token then ``check`` with the new one), so the baseline is not always the second
request; a round whose ``cached`` request starts more than 0.4 s after its token's first
use is dropped (the verdict might have expired). The difference per round is also shown
per order, which shows any bias of going first. At the end the user is deleted
(``DELETE /auth/me``) and an unused token must then get 401 from coaching: proof that the
check consulted Redis through the gateway, not a memory store.

Prints p50/p99 of both kinds, the cost added by the check at p50 and p99 (the difference
of the percentiles; the target is judged on it), the ratio of the p50s, and the
difference within each round (p50/p99; less moved by load that comes and goes, as both
requests of a round run a few ms apart). Target (issue 12): the check adds at most
1 ms at p50 (``--enforce`` exits 1 when it is missed).

    python bench/gateway_revocation.py [--requests 200] [--url http://127.0.0.1:4567] [--enforce]

``--url`` measures a gateway that is already running (the user is registered and deleted
there).
"""

from __future__ import annotations

import argparse
import http.client
import json
import secrets
import sys
import time
import uuid
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from local_system import System, percentile, private_system, register_verified

ROUTE = "/coaching/sessions/bench"  # not a session id: 404 right after the auth check
TARGET_ADDED_MS = 1.0
WARM_UP_ROUNDS = 20
# The check's verdict is cached 0.5 s (ppcommon.revocations.CHECK_CACHE_SECONDS); a pair
# whose first request took longer than this may not find it any more.
PAIR_WINDOW_SECONDS = 0.4


class Gateway:
    """JSON requests on one keep-alive connection to the gateway."""

    def __init__(self, system: System) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", system.gateway_port, timeout=60)
        self._retry_after = "1"

    def close(self) -> None:
        self._connection.close()

    def call(
        self, method: str, path: str, *, body: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        self._connection.request(method, path, body=data, headers=headers)
        response = self._connection.getresponse()
        raw = response.read()
        self._retry_after = response.getheader("Retry-After") or "1"
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, raw[:200]

    def expect(self, status: int, method: str, path: str, **kwargs: Any) -> Any:
        answered, body = self.call(method, path, **kwargs)
        while answered == 429 and path.startswith("/account/auth/"):
            # The account's per-address buckets (60 refreshes, then one a second): this
            # bench makes its tokens faster than that, so it waits as a client must.
            time.sleep(float(self._retry_after))
            answered, body = self.call(method, path, **kwargs)
        if answered != status:
            raise SystemExit(f"{method} {path} answered {answered}, expected {status}: {body!r}")
        return body

    def timed_get(self, token: str) -> float:
        """One GET of the route; its latency in ms (anything but the 404 stops the bench)."""
        started = time.perf_counter()
        self._connection.request(
            "GET", ROUTE, headers={"Accept": "application/json", "Authorization": f"Bearer {token}"}
        )
        response = self._connection.getresponse()
        raw = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 404 or b"not found" not in raw:
            raise SystemExit(f"GET {ROUTE} answered {response.status}: {raw[:200]!r}")
        return elapsed


def _tokens(system: System, gateway: Gateway, count: int) -> tuple[str, list[str]]:
    """A new user's password and ``count`` access tokens of one session (one per refresh)."""
    email = f"bench-{uuid.uuid4().hex[:12]}@bench.purposepath.app"
    password = secrets.token_urlsafe(18)
    register_verified(
        system,
        lambda method, path, body: gateway.call(method, path, body=body),
        email,
        password,
        "Bench",
    )
    pair = gateway.expect(
        200, "POST", "/account/auth/login", body={"email": email, "password": password}
    )
    tokens = [pair["accessToken"]]
    refresh = pair["refreshToken"]
    while len(tokens) < count:
        pair = gateway.expect(200, "POST", "/account/auth/refresh", body={"refreshToken": refresh})
        tokens.append(pair["accessToken"])
        refresh = pair["refreshToken"]
    if len(set(tokens)) != len(tokens):
        raise SystemExit("refresh answered an access token twice: the tokens must be new")
    return password, tokens


@dataclass
class Rounds:
    """Latencies in ms of each kind, per round, and the order each round ran in."""

    checked: list[float] = field(default_factory=list)
    cached: list[float] = field(default_factory=list)
    check_first: list[bool] = field(default_factory=list)
    dropped: int = 0

    def added(self, *, check_first: bool) -> list[float]:
        """Per-round check minus cached, for the rounds run in this order."""
        return [
            checked - cached
            for checked, cached, first in zip(
                self.checked, self.cached, self.check_first, strict=True
            )
            if first is check_first
        ]


def _rounds(gateway: Gateway, tokens: list[str]) -> Rounds:
    """One round per token, the order alternating so neither kind always goes second.

    Even rounds: ``check`` with the new token, then ``cached`` with it. Odd rounds:
    ``cached`` with the previous round's token (its verdict cached a few ms before),
    then ``check`` with the new one. A round whose ``cached`` request started more than
    ``PAIR_WINDOW_SECONDS`` after its token's first use is dropped.
    """
    rounds = Rounds()
    previous, previous_seen_at = "", 0.0
    for index, token in enumerate(tokens):
        check_first = index % 2 == 0 or not previous
        if check_first:
            seen_at = time.perf_counter()
            checked = gateway.timed_get(token)
            cached_at = time.perf_counter()
            cached = gateway.timed_get(token)
            age = cached_at - seen_at
        else:
            cached_at = time.perf_counter()
            cached = gateway.timed_get(previous)
            age = cached_at - previous_seen_at
            seen_at = time.perf_counter()
            checked = gateway.timed_get(token)
        previous, previous_seen_at = token, seen_at
        if age > PAIR_WINDOW_SECONDS:
            rounds.dropped += 1
            continue
        rounds.checked.append(checked)
        rounds.cached.append(cached)
        rounds.check_first.append(check_first)
    return rounds


def _row(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    return (
        f"{name:<34} n={len(ordered):<5} p50={percentile(ordered, 0.50):7.2f} ms  "
        f"p99={percentile(ordered, 0.99):7.2f} ms  max={ordered[-1]:7.2f} ms"
    )


def _prove_live_check(gateway: Gateway, password: str, live: str, spare: str) -> None:
    """Delete the user; a never-used token of theirs must then be refused by coaching."""
    gateway.expect(204, "DELETE", "/account/auth/me", body={"password": password}, token=live)
    status, body = gateway.call("GET", ROUTE, token=spare)
    if status != 401:
        raise SystemExit(
            f"after the user was deleted, coaching answered {status} to their token "
            f"({body!r}): the revocation check did not reach Redis, so the figures above "
            "do not measure it"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--requests", type=int, default=200, help="rounds (one of each kind)")
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
        gateway = Gateway(system)
        try:
            started = time.perf_counter()
            # One token more than the rounds: the last one stays unused for the live proof.
            password, tokens = _tokens(system, gateway, WARM_UP_ROUNDS + arguments.requests + 1)
            fetching = time.perf_counter() - started
            spare = tokens.pop()
            _rounds(gateway, tokens[:WARM_UP_ROUNDS])  # cold worker, Redis connect, key set
            rounds = _rounds(gateway, tokens[WARM_UP_ROUNDS:])
            workers = system.worker_pool_sizes()
            _prove_live_check(gateway, password, tokens[-1], spare)
        finally:
            gateway.close()

    if not rounds.checked:
        raise SystemExit(f"every round took over {PAIR_WINDOW_SECONDS} s: nothing to report")
    checked, cached = sorted(rounds.checked), sorted(rounds.cached)
    added = percentile(checked, 0.50) - percentile(cached, 0.50)
    print(
        f"GET {ROUTE} through the gateway, {len(checked)} rounds "
        f"({rounds.dropped} dropped, {WARM_UP_ROUNDS} warm-up), {len(tokens) + 1} tokens "
        f"fetched in {fetching:.1f} s"
    )
    print(_row("check (new token: one MGET)", checked))
    print(_row("cached (same token again)", cached))
    paired = sorted(rounds.checked[i] - rounds.cached[i] for i in range(len(checked)))
    print(
        f"  check - cached per round            p50={percentile(paired, 0.50):6.2f} ms  "
        f"p99={percentile(paired, 0.99):6.2f} ms"
    )
    for check_first, order in ((True, "check first"), (False, "cached first")):
        differences = sorted(rounds.added(check_first=check_first))
        if differences:
            print(
                f"  rounds with {order:<12}          n={len(differences):<5} "
                f"check - cached p50={percentile(differences, 0.50):6.2f} ms"
            )
    print(f"warm workers                       {json.dumps(workers)}")
    if sum(size for name, size in workers.items() if "coaching-api" in name) > 1:
        print("warning: more than one coaching worker: some baseline requests may have missed")
    print("live check                         an unused token of the deleted user got 401")
    print(
        f"added by the check                 p50 {added:.2f} ms (target <= "
        f"{TARGET_ADDED_MS:.0f} ms), p99 "
        f"{percentile(checked, 0.99) - percentile(cached, 0.99):.2f} ms; ratio check/cached "
        f"p50 = {percentile(checked, 0.50) / percentile(cached, 0.50):.2f}x"
    )
    met = added <= TARGET_ADDED_MS
    print("target met" if met else "target MISSED")
    return 0 if met or not arguments.enforce else 1


if __name__ == "__main__":
    sys.exit(main())
