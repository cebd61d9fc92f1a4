"""Routes and integrations of an HTTP API from its OpenAPI 3 ``Body``, as API Gateway imports them.

SAM's HttpApi emits the API as an OpenAPI document whose operations carry
``x-amazon-apigateway-integration``. moto's own ``import_api`` turns the
``x-amazon-apigateway-any-method`` key into the route "X-AMAZON-APIGATEWAY-ANY-METHOD /path"
(instead of "ANY /path"), does not know the ``$default`` path, and wipes the API's stages,
so the walk is done here on moto's Api object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml
from moto.apigatewayv2.models import Api

ANY_METHOD_KEY = "x-amazon-apigateway-any-method"
INTEGRATION_KEY = "x-amazon-apigateway-integration"
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


@dataclass(frozen=True)
class ImportedIds:
    """What one import created, so a later Body change can remove exactly that."""

    route_ids: tuple[str, ...]
    integration_ids: tuple[str, ...]


def parse_body(body: Any) -> dict[str, Any]:
    """The OpenAPI document, given inline (a mapping) or as JSON or YAML text."""
    if isinstance(body, dict):
        return body
    text = str(body)
    document = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    return document if isinstance(document, dict) else {}


def route_key(path: str, method: str) -> str:
    """API Gateway's route key for one OpenAPI operation."""
    if path == "$default":
        return "$default"
    verb = "ANY" if method == ANY_METHOD_KEY else method.upper()
    return f"{verb} {path}"


def _integration_arguments(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "connection_type": spec.get("connectionType", "INTERNET"),
        "description": "Imported from OpenAPI",
        "integration_method": spec.get("httpMethod", "POST"),
        "integration_type": str(spec.get("type", "AWS_PROXY")).upper(),
        "integration_uri": spec.get("uri"),
        "credentials_arn": spec.get("credentials"),
        "payload_format_version": str(spec.get("payloadFormatVersion", "2.0")),
        "timeout_in_millis": spec.get("timeoutInMillis"),
        "request_parameters": spec.get("requestParameters"),
    }


def import_routes(api: Api, body: Any) -> ImportedIds:
    """Create the document's routes (one integration per distinct integration spec)."""
    document = parse_body(body)
    integrations: dict[str, str] = {}
    route_ids: list[str] = []
    for path, operations in (document.get("paths") or {}).items():
        for method, operation in (operations or {}).items():
            if method != ANY_METHOD_KEY and method not in _HTTP_METHODS:
                continue  # path-level "parameters", "summary", ...
            spec = (operation or {}).get(INTEGRATION_KEY)
            target = None
            if spec:
                key = json.dumps(spec, sort_keys=True, default=str)
                if key not in integrations:
                    created = api.create_integration(**_integration_arguments(spec))
                    integrations[key] = created.id
                target = f"integrations/{integrations[key]}"
            route = api.create_route(
                api_key_required=False,
                authorization_scopes=[],
                route_key=route_key(path, method),
                target=target,  # type: ignore[arg-type]  # a route may have no target
                operation_name=(operation or {}).get("operationId"),
            )
            route_ids.append(route.route_id)
    if "x-amazon-apigateway-cors" in document:
        api.cors_configuration = document["x-amazon-apigateway-cors"]
    return ImportedIds(tuple(route_ids), tuple(integrations.values()))


def remove_imported(api: Api, imported: ImportedIds) -> None:
    """Delete what an earlier import created (routes first: they point at integrations)."""
    for route_id in imported.route_ids:
        api.delete_route(route_id)
    for integration_id in imported.integration_ids:
        api.delete_integration(integration_id)
