"""Pages of a list route: the ``limit`` and ``cursor`` query parameters and the answer shape.

Every list route answers ``{"items": [...], "nextCursor": "<opaque>" | null}`` and reads
one DynamoDB Query of at most ``limit`` items per request, never a whole partition.

``limit``: an integer 1..100 (default 50). ``cursor``: the ``nextCursor`` of the page
before, base64url (no padding) of the Query's ``LastEvaluatedKey`` as JSON. It carries no
signature, so it is checked on the way in: it must decode to a JSON object whose keys are
exactly the table's key attributes, whose partition key is the caller's own partition and
whose sort key lies inside the list's key range; anything else is a 400. A cursor can so
never start a Query in another tenant's or user's partition.

DynamoDB answers a ``LastEvaluatedKey`` whenever it stopped at ``Limit`` items, even when
nothing follows ("Paginating table query results in DynamoDB"): the last page of a list
whose size is a multiple of ``limit`` is an empty page with ``nextCursor: null``.

Ids that page in creation order (``time_ordered_id``) live here too: a list can only page
in an order its keys already have.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ppcommon.errors import BadRequest

if TYPE_CHECKING:
    from ppcommon.http import HttpRequestSource

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
KEY_NAMES = ("pk", "sk")  # the key attributes of the coaching and traction tables
# Our cursors are a few hundred characters; DynamoDB keys are at most 2048 + 1024 bytes
# ("Service, account, and table quotas in Amazon DynamoDB", Partition key / Sort key
# length), whose JSON in base64 stays under this.
MAX_CURSOR_CHARS = 4400
MAX_SORT_KEY_BYTES = 1024

LIMIT_REFUSED = f"field 'limit' must be an integer from 1 to {MAX_LIMIT}"
CURSOR_REFUSED = "field 'cursor' is not a cursor this list gave"

_LIMIT = re.compile(r"[0-9]{1,3}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def page_params(
    app: HttpRequestSource,
    *,
    partition: str,
    sort_prefix: str,
    key_names: tuple[str, str] = KEY_NAMES,
) -> tuple[int, dict[str, str] | None]:
    """``(limit, start_key)`` from the request's ``limit`` and ``cursor`` (400 if bad).

    ``partition``: the caller's own partition key value, the only one a cursor may name.
    ``sort_prefix``: the list's sort key range (its Query's ``begins_with``).
    """
    parameters = app.current_event.query_string_parameters or {}
    limit = parse_limit(parameters.get("limit"))
    raw = parameters.get("cursor")
    if raw is None:
        return limit, None
    return limit, decode_cursor(raw, partition, sort_prefix=sort_prefix, key_names=key_names)


def parse_limit(raw: str | None) -> int:
    """The page size: ``raw`` as an integer 1..100, or the default when absent."""
    if raw is None:
        return DEFAULT_LIMIT
    # ASCII digits only: int() would also take " 5", "+5", "5_0" and non-ASCII digits.
    if not _LIMIT.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(LIMIT_REFUSED)
    return int(raw)


def encode_cursor(key: Mapping[str, Any] | None) -> str | None:
    """The opaque ``nextCursor`` for a Query's ``LastEvaluatedKey`` (None: no next page)."""
    if not key:
        return None
    text = json.dumps(dict(key), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(
    raw: str,
    expected_partition: str,
    *,
    sort_prefix: str = "",
    key_names: tuple[str, str] = KEY_NAMES,
) -> dict[str, str]:
    """The ``ExclusiveStartKey`` a cursor names, if this list could have given it (else 400)."""
    if len(raw) > MAX_CURSOR_CHARS or not _BASE64URL.fullmatch(raw):
        raise BadRequest(CURSOR_REFUSED)
    try:
        data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        document = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (binascii.Error, ValueError, RecursionError):
        # RecursionError: a cursor of nested arrays, deeper than the JSON parser goes.
        raise BadRequest(CURSOR_REFUSED) from None
    partition_name, sort_name = key_names
    if not isinstance(document, dict) or set(document) != {partition_name, sort_name}:
        raise BadRequest(CURSOR_REFUSED)
    partition, sort = document[partition_name], document[sort_name]
    if (
        not isinstance(partition, str)
        or not isinstance(sort, str)
        or partition != expected_partition
        # Inside the Query's begins_with range: DynamoDB refuses a start key outside it.
        or not sort.startswith(sort_prefix)
        or not _storable_sort_key(sort)
    ):
        raise BadRequest(CURSOR_REFUSED)
    return {partition_name: partition, sort_name: sort}


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise ValueError("duplicate key")
    return document


def _storable_sort_key(sort: str) -> bool:
    # A lone surrogate cannot be sent as UTF-8; a sort key is 1..1024 bytes.
    try:
        size = len(sort.encode("utf-8"))
    except UnicodeEncodeError:
        return False
    return 1 <= size <= MAX_SORT_KEY_BYTES


def query_page(
    table: Any, limit: int, start_key: Mapping[str, Any] | None, **arguments: Any
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One Query of at most ``limit`` items: ``(items, LastEvaluatedKey or None)``."""
    if start_key is not None:
        arguments["ExclusiveStartKey"] = dict(start_key)
    response = table.query(Limit=limit, **arguments)
    items: list[dict[str, Any]] = response.get("Items", [])
    return items, response.get("LastEvaluatedKey")


def list_document(
    items: Sequence[Mapping[str, Any]], last_key: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The body of a list route: ``{"items": [...], "nextCursor": str | None}``."""
    return {"items": list(items), "nextCursor": encode_cursor(last_key)}


# Time-ordered ids: UUID version 7 (RFC 9562, section 5.7), written as 32 lowercase hex
# digits. The first 48 bits are the Unix time in milliseconds, so the text sorts in
# creation order; the next 12 bits carry the sub-millisecond fraction and are kept
# increasing within one process (RFC 9562 section 6.2, methods 1 and 3), so ids made one
# after the other in one execution environment also sort in that order. 62 random bits
# remain. A uuid4 hex has "4" at index 12, a time-ordered id "7": the two never collide.

TIME_ORDERED_VERSION = "7"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_VARIANT = 0b10  # RFC 9562 section 4.1
_last_timestamp = -1
_timestamp_lock = threading.Lock()


def time_ordered_id(now: datetime) -> str:
    """A new 32-hex-digit id whose text order is creation order (``now``: the creation)."""
    global _last_timestamp  # noqa: PLW0603 - the per-process monotonic clock of RFC 9562 6.2
    micros = (now.astimezone(UTC) - _EPOCH) // timedelta(microseconds=1)
    millis, fraction = divmod(micros, 1000)
    timestamp = (millis << 12) | (fraction * 4096 // 1000)  # 48 + 12 bits
    with _timestamp_lock:
        timestamp = max(timestamp, _last_timestamp + 1)
        _last_timestamp = timestamp
    value = (
        (timestamp >> 12) << 80
        | 0x7 << 76
        | (timestamp & 0xFFF) << 64
        | _VARIANT << 62
        | secrets.randbits(62)
    )
    return f"{value:032x}"


def is_time_ordered_id(identifier: str) -> bool:
    """True for ids from ``time_ordered_id``; False for uuid4 hex ids (version 4)."""
    return len(identifier) == 32 and identifier[12] == TIME_ORDERED_VERSION
