"""API Gateway v2 HTTP APIs: Api, Stage, Route, Integration (moto has no models for them).

The Api's OpenAPI ``Body`` (what SAM's HttpApi emits) is imported into moto's backend so
its routes and integrations exist (see ``openapi_import``); a changed Body re-imports them
and leaves stages alone. Refs follow CloudFormation: ApiId, stage name, RouteId,
IntegrationId. Custom domains and mappings are in ``apigatewayv2_domains``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any, ClassVar

from moto.apigatewayv2.exceptions import ApiNotFound
from moto.apigatewayv2.models import Api, ApiGatewayV2Backend, apigatewayv2_backends
from moto.cloudformation.exceptions import ValidationError
from moto.core.common_models import CloudFormationModel

from pplocalaws.resources import openapi_import
from pplocalaws.resources.common import (
    LocalModel,
    Properties,
    as_bool,
    require,
    tag_dict,
)

API_TYPE = "AWS::ApiGatewayV2::Api"
STAGE_TYPE = "AWS::ApiGatewayV2::Stage"
ROUTE_TYPE = "AWS::ApiGatewayV2::Route"
INTEGRATION_TYPE = "AWS::ApiGatewayV2::Integration"


def backend_for(account_id: str, region_name: str) -> ApiGatewayV2Backend:
    return apigatewayv2_backends[account_id][region_name]


def camel_keys(value: Any) -> Any:
    """CloudFormation's PascalCase keys in the API's camelCase (AccessLogSettings, ...)."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: camel_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [camel_keys(item) for item in value]
    return value


class LocalHttpApi(LocalModel, CloudFormationModel):
    """An HTTP (or WebSocket) API. Ref returns the ApiId."""

    RESOURCE_TYPE = API_TYPE
    REF_ATTRIBUTE = "api_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"ApiId": "api_id", "ApiEndpoint": "api_endpoint"}

    def __init__(
        self, api: Api, properties: Properties, imported: openapi_import.ImportedIds
    ) -> None:
        self.api_id = api.api_id
        self.api_endpoint = api.api_endpoint
        self.properties = properties
        self.imported = imported

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalHttpApi:
        if "BodyS3Location" in properties:
            raise ValidationError(
                message=f"{API_TYPE}: BodyS3Location is not supported by the local AWS; "
                "pass the OpenAPI document inline as Body (SAM does this by default)"
            )
        document = openapi_import.parse_body(properties.get("Body") or {})
        name = properties.get("Name") or document.get("info", {}).get("title")
        if not name:
            raise ValidationError(
                message=f"{API_TYPE}: no Name, and the Body has no info.title; set Name"
            )
        api = backend_for(account_id, region_name).create_api(
            api_key_selection_expression=properties.get("ApiKeySelectionExpression"),  # type: ignore[arg-type]  # moto defaults None
            cors_configuration=camel_keys(properties.get("CorsConfiguration")),
            description=properties.get("Description"),  # type: ignore[arg-type]  # moto defaults None
            disable_schema_validation=properties.get("DisableSchemaValidation"),  # type: ignore[arg-type]  # moto defaults None
            disable_execute_api_endpoint=as_bool(properties.get("DisableExecuteApiEndpoint")),  # type: ignore[arg-type]  # moto stores it as given
            name=name,
            protocol_type=properties.get("ProtocolType", "HTTP"),
            route_selection_expression=properties.get("RouteSelectionExpression"),  # type: ignore[arg-type]  # moto defaults None
            tags=tag_dict_or_map(properties.get("Tags")),
            version=properties.get("Version") or str(document.get("info", {}).get("version", "")),
        )
        imported = openapi_import.import_routes(api, document) if document else _nothing_imported()
        return cls(api, properties, imported)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        backend = backend_for(account_id, region_name)
        api = backend.get_api(self.api_id)
        document = openapi_import.parse_body(new.get("Body") or {})
        backend.update_api(
            api_id=api.api_id,
            api_key_selection_expression=new.get("ApiKeySelectionExpression"),  # type: ignore[arg-type]  # None leaves it
            cors_configuration=camel_keys(new.get("CorsConfiguration")),
            description=new.get("Description"),  # type: ignore[arg-type]  # None leaves it
            disable_schema_validation=new.get("DisableSchemaValidation"),  # type: ignore[arg-type]  # None leaves it
            disable_execute_api_endpoint=new.get("DisableExecuteApiEndpoint"),  # type: ignore[arg-type]  # None leaves it
            name=new.get("Name") or document.get("info", {}).get("title"),
            route_selection_expression=new.get("RouteSelectionExpression"),  # type: ignore[arg-type]  # None leaves it
            version=new.get("Version"),  # type: ignore[arg-type]  # None leaves it
        )
        if new.get("Body") != self.properties.get("Body"):
            previous = self.imported
            self.imported = (
                openapi_import.import_routes(api, document) if document else _nothing_imported()
            )
            # New routes first, then the old ones go: a request never meets an API that
            # has no routes (API Gateway applies a new definition without a gap).
            openapi_import.remove_imported(api, previous)

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        backend_for(account_id, region_name).delete_api(physical_id)


def tag_dict_or_map(tags: Any) -> dict[str, str]:
    """API Gateway v2 takes Tags as a JSON map; accept CloudFormation's list form too."""
    if isinstance(tags, list):
        return tag_dict(tags)
    return dict(tags or {})


def _nothing_imported() -> openapi_import.ImportedIds:
    return openapi_import.ImportedIds((), ())


