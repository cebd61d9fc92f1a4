"""Security events: counted as CloudWatch metrics (so they can be alarmed on) and logged.

What is recorded names sessions and outcomes, never a password or a token.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit

from ppcommon.observability import metrics

SERVICE = "account"

logger = Logger(service=SERVICE, child=True)


def _count(name: str) -> None:
    metrics(SERVICE).add_metric(name=name, unit=MetricUnit.Count, value=1)


def login_failed() -> None:
    _count("LoginFailed")


def refresh_token_reused(session_id: str) -> None:
    """A spent refresh token came back: it was copied. The session is being revoked."""
    _count("RefreshTokenReuse")
    logger.warning(
        "refresh token reuse detected; session revoked", extra={"session_id": session_id}
    )


def tenant_ownership_changed_during_deletion(tenant_id: str) -> None:
    """A deletion's tenant announcement and the transaction's outcome disagree."""
    _count("TenantDeletionMismatch")
    logger.error(
        "tenant ownership changed while its owner was being deleted; tenant.deleted was "
        "decided before the transaction and may not match it",
        extra={"tenant_id": tenant_id},
    )


def rate_limited(limit: str) -> None:
    """A request was refused with 429: ``limit`` names the IP bucket, or ``account``."""
    _count("RateLimited")
    logger.info("request refused by a rate limit", extra={"limit": limit})


def account_locked_out(failure_key: str) -> None:
    """An account reached the lockout threshold (again): it is locked for a while.

    ``failure_key`` is ``rl:fail:email:<sha256>`` or ``rl:fail:user:<id>``; only a prefix of
    an email's hash is logged (enough to correlate, not a lookup key for the address).
    """
    _count("AccountLockedOut")
    kind, _, ident = failure_key.removeprefix("rl:fail:").partition(":")
    shown = ident[:12] if kind == "email" else ident
    logger.warning("account locked out after repeated failed sign-ins", extra={kind: shown})


def rate_limit_store_unavailable() -> None:
    """A limit was decided in this environment's memory: Redis could not answer."""
    _count("RateLimitStoreUnavailable")
