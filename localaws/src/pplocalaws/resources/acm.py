"""AWS::CertificateManager::Certificate on moto's ACM backend (moto has no model for it).

Ref returns the certificate ARN. The certificate is marked ISSUED at once: DNS (or email)
validation needs the real domain's DNS, which cannot happen on a developer machine, and
CloudFormation only completes the resource after validation, so ISSUED is the state a
completed stack has. An update changes tags in place; any other change replaces it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from moto.acm.models import AWSCertificateManagerBackend, acm_backends
from moto.core.common_models import CloudFormationModel

from pplocalaws.resources.common import LocalModel, Properties, require

RESOURCE_TYPE = "AWS::CertificateManager::Certificate"


def _backend(account_id: str, region_name: str) -> AWSCertificateManagerBackend:
    return acm_backends[account_id][region_name]


class LocalCertificate(LocalModel, CloudFormationModel):
    """An ACM certificate, issued without validation (see the module docstring)."""

    RESOURCE_TYPE = RESOURCE_TYPE
    REF_ATTRIBUTE = "arn"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Id": "arn"}

    def __init__(self, arn: str, properties: Properties) -> None:
        self.arn = arn
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalCertificate:
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

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        old_tags = self.properties.get("Tags", [])
        if old_tags != new.get("Tags", []):
            backend.remove_tags_from_certificate(self.arn, old_tags)
            backend.add_tags_to_certificate(self.arn, list(new.get("Tags", [])))

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_certificate(physical_id)
