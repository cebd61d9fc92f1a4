"""Goals, KPIs and readings in the traction table.

Keys (every one begins with the caller's verified tenant, never an id from the path):
- goal:        pk ``TENANT#<t>``, sk ``GOAL#v7#<goalId>``
- KPI:         pk ``TENANT#<t>``, sk ``KPI#<kpiId>`` (found by id alone, for readings)
- goal's KPI:  pk ``TENANT#<t>``, sk ``GOALKPI#<goalId>#v7#<kpiId>`` (a copy: KPIs never
  change, and listing a goal's KPIs stays one query on a table without indexes)
- reading:     pk ``TENANT#<t>#KPI#<kpiId>``, sk ``READING#<utc µs>#<readingId>``
Another tenant's ids are simply absent under the caller's tenant: 404, never data.

Lists page in key order, one Query per page: goals newest first (descending), a goal's
KPIs oldest first, readings by time. Goal and KPI ids are time-ordered
(``ppcommon.paging.time_ordered_id``) and sit under ``v7#``, which sorts after every hex
digit. Goals and KPIs created before lists paged keep their keys (``GOAL#<goalId>``,
``GOALKPI#<goalId>#<kpiId>`` with uuid4 hex ids): all older than any time-ordered one, they
list after the newer goals and before the newer KPIs, among themselves in id order. The id
tells which sort key an item has, so nothing is migrated and no index is needed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from ppcommon import account_events
from ppcommon.aws import resource_table
from ppcommon.clock import iso, sort_key
from ppcommon.errors import NotFound
from ppcommon.paging import is_time_ordered_id, query_page, time_ordered_id

GOAL_PREFIX = "GOAL#"
READING_PREFIX = "READING#"
_TIME_ORDERED = "v7#"  # after every hex digit: time-ordered items sort above the older
GOAL_FIELDS = ("goalId", "title", "description", "dueDate", "status", "createdAt", "updatedAt")
KPI_FIELDS = ("kpiId", "goalId", "name", "unit", "target", "createdAt")
READING_FIELDS = ("readingId", "kpiId", "value", "recordedAt")


def new_id() -> str:
    return uuid.uuid4().hex


def _table() -> Any:
    return resource_table("traction")


def tenant_pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}"


def readings_pk(tenant_id: str, kpi_id: str) -> str:
    return f"TENANT#{tenant_id}#KPI#{kpi_id}"


def _ordered(identifier: str) -> str:
    return f"{_TIME_ORDERED}{identifier}" if is_time_ordered_id(identifier) else identifier


def goal_sk(goal_id: str) -> str:
    return f"{GOAL_PREFIX}{_ordered(goal_id)}"


def goal_kpis_prefix(goal_id: str) -> str:
    return f"GOALKPI#{goal_id}#"


def goal_kpi_sk(goal_id: str, kpi_id: str) -> str:
    return f"{goal_kpis_prefix(goal_id)}{_ordered(kpi_id)}"


def _document(item: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {field: item.get(field) for field in fields}


def _query(**arguments: Any) -> Iterator[dict[str, Any]]:
    while True:
        page = _table().query(**arguments)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _begins_with(pk: str, prefix: str, **extra: Any) -> Iterator[dict[str, Any]]:
    return _query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": pk, ":prefix": prefix},
        **extra,
    )


def _error_code(error: Exception) -> str | None:
    response = getattr(error, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def _cancelled_by_condition(error: Exception) -> bool:
    """A transaction refused because a condition failed (not a conflict or throttle)."""
    if _error_code(error) != "TransactionCanceledException":
        return False
    reasons = getattr(error, "response", {}).get("CancellationReasons", [])
    return any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons)


# Goals


def create_goal(tenant_id: str, fields: Mapping[str, str | None], now: datetime) -> dict[str, Any]:
    goal_id = time_ordered_id(now)
    item = {
        "pk": tenant_pk(tenant_id),
        "sk": goal_sk(goal_id),
        "goalId": goal_id,
        **fields,
        "status": "open",
        "createdAt": iso(now),
        "createdSort": sort_key(now),
        "updatedAt": iso(now),
    }
    stored = {key: value for key, value in item.items() if value is not None}
    _table().put_item(Item=stored, ConditionExpression="attribute_not_exists(pk)")
    return _document(stored, GOAL_FIELDS)


def _page(
    pk: str, prefix: str, limit: int, start_key: Mapping[str, Any] | None, **extra: Any
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    return query_page(
        _table(),
        limit,
        start_key,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": pk, ":prefix": prefix},
        **extra,
    )


def list_goals(
    tenant_id: str, limit: int, start_key: Mapping[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One page of the tenant's goals, newest first (see the module's key layout)."""
    items, last_key = _page(
        tenant_pk(tenant_id), GOAL_PREFIX, limit, start_key, ScanIndexForward=False
    )
    return [_document(item, GOAL_FIELDS) for item in items], last_key


