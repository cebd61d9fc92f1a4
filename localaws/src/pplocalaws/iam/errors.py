"""Refusals in each protocol's error shape, with the codes each service uses.

- JSON protocols ("AWS JSON 1.0/1.1 protocol"): HTTP 400, ``{"__type": CODE, "message"}``;
  DynamoDB, Secrets Manager, KMS, EventBridge and CloudWatch Logs all answer an IAM
  refusal with ``AccessDeniedException`` (each API reference's "Common Errors").
- Query protocols: HTTP 403, ``<ErrorResponse><Error><Code>``; SNS says
  ``AuthorizationError`` (SNS API Reference, Publish "Errors"), SES, CloudWatch and STS
  ``AccessDenied``.
- S3 (REST-XML): HTTP 403 ``<Error><Code>AccessDenied</Code>`` ("Error responses", S3 API
  Reference).
- SES v2 (REST-JSON): HTTP 403 with ``x-amzn-ErrorType: AccessDeniedException``.
- CloudWatch over Smithy RPC v2 CBOR: HTTP 400, a CBOR map ``{"__type", "message"}``
  ("Smithy RPC v2 CBOR protocol", error responses).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

_QUERY_CODES = {"sns": "AuthorizationError"}
# Refused credentials ("Common Errors" of each API reference).
EXPIRED = {"json": "ExpiredTokenException", "query": "ExpiredToken", "s3": "ExpiredToken"}
INVALID = {
    "json": "UnrecognizedClientException",
    "query": "InvalidClientTokenId",
    "s3": "InvalidToken",
}


@dataclass(frozen=True)
class Response:
    status: str
    headers: list[tuple[str, str]]
    body: bytes


def _cbor_text(text: str) -> bytes:
    data = text.encode("utf-8")
    size = len(data)
    if size < 24:
        head = bytes([0x60 | size])
    elif size < 256:
        head = bytes([0x78, size])
    elif size < 65536:
        head = bytes([0x79]) + size.to_bytes(2, "big")
    else:
        head = bytes([0x7A]) + size.to_bytes(4, "big")
    return head + data


def _cbor_map(fields: dict[str, str]) -> bytes:
    return bytes([0xA0 | len(fields)]) + b"".join(
        _cbor_text(k) + _cbor_text(v) for k, v in fields.items()
    )


def refusal(
    protocol: str, service: str, code: str, message: str, *, status: int | None = None
) -> Response:
    """A refusal of ``code`` with ``message`` in ``protocol``'s shape."""
    request_id = str(uuid.uuid4())
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message, "Message": message}).encode()
        content_type = (
            "application/x-amz-json-1.0" if service == "dynamodb" else "application/x-amz-json-1.1"
        )
        return Response(
            f"{status or 400} Error",
            [("Content-Type", content_type), ("x-amzn-RequestId", request_id)],
            body,
        )
    if protocol == "rest-json":
        body = json.dumps({"message": message}).encode()
        return Response(
            f"{status or 403} Forbidden",
            [
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", code),
                ("x-amzn-RequestId", request_id),
            ],
            body,
        )
    if protocol == "cbor":
        return Response(
            f"{status or 400} Error",
            [
                ("Content-Type", "application/cbor"),
                ("smithy-protocol", "rpc-v2-cbor"),
                ("x-amzn-RequestId", request_id),
            ],
            _cbor_map({"__type": code, "message": message}),
        )
    if protocol == "rest-xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId><HostId>local</HostId></Error>"
        ).encode()
        return Response(f"{status or 403} Forbidden", [("Content-Type", "application/xml")], body)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
    return Response(f"{status or 403} Forbidden", [("Content-Type", "text/xml")], body)


def access_denied_code(protocol: str, service: str) -> str:
    if protocol in ("json", "rest-json", "cbor"):
        return "AccessDeniedException"
    if protocol == "rest-xml":
        return "AccessDenied"
    return _QUERY_CODES.get(service, "AccessDenied")


def credential_family(protocol: str) -> str:
    if protocol == "rest-xml":
        return "s3"
    return "json" if protocol in ("json", "rest-json", "cbor") else "query"
