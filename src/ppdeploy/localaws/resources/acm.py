"""AWS::CertificateManager::Certificate on moto's ACM backend (moto has no model for it).

Ref returns the certificate ARN. The certificate is marked ISSUED at once: DNS (or email)
validation needs the real domain's DNS, which cannot happen on a developer machine, and
CloudFormation only completes the resource after validation, so ISSUED is the state a
completed stack has. An update changes tags in place; any other change replaces it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from moto.acm.models import AWSCertificateManagerBackend, acm_backends
from moto.core.common_models import CloudFormationModel

from ppdeploy.localaws.resources.common import (
    AttributeTable,
    Properties,
    properties_of,
    replace_resource,
    require,
    requires_replacement,
)

RESOURCE_TYPE = "AWS::CertificateManager::Certificate"


def _backend(account_id: str, region_name: str) -> AWSCertificateManagerBackend:
    return acm_backends[account_id][region_name]


class LocalCertificate(AttributeTable, CloudFormationModel):
    """An ACM certificate, issued without validation (see the module docstring)."""

    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Id": "arn"}

    def __init__(self, arn: str, properties: Properties) -> None:
        self.arn = arn
        self.properties = properties

    @staticmethod
    def cloudformation_type() -> str:
        return RESOURCE_TYPE

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LocalCertificate:
        properties = properties_of(cloudformation_json)
        backend = _backend(account_id, region_name)
        arn = backend.request_certificate(
            domain_name=require(properties, "DomainName", RESOURCE_TYPE),
            idempotency_token="",
            subject_alt_names=list(properties.get("SubjectAlternativeNames", [])),
            tags=list(properties.get("Tags", [])),
            cert_authority_arn=properties.get("CertificateAuthorityArn"),
        )
        certificate = backend.get_certificate(arn)
        certificate.type = "AMAZON_ISSUED"
        certificate.status = "ISSUED"
        return cls(arn, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: LocalCertificate,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LocalCertificate:
        new = properties_of(cloudformation_json)
        if requires_replacement(RESOURCE_TYPE, original_resource.properties, new):
            return replace_resource(
                create=lambda: cls.create_from_cloudformation_json(
                    new_resource_name, cloudformation_json, account_id, region_name
                ),
                delete_old=lambda: original_resource.delete(account_id, region_name),
                cloudformation_json=cloudformation_json,
            )
        backend = _backend(account_id, region_name)
        old_tags = original_resource.properties.get("Tags", [])
        if old_tags != new.get("Tags", []):
            backend.remove_tags_from_certificate(original_resource.arn, old_tags)
            backend.add_tags_to_certificate(original_resource.arn, list(new.get("Tags", [])))
        original_resource.properties = new
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        _backend(account_id, region_name).delete_certificate(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_certificate(self.arn)
