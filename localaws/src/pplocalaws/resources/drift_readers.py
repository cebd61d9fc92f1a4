"""A resource's live state in moto, in its CloudFormation property shape, for drift detection.

Drift detection compares the template's properties with what the service reports now
("Detect unmanaged configuration changes to stacks and resources with drift detection",
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-drift.html).
Each reader here asks moto's backend (its public methods and attributes) for one
resource, by the physical id CloudFormation keeps, and answers in the property names and
shapes of the resource's CloudFormation page, or ``None`` when the resource is gone
(drift status DELETED).

A reader lists the properties it reads (``Reader.properties``). Only those are compared:
a property the template sets that moto does not store (Lambda ``LoggingConfig``, say)
cannot be changed behind CloudFormation's back in the local AWS, so it cannot drift here.
Write-only properties are never compared, as on AWS (Lambda ``Code``).

Tags whose key starts with ``aws:`` are left out of the live tags (``drift_common``).
This module reads tables, functions, log groups, queues and parameters; ``drift_security``,
``drift_monitoring``, ``drift_lambda``, ``drift_network``, ``drift_network_links``,
``drift_storage``, ``drift_cache``, ``drift_edge``, ``drift_codedeploy`` and
``drift_identity`` read the rest; ``READERS`` holds them all.
"""

from __future__ import annotations

from typing import Any

from pplocalaws.resources import (
    drift_cache,
    drift_codedeploy,
    drift_edge,
    drift_identity,
    drift_lambda,
    drift_monitoring,
    drift_network,
    drift_network_links,
    drift_security,
    drift_storage,
)
from pplocalaws.resources.drift_common import Live, Reader
from pplocalaws.resources.drift_common import tag_list as _tag_list


