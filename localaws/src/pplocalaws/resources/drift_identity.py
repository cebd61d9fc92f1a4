"""Drift reader for the bootstrap stack's AWS::IAM::OIDCProvider (``iam_oidc``'s model on
moto's IAM backend; IAM is global, its backend is per partition).

The physical id is the provider's ARN. Url, ClientIdList, ThumbprintList and Tags are
compared as GetOpenIDConnectProvider and ListOpenIDConnectProviderTags show them. IAM
keeps the URL without its scheme ("https://" is the only one it takes,
CreateOpenIDConnectProvider): the live Url is given back with it.
"""

from __future__ import annotations

from pplocalaws.resources.drift_common import Live, Reader, tag_list


def read_oidc_provider(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.iam.exceptions import NotFoundException  # noqa: PLC0415 - moto loads on first use
    from moto.iam.models import iam_backends  # noqa: PLC0415 - moto loads on first use
    from moto.utilities.utils import get_partition  # noqa: PLC0415 - moto loads on first use

    backend = iam_backends[account_id][get_partition(region)]
    try:
        provider = backend.get_open_id_connect_provider(physical_id)
    except NotFoundException:
        return None
    url = str(provider.url)
    tags, _ = backend.list_open_id_connect_provider_tags(physical_id, None)
    return {
        "Url": url if url.startswith("https://") else f"https://{url}",
        "ClientIdList": list(provider.client_id_list),
        "ThumbprintList": list(provider.thumbprint_list),
        "Tags": tag_list(tags),
    }


READERS: dict[str, Reader] = {
    "AWS::IAM::OIDCProvider": Reader(
        read_oidc_provider, frozenset({"Url", "ClientIdList", "ThumbprintList", "Tags"})
    ),
}
