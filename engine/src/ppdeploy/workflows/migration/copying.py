"""Moving a legacy table's items into the shared stack's table of the target key schema.

Used where a legacy table cannot be imported (its name or key schema differs from the
template's, see ``create_only``). Each item is written with its key attributes renamed
by role and every other attribute as it was; the legacy table is only read, and stays
until a person deletes it. Writes are conditional on the key being absent, so a rerun
(or the catch-up copy after the switch) never overwrites what the new services have
written since, for example a password hash upgraded at login.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

Item = dict[str, Any]


def renamed(item: Item, renames: Mapping[str, str]) -> Item:
    """``item`` with its key attributes renamed (a clash with another attribute refuses)."""
    clashing = [new for old, new in renames.items() if new in item and old in item]
    if clashing:
        raise ValueError(
            f"an item already has {', '.join(clashing)}, which the renamed key would overwrite"
        )
    return {renames.get(name, name): value for name, value in item.items()}


def scan(dynamodb: Any, table: str) -> Iterator[Item]:
    """Every item, read consistently (a copy must not miss a write acknowledged before it)."""
    pages = dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    for page in pages:
        yield from page["Items"]


@dataclass(frozen=True)
class CopyResult:
    source_items: int
    written: int  # items the target did not have yet


def copy_table(
    dynamodb: Any, source: str, target: str, renames: Mapping[str, str], target_keys: list[str]
) -> CopyResult:
    """Copy every item of ``source`` missing from ``target``."""
    absent = " AND ".join(f"attribute_not_exists(#k{n})" for n in range(len(target_keys)))
    names = {f"#k{n}": key for n, key in enumerate(target_keys)}
    count = written = 0
    for item in scan(dynamodb, source):
        count += 1
        try:
            dynamodb.put_item(
                TableName=target,
                Item=renamed(item, renames),
                ConditionExpression=absent,
                ExpressionAttributeNames=names,
            )
            written += 1
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
    return CopyResult(source_items=count, written=written)


@dataclass(frozen=True)
class Check:
    source_items: int
    target_items: int
    missing: tuple[str, ...]  # keys of source items the target lacks
    changed: tuple[str, ...]  # keys of items whose content differs

    @property
    def complete(self) -> bool:
        return not self.missing and not self.changed and self.target_items >= self.source_items


def check_copy(
    dynamodb: Any, source: str, target: str, renames: Mapping[str, str], target_keys: list[str]
) -> Check:
    """Every source item is in ``target`` with the same content (its keys renamed).

    ``changed`` is only for reporting: after the switch the new services may have updated
    an item (a login upgrades its password hash), which is not a loss.
    """
    missing, changed = [], []
    count = 0
    for item in scan(dynamodb, source):
        count += 1
        wanted = renamed(item, renames)
        key = {name: wanted[name] for name in target_keys}
        found = dynamodb.get_item(TableName=target, Key=key, ConsistentRead=True).get("Item")
        label = "/".join(str(next(iter(key[name].values()))) for name in target_keys)
        if found is None:
            missing.append(label)
        elif found != wanted:
            changed.append(label)
    target_count = sum(1 for _ in scan(dynamodb, target))
    return Check(count, target_count, tuple(missing), tuple(changed))
