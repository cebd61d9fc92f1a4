"""Per-request cost of authentication in ppcommon: token verification and revocation check.

One run, one process, no AWS:

- verification: ``verify_access_token`` on one ES256 token with the public key already
  cached (cryptography, and the pure-Python fallback the local gateway uses on a non-arm64
  host), against the legacy HS256 path on a token of the same claims (the baseline);
- revocation check: ``RevocationChecker.check`` against a local ``redis-server`` with the
  stage's ACL users (the coaching reader user), one ``MGET`` of four keys per check (a new
  token id each time, so the in-process cache never answers), against a ``PING`` on the
  same connection (the floor of any Redis round trip, the baseline), and the cached path.

Prints p50/p99 in microseconds and each figure as a ratio to its baseline. Target
(issue 12): the revocation check adds at most 1 ms at p50 (``--enforce`` exits 1 when
missed). Needs redis-server on PATH for the second part (skipped otherwise).

    python bench/auth_cost.py [--rounds 2000] [--enforce]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable

from local_system import percentile

from ppcommon import es256
from ppcommon.cache import RedisConnection
from ppcommon.jwt import Claims, verify_access_token
from ppcommon.revocations import RedisRevocationStore, RevocationChecker
from ppcommon.signing_keys import StaticKeys
from pptesting import redis_server, tokens

TARGET_CHECK_MS = 1.0
SECRET = b"bench-legacy-secret-" + b"0123456789abcdef" * 4


def _timed(step: Callable[[int], object], rounds: int) -> list[float]:
    """Microseconds per call of ``step(i)``, after a short warm-up."""
    for index in range(min(50, rounds)):
        step(index)
    samples = []
    for index in range(rounds):
        started = time.perf_counter()
        step(index)
        samples.append((time.perf_counter() - started) * 1e6)
    return sorted(samples)


def _line(name: str, samples: list[float], baseline: list[float] | None) -> str:
    p50, p99 = percentile(samples, 0.50), percentile(samples, 0.99)
    ratio = ""
    if baseline is not None:
        ratio = f"   x{p50 / percentile(baseline, 0.50):.1f} of baseline at p50"
    return f"  {name:<42} p50 {p50:9.1f} us   p99 {p99:9.1f} us{ratio}"


def verification(rounds: int) -> None:
    now = time.time()
    claims = tokens.claims(now=now)
    es_token = tokens.sign(claims)
    hs_token = tokens.sign_hs256({k: v for k, v in claims.items() if k != "sid"}, SECRET.decode())
    native = tokens.verifier_key()
    pure = es256.Es256PublicKey(native.x, native.y)
    window = now + 3600
    keys_native = StaticKeys({tokens.TEST_KID: native}, legacy_hs256_until=window)
    keys_pure = StaticKeys({tokens.TEST_KID: pure}, legacy_hs256_until=window)

    hs256 = _timed(
        lambda _: verify_access_token(hs_token, now=now, keys=keys_native, secret=SECRET), rounds
    )
    es_native = _timed(lambda _: verify_access_token(es_token, now=now, keys=keys_native), rounds)
    es_pure = _timed(
        lambda _: verify_access_token(es_token, now=now, keys=keys_pure), max(rounds // 10, 50)
    )
    print("token verification (key cached; baseline: legacy HS256)")
    print(_line("HS256 (baseline)", hs256, None))
    print(_line("ES256, cryptography", es_native, hs256))
    print(_line("ES256, pure-Python fallback", es_pure, hs256))


def revocation_check(rounds: int) -> float | None:
    if not redis_server.available():
        print("revocation check: skipped (redis-server is not on PATH)")
        return None
    with redis_server.acl_redis(stage="bench") as server:
        username, password = server.users["coaching"]
        connection = RedisConnection(
            "127.0.0.1", server.port, tls=False, auth=lambda: (username, password)
        )
        checker = RevocationChecker(RedisRevocationStore(connection), emit=lambda _: None)
        claims = Claims("user-1", "tenant-1", "owner", int(time.time()) + 900, "j", "s", 0)
        fresh = [dataclasses.replace(claims, token_id=f"jti-{i}") for i in range(rounds + 50)]

        ping = _timed(lambda _: connection.call("PING"), rounds)
        checked = _timed(lambda i: checker.check(fresh[i], method="GET"), rounds)
        cached = _timed(lambda _: checker.check(claims, method="GET"), rounds)
    print("revocation check against redis-server (baseline: PING on the same connection)")
    print(_line("PING (baseline)", ping, None))
    print(_line("check: one MGET of 4 keys", checked, ping))
    print(_line("check: answered by the 0.5 s cache", cached, ping))
    added_ms = percentile(checked, 0.50) / 1000
    print(f"  added per request at p50: {added_ms:.3f} ms (target <= {TARGET_CHECK_MS} ms)")
    return added_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--enforce", action="store_true")
    options = parser.parse_args(argv)
    verification(options.rounds)
    added_ms = revocation_check(options.rounds)
    if options.enforce and added_ms is not None and added_ms > TARGET_CHECK_MS:
        print(f"FAIL: the revocation check adds {added_ms:.3f} ms at p50")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
