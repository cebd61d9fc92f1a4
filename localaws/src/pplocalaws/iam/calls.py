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

import json
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pplocalaws.iam import lookups


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


def _with_context(need: Need, **extra: tuple[str, ...]) -> Need:
    return Need(need.action, need.resource, {**need.context, **extra})


# --------------------------------------------------------------------------------------
# DynamoDB: "Actions, resources, and condition keys for Amazon DynamoDB"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html)
# Reads and writes on a table encrypted with a customer managed key also use that key:
# "How Amazon DynamoDB uses AWS KMS" (https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html)
# says DynamoDB calls kms:Decrypt on the caller's behalf to decrypt the table key when
# the table is accessed (reads and writes alike), with kms:ViaService =
# dynamodb.REGION.amazonaws.com and the encryption context aws:dynamodb:tableName and
# aws:dynamodb:subscriberId.
# --------------------------------------------------------------------------------------
_DYNAMODB_ITEM_OPERATIONS = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "DescribeTable",
    "ConditionCheckItem",
    "DescribeTimeToLive",
    "DescribeContinuousBackups",
    "ListTagsOfResource",
}
_DYNAMODB_DATA_OPERATIONS = {
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
    "BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems",
}  # fmt: skip
_DYNAMODB_ANY_RESOURCE = {"ListTables", "DescribeLimits", "DescribeEndpoints"}
_TRANSACT_WRITE_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _table_arn(request: Request, table: str) -> str:
    if table.startswith("arn:"):
        return table  # DynamoDB accepts a table ARN wherever it takes a name
    return f"arn:aws:dynamodb:{request.region}:{request.account}:table/{table}"


def _dynamodb(request: Request, operation: str) -> Call:
    body = request.json_body()
    needs: list[Need] = []
    tables: list[str] = []
    if operation in _DYNAMODB_ANY_RESOURCE:
        needs.append(Need(f"dynamodb:{operation}", "*"))
    elif operation in ("BatchGetItem", "BatchWriteItem"):
        for table in body.get("RequestItems") or {}:
            tables.append(table)
            needs.append(Need(f"dynamodb:{operation}", _table_arn(request, table)))
    elif operation == "TransactWriteItems":
        # "Using IAM with DynamoDB transactions": each item needs its own action.
        for item in body.get("TransactItems") or []:
            for kind, detail in item.items():
                table = detail.get("TableName", "")
                tables.append(table)
                action = _TRANSACT_WRITE_ACTIONS.get(kind, kind)
                needs.append(Need(f"dynamodb:{action}", _table_arn(request, table)))
    elif operation == "TransactGetItems":
        for item in body.get("TransactItems") or []:
            table = (item.get("Get") or {}).get("TableName", "")
            tables.append(table)
            needs.append(Need("dynamodb:GetItem", _table_arn(request, table)))
    elif operation in _DYNAMODB_ITEM_OPERATIONS and body.get("TableName"):
        table = body["TableName"]
        tables.append(table)
        arn = _table_arn(request, table)
        if operation in ("Query", "Scan") and body.get("IndexName"):
            arn = f"{arn}/index/{body['IndexName']}"
        needs.append(Need(f"dynamodb:{operation}", arn))
    else:
        return Call("dynamodb", "json", operation, unmodelled=f"DynamoDB {operation}")
    kms = []
    if operation in _DYNAMODB_DATA_OPERATIONS:
        for table in dict.fromkeys(tables):
            key = lookups.table_key(request.account, request.region, table)
            if key:
                kms.append(
                    KmsUse(
                        key,
                        "kms:Decrypt",
                        f"dynamodb.{request.region}.amazonaws.com",
                        {
                            "aws:dynamodb:tableName": table.rsplit("/", 1)[-1],
                            "aws:dynamodb:subscriberId": request.account,
                        },
                    )
                )
    return Call("dynamodb", "json", operation, tuple(needs), tuple(kms))


# --------------------------------------------------------------------------------------
# Secrets Manager: "Actions, resources, and condition keys for AWS Secrets Manager"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html)
# and "Secret encryption and decryption in AWS Secrets Manager", section "Permissions for
# the KMS key" (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html):
# reading a value needs kms:Decrypt, writing one kms:GenerateDataKey, on the secret's
# customer managed key, via secretsmanager.REGION.amazonaws.com, with the encryption
# context SecretARN and SecretVersionId.
# --------------------------------------------------------------------------------------
_SECRET_READS = {"GetSecretValue"}
_SECRET_WRITES = {"PutSecretValue", "UpdateSecret", "CreateSecret"}
_SECRET_OPERATIONS = _SECRET_READS | _SECRET_WRITES | {
    "DescribeSecret", "DeleteSecret", "TagResource", "UntagResource", "GetResourcePolicy",
    "ListSecretVersionIds", "RestoreSecret", "RotateSecret", "UpdateSecretVersionStage",
}  # fmt: skip
_SECRET_ANY_RESOURCE = {"ListSecrets", "GetRandomPassword", "BatchGetSecretValue"}