# -- AWS::DynamoDB::Table -----------------------------------------------------------------
def read_table(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.dynamodb.exceptions import ResourceNotFoundException  # noqa: PLC0415 - moto loads on first use
    from moto.dynamodb.models import dynamodb_backends  # noqa: PLC0415 - moto loads on first use

    backend = dynamodb_backends[account_id][region]
    try:
        table = backend.get_table(physical_id)
    except ResourceNotFoundException:
        return None
    described = table.describe()["TableDescription"]
    billing = described["BillingModeSummary"]["BillingMode"] or "PROVISIONED"
    live: Live = {
        "TableName": described["TableName"],
        "BillingMode": billing,
        "AttributeDefinitions": described["AttributeDefinitions"],
        "KeySchema": described["KeySchema"],
        "DeletionProtectionEnabled": bool(described.get("DeletionProtectionEnabled")),
        "GlobalSecondaryIndexes": [
            _index(index, billing) for index in described.get("GlobalSecondaryIndexes") or []
        ],
        "Tags": _tag_list(backend.list_tags_of_resource(table.table_arn)),
    }
    if billing == "PROVISIONED":
        live["ProvisionedThroughput"] = _throughput(described["ProvisionedThroughput"])
    stream = described.get("StreamSpecification")
    if stream:
        live["StreamSpecification"] = {"StreamViewType": stream["StreamViewType"]}
    sse = described.get("SSEDescription")
    live["SSESpecification"] = (
        {"SSEEnabled": True, "SSEType": sse["SSEType"], "KMSMasterKeyId": sse["KMSMasterKeyArn"]}
        if sse
        else {"SSEEnabled": False}
    )
    ttl = backend.describe_time_to_live(physical_id)
    live["TimeToLiveSpecification"] = (
        {"AttributeName": ttl["AttributeName"], "Enabled": True}
        if ttl.get("TimeToLiveStatus") == "ENABLED"
        else {"Enabled": False}
    )
    backups = backend.describe_continuous_backups(physical_id)
    pitr = backups.get("PointInTimeRecoveryDescription") or {}
    live["PointInTimeRecoverySpecification"] = {
        "PointInTimeRecoveryEnabled": pitr.get("PointInTimeRecoveryStatus") == "ENABLED"
    }
    return live


def _throughput(throughput: dict[str, Any]) -> dict[str, Any]:
    return {
        "ReadCapacityUnits": throughput["ReadCapacityUnits"],
        "WriteCapacityUnits": throughput["WriteCapacityUnits"],
    }


def _index(index: dict[str, Any], billing: str) -> dict[str, Any]:
    shaped = {
        "IndexName": index["IndexName"],
        "KeySchema": index["KeySchema"],
        "Projection": index["Projection"],
    }
    if billing == "PROVISIONED" and index.get("ProvisionedThroughput"):
        shaped["ProvisionedThroughput"] = _throughput(index["ProvisionedThroughput"])
    return shaped


# -- AWS::Lambda::Function ------------------------------------------------------------------
def read_function(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.awslambda.exceptions import UnknownFunctionException  # noqa: PLC0415 - moto loads on first use
    from moto.awslambda.models import lambda_backends  # noqa: PLC0415 - moto loads on first use

    backend = lambda_backends[account_id][region]
    try:
        function = backend.get_function(physical_id)
    except UnknownFunctionException:
        return None
    config = function.get_configuration()
    live: Live = {
        "FunctionName": config["FunctionName"],
        "Description": config.get("Description") or "",
        "Handler": config.get("Handler"),
        "Runtime": config.get("Runtime"),
        "Role": config.get("Role"),
        "MemorySize": config.get("MemorySize"),
        "Timeout": config.get("Timeout"),
        "Architectures": list(config.get("Architectures") or ["x86_64"]),
        "TracingConfig": {"Mode": (config.get("TracingConfig") or {}).get("Mode", "PassThrough")},
        "EphemeralStorage": {"Size": (config.get("EphemeralStorage") or {}).get("Size", 512)},
        "Layers": [layer["Arn"] for layer in config.get("Layers") or []],
    }
    vpc = config.get("VpcConfig") or {}
    live["VpcConfig"] = {
        "SecurityGroupIds": list(vpc.get("SecurityGroupIds") or []),
        "SubnetIds": list(vpc.get("SubnetIds") or []),
    }
    if config.get("Environment"):
        live["Environment"] = {"Variables": dict(config["Environment"]["Variables"])}
    if config.get("KMSKeyArn"):
        live["KmsKeyArn"] = config["KMSKeyArn"]
    if function.reserved_concurrency is not None:
        live["ReservedConcurrentExecutions"] = function.reserved_concurrency
    return live


# -- AWS::Logs::LogGroup --------------------------------------------------------------------
def read_log_group(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.logs.models import logs_backends  # noqa: PLC0415 - moto loads on first use

    group = logs_backends[account_id][region].groups.get(physical_id)
    if group is None:
        return None
    live: Live = {"LogGroupName": group.name}
    if group.retention_in_days is not None:
        live["RetentionInDays"] = group.retention_in_days
    if group.kms_key_id:
        live["KmsKeyId"] = group.kms_key_id
    return live


# -- AWS::SQS::Queue ------------------------------------------------------------------------
def read_queue(physical_id: str, account_id: str, region: str) -> Live | None:
    """A queue's physical id is its URL; its attributes are the CloudFormation properties."""
    from moto.sqs.exceptions import QueueDoesNotExist  # noqa: PLC0415 - moto loads on first use
    from moto.sqs.models import sqs_backends  # noqa: PLC0415 - moto loads on first use

    name = physical_id.rstrip("/").rsplit("/", 1)[-1]
    try:
        queue = sqs_backends[account_id][region].get_queue(name)
    except QueueDoesNotExist:
        return None
    attributes = queue.attributes
    live: Live = {"QueueName": queue.name}
    for name in _QUEUE_ATTRIBUTES:
        if name in attributes and attributes[name] is not None:
            live[name] = attributes[name]
    if "SqsManagedSseEnabled" in live:
        live["SqsManagedSseEnabled"] = str(live["SqsManagedSseEnabled"]).lower() == "true"
    return live


_QUEUE_ATTRIBUTES = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds",
    "SqsManagedSseEnabled",
    "KmsMasterKeyId",
)


# -- AWS::SSM::Parameter --------------------------------------------------------------------
def read_parameter(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.ssm.models import ssm_backends  # noqa: PLC0415 - moto loads on first use

    parameter = ssm_backends[account_id][region].get_parameter(physical_id)
    if parameter is None:
        return None
    live: Live = {
        "Name": parameter.name,
        "Type": parameter.parameter_type,
        "Value": parameter.value,
    }
    if parameter.description:
        live["Description"] = parameter.description
    return live


READERS: dict[str, Reader] = {
    "AWS::DynamoDB::Table": Reader(
        read_table,
        frozenset(
            {
                "TableName",
                "BillingMode",
                "AttributeDefinitions",
                "KeySchema",
                "DeletionProtectionEnabled",
                "GlobalSecondaryIndexes",
                "Tags",
                "ProvisionedThroughput",
                "StreamSpecification",
                "SSESpecification",
                "TimeToLiveSpecification",
                "PointInTimeRecoverySpecification",
            }
        ),
    ),
    "AWS::Lambda::Function": Reader(
        read_function,
        frozenset(
            {
                "FunctionName",
                "Description",
                "Handler",
                "Runtime",
                "Role",
                "MemorySize",
                "Timeout",
                "Architectures",
                "TracingConfig",
                "EphemeralStorage",
                "Layers",
                # Not "Tags": moto's CloudFormation model of a function drops the template's
                # Tags (SAM's lambda:createdBy among them), so the live tags would always
                # differ. Left out until that model keeps them.
                "VpcConfig",
                "Environment",
                "KmsKeyArn",
                "ReservedConcurrentExecutions",
            }
        ),
    ),
    "AWS::Logs::LogGroup": Reader(
        read_log_group, frozenset({"LogGroupName", "RetentionInDays", "KmsKeyId"})
    ),
    "AWS::SQS::Queue": Reader(
        read_queue,
        frozenset({"QueueName", *_QUEUE_ATTRIBUTES}),
    ),
    "AWS::SSM::Parameter": Reader(
        read_parameter, frozenset({"Name", "Type", "Value", "Description"})
    ),
}
READERS.update(drift_security.READERS)
READERS.update(drift_monitoring.READERS)
READERS.update(drift_lambda.READERS)
READERS.update(drift_network.READERS)
READERS.update(drift_storage.READERS)
READERS.update(drift_network_links.READERS)
READERS.update(drift_cache.READERS)
READERS.update(drift_edge.READERS)
READERS.update(drift_codedeploy.READERS)
READERS.update(drift_identity.READERS)
