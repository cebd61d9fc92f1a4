"""API Gateway v2 custom domains: AWS::ApiGatewayV2::DomainName and ApiMapping (no moto models).

A regional domain gets the target a Route53 alias points at: ``RegionalDomainName``
(``d-<id>.execute-api.<region>.amazonaws.com``) and ``RegionalHostedZoneId`` (API Gateway's
published zone for the region), also shown in GetDomainName's configurations.

An ApiMapping update keeps the mapping and re-points it (ApiId, Stage, ApiMappingKey are
updatable in CloudFormation; only DomainName replaces). moto has no UpdateApiMapping, so
the mapping object in its backend is changed in place: the mapping id stays, and no
request is ever without a mapping.

An ApiMapping can be imported (IMPORT change set) by its primary identifier, which is
composite in CloudFormation's schema: ``{ApiMappingId, DomainName}``. Importing adopts the
mapping as it is; the template should describe it as it is (re-point it first).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from typing import Any, ClassVar

from moto.apigatewayv2.exceptions import ApiMappingNotFound, DomainNameNotFound
from moto.core.common_models import CloudFormationModel

from pplocalaws.extensions.importable import Existing, Importable, register
from pplocalaws.resources.apigatewayv2 import backend_for, camel_keys, tag_dict_or_map
from pplocalaws.resources.common import LocalModel, Properties, properties_of, require

DOMAIN_TYPE = "AWS::ApiGatewayV2::DomainName"
MAPPING_TYPE = "AWS::ApiGatewayV2::ApiMapping"

# API Gateway's regional endpoint hosted zones (AWS General Reference, "API Gateway
# endpoints"). A region missing here gets a stable made-up id, fine for a local Route53.
REGIONAL_HOSTED_ZONES = {
    "us-east-1": "Z1UJRXOUMOOFQ8",
    "us-east-2": "ZOJJZC49E0EPZ",
    "us-west-1": "Z2MUQ32089INYE",
    "us-west-2": "Z2OJLYMUO9EFXC",
    "eu-west-1": "ZLY8HYME6SFDD",
    "eu-west-2": "ZJ5UAJN8Y3Z2Q",
    "eu-central-1": "Z1U9ULNL0V5AJ3",
    "ap-southeast-1": "ZL327KTPIQFUL",
    "ap-southeast-2": "Z2RPCDW04V8134",
    "ap-northeast-1": "Z1YSHQZHG15GKL",
}


def regional_target(domain_name: str, region_name: str) -> tuple[str, str]:
    """(regional domain name, hosted zone id) API Gateway gives a regional custom domain."""
    digest = hashlib.sha256(domain_name.encode()).hexdigest()
    zone = REGIONAL_HOSTED_ZONES.get(region_name, "Z" + digest[:13].upper())
    return f"d-{digest[:10]}.execute-api.{region_name}.amazonaws.com", zone


class LocalApiDomainName(LocalModel, CloudFormationModel):
    """A custom domain name. Ref returns the domain name."""

    RESOURCE_TYPE = DOMAIN_TYPE
    NAME_PROPERTY = "DomainName"
    REF_ATTRIBUTE = "domain_name"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {
        "RegionalDomainName": "regional_domain_name",
        "RegionalHostedZoneId": "regional_hosted_zone_id",
        "DomainNameArn": "domain_name_arn",
    }

    def __init__(
        self, domain_name: str, arn: str, region_name: str, properties: Properties
    ) -> None:
        self.domain_name = domain_name
        self.domain_name_arn = arn
        self.regional_domain_name, self.regional_hosted_zone_id = regional_target(
            domain_name, region_name
        )
        self.properties = properties

    @staticmethod
    def configurations(
        domain_name: str, properties: Properties, region_name: str
    ) -> list[dict[str, Any]]:
        """DomainNameConfigurations as GetDomainName reports them, with the regional target."""
        target, zone = regional_target(domain_name, region_name)
        return [
            {
                "endpointType": "REGIONAL",
                **camel_keys(configuration),
                "apiGatewayDomainName": target,
                "hostedZoneId": zone,
                "domainNameStatus": "AVAILABLE",
            }
            for configuration in properties.get("DomainNameConfigurations", [])
        ]

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalApiDomainName:
        name = str(require(properties, "DomainName", DOMAIN_TYPE))
        domain = backend_for(account_id, region_name).create_domain_name(
            domain_name=name,
            domain_name_configurations=cls.configurations(name, properties, region_name),
            mutual_tls_authentication=camel_keys(properties.get("MutualTlsAuthentication")),
            tags=tag_dict_or_map(properties.get("Tags")),
        )
        return cls(name, domain.domain_name_arn, region_name, properties)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        domain = backend_for(account_id, region_name).get_domain_name(self.domain_name)
        domain.domain_name_configurations = self.configurations(
            domain.domain_name, new, region_name
        )
        domain.mutual_tls_authentication = camel_keys(new.get("MutualTlsAuthentication"))
        domain.tags = tag_dict_or_map(new.get("Tags"))

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        _delete_domain(physical_id, account_id, region_name)


def _delete_domain(domain_name: str, account_id: str, region_name: str) -> None:
    backend = backend_for(account_id, region_name)
    if domain_name not in backend.domain_names:
        return
    # moto's DeleteDomainName deletes from the mapping dict while iterating it (a
    # RuntimeError once a mapping exists); its mappings go with it, as in API Gateway.
    for mapping_id in [
        m for m, mapping in backend.api_mappings.items() if mapping.domain_name == domain_name
    ]:
        del backend.api_mappings[mapping_id]
    backend.delete_domain_name(domain_name)


class LocalApiMapping(LocalModel, CloudFormationModel):
    """Maps a path of a custom domain to an API stage. Ref returns the ApiMappingId."""

    RESOURCE_TYPE = MAPPING_TYPE
    REF_ATTRIBUTE = "mapping_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"ApiMappingId": "mapping_id"}

    def __init__(self, mapping_id: str, domain_name: str, properties: Properties) -> None:
        self.mapping_id = mapping_id
        self.domain_name = domain_name
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalApiMapping:
        domain_name = str(require(properties, "DomainName", MAPPING_TYPE))
        mapping = backend_for(account_id, region_name).create_api_mapping(
            api_id=require(properties, "ApiId", MAPPING_TYPE),
            api_mapping_key=str(properties.get("ApiMappingKey", "")),
            domain_name=domain_name,
            stage=require(properties, "Stage", MAPPING_TYPE),
        )
        return cls(mapping.api_mapping_id, domain_name, properties)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        """Re-point the mapping in place: its id stays and no request goes unmapped."""
        backend = backend_for(account_id, region_name)
        backend.get_api(require(new, "ApiId", MAPPING_TYPE))  # the new target must exist
        mapping = backend.get_api_mapping(self.mapping_id, self.domain_name)
        mapping.api_id = new["ApiId"]
        mapping.stage = require(new, "Stage", MAPPING_TYPE)
        mapping.api_mapping_key = str(new.get("ApiMappingKey", ""))

    # No delete_by_physical_id: the id alone does not name the domain, so ``delete`` does it.
    def delete(self, account_id: str, region_name: str) -> None:
        # The domain went first, and its mappings with it.
        with contextlib.suppress(ApiMappingNotFound, DomainNameNotFound):
            backend_for(account_id, region_name).delete_api_mapping(
                self.mapping_id, self.domain_name
            )


def _find_mapping(mapping_id: str, account_id: str, region_name: str) -> Existing | None:
    mapping = backend_for(account_id, region_name).api_mappings.get(mapping_id)
    if mapping is None:
        return None
    # Named as the console shows it: the domain and the path it serves.
    name = f"{mapping.domain_name}/{mapping.api_mapping_key or '(none)'}"
    return Existing(mapping.api_mapping_id, name, scope=mapping.domain_name)


def _adopt_mapping(
    existing: Existing, cloudformation_json: dict[str, Any], account_id: str, region_name: str
) -> LocalApiMapping:
    return LocalApiMapping(existing.physical_id, existing.scope, properties_of(cloudformation_json))


# No name property: the template's DomainName is the scope, checked against the request.
register(
    Importable(
        MAPPING_TYPE, "ApiMappingId", "", _find_mapping, _adopt_mapping, scope_key="DomainName"
    )
)
