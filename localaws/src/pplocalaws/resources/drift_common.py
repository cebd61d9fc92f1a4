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


ReadWithTemplate = Callable[[str, str, str, Live], Live | None]
"""Like ReadLive, also given the template's resolved properties (those the reader compares):
for a resource its physical id alone does not find (a stage is named within its API)."""


@dataclass(frozen=True)
class Reader:
    read: ReadLive | None
    properties: frozenset[str]
    read_with_template: ReadWithTemplate | None = None

    def live(self, physical_id: str, account_id: str, region: str, expected: Live) -> Live | None:
        """The live properties, or None when the resource is gone."""
        if self.read_with_template is not None:
            return self.read_with_template(physical_id, account_id, region, expected)
        if self.read is None:
            raise TypeError("a Reader needs read or read_with_template")
        return self.read(physical_id, account_id, region)


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
