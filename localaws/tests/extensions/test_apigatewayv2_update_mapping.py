"""UpdateApiMapping re-points a custom domain's mapping in place (moto lacks the action)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

DOMAIN = "api.dev.purposepath.app"


@pytest.fixture
def gateway(aws: None) -> Any:
    return boto3.client("apigatewayv2", region_name="us-east-1")


def http_api(gateway: Any, name: str) -> str:
    api_id: str = gateway.create_api(Name=name, ProtocolType="HTTP")["ApiId"]
    gateway.create_stage(ApiId=api_id, StageName="$default")
    return api_id


@pytest.fixture
def mapped(gateway: Any) -> dict[str, str]:
    gateway.create_domain_name(DomainName=DOMAIN)
    old_api = http_api(gateway, "account-v1")
    mapping = gateway.create_api_mapping(
        DomainName=DOMAIN, ApiId=old_api, Stage="$default", ApiMappingKey="account"
    )
    return {"old_api": old_api, "mapping_id": mapping["ApiMappingId"]}


def test_update_api_mapping_repoints_in_place(gateway: Any, mapped: dict[str, str]) -> None:
    new_api = http_api(gateway, "account-v2")

    answer = gateway.update_api_mapping(
        DomainName=DOMAIN,
        ApiMappingId=mapped["mapping_id"],
        ApiId=new_api,
        Stage="$default",
        ApiMappingKey="accounts",
    )

    assert (answer["ApiMappingId"], answer["ApiId"], answer["ApiMappingKey"]) == (
        mapped["mapping_id"],
        new_api,
        "accounts",
    )
    mappings = gateway.get_api_mappings(DomainName=DOMAIN)["Items"]
    assert [(m["ApiMappingId"], m["ApiId"], m["ApiMappingKey"]) for m in mappings] == [
        (mapped["mapping_id"], new_api, "accounts")
    ]


def test_omitted_fields_keep_their_values(gateway: Any, mapped: dict[str, str]) -> None:
    new_api = http_api(gateway, "account-v2")

    gateway.update_api_mapping(DomainName=DOMAIN, ApiMappingId=mapped["mapping_id"], ApiId=new_api)

    mapping = gateway.get_api_mapping(DomainName=DOMAIN, ApiMappingId=mapped["mapping_id"])
    assert (mapping["ApiId"], mapping["Stage"], mapping["ApiMappingKey"]) == (
        new_api,
        "$default",
        "account",
    )


def test_an_unknown_api_or_mapping_is_not_found(gateway: Any, mapped: dict[str, str]) -> None:
    with pytest.raises(ClientError) as unknown_api:
        gateway.update_api_mapping(
            DomainName=DOMAIN, ApiMappingId=mapped["mapping_id"], ApiId="nope123"
        )
    with pytest.raises(ClientError) as unknown_mapping:
        gateway.update_api_mapping(
            DomainName=DOMAIN, ApiMappingId="missing", ApiId=mapped["old_api"]
        )

    assert unknown_api.value.response["Error"]["Code"] == "NotFoundException"
    assert unknown_mapping.value.response["Error"]["Code"] == "NotFoundException"
    mapping = gateway.get_api_mapping(DomainName=DOMAIN, ApiMappingId=mapped["mapping_id"])
    assert mapping["ApiId"] == mapped["old_api"]  # a refused update changes nothing


def test_keys_follow_the_create_rules_and_stay_unique(gateway: Any, mapped: dict[str, str]) -> None:
    other_api = http_api(gateway, "coaching")
    gateway.create_api_mapping(
        DomainName=DOMAIN, ApiId=other_api, Stage="$default", ApiMappingKey="coaching"
    )

    with pytest.raises(ClientError) as bad_key:
        gateway.update_api_mapping(
            DomainName=DOMAIN,
            ApiMappingId=mapped["mapping_id"],
            ApiId=mapped["old_api"],
            ApiMappingKey="/account",
        )
    with pytest.raises(ClientError) as taken:
        gateway.update_api_mapping(
            DomainName=DOMAIN,
            ApiMappingId=mapped["mapping_id"],
            ApiId=mapped["old_api"],
            ApiMappingKey="coaching",
        )

    assert bad_key.value.response["Error"]["Code"] == "BadRequestException"
    assert taken.value.response["Error"]["Code"] == "ConflictException"
