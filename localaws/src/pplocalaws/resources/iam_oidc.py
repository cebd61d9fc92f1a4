"""AWS::IAM::OIDCProvider on moto's IAM backend (moto has no CloudFormation model for it).

The bootstrap stack trusts GitHub's OIDC issuer through one. As the resource's reference
page says (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-oidcprovider.html):
Ref returns the provider's ARN, ``Url`` is create-only (a new one replaces the provider),
``ClientIdList``, ``ThumbprintList`` and ``Tags`` update in place. An account holds one
provider per issuer URL: CreateOpenIDConnectProvider refuses a second with
``EntityAlreadyExists`` (IAM API reference), which fails the resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar
from urllib.parse import urlparse

from moto.core.common_models import CloudFormationModel
from moto.iam.exceptions import EntityAlreadyExists, ValidationError
from moto.iam.models import IAMBackend, iam_backends
from moto.utilities.utils import get_partition

from pplocalaws.resources.common import LocalModel, Properties, require

RESOURCE_TYPE = "AWS::IAM::OIDCProvider"


def _backend(account_id: str, region_name: str) -> IAMBackend:
    return iam_backends[account_id][get_partition(region_name)]


def provider_arn(url: str, account_id: str, region_name: str) -> str:
    """The ARN IAM gives the provider of ``url`` (scheme dropped, host and path kept)."""
    parsed = urlparse(url)
    return (
        f"arn:{get_partition(region_name)}:iam::{account_id}:oidc-provider/"
        f"{parsed.netloc}{parsed.path}"
    )


class LocalOidcProvider(LocalModel, CloudFormationModel):
    """An IAM OpenID Connect identity provider."""

    RESOURCE_TYPE = RESOURCE_TYPE
    REF_ATTRIBUTE = "arn"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Arn": "arn"}

    def __init__(self, arn: str, properties: Properties) -> None:
        self.arn = arn
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalOidcProvider:
        backend = _backend(account_id, region_name)
        url = require(properties, "Url", RESOURCE_TYPE)
        if not str(url).startswith("https://"):
            # IAM: "The URL must begin with https://" (CreateOpenIDConnectProvider, Url).
            raise ValidationError(f"Url {url} must begin with https://; fix the template's Url")
        arn = provider_arn(url, account_id, region_name)
        if arn in backend.list_open_id_connect_providers():
            raise EntityAlreadyExists(f"Provider with url {url} already exists.")
        provider = backend.create_open_id_connect_provider(
            url,
            list(properties.get("ThumbprintList", [])),
            list(properties.get("ClientIdList", [])),
            list(properties.get("Tags", [])),
        )
        return cls(provider.arn, properties)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        provider = backend.get_open_id_connect_provider(self.arn)
        backend.update_open_id_connect_provider_thumbprint(
            self.arn, list(new.get("ThumbprintList", []))
        )
        provider.client_id_list = list(new.get("ClientIdList", []))
        old_keys = [tag["Key"] for tag in self.properties.get("Tags", [])]
        if old_keys:
            backend.untag_open_id_connect_provider(self.arn, old_keys)
        if new.get("Tags"):
            backend.tag_open_id_connect_provider(self.arn, list(new["Tags"]))

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_open_id_connect_provider(physical_id)
