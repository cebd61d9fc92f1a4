"""A request to the local AWS, and what IAM must authorise for it (Need, KmsUse, Call)."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Need:
    """One authorisation the request needs: an action on one resource, with its context."""

    action: str  # "dynamodb:PutItem"
    resource: str  # an ARN, or "*" for actions without a resource type
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class KmsUse:
    """A service's use of a customer managed key on the caller's behalf (via service)."""

    key_arn: str
    action: str  # "kms:Decrypt" | "kms:GenerateDataKey"
    via_service: str  # "dynamodb.us-east-1.amazonaws.com"
    encryption_context: Mapping[str, str]


@dataclass(frozen=True)
class Call:
    service: str  # the IAM prefix: dynamodb, s3, sns, ...
    protocol: str  # json | query | rest-xml | rest-json | cbor
    operation: str  # the API operation name: PutItem
    needs: tuple[Need, ...] = ()
    kms: tuple[KmsUse, ...] = ()
    unmodelled: str = ""  # why the local AWS cannot authorise this call (it is denied)
    always_allowed: bool = False  # e.g. sts:GetCallerIdentity needs no permission


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    signing_service: str
    region: str
    account: str

    def json_body(self) -> dict[str, Any]:
        try:
            parsed = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}

    def form(self) -> dict[str, str]:
        fields = dict(self.query)
        if self.body and b"=" in self.body:
            pairs = urllib.parse.parse_qsl(self.body.decode("utf-8", "replace"))
            fields.update(pairs)
        return fields


def encryption_context_keys(pairs: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """kms:EncryptionContext:<key> for each pair, and kms:EncryptionContextKeys."""
    context: dict[str, tuple[str, ...]] = {
        f"kms:encryptioncontext:{key.lower()}": (str(value),) for key, value in pairs.items()
    }
    if pairs:
        context["kms:encryptioncontextkeys"] = tuple(pairs)
    return context
