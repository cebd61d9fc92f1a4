"""AWS::SES::EmailIdentity on moto's SES v2 backend (moto 5.2.5 has no model for it).

CloudFormation template reference, AWS::SES::EmailIdentity
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ses-emailidentity.html):
Ref returns the identity (the domain or the address); ``Fn::GetAtt`` DkimDNSTokenName1..3
and DkimDNSTokenValue1..3 are the Easy DKIM CNAME records to publish,
``<token>._domainkey.<domain>`` -> ``<token>.dkim.amazonses.com`` (SES Developer Guide,
"Easy DKIM in Amazon SES"). The identity is created as SES API v2 CreateEmailIdentity
creates it, so it starts unverified (``resources.ses_identities`` decides when it is
verified); CloudFormation does not wait for verification. ``EmailIdentity`` is create-only
(a change replaces the identity); the other properties are kept on update.

Bring Your Own DKIM (``DkimSigningAttributes`` with a selector and private key) is not
modelled: the create fails saying so, rather than pretending to sign with a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
from moto.core.common_models import CloudFormationModel
from moto.sesv2.models import SESV2Backend, sesv2_backends

from pplocalaws.resources import ses_identities
from pplocalaws.resources.common import LocalModel, Properties, require

RESOURCE_TYPE = "AWS::SES::EmailIdentity"
_DKIM_ATTRIBUTES = {
    f"DkimDNSToken{part}{n}": (part, n - 1) for part in ("Name", "Value") for n in (1, 2, 3)
}


def _backend(account_id: str, region_name: str) -> SESV2Backend:
    found: SESV2Backend = sesv2_backends[account_id][region_name]
    return found


class LocalEmailIdentity(LocalModel, CloudFormationModel):
    """An SES identity (domain or email address) made by CloudFormation."""

    RESOURCE_TYPE = RESOURCE_TYPE
    REF_ATTRIBUTE = "name"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {}  # DKIM attributes: see get_cfn_attribute

    def __init__(self, name: str, properties: Properties, account_id: str, region: str) -> None:
        self.name = name
        self.properties = properties
        self.account_id = account_id
        self.region = region

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in _DKIM_ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in _DKIM_ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        state = ses_identities.verification(self.account_id, self.region, self.name)
        if state is None or not state.dkim_tokens:
            raise ValidationError(
                message=f"{RESOURCE_TYPE} {self.name}: {attribute_name} exists only for a "
                "domain identity with Easy DKIM; use a domain as EmailIdentity, or drop the "
                "DKIM records for an email address identity"
            )
        part, index = _DKIM_ATTRIBUTES[attribute_name]
        name, value = ses_identities.dkim_record(self.name, state.dkim_tokens[index])
        return name if part == "Name" else value

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalEmailIdentity:
        name = str(require(properties, "EmailIdentity", RESOURCE_TYPE)).strip()
        signing = properties.get("DkimSigningAttributes") or {}
        if signing.get("DomainSigningPrivateKey") or signing.get("DomainSigningSelector"):
            raise ValidationError(
                message=f"{RESOURCE_TYPE} {name}: Bring Your Own DKIM (DomainSigningSelector, "
                "DomainSigningPrivateKey) is not modelled by the local AWS; use Easy DKIM "
                "(omit them, NextSigningKeyLength alone is fine)"
            )
        _backend(account_id, region_name).create_email_identity(
            email_identity=name,
            tags=list(properties.get("Tags") or []) or None,
            dkim_signing_attributes=None,
            configuration_set_name=(properties.get("ConfigurationSetAttributes") or {}).get(
                "ConfigurationSetName"
            ),
        )
        return cls(name, properties, account_id, region_name)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        """Feedback, MAIL FROM, configuration set and DKIM settings: kept, not enforced."""

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if physical_id in backend.core_backend.email_identities:
            backend.delete_email_identity(physical_id)
