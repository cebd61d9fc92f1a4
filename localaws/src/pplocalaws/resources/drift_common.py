"""What every drift reader shares: the reader record and the tag and policy shapes.

See ``drift_readers`` for what a reader is and how its properties are compared.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Live = dict[str, Any]
ReadLive = Callable[[str, str, str], Live | None]
"""(physical id, account id, region) -> the live properties, or None when deleted."""


@dataclass(frozen=True)
class Reader:
    read: ReadLive
    properties: frozenset[str]


def tag_list(tags: dict[str, str] | list[dict[str, str]] | None) -> list[dict[str, str]]:
    """Tags as CloudFormation's ``Tags`` list, without the ``aws:`` tags no template holds.

    ``aws:`` is reserved for AWS's own tags ("Tag naming limits and requirements",
    Tagging AWS Resources): CloudFormation adds ``aws:cloudformation:*`` itself.
    """
    if isinstance(tags, list):
        pairs = [(str(t["Key"]), str(t["Value"])) for t in tags]
    else:
        pairs = [(str(k), str(v)) for k, v in (tags or {}).items()]
    return [{"Key": k, "Value": v} for k, v in pairs if not k.startswith("aws:")]


def policy_document(document: str | dict[str, Any] | None) -> Any:
    """A policy document as JSON data, as the template holds it (IAM may URL-encode it)."""
    if document is None or isinstance(document, dict):
        return document
    try:
        return json.loads(document)
    except ValueError:
        return json.loads(urllib.parse.unquote(document))
