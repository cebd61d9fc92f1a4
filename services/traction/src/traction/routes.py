"""Goal, KPI and reading routes (all Bearer-protected, scoped to the token's tenant)."""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ppcommon.clock import parse_instant, utc_now
from ppcommon.errors import BadRequest, NotFound
from ppcommon.http import bearer_claims, json_body, require_text
from ppcommon.paging import list_document, page_params
from traction import numbers, store

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
NAME_MAX = 100
UNIT_MAX = 20
GOAL_STATUSES = ("open", "done")
_ID = re.compile(r"[0-9a-f]{32}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII: \d also takes other scripts' digits
# Readings' sort keys hold the time as fixed-width text (ppcommon.clock.sort_key): four-digit
# years, and none before the Unix epoch.
FIRST_YEAR, LAST_YEAR = 1970, 9999

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


def _tenant() -> str:
    return bearer_claims(router).tenant_id


def _id(raw: str, kind: str) -> str:
    # A malformed id cannot name anything: answer as for an unknown one.
    if not _ID.fullmatch(raw):
        raise NotFound(f"{kind} {raw[:64]} not found")
    return raw


def _due_date(body: dict[str, Any]) -> str | None:
    value = body.get("dueDate")
    if value is None:
        return None
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass  # a well-shaped but impossible date, e.g. 2026-02-30: refused below
    raise BadRequest("field 'dueDate' must be a date as YYYY-MM-DD")


def _number(body: dict[str, Any], name: str) -> Decimal:
    """Field ``name``: a JSON number (int, float or Decimal) DynamoDB stores exactly."""
    value = body.get(name)
    if value is None:
        raise BadRequest(f"field {name!r} is required")
    try:
        return numbers.storable(numbers.as_decimal(value))
    except TypeError:
        raise BadRequest(f"field {name!r} must be a number") from None
    except ValueError as error:
        raise BadRequest(f"field {name!r} {error}") from None


RECORDED_AT_REFUSED = (
    "field 'recordedAt' must be an ISO 8601 time with an offset, in the years "
    f"{FIRST_YEAR} to {LAST_YEAR} in UTC, e.g. 2026-11-26T09:30:00Z"
)


def _recorded_at(body: dict[str, Any]) -> datetime:
    value = body.get("recordedAt")
    if value is None:
        return utc_now()
    moment = None
    if isinstance(value, str):
        # OverflowError: an offset that moves year 1 or 9999 out of range in UTC.
        with suppress(ValueError, OverflowError):
            moment = parse_instant(value)
    # The year is checked here too, whether or not parse_instant already refuses it: the
    # readings' sort keys need it.
    if moment is None or not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise BadRequest(RECORDED_AT_REFUSED)
    return moment


def _goal_fields(body: dict[str, Any], *, partial: bool) -> dict[str, str | None]:
    fields: dict[str, str | None] = {}
    if not partial or "title" in body:
        fields["title"] = require_text(body, "title", max_length=TITLE_MAX)
    if not partial or "description" in body:
        fields["description"] = require_text(
            body, "description", max_length=DESCRIPTION_MAX, min_length=0, required=False
        )
    if not partial or "dueDate" in body:
        fields["dueDate"] = _due_date(body)
    return fields


@router.post("/goals")
def create_goal() -> tuple[dict[str, Any], int]:
    tenant_id = _tenant()
    fields = _goal_fields(json_body(router), partial=False)
    return store.create_goal(tenant_id, fields, utc_now()), 201


@router.get("/goals")
def list_goals() -> dict[str, Any]:
    tenant_id = _tenant()
    limit, start_key = page_params(
        router, partition=store.tenant_pk(tenant_id), sort_prefix=store.GOAL_PREFIX
    )
    return list_document(*store.list_goals(tenant_id, limit, start_key))


@router.get("/goals/<goal_id>")
def get_goal(goal_id: str) -> dict[str, Any]:
    return store.get_goal(_tenant(), _id(goal_id, "goal"))


@router.put("/goals/<goal_id>")
def update_goal(goal_id: str) -> dict[str, Any]:
    tenant_id = _tenant()
    goal_id = _id(goal_id, "goal")
    body = json_body(router)
    unknown = sorted(set(body) - {"title", "description", "dueDate", "status"})
    if unknown:
        raise BadRequest(
            f"field {unknown[0]!r} cannot be updated; send title, description, dueDate or status"
        )
    changes = _goal_fields(body, partial=True)
    if "status" in body:
        if body["status"] not in GOAL_STATUSES:
            raise BadRequest("field 'status' must be 'open' or 'done'")
        changes["status"] = body["status"]
    if not changes:
        raise BadRequest("send at least one of title, description, dueDate, status")
    return store.update_goal(tenant_id, goal_id, changes, utc_now())


@router.delete("/goals/<goal_id>")
def delete_goal(goal_id: str) -> Response[str]:
    store.delete_goal(_tenant(), _id(goal_id, "goal"))
    return Response(status_code=204, body="")


@router.post("/goals/<goal_id>/kpis")
def create_kpi(goal_id: str) -> tuple[dict[str, Any], int]:
    tenant_id = _tenant()
    goal_id = _id(goal_id, "goal")
    body = json_body(router)
    name = require_text(body, "name", max_length=NAME_MAX)
    unit = require_text(body, "unit", max_length=UNIT_MAX)
    target = _number(body, "target")
    return store.create_kpi(tenant_id, goal_id, name, unit, target, utc_now()), 201


@router.get("/goals/<goal_id>/kpis")
def list_kpis(goal_id: str) -> dict[str, Any]:
    tenant_id = _tenant()
    goal_id = _id(goal_id, "goal")
    limit, start_key = page_params(
        router, partition=store.tenant_pk(tenant_id), sort_prefix=store.goal_kpis_prefix(goal_id)
    )
    return list_document(*store.list_kpis(tenant_id, goal_id, limit, start_key))


@router.post("/kpis/<kpi_id>/readings")
def add_reading(kpi_id: str) -> tuple[dict[str, Any], int]:
    tenant_id = _tenant()
    kpi_id = _id(kpi_id, "KPI")
    body = json_body(router)
    value = _number(body, "value")
    recorded_at = _recorded_at(body)
    return store.add_reading(tenant_id, kpi_id, value, recorded_at), 201


@router.get("/kpis/<kpi_id>/readings")
def list_readings(kpi_id: str) -> dict[str, Any]:
    tenant_id = _tenant()
    kpi_id = _id(kpi_id, "KPI")
    limit, start_key = page_params(
        router,
        partition=store.readings_pk(tenant_id, kpi_id),
        sort_prefix=store.READING_PREFIX,
    )
    return list_document(*store.list_readings(tenant_id, kpi_id, limit, start_key))
