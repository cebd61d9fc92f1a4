"""Issue 11 item 5: a legacy table keyed otherwise than the template is moved, not imported.

The reader compares each legacy table's live key schema and name with the shared
template's (the adapter fake below answers DescribeTable); the plan says what happens;
a table of the template's name with other keys is refused before any change; the copy
renames the keys by role and checks every item.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions
import pytest

from ppdeploy import config
from ppdeploy.aws.cloudformation import StackResource
from ppdeploy.errors import RefusedError
from ppdeploy.workflows.migration import adoption, copying, create_only, migration_plan
from ppdeploy.workflows.migration.state import Reader
from tests.unit.fake_cloudformation import FakeCloudFormation, stack_state

LEGACY = "purposepath-api-dev"
TABLE = "AWS::DynamoDB::Table"


def table(name: str, key: str, kind: str = "S") -> dict[str, Any]:
    return {
        "TableName": name,
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": key, "AttributeType": kind}],
    }


@dataclass
class FakeDynamoDB:
    """DescribeTable, Scan (paged), PutItem with attribute_not_exists, GetItem."""

    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def describe_table(self, TableName: str) -> dict[str, Any]:
        if TableName not in self.tables:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "ResourceNotFoundException"}}, "DescribeTable"
            )
        return {"Table": self.tables[TableName]}

    def _key(self, table: str) -> str:
        return str(self.tables[table]["KeySchema"][0]["AttributeName"])

    def get_paginator(self, _: str) -> Any:
        items = self.items

        class Pages:
            def paginate(self, TableName: str, **_: Any) -> list[dict[str, Any]]:
                found = items.get(TableName, [])
                return [{"Items": found[:2]}, {"Items": found[2:]}]

        return Pages()

    def put_item(self, TableName: str, Item: dict[str, Any], **request: Any) -> None:
        key = self._key(TableName)
        existing = self.items.setdefault(TableName, [])
        clash = [n for n, item in enumerate(existing) if item[key] == Item[key]]
        if clash and "ConditionExpression" in request:  # attribute_not_exists(key)
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "ConditionalCheckFailedException"}}, "PutItem"
            )
        if clash:
            existing[clash[0]] = dict(Item)
        else:
            existing.append(dict(Item))

    def get_item(self, TableName: str, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        ((name, value),) = Key.items()
        found = [i for i in self.items.get(TableName, []) if i.get(name) == value]
        return {"Item": found[0]} if found else {}


class FakeSecrets:
    def describe_secret(self, SecretId: str) -> dict[str, Any]:
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "ResourceNotFoundException"}}, "DescribeSecret"
        )


class FakeGateway:
    def get_domain_names(self, **_: Any) -> dict[str, Any]:
        return {"Items": []}


class LegacyCloudFormation(FakeCloudFormation):
    """The fake plus the two reads the migration's reader needs."""

    held: dict[str, list[StackResource]] = field(default_factory=dict)  # type: ignore[assignment]

    def resources(self, name: str) -> list[StackResource]:
        return list(self.held.get(name, []))

    def output_exports(self, name: str) -> dict[str, str]:
        return {}


def legacy_stage(users: dict[str, Any]) -> tuple[Reader, FakeDynamoDB]:
    dynamodb = FakeDynamoDB(tables={users["TableName"]: users})
    cfn = LegacyCloudFormation(stacks={LEGACY: stack_state(LEGACY)})
    cfn.templates[LEGACY] = json.dumps({"Resources": {"UsersTable": {"Type": TABLE}}})
    cfn.held = {LEGACY: [StackResource("UsersTable", TABLE, users["TableName"], "CREATE_COMPLETE")]}
    clients = {"dynamodb": dynamodb, "secretsmanager": FakeSecrets(), "apigatewayv2": FakeGateway()}
    return Reader(cfn, clients.__getitem__, config.stage("dev"), LEGACY), dynamodb  # type: ignore[arg-type]


def test_a_legacy_table_of_another_name_and_key_is_copied_and_the_plan_says_so() -> None:
    reader, _ = legacy_stage(table(f"{LEGACY}-users", "id"))

    reading = reader.read()

    (users,) = [a for a in reading.adoptions if a.shared_id == "UsersTable"]
    assert users.moves
    assert not users.blocked
    assert not users.unowned
    assert {d.property for d in users.differences} == {"TableName", "KeySchema"}
    assert users.renames == {"id": "userId"}
    rows = {row[0]: row for row in migration_plan.rows(reading, delete_legacy=False)}
    row = rows[f"table {LEGACY}-users"]
    assert "keyed id (S, HASH)" in row[1]
    assert "copied into purposepath-shared-infrastructure-dev's new purposepath-users-dev" in row[2]
    assert "kept (Retain) until a person deletes it" in row[2]
    adoption.blocked(reading)  # nothing refused


def test_a_table_of_the_template_name_with_the_original_key_is_refused_before_any_change() -> None:
    reader, _ = legacy_stage(table("purposepath-users-dev", "id"))

    reading = reader.read()

    (users,) = [a for a in reading.adoptions if a.shared_id == "UsersTable"]
    assert users.blocked
    assert not users.unowned
    rows = {row[0]: row for row in migration_plan.rows(reading, delete_legacy=False)}
    assert rows["table purposepath-users-dev"][2].startswith("REFUSED")
    with pytest.raises(RefusedError, match="purposepath-users-dev differs") as refused:
        adoption.blocked(reading)
    assert "KeySchema: live id (S, HASH), template userId (S, HASH)" in str(refused.value)


