"""AWS::DynamoDB::Table: the properties moto's model ignores, and the update it lacks.

moto creates the table, its key schema, GSIs and deletion protection, but ignores
``PointInTimeRecoverySpecification`` and ``TimeToLiveSpecification`` and stores
``SSESpecification`` in CloudFormation's shape (``SSEEnabled``) where its API reads
DynamoDB's (``Enabled``), so DescribeTable shows no encryption. It has no update handler:
a modified table silently drops out of the stack. This module wraps moto's create and adds
an in-place update (billing mode, GSIs added or removed, streams, deletion protection, SSE,
PITR, TTL), replacing the table only when a create-only property changes. A table can be
imported (IMPORT change set) by its TableName: the stack adopts moto's table as it is.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.table import Table

from pplocalaws.extensions.importable import Existing, Importable, register
from pplocalaws.resources.common import (
    Properties,
    as_bool,
    properties_of,
    requires_replacement,
)
from pplocalaws.resources.patching import record_properties, set_update_in_place
from pplocalaws.seams import table_default_kms_key

RESOURCE_TYPE = "AWS::DynamoDB::Table"


def _backend(account_id: str, region_name: str) -> DynamoDBBackend:
    return dynamodb_backends[account_id][region_name]


def sse_for_api(specification: Properties | None) -> dict[str, Any] | None:
    """CloudFormation's SSESpecification in the shape moto's DynamoDB API stores."""
    if not specification or not as_bool(specification.get("SSEEnabled")):
        return None
    api_shape: dict[str, Any] = {"Enabled": True, "SSEType": specification.get("SSEType", "KMS")}
    if specification.get("KMSMasterKeyId"):
        api_shape["KMSMasterKeyId"] = specification["KMSMasterKeyId"]
    return api_shape


def _apply_settings(table: Table, properties: Properties, account_id: str, region: str) -> None:
    """Apply what moto's create ignores; also the in-place part of an update."""
    backend = _backend(account_id, region)
    sse = sse_for_api(properties.get("SSESpecification"))
    if sse is not None and "KMSMasterKeyId" not in sse:
        sse["KMSMasterKeyId"] = table_default_kms_key(table, account_id, region)
    table.sse_specification = sse
    pitr = properties.get("PointInTimeRecoverySpecification") or {}
    backend.update_continuous_backups(
        table.name,
        {"PointInTimeRecoveryEnabled": as_bool(pitr.get("PointInTimeRecoveryEnabled"))},
    )
    ttl = properties.get("TimeToLiveSpecification")
    currently = table.ttl.get("TimeToLiveStatus") == "ENABLED"
    if ttl is not None and as_bool(ttl.get("Enabled")):
        if not currently or table.ttl.get("AttributeName") != ttl["AttributeName"]:
            backend.update_time_to_live(
                table.name, {"Enabled": True, "AttributeName": ttl["AttributeName"]}
            )
    elif currently:
        backend.update_time_to_live(
            table.name, {"Enabled": False, "AttributeName": table.ttl["AttributeName"]}
        )


def _gsi_changes(old: Properties, new: Properties) -> list[dict[str, Any]]:
    """UpdateTable GlobalSecondaryIndexUpdates turning the old index list into the new."""
    before = {index["IndexName"]: index for index in old.get("GlobalSecondaryIndexes", [])}
    after = {index["IndexName"]: index for index in new.get("GlobalSecondaryIndexes", [])}
    changes: list[dict[str, Any]] = [
        {"Delete": {"IndexName": name}}
        for name in before
        if name not in after or before[name] != after[name]
    ]
    changes += [
        {"Create": index}
        for name, index in after.items()
        if name not in before or before[name] != index
    ]
    return changes


def _replaces_table(old: Properties, new: Properties) -> bool:
    # A new key schema is a new table in DynamoDB, so CloudFormation replaces it too.
    new_key_schema = old.get("KeySchema") != new.get("KeySchema")
    return new_key_schema or requires_replacement(RESOURCE_TYPE, old, new)


def _update_table(
    table: Table, old: Properties, new: Properties, account_id: str, region: str
) -> None:
    _backend(account_id, region).update_table(
        name=table.name,
        attr_definitions=new.get("AttributeDefinitions", []),
        global_index=_gsi_changes(old, new),
        throughput=new.get("ProvisionedThroughput", {}),
        billing_mode="PAY_PER_REQUEST"
        if new.get("BillingMode") == "PAY_PER_REQUEST"
        else "PROVISIONED",
        stream_spec=new.get("StreamSpecification") or {},
        deletion_protection_enabled=as_bool(new.get("DeletionProtectionEnabled")),
        warm_throughput=new.get("WarmThroughput"),
    )
    _apply_settings(table, new, account_id, region)


def _find(table_name: str, account_id: str, region_name: str) -> Existing | None:
    table = _backend(account_id, region_name).tables.get(table_name)
    return None if table is None else Existing(table.name, table.name)


def _adopt(
    existing: Existing, cloudformation_json: dict[str, Any], account_id: str, region_name: str
) -> Table:
    table = _backend(account_id, region_name).get_table(existing.physical_id)
    # An update diffs the template against the template, as CloudFormation does.
    record_properties(table, properties_of(cloudformation_json))
    return table


set_update_in_place(
    Table, replaces=_replaces_table, update_in_place=_update_table, after_create=_apply_settings
)
register(Importable(RESOURCE_TYPE, "TableName", "TableName", _find, _adopt))
