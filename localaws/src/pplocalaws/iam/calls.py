"""What a request to the local AWS asks for, in IAM's terms: action, resources, context.

The action comes from the protocol (``X-Amz-Target`` for JSON protocols, ``Action=`` for
query protocols, the route for REST ones, the path for Smithy RPC v2 CBOR), the resource
ARNs from the request's parameters, as each service's page of the Service Authorization
Reference ("Actions, resources, and condition keys for <service>",
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)
lists them. An operation this module does not model is returned as ``unmodelled``: the
enforcer denies it rather than guess (never a silent allow).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pplocalaws.iam.data_calls import dynamodb, kms, secretsmanager
from pplocalaws.iam.other_calls import cloudwatch, events, logs, sns, sts
from pplocalaws.iam.request import Call, KmsUse, Need, Request, encryption_context_keys
from pplocalaws.iam.s3_calls import s3
from pplocalaws.iam.ses_calls import ses_query, ses_v2
from pplocalaws.iam.ssm_calls import ssm

__all__ = ["Call", "KmsUse", "Need", "Request", "describe", "encryption_context_keys"]

_JSON_SERVICES: dict[str, Callable[[Request, str], Call]] = {
    "dynamodb": dynamodb,
    "secretsmanager": secretsmanager,
    "kms": kms,
    "events": events,
    "logs": logs,
    "ssm": ssm,
}
_QUERY_SERVICES: dict[str, Callable[[Request, str], Call]] = {
    "sns": sns,
    "ses": ses_query,
    "sts": sts,
}
_CBOR_PATH = re.compile(r"^/service/(?P<service>[^/]+)/operation/(?P<operation>[^/]+)$")


def describe(request: Request) -> Call:  # noqa: PLR0911 - one return per protocol family, read as a table
    """The IAM view of ``request`` (``unmodelled`` set when it cannot be authorised here)."""
    signing = request.signing_service
    target = request.headers.get("x-amz-target", "")
    operation = target.rsplit(".", 1)[-1] if target else ""
    if signing == "s3":
        return s3(request)
    if signing == "monitoring":
        cbor = _CBOR_PATH.match(request.path)
        if cbor:
            return cloudwatch(request, cbor.group("operation"), "cbor")
        if operation:
            return cloudwatch(request, operation, "json")
        return cloudwatch(request, request.form().get("Action", ""), "query")
    if signing in _JSON_SERVICES and operation:
        return _JSON_SERVICES[signing](request, operation)
    if signing == "ses" and request.path.startswith("/v2/"):
        return ses_v2(request)
    if signing in _QUERY_SERVICES:
        return _QUERY_SERVICES[signing](request, request.form().get("Action", ""))
    name = operation or request.form().get("Action", "") or f"{request.method} {request.path}"
    return Call(signing, "json" if target else "query", name, unmodelled=f"service {signing!r}")