def test_a_table_keyed_as_the_template_is_imported_as_before() -> None:
    reader, _ = legacy_stage(table("purposepath-users-dev", "userId"))

    (users,) = [a for a in reader.read().adoptions if a.shared_id == "UsersTable"]

    assert not users.differences
    assert not users.moves
    assert not users.blocked


def test_the_create_only_set_comes_from_the_provider_schema() -> None:
    assert set(create_only.create_only_properties(TABLE)) >= {"TableName"}
    assert create_only.create_only_properties("AWS::SecretsManager::Secret") == ("Name",)


def test_keys_of_another_type_or_shape_cannot_be_renamed() -> None:
    live = create_only.live_table(table("a", "id", "N"))
    with pytest.raises(ValueError, match="id"):
        create_only.key_renames(live, create_only.live_table(table("b", "userId")))


def test_the_copy_renames_keys_keeps_content_and_never_overwrites() -> None:
    dynamodb = FakeDynamoDB(
        tables={"old": table("old", "id"), "new": table("new", "userId")},
        items={"old": [{"id": {"S": f"u{n}"}, "name": {"S": f"n{n}"}} for n in range(3)]},
    )
    first = copying.copy_table(dynamodb, "old", "new", {"id": "userId"}, ["userId"])
    dynamodb.items["new"][0]["name"] = {"S": "changed by the new service"}
    again = copying.copy_table(dynamodb, "old", "new", {"id": "userId"}, ["userId"])
    check = copying.check_copy(dynamodb, "old", "new", {"id": "userId"}, ["userId"])

    assert (first.source_items, first.written, again.written) == (3, 3, 0)
    assert dynamodb.items["new"][1] == {"userId": {"S": "u1"}, "name": {"S": "n1"}}
    assert check.missing == ()
    assert check.changed == ("u0",)
    dynamodb.items["new"].pop()
    assert copying.check_copy(dynamodb, "old", "new", {"id": "userId"}, ["userId"]).missing == (
        "u2",
    )


def test_a_rename_onto_an_existing_attribute_is_refused() -> None:
    with pytest.raises(ValueError, match="userId"):
        copying.renamed({"id": {"S": "1"}, "userId": {"S": "2"}}, {"id": "userId"})


def _users(*names: str) -> FakeDynamoDB:
    return FakeDynamoDB(
        tables={"old": table("old", "id"), "new": table("new", "userId")},
        items={
            "old": [{"id": {"S": f"u{n}"}, "name": {"S": name}} for n, name in enumerate(names)]
        },
    )


def test_the_catch_up_carries_over_what_only_the_legacy_api_changed() -> None:
    dynamodb, ledger = _users("a", "b"), {}
    copying.copy_table(dynamodb, "old", "new", {"id": "userId"}, ["userId"], ledger)
    dynamodb.items["old"][0]["name"] = {"S": "a, renamed on the legacy API"}

    caught_up = copying.copy_table(dynamodb, "old", "new", {"id": "userId"}, ["userId"], ledger)

    assert (caught_up.written, caught_up.updated, caught_up.conflicts) == (0, 1, ())
    assert dynamodb.items["new"][0]["name"] == {"S": "a, renamed on the legacy API"}


def test_the_catch_up_keeps_what_only_the_new_services_changed() -> None:
    dynamodb, ledger = _users("a"), {}
    copying.copy_table(dynamodb, "old", "new", {"id": "userId"}, ["userId"], ledger)
    dynamodb.items["new"][0]["name"] = {"S": "upgraded at login"}

    caught_up = copying.copy_table(dynamodb, "old", "new", {"id": "userId"}, ["userId"], ledger)

    assert (caught_up.updated, caught_up.conflicts) == (0, ())
    assert dynamodb.items["new"][0]["name"] == {"S": "upgraded at login"}


def test_a_change_on_both_sides_is_a_reported_conflict_and_the_new_version_stays() -> None:
    dynamodb, ledger = _users("a"), {}
    copying.copy_table(dynamodb, "old", "new", {"id": "userId"}, ["userId"], ledger)
    dynamodb.items["old"][0]["name"] = {"S": "legacy change"}
    dynamodb.items["new"][0]["name"] = {"S": "new change"}

    caught_up = copying.copy_table(dynamodb, "old", "new", {"id": "userId"}, ["userId"], ledger)

    assert caught_up.conflicts == ("u0",)
    assert dynamodb.items["new"][0]["name"] == {"S": "new change"}


def test_without_a_ledger_entry_a_differing_item_is_a_conflict_not_an_overwrite() -> None:
    dynamodb = _users("a")
    copying.copy_table(dynamodb, "old", "new", {"id": "userId"}, ["userId"])  # no ledger kept
    dynamodb.items["old"][0]["name"] = {"S": "legacy change"}

    caught_up = copying.copy_table(dynamodb, "old", "new", {"id": "userId"}, ["userId"], {})

    assert caught_up.conflicts == ("u0",)
    assert dynamodb.items["new"][0]["name"] == {"S": "a"}