class LocalApiStage(LocalModel, CloudFormationModel):
    """A stage of an API. Ref returns the stage name."""

    RESOURCE_TYPE = STAGE_TYPE
    REF_ATTRIBUTE = "stage_name"

    def __init__(self, api_id: str, stage_name: str, properties: Properties) -> None:
        self.api_id = api_id
        self.stage_name = stage_name
        self.properties = properties

    @staticmethod
    def stage_config(properties: Properties) -> dict[str, Any]:
        """CreateStage's request from CloudFormation properties."""
        config: dict[str, Any] = {"stageName": require(properties, "StageName", STAGE_TYPE)}
        for key in (
            "AccessLogSettings",
            "DefaultRouteSettings",
            "RouteSettings",
            "AutoDeploy",
            "ClientCertificateId",
            "Description",
            "DeploymentId",
        ):
            if key in properties:
                config[key[:1].lower() + key[1:]] = camel_keys(properties[key])
        if "AutoDeploy" in properties:
            config["autoDeploy"] = as_bool(properties["AutoDeploy"])
        config["stageVariables"] = dict(properties.get("StageVariables") or {})
        config["tags"] = tag_dict_or_map(properties.get("Tags"))
        return config

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalApiStage:
        api_id = require(properties, "ApiId", STAGE_TYPE)
        stage = backend_for(account_id, region_name).create_stage(
            api_id, cls.stage_config(properties)
        )
        return cls(api_id, stage.name, properties)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        api = backend_for(account_id, region_name).get_api(self.api_id)
        created = api.stages[self.stage_name].created
        # UpdateStage in place: the stage keeps its name and creation date.
        stage = api.create_stage(self.stage_config(new))
        stage.created = created

    def delete(self, account_id: str, region_name: str) -> None:
        # The API went first, and its stages with it.
        with contextlib.suppress(ApiNotFound):
            backend_for(account_id, region_name).delete_stage(self.api_id, self.stage_name)


class LocalApiIntegration(LocalModel, CloudFormationModel):
    """An integration of an API. Ref returns the IntegrationId."""

    RESOURCE_TYPE = INTEGRATION_TYPE
    REF_ATTRIBUTE = "integration_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"IntegrationId": "integration_id"}

    def __init__(self, api_id: str, integration_id: str, properties: Properties) -> None:
        self.api_id = api_id
        self.integration_id = integration_id
        self.properties = properties

    @staticmethod
    def arguments(properties: Properties) -> dict[str, Any]:
        return {
            "connection_id": properties.get("ConnectionId"),
            "connection_type": properties.get("ConnectionType", "INTERNET"),
            "content_handling_strategy": properties.get("ContentHandlingStrategy"),
            "credentials_arn": properties.get("CredentialsArn"),
            "description": properties.get("Description"),
            "integration_method": properties.get("IntegrationMethod"),
            "integration_subtype": properties.get("IntegrationSubtype"),
            "integration_type": require(properties, "IntegrationType", INTEGRATION_TYPE),
            "integration_uri": properties.get("IntegrationUri"),
            "passthrough_behavior": properties.get("PassthroughBehavior"),
            "payload_format_version": properties.get("PayloadFormatVersion"),
            "request_parameters": properties.get("RequestParameters"),
            "request_templates": properties.get("RequestTemplates"),
            "response_parameters": properties.get("ResponseParameters"),
            "template_selection_expression": properties.get("TemplateSelectionExpression"),
            "timeout_in_millis": properties.get("TimeoutInMillis"),
            "tls_config": camel_keys(properties.get("TlsConfig")),
        }

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalApiIntegration:
        api_id = require(properties, "ApiId", INTEGRATION_TYPE)
        integration = backend_for(account_id, region_name).create_integration(
            api_id=api_id, **cls.arguments(properties)
        )
        return cls(api_id, integration.id, properties)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        backend_for(account_id, region_name).update_integration(
            api_id=self.api_id, integration_id=self.integration_id, **self.arguments(new)
        )

    def delete(self, account_id: str, region_name: str) -> None:
        # The API went first, and its integrations with it.
        with contextlib.suppress(ApiNotFound):
            backend_for(account_id, region_name).delete_integration(
                self.api_id, self.integration_id
            )


class LocalApiRoute(LocalModel, CloudFormationModel):
    """A route of an API. Ref returns the RouteId."""

    RESOURCE_TYPE = ROUTE_TYPE
    REF_ATTRIBUTE = "route_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"RouteId": "route_id"}

    def __init__(self, api_id: str, route_id: str, properties: Properties) -> None:
        self.api_id = api_id
        self.route_id = route_id
        self.properties = properties

    @staticmethod
    def arguments(properties: Properties) -> dict[str, Any]:
        return {
            "api_key_required": as_bool(properties.get("ApiKeyRequired")),
            "authorization_scopes": list(properties.get("AuthorizationScopes", [])),
            "authorization_type": properties.get("AuthorizationType", "NONE"),
            "authorizer_id": properties.get("AuthorizerId"),
            "model_selection_expression": properties.get("ModelSelectionExpression"),
            "operation_name": properties.get("OperationName"),
            "request_models": properties.get("RequestModels"),
            "request_parameters": properties.get("RequestParameters"),
            "route_key": require(properties, "RouteKey", ROUTE_TYPE),
            "route_response_selection_expression": properties.get(
                "RouteResponseSelectionExpression"
            ),
            "target": properties.get("Target"),
        }

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalApiRoute:
        api_id = require(properties, "ApiId", ROUTE_TYPE)
        route = backend_for(account_id, region_name).create_route(
            api_id=api_id, **cls.arguments(properties)
        )
        return cls(api_id, route.route_id, properties)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        backend_for(account_id, region_name).update_route(
            api_id=self.api_id, route_id=self.route_id, **self.arguments(new)
        )

    def delete(self, account_id: str, region_name: str) -> None:
        # The API went first, and its routes with it.
        with contextlib.suppress(ApiNotFound):
            backend_for(account_id, region_name).delete_route(self.api_id, self.route_id)