def get_goal(tenant_id: str, goal_id: str) -> dict[str, Any]:
    item = (
        _table()
        .get_item(Key={"pk": tenant_pk(tenant_id), "sk": goal_sk(goal_id)}, ConsistentRead=True)
        .get("Item")
    )
    if item is None:
        raise NotFound(f"goal {goal_id} not found")
    return _document(item, GOAL_FIELDS)


def update_goal(
    tenant_id: str, goal_id: str, changes: Mapping[str, str | None], now: datetime
) -> dict[str, Any]:
    """Apply ``changes`` (a None value removes an optional field) to an existing goal."""
    from botocore.exceptions import ClientError  # noqa: PLC0415 - lazy: cold start

    names = {"#updatedAt": "updatedAt"}
    values: dict[str, Any] = {":updatedAt": iso(now)}
    sets, removes = ["#updatedAt = :updatedAt"], []
    for field, value in changes.items():
        names[f"#{field}"] = field
        if value is None:
            removes.append(f"#{field}")
        else:
            values[f":{field}"] = value
            sets.append(f"#{field} = :{field}")
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    try:
        response = _table().update_item(
            Key={"pk": tenant_pk(tenant_id), "sk": goal_sk(goal_id)},
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        if _error_code(error) == "ConditionalCheckFailedException":
            raise NotFound(f"goal {goal_id} not found") from None
        raise
    return _document(response["Attributes"], GOAL_FIELDS)


def delete_goal(tenant_id: str, goal_id: str) -> None:
    """Remove the goal, its KPIs and their readings; the goal goes last so a retry finishes."""
    get_goal(tenant_id, goal_id)
    pk = tenant_pk(tenant_id)
    table = _table()
    memberships = list(
        _begins_with(pk, goal_kpis_prefix(goal_id), ProjectionExpression="pk, sk, kpiId")
    )
    with table.batch_writer() as batch:
        for membership in memberships:
            kpi_id = membership["kpiId"]
            readings = readings_pk(tenant_id, kpi_id)
            for reading in _begins_with(readings, READING_PREFIX, ProjectionExpression="pk, sk"):
                batch.delete_item(Key={"pk": reading["pk"], "sk": reading["sk"]})
            batch.delete_item(Key={"pk": pk, "sk": f"KPI#{kpi_id}"})
            batch.delete_item(Key={"pk": pk, "sk": membership["sk"]})
    table.delete_item(Key={"pk": pk, "sk": goal_sk(goal_id)})


# KPIs


def create_kpi(
    tenant_id: str, goal_id: str, name: str, unit: str, target: Decimal, now: datetime
) -> dict[str, Any]:
    """A KPI of an existing goal (one transaction: a goal deleted meanwhile gets none)."""
    from botocore.exceptions import ClientError  # noqa: PLC0415 - lazy: cold start

    kpi_id = time_ordered_id(now)
    pk = tenant_pk(tenant_id)
    attributes = {
        "kpiId": kpi_id,
        "goalId": goal_id,
        "name": name,
        "unit": unit,
        "target": target,
        "createdAt": iso(now),
    }
    table = _table()
    puts = [
        {
            "Put": {
                "TableName": table.name,
                "Item": {"pk": pk, "sk": sk, **attributes},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for sk in (f"KPI#{kpi_id}", goal_kpi_sk(goal_id, kpi_id))
    ]
    goal_exists = {
        "ConditionCheck": {
            "TableName": table.name,
            "Key": {"pk": pk, "sk": goal_sk(goal_id)},
            "ConditionExpression": "attribute_exists(pk)",
        }
    }
    try:
        # The resource's client serialises plain Python values, like the Table itself.
        table.meta.client.transact_write_items(TransactItems=[goal_exists, *puts])
    except ClientError as error:
        if _cancelled_by_condition(error):
            raise NotFound(f"goal {goal_id} not found") from None
        raise
    return _document(attributes, KPI_FIELDS)


def list_kpis(
    tenant_id: str, goal_id: str, limit: int, start_key: Mapping[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One page of the goal's KPIs, oldest first (see the module's key layout)."""
    get_goal(tenant_id, goal_id)
    items, last_key = _page(tenant_pk(tenant_id), goal_kpis_prefix(goal_id), limit, start_key)
    return [_document(item, KPI_FIELDS) for item in items], last_key


# Readings


def add_reading(
    tenant_id: str, kpi_id: str, value: Decimal, recorded_at: datetime
) -> dict[str, Any]:
    from botocore.exceptions import ClientError  # noqa: PLC0415 - lazy: cold start

    reading_id = new_id()
    attributes = {
        "readingId": reading_id,
        "kpiId": kpi_id,
        "value": value,
        "recordedAt": iso(recorded_at),
    }
    table = _table()
    item = {
        "pk": readings_pk(tenant_id, kpi_id),
        "sk": f"{READING_PREFIX}{sort_key(recorded_at)}#{reading_id}",
        **attributes,
    }
    try:
        table.meta.client.transact_write_items(
            TransactItems=[
                {
                    "ConditionCheck": {
                        "TableName": table.name,
                        "Key": {"pk": tenant_pk(tenant_id), "sk": f"KPI#{kpi_id}"},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {
                    "Put": {
                        "TableName": table.name,
                        "Item": item,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    except ClientError as error:
        if _cancelled_by_condition(error):
            raise NotFound(f"KPI {kpi_id} not found") from None
        raise
    return _document(attributes, READING_FIELDS)


def list_readings(
    tenant_id: str, kpi_id: str, limit: int, start_key: Mapping[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One page of the KPI's readings, oldest first (sk order is recorded time order)."""
    kpi = (
        _table()
        .get_item(Key={"pk": tenant_pk(tenant_id), "sk": f"KPI#{kpi_id}"}, ConsistentRead=True)
        .get("Item")
    )
    if kpi is None:
        raise NotFound(f"KPI {kpi_id} not found")
    items, last_key = _page(readings_pk(tenant_id, kpi_id), READING_PREFIX, limit, start_key)
    return [_document(item, READING_FIELDS) for item in items], last_key


# Purge (account deletion events: traction.purge)
#
# Goals, KPIs and readings belong to the tenant, not to the user who typed them: the items
# name no user. A deleted user's traction data is therefore the tenant's and goes when the
# tenant goes (``tenant.deleted``, published when its last owner is deleted).


def _delete_keys(keys: Iterable[Mapping[str, Any]]) -> int:
    return account_events.delete_keys(_table(), keys)


def _partition_keys(pk: str) -> Iterator[dict[str, Any]]:
    # Strongly consistent: a second delivery right after a purge must find nothing.
    return _query(
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": pk},
        ProjectionExpression="pk, sk",
        ConsistentRead=True,
    )


def _kpi_id(sk: str) -> str | None:
    """The KPI a tenant item names: ``KPI#<k>`` and ``GOALKPI#<g>#<k>``."""
    if sk.startswith("KPI#"):
        return sk.removeprefix("KPI#")
    if sk.startswith("GOALKPI#"):
        return sk.rsplit("#", 1)[-1]
    return None


def purge_tenant(tenant_id: str) -> int:
    """Delete every goal, KPI and reading of the tenant; the number of items deleted.

    Readings go first, then the tenant's partition, then the readings once more: a reading
    needs its KPI (``add_reading`` checks it in the same transaction), so after the KPIs are
    gone none can be added, and a retry after a failure half-way still finds the KPIs whose
    readings remain.
    """
    items = list(_partition_keys(tenant_pk(tenant_id)))
    kpi_ids = sorted({k for item in items if (k := _kpi_id(str(item["sk"]))) is not None})

    def readings() -> int:
        return sum(_delete_keys(_partition_keys(readings_pk(tenant_id, k))) for k in kpi_ids)

    deleted = readings()
    deleted += _delete_keys(items)
    return deleted + readings()
