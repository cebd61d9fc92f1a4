"""``GET /health``: answers without touching AWS, so it proves the function runs."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "service": "account", "runtime": "python"}
