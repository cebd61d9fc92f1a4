"""Logger, Tracer and Metrics per service, and the one-line Lambda handler wrapper.

Tracing: Lambda's active tracing records every invocation without any SDK. Powertools'
Tracer needs the X-Ray SDK, which drags botocore into the artifact (and would shadow the
runtime's own), so the artifacts do not ship it; the Tracer is used in Lambda where the SDK is
installed (e.g. the Powertools layer) and skipped otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    from aws_lambda_powertools.utilities.typing import LambdaContext

Handler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]

METRICS_NAMESPACE = "PurposePath"


@cache
def logger(service: str) -> Logger:
    return Logger(service=service, level=os.environ.get("LOG_LEVEL", "INFO"))


@cache
def metrics(service: str) -> Metrics:
    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", METRICS_NAMESPACE)
    return Metrics(namespace=namespace, service=service)


def _tracing_possible() -> bool:
    # Outside Lambda (tests, the local gateway, benches) Powertools disables tracing
    # anyway, yet its Tracer would still import the X-Ray SDK and botocore (~0.2 s).
    in_lambda = bool(os.environ.get("LAMBDA_TASK_ROOT"))
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in ("1", "true")
    return in_lambda and not disabled and find_spec("aws_xray_sdk") is not None


@cache
def tracer(service: str) -> Tracer | None:
    """The service's Tracer, or None where no trace can be sent (see the module doc)."""
    if not _tracing_possible():
        return None
    # Imported only when usable: the Tracer module pulls the X-Ray SDK in.
    from aws_lambda_powertools import Tracer  # noqa: PLC0415 - see above

    return Tracer(service=service)


def app_handler(app: APIGatewayHttpResolver, service: str) -> Handler:
    """The Lambda entry point for ``app``: logging context, cold-start metric, tracing.

    The event is never logged (it carries passwords and tokens), nor is the response
    captured into traces (it carries tokens).
    """

    def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return app.resolve(event, context)

    wrapped: Handler = logger(service).inject_lambda_context(
        handle, correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False
    )
    active_tracer = tracer(service)
    if active_tracer is not None:
        wrapped = active_tracer.capture_lambda_handler(wrapped, capture_response=False)
    return metrics(service).log_metrics(wrapped, capture_cold_start_metric=True)
