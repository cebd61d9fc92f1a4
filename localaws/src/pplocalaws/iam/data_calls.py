"""DynamoDB, Secrets Manager and KMS calls in IAM's terms (with KMS uses via service)."""

from __future__ import annotations

from pplocalaws.iam import lookups
from pplocalaws.iam.request import Call, KmsUse, Need, Request, encryption_context_keys

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


def dynamodb(request: Request, operation: str) -> Call:  # noqa: PLR0912 - one branch per operation shape
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


def secretsmanager(request: Request, operation: str) -> Call:
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


def kms(request: Request, operation: str) -> Call:
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
    if operation in ("Sign", "Verify"):
        # "AWS KMS condition keys": kms:SigningAlgorithm and kms:MessageType (RAW when the
        # request leaves it out, as the API's default is).
        context["kms:signingalgorithm"] = (str(body.get("SigningAlgorithm") or ""),)
        context["kms:messagetype"] = (str(body.get("MessageType") or "RAW"),)
    return Call("kms", "json", operation, (Need(action, key_arn, context),))
