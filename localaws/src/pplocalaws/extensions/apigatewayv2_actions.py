"""UpdateApiMapping for API Gateway v2, which moto 5.2.5 lacks.

moto serves Create/Get/Delete ApiMapping but answers UpdateApiMapping
(``PATCH /v2/domainnames/{domain}/apimappings/{id}``) with NotImplementedError, HTTP 500.
API Gateway re-points the mapping in place: the mapping id stays, ApiId, Stage and
ApiMappingKey change to what the request gives (ApiId is required), the new API must
exist, the key follows CreateApiMapping's rules and may not collide with another mapping
of the same domain. The CloudFormation model (``resources.apigatewayv2_domains``) already
re-points its mapping the same way.
"""

from __future__ import annotations

import json
from typing import Any

from moto.apigatewayv2.exceptions import (
    APIGatewayV2Error,
    ApiMappingNotFound,
    BadRequestException,
)
from moto.apigatewayv2.models import ApiGatewayV2Backend
from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.core.common_types import TYPE_RESPONSE

from pplocalaws.seams import add_actions


class MappingKeyConflict(APIGatewayV2Error):
    code = 409

    def __init__(self, domain_name: str, key: str) -> None:
        super().__init__(
            "ConflictException",
            f"Domain name {domain_name} already has an API mapping with key '{key}'. "
            "Choose another ApiMappingKey or delete that mapping first.",
        )


def check_mapping_key(key: str) -> None:
    """CreateApiMapping's rules for a key (moto applies them only on create)."""
    if key.startswith("/") or "//" in key:
        raise BadRequestException(
            "API mapping key should not start with a '/' or have consecutive '/'s."
        )
    if key.endswith("/"):
        raise BadRequestException("API mapping key should not end with a '/'.")


def repoint_mapping(
    backend: ApiGatewayV2Backend,
    domain_name: str,
    mapping_id: str,
    *,
    api_id: str,
    stage: str | None,
    key: str | None,
) -> Any:
    """Change a mapping in place; what is None keeps its value."""
    mapping = backend.get_api_mapping(api_mapping_id=mapping_id, domain_name=domain_name)
    if mapping.domain_name != domain_name:
        raise ApiMappingNotFound()
    backend.get_api(api_id)  # the new target must exist (NotFoundException otherwise)
    if key is not None:
        check_mapping_key(key)
        for other in backend.get_api_mappings(domain_name=domain_name):
            if other.api_mapping_id != mapping_id and other.api_mapping_key == key:
                raise MappingKeyConflict(domain_name, key)
        mapping.api_mapping_key = key
    mapping.api_id = api_id
    if stage is not None:
        mapping.stage = stage
    return mapping


def update_api_mapping(self: ApiGatewayV2Response) -> TYPE_RESPONSE:
    # The path is /v2/domainnames/{domain}/apimappings/{id}.
    parts = self.path.rstrip("/").split("/")
    domain_name, mapping_id = parts[-3], parts[-1]
    params = json.loads(self.body or "{}")
    api_id = params.get("apiId")
    if not api_id:
        raise BadRequestException("ApiId is required to update an API mapping.")
    mapping = repoint_mapping(
        self.apigatewayv2_backend,
        domain_name,
        mapping_id,
        api_id=api_id,
        stage=params.get("stage"),
        key=params.get("apiMappingKey"),
    )
    return 200, {}, json.dumps(mapping.to_json())


def apply() -> None:
    add_actions(ApiGatewayV2Response, update_api_mapping)