def _secretsmanager(request: Request, operation: str) -> Call:
    body = request.json_body()
    action = f"secretsmanager:{operation}"
    if operation in _SECRET_ANY_RESOURCE:
        if operation == "BatchGetSecretValue":
            return Call("secretsmanager", "json", operation, unmodelled="BatchGetSecretValue")
        return Call("secretsmanager", "json", operation, (Need(action, "*"),))
    if operation not in _SECRET_OPERATIONS:
        return Call("secretsmanager", "json", operation, unmodelled=f"Secrets Manager {operation}")
    if operation == "CreateSecret":
        name = str(body.get("Name", ""))
        # The ARN does not exist yet: AWS authorises the name with its random suffix.
        arn = f"arn:aws:secretsmanager:{request.region}:{request.account}:secret:{name}-??????"
        found = None
    else:
        found = lookups.secret(request.account, request.region, str(body.get("SecretId", "")))
        arn = found.arn if found else _secret_arn_guess(request, str(body.get("SecretId", "")))
    kms: list[KmsUse] = []
    writes_value = operation in _SECRET_WRITES and (
        "SecretString" in body or "SecretBinary" in body
    )
    key = found.kms_key_arn if found else None
    if operation == "CreateSecret" and body.get("KmsKeyId"):
        key = lookups.customer_key_arn(request.account, request.region, str(body["KmsKeyId"]))
    if key and (operation in _SECRET_READS or writes_value):
        kms_action = "kms:Decrypt" if operation in _SECRET_READS else "kms:GenerateDataKey"
        context = {"SecretARN": arn}
        if found and found.version_id and operation in _SECRET_READS:
            context["SecretVersionId"] = found.version_id
        kms.append(
            KmsUse(key, kms_action, f"secretsmanager.{request.region}.amazonaws.com", context)
        )
    return Call("secretsmanager", "json", operation, (Need(action, arn),), tuple(kms))


def _secret_arn_guess(request: Request, secret_id: str) -> str:
    if secret_id.startswith("arn:"):
        return secret_id
    return f"arn:aws:secretsmanager:{request.region}:{request.account}:secret:{secret_id}"


# --------------------------------------------------------------------------------------
# KMS: "Actions, resources, and condition keys for AWS Key Management Service"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html)
# A direct call carries kms:EncryptionContext:* / kms:EncryptionContextKeys and
# kms:CallerAccount; kms:ViaService is absent ("kms:ViaService" in "AWS KMS condition keys").
# --------------------------------------------------------------------------------------
_KMS_KEY_OPERATIONS = {
    "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
    "DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus", "Sign", "Verify", "GenerateMac",
    "VerifyMac", "GetPublicKey", "ListResourceTags", "CreateGrant",
}  # fmt: skip
_KMS_ANY_RESOURCE = {"ListKeys", "ListAliases", "GenerateRandom", "CreateKey"}


