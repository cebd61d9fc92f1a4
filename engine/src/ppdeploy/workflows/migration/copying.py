"""Moving a legacy table's items into the shared stack's table of the target key schema.

Used where a legacy table cannot be imported (its name or key schema differs from the
template's, see ``create_only``). Each item is written with its key attributes renamed
by role and every other attribute as it was; the legacy table is only read, and stays
until a person deletes it. A first write is conditional on the key being absent, so a
rerun never overwrites what the new services have written since (for example a password
hash upgraded at login). The catch-up copy after the switch compares each item with a
ledger of what was copied: a change only the legacy API made is carried over, a change on
both sides is reported and the new services' version kept.
"""

from __future__ import annotations

import hashlib
import json
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


Ledger = dict[str, str]
"""Item label -> digest of the item as it was copied (renamed): what a catch-up compares."""


def digest(item: Item) -> str:
    return hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()


def label_of(item: Item, target_keys: list[str]) -> str:
    return "/".join(str(next(iter(item[name].values()))) for name in target_keys)


@dataclass(frozen=True)
class CopyResult:
    source_items: int
    written: int  # items the target did not have yet
    updated: int = 0  # items the legacy API changed since the copy, carried over
    # Items changed on both sides since the copy (or of unknown history): the new
    # services' version stays, the legacy table keeps the other.
    conflicts: tuple[str, ...] = ()


def copy_table(
    dynamodb: Any,
    source: str,
    target: str,
    renames: Mapping[str, str],
    target_keys: list[str],
    ledger: Ledger | None = None,
) -> CopyResult:
    """Copy every item of ``source`` missing from ``target``; with a ``ledger``, also carry
    over what the legacy API changed since the item was copied.

    The ledger records each item as copied. An item whose legacy version changed since,
    while the new table's copy did not, is written again; one changed on both sides is a
    conflict, left as the new services wrote it (a login may have upgraded a password
    hash there), and reported.
    """
    absent = " AND ".join(f"attribute_not_exists(#k{n})" for n in range(len(target_keys)))
    names = {f"#k{n}": key for n, key in enumerate(target_keys)}
    count = written = updated = 0
    conflicts: list[str] = []
    for item in scan(dynamodb, source):
        count += 1
        wanted = renamed(item, renames)
        label = label_of(wanted, target_keys)
        try:
            dynamodb.put_item(
                TableName=target,
                Item=wanted,
                ConditionExpression=absent,
                ExpressionAttributeNames=names,
            )
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
        else:
            written += 1
            if ledger is not None:
                ledger[label] = digest(wanted)
            continue
        if ledger is None:
            continue
        key = {name: wanted[name] for name in target_keys}
        found = dynamodb.get_item(TableName=target, Key=key, ConsistentRead=True).get("Item")
        copied = ledger.get(label)
        if found == wanted:
            ledger[label] = digest(wanted)
        elif copied == digest(wanted):
            continue  # only the new services changed it since the copy
        elif copied is not None and found is not None and digest(found) == copied:
            dynamodb.put_item(TableName=target, Item=wanted)
            ledger[label] = digest(wanted)
            updated += 1
        else:
            conflicts.append(label)
    return CopyResult(count, written, updated, tuple(conflicts))


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
        label = label_of(wanted, target_keys)
        if found is None:
            missing.append(label)
        elif found != wanted:
            changed.append(label)
    target_count = sum(1 for _ in scan(dynamodb, target))
    return Check(count, target_count, tuple(missing), tuple(changed))
