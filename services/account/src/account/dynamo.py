"""DynamoDB helpers: transactions, and reading error responses without importing botocore."""

from __future__ import annotations

from typing import Any

from ppcommon import aws


def _response(error: BaseException) -> dict[str, Any]:
    response = getattr(error, "response", None)  # botocore ClientError carries it
    return response if isinstance(response, dict) else {}


def error_code(error: BaseException) -> str:
    return str(_response(error).get("Error", {}).get("Code", ""))


def is_transaction_cancelled(error: BaseException) -> bool:
    return error_code(error) == "TransactionCanceledException"


def is_condition_failed(error: BaseException) -> bool:
    return error_code(error) == "ConditionalCheckFailedException"


def cancellation_codes(error: BaseException) -> list[str]:
    """Per-item reasons of a cancelled transaction, in request order ("None" = item passed)."""
    reasons = _response(error).get("CancellationReasons", [])
    return [str(reason.get("Code", "None")) for reason in reasons]


def put_new(table: str, item: dict[str, Any], key: str) -> dict[str, Any]:
    """A transaction ``Put`` that fails when an item with the same key exists."""
    return {
        "Put": {
            "TableName": table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(#key)",
            "ExpressionAttributeNames": {"#key": key},
        }
    }


def transact_write(items: list[dict[str, Any]]) -> None:
    """TransactWriteItems with plain Python values (the resource's client serialises them).

    IAM authorises each item by its own action (PutItem, UpdateItem, ...), which the
    shared policy grants; there is no separate transaction permission to hold.
    """
    # Every table's resource shares one client; the users table is always configured here.
    aws.resource_table("users").meta.client.transact_write_items(TransactItems=items)