def encryption_context_keys(pairs: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    context: dict[str, tuple[str, ...]] = {
        f"kms:encryptioncontext:{key.lower()}": (str(value),) for key, value in pairs.items()
    }
    if pairs:
        context["kms:encryptioncontextkeys"] = tuple(pairs)
    return context


def _kms(request: Request, operation: str) -> Call:
    body = request.json_body()
    action = f"kms:{operation}"
    if operation in _KMS_ANY_RESOURCE:
        return Call("kms", "json", operation, (Need(action, "*"),))
    if operation not in _KMS_KEY_OPERATIONS:
        return Call("kms", "json", operation, unmodelled=f"KMS {operation}")
    key_id = str(body.get("KeyId") or "")
    if not key_id and operation == "Decrypt":
        key_id = lookups.key_of_ciphertext(str(body.get("CiphertextBlob", ""))) or ""
    key_arn = lookups.key_arn(request.account, request.region, key_id) if key_id else None
    if key_arn is None:
        # No such key: KMS answers NotFoundException; let moto say so.
        return Call("kms", "json", operation, always_allowed=True)
    context = {
        "kms:callerAccount".lower(): (request.account,),
        **encryption_context_keys(body.get("EncryptionContext") or {}),
    }
    return Call("kms", "json", operation, (Need(action, key_arn, context),))


# --------------------------------------------------------------------------------------
# S3 (REST): "Actions, resources, and condition keys for Amazon S3"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html)
# and "Required permissions for Amazon S3 API operations"
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html).
# --------------------------------------------------------------------------------------
_S3_OBJECT = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject", "DELETE": "DeleteObject"}
_S3_OBJECT_SUBRESOURCES = {
    ("GET", "tagging"): "GetObjectTagging",
    ("PUT", "tagging"): "PutObjectTagging",
    ("GET", "acl"): "GetObjectAcl",
    ("PUT", "acl"): "PutObjectAcl",
    ("POST", "uploads"): "PutObject",
    ("POST", "uploadId"): "PutObject",
    ("PUT", "uploadId"): "PutObject",
    ("DELETE", "uploadId"): "AbortMultipartUpload",
    ("GET", "uploadId"): "ListMultipartUploadParts",
}
_S3_BUCKET = {"GET": "ListBucket", "HEAD": "ListBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}
_S3_BUCKET_SUBRESOURCES = {
    ("GET", "versions"): "ListBucketVersions",
    ("GET", "location"): "GetBucketLocation",
    ("GET", "policy"): "GetBucketPolicy",
    ("PUT", "policy"): "PutBucketPolicy",
    ("GET", "tagging"): "GetBucketTagging",
    ("PUT", "tagging"): "PutBucketTagging",
    ("GET", "versioning"): "GetBucketVersioning",
    ("PUT", "versioning"): "PutBucketVersioning",
    ("GET", "encryption"): "GetEncryptionConfiguration",
    ("PUT", "encryption"): "PutEncryptionConfiguration",
    ("GET", "uploads"): "ListBucketMultipartUploads",
}


def _s3(request: Request) -> Call:
    parts = request.path.lstrip("/").split("/", 1)
    bucket = urllib.parse.unquote(parts[0])
    key = urllib.parse.unquote(parts[1]) if len(parts) > 1 else ""
    method = request.method.upper()
    if not bucket:
        if method == "GET":
            return Call("s3", "rest-xml", "ListBuckets", (Need("s3:ListAllMyBuckets", "*"),))
        return Call("s3", "rest-xml", method, unmodelled=f"S3 {method} /")
    if key:
        arn = f"arn:aws:s3:::{bucket}/{key}"
        subresource = next((s for (m, s) in _S3_OBJECT_SUBRESOURCES if m == method and s in request.query), None)
        operation = _S3_OBJECT_SUBRESOURCES[(method, subresource)] if subresource else _S3_OBJECT.get(method)
        if not operation:
            return Call("s3", "rest-xml", method, unmodelled=f"S3 {method} on an object")
        needs = [Need(f"s3:{operation}", arn)]
        source = request.headers.get("x-amz-copy-source")
        if method == "PUT" and source:
            source_path = urllib.parse.unquote(source.lstrip("/").split("?", 1)[0])
            needs.append(Need("s3:GetObject", f"arn:aws:s3:::{source_path}"))
        return Call("s3", "rest-xml", operation, tuple(needs))
    arn = f"arn:aws:s3:::{bucket}"
    if method == "POST" and "delete" in request.query:
        # DeleteObjects: s3:DeleteObject on each key named in the body.
        keys = re.findall(rb"<Key>(.*?)</Key>", request.body or b"")
        needs = tuple(Need("s3:DeleteObject", f"{arn}/{k.decode()}") for k in keys)
        return Call("s3", "rest-xml", "DeleteObjects", needs)
    subresource = next((s for (m, s) in _S3_BUCKET_SUBRESOURCES if m == method and s in request.query), None)
    if subresource:
        operation = _S3_BUCKET_SUBRESOURCES[(method, subresource)]
    elif any(q for q in request.query if q not in ("prefix", "delimiter", "max-keys", "marker", "list-type", "continuation-token", "start-after", "encoding-type", "fetch-owner")):
        return Call("s3", "rest-xml", method, unmodelled=f"S3 {method} ?{'&'.join(request.query)}")
    else:
        operation = _S3_BUCKET.get(method, "")
    if not operation:
        return Call("s3", "rest-xml", method, unmodelled=f"S3 {method} on a bucket")
    return Call("s3", "rest-xml", operation, (Need(f"s3:{operation}", arn),))


# --------------------------------------------------------------------------------------
# SNS (query): "Actions, resources, and condition keys for Amazon SNS"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html)
# --------------------------------------------------------------------------------------
_SNS_TOPIC_OPERATIONS = {
    "Publish", "PublishBatch", "Subscribe", "GetTopicAttributes", "SetTopicAttributes",
    "DeleteTopic", "ListSubscriptionsByTopic", "TagResource", "ListTagsForResource",
}  # fmt: skip
_SNS_ANY_RESOURCE = {"ListTopics", "ListSubscriptions"}


def _sns(request: Request, operation: str) -> Call:
    form = request.form()
    action = f"sns:{operation}"
    if operation in _SNS_ANY_RESOURCE:
        return Call("sns", "query", operation, (Need(action, "*"),))
    if operation == "CreateTopic":
        arn = f"arn:aws:sns:{request.region}:{request.account}:{form.get('Name', '')}"
        return Call("sns", "query", operation, (Need(action, arn),))
    if operation in _SNS_TOPIC_OPERATIONS:
        arn = form.get("TopicArn") or form.get("TargetArn") or form.get("ResourceArn") or ""
        if operation == "PublishBatch":
            action = "sns:Publish"  # PublishBatch is authorised as sns:Publish
        if not arn:
            return Call("sns", "query", operation, unmodelled=f"SNS {operation} without a topic")
        return Call("sns", "query", operation, (Need(action, arn),))
    return Call("sns", "query", operation, unmodelled=f"SNS {operation}")


# --------------------------------------------------------------------------------------
# SES (v1 query, v2 REST): "Actions, resources, and condition keys for Amazon SES"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonses.html):
# sending is authorised on the sending identity, with ses:FromAddress.
# --------------------------------------------------------------------------------------
def _identity_arn(request: Request, address: str) -> str:
    identity = lookups.ses_identity(request.account, request.region, address)
    return f"arn:aws:ses:{request.region}:{request.account}:identity/{identity}"


def _address_of(source: str) -> str:
    found = re.search(r"<([^>]+)>", source)
    return (found.group(1) if found else source).strip()


def _ses_query(request: Request, operation: str) -> Call:
    form = request.form()
    if operation in ("SendEmail", "SendRawEmail", "SendTemplatedEmail", "SendBulkTemplatedEmail"):
        source = _address_of(form.get("Source", ""))
        if not source:
            return Call("ses", "query", operation, unmodelled=f"SES {operation} without Source")
        need = Need(f"ses:{operation}", _identity_arn(request, source), {"ses:fromaddress": (source,)})
        return Call("ses", "query", operation, (need,))
    if operation in ("ListIdentities", "GetSendQuota", "GetSendStatistics", "VerifyEmailIdentity", "VerifyDomainIdentity"):
        return Call("ses", "query", operation, (Need(f"ses:{operation}", "*"),))
    return Call("ses", "query", operation, unmodelled=f"SES {operation}")


def _ses_v2(request: Request) -> Call:
    if request.method.upper() == "POST" and request.path.rstrip("/") == "/v2/email/outbound-emails":
        source = _address_of(str(request.json_body().get("FromEmailAddress", "")))
        if not source:
            return Call("ses", "rest-json", "SendEmail", unmodelled="SES v2 SendEmail without FromEmailAddress")
        need = Need("ses:SendEmail", _identity_arn(request, source), {"ses:fromaddress": (source,)})
        return Call("ses", "rest-json", "SendEmail", (need,))
    return Call("ses", "rest-json", request.path, unmodelled=f"SES v2 {request.method} {request.path}")


# --------------------------------------------------------------------------------------
# EventBridge: "Actions, resources, and condition keys for Amazon EventBridge"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html)
# --------------------------------------------------------------------------------------
def _bus_arn(request: Request, bus: str) -> str:
    if bus.startswith("arn:"):
        return bus
    return f"arn:aws:events:{request.region}:{request.account}:event-bus/{bus or 'default'}"


def _events(request: Request, operation: str) -> Call:
    body = request.json_body()
    if operation == "PutEvents":
        buses = dict.fromkeys(str(e.get("EventBusName") or "default") for e in body.get("Entries") or [])
        needs = tuple(Need("events:PutEvents", _bus_arn(request, bus)) for bus in buses)
        return Call("events", "json", operation, needs)
    if operation in ("ListRules", "ListEventBuses"):
        return Call("events", "json", operation, (Need(f"events:{operation}", "*"),))
    if operation in ("PutRule", "DescribeRule", "DeleteRule", "PutTargets", "RemoveTargets", "EnableRule", "DisableRule"):
        name = str(body.get("Name") or body.get("Rule") or "")
        bus = str(body.get("EventBusName") or "default")
        prefix = "" if bus == "default" else f"{bus}/"
        arn = f"arn:aws:events:{request.region}:{request.account}:rule/{prefix}{name}"
        return Call("events", "json", operation, (Need(f"events:{operation}", arn),))
    return Call("events", "json", operation, unmodelled=f"EventBridge {operation}")


# --------------------------------------------------------------------------------------
# CloudWatch: "Actions, resources, and condition keys for Amazon CloudWatch"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html):
# metric operations have no resource type ("*"); alarms are resources.
# --------------------------------------------------------------------------------------
_CLOUDWATCH_ANY_RESOURCE = {"PutMetricData", "GetMetricData", "GetMetricStatistics", "ListMetrics", "DescribeAlarms"}


def _cloudwatch(request: Request, operation: str, protocol: str) -> Call:
    if operation in _CLOUDWATCH_ANY_RESOURCE:
        return Call("cloudwatch", protocol, operation, (Need(f"cloudwatch:{operation}", "*"),))
    return Call("cloudwatch", protocol, operation, unmodelled=f"CloudWatch {operation}")


# --------------------------------------------------------------------------------------
# CloudWatch Logs: "Actions, resources, and condition keys for Amazon CloudWatch Logs"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html)
# --------------------------------------------------------------------------------------
def _logs(request: Request, operation: str) -> Call:
    body = request.json_body()
    group = str(body.get("logGroupName", ""))
    stream = str(body.get("logStreamName", ""))
    base = f"arn:aws:logs:{request.region}:{request.account}:log-group:{group}"
    if operation in ("CreateLogStream", "PutLogEvents", "GetLogEvents") and group and stream:
        return Call("logs", "json", operation, (Need(f"logs:{operation}", f"{base}:log-stream:{stream}"),))
    if operation in ("CreateLogGroup", "DescribeLogStreams", "DeleteLogGroup", "PutRetentionPolicy", "FilterLogEvents") and group:
        return Call("logs", "json", operation, (Need(f"logs:{operation}", base),))
    if operation == "DescribeLogGroups":
        return Call("logs", "json", operation, (Need("logs:DescribeLogGroups", "*"),))
    return Call("logs", "json", operation, unmodelled=f"CloudWatch Logs {operation}")


# --------------------------------------------------------------------------------------
# STS: GetCallerIdentity needs no permission ("GetCallerIdentity", AWS STS API Reference:
# "No permissions are required to perform this operation").
# --------------------------------------------------------------------------------------
def _sts(request: Request, operation: str) -> Call:
    if operation == "GetCallerIdentity":
        return Call("sts", "query", operation, always_allowed=True)
    return Call("sts", "query", operation, unmodelled=f"STS {operation}")


_JSON_SERVICES: dict[str, Callable[[Request, str], Call]] = {
    "dynamodb": _dynamodb,
    "secretsmanager": _secretsmanager,
    "kms": _kms,
    "events": _events,
    "logs": _logs,
}
_QUERY_SERVICES: dict[str, Callable[[Request, str], Call]] = {
    "sns": _sns,
    "ses": _ses_query,
    "sts": _sts,
}
_CBOR_PATH = re.compile(r"^/service/(?P<service>[^/]+)/operation/(?P<operation>[^/]+)$")


def describe(request: Request) -> Call:
    """The IAM view of ``request`` (``unmodelled`` set when it cannot be authorised here)."""
    signing = request.signing_service
    target = request.headers.get("x-amz-target", "")
    operation = target.rsplit(".", 1)[-1] if target else ""
    if signing == "s3":
        return _s3(request)
    if signing == "monitoring":
        cbor = _CBOR_PATH.match(request.path)
        if cbor:
            return _cloudwatch(request, cbor.group("operation"), "cbor")
        if operation:
            return _cloudwatch(request, operation, "json")
        return _cloudwatch(request, request.form().get("Action", ""), "query")
    if signing in _JSON_SERVICES and operation:
        return _JSON_SERVICES[signing](request, operation)
    if signing == "ses" and request.path.startswith("/v2/"):
        return _ses_v2(request)
    if signing in _QUERY_SERVICES:
        return _QUERY_SERVICES[signing](request, request.form().get("Action", ""))
    name = operation or request.form().get("Action", "") or f"{request.method} {request.path}"
    return Call(signing, "json" if target else "query", name, unmodelled=f"service {signing!r}")
