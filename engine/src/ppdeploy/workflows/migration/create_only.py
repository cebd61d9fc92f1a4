"""Whether a live table can be adopted as the shared template declares it.

A resource import adopts a resource as it is: CloudFormation does not change it, and a
later update cannot change what only a replacement changes. So before importing, every
property that fixes the resource for its whole life is compared with the template:

- the resource provider schema's ``createOnlyProperties`` (for AWS::DynamoDB::Table:
  ``TableName`` and ``ImportSourceSpecification``; read from the provider schemas cfn-lint
  ships, the registry's own documents);
- ``KeySchema`` and the types of its key attributes: the schema lets an update name them,
  but the AWS::DynamoDB::Table reference says of KeySchema "Update requires: Replacement"
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html),
  and a replacement of a table named in the template fails on the name.

``ImportSourceSpecification`` only applies when a table is created from S3 and cannot be
read back from a live table, so it is not compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TABLE_TYPE = "AWS::DynamoDB::Table"
# Compared by the migration besides the provider schema's create-only set (see above).
REPLACEMENT_PROPERTIES = ("KeySchema",)
# Create-only, but describes how a table was first loaded, not the table: not readable.
NOT_READABLE = ("ImportSourceSpecification",)


def create_only_properties(resource_type: str, region: str = "us-east-1") -> tuple[str, ...]:
    """The top-level createOnlyProperties of ``resource_type``'s provider schema."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # noqa: PLC0415 - 1 s import, used rarely

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource_type).schema
    return tuple(
        path.removeprefix("/properties/").split("/", 1)[0]
        for path in schema.get("createOnlyProperties", [])
    )


@dataclass(frozen=True)
class TableKeys:
    """A table's name and primary key: {role: (attribute, type)}, role HASH or RANGE."""

    name: str
    keys: Mapping[str, tuple[str, str]]

    def describe(self) -> str:
        return ", ".join(f"{name} ({kind}, {role})" for role, (name, kind) in self.keys.items())


def keys_of(key_schema: list[dict[str, Any]], definitions: list[dict[str, Any]]) -> dict[str, Any]:
    types = {d["AttributeName"]: d["AttributeType"] for d in definitions}
    return {
        k["KeyType"]: (k["AttributeName"], types.get(k["AttributeName"], "?")) for k in key_schema
    }


def live_table(described: dict[str, Any]) -> TableKeys:
    """From DescribeTable's ``Table``."""
    return TableKeys(
        name=described["TableName"],
        keys=keys_of(described["KeySchema"], described.get("AttributeDefinitions", [])),
    )


def template_table(name: str, properties: dict[str, Any]) -> TableKeys:
    """From the template's Properties (TableName already resolved to ``name``)."""
    return TableKeys(
        name=name,
        keys=keys_of(properties["KeySchema"], properties.get("AttributeDefinitions", [])),
    )


@dataclass(frozen=True)
class Difference:
    property: str
    live: str
    wanted: str


def differences(live: TableKeys, wanted: TableKeys) -> list[Difference]:
    """What differs between the live table and the template in what only creation sets."""
    found = []
    compared = {*create_only_properties(TABLE_TYPE), *REPLACEMENT_PROPERTIES} - set(NOT_READABLE)
    if "TableName" in compared and live.name != wanted.name:
        found.append(Difference("TableName", live.name, wanted.name))
    if "KeySchema" in compared and dict(live.keys) != dict(wanted.keys):
        found.append(Difference("KeySchema", live.describe(), wanted.describe()))
    return found


def key_renames(live: TableKeys, wanted: TableKeys) -> dict[str, str]:
    """Live key attribute -> the template's, by role (HASH to HASH, RANGE to RANGE).

    Raises ValueError when the roles differ (a hash-only table cannot become a hash and
    range one by renaming, nor a
    number key a string one): such data needs a person's mapping, not a copy.
    """
    if set(live.keys) != set(wanted.keys) or any(
        live.keys[role][1] != wanted.keys[role][1] for role in live.keys
    ):
        raise ValueError(
            f"{live.name} has keys {live.describe()}; {wanted.name} wants {wanted.describe()}"
        )
    return {
        live.keys[role][0]: wanted.keys[role][0]
        for role in live.keys
        if live.keys[role][0] != wanted.keys[role][0]
    }
