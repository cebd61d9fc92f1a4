"""A stack's fingerprint: the hash of everything a deploy sends, kept as a tag on the stack.

Equal fingerprints mean CloudFormation would find nothing to change, so the deploy is
skipped without creating a change set (DESIGN §5). The imported values are included: a
changed export value changes the importer even when its template did not change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace

from ppdeploy.cloudformation import StackState
from ppdeploy.model import StackSpec

TAG = "purposepath:fingerprint"
SETTLED = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}


def compute(spec: StackSpec, imported: Mapping[str, str]) -> str:
    document = {
        "template": spec.template.body,
        "parameters": dict(sorted(spec.parameters.items())),
        "imports": dict(sorted(imported.items())),
        "tags": {key: value for key, value in sorted(spec.tags.items()) if key != TAG},
        "termination_protection": spec.termination_protection,
        "stack_policy": spec.stack_policy,
    }
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def stamped(spec: StackSpec, value: str) -> StackSpec:
    """``spec`` with its fingerprint among the tags CloudFormation keeps."""
    return replace(spec, tags={**spec.tags, TAG: value})


def unchanged(state: StackState | None, value: str) -> bool:
    return state is not None and state.status in SETTLED and state.tags.get(TAG) == value
