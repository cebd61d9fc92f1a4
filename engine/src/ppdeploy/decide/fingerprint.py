"""A stack's fingerprint: the hash of everything a deploy sends, kept as a tag on the stack.

Equal fingerprints mean CloudFormation would find nothing to change, so the deploy is
skipped without creating a change set. That skip is what makes a no-op deploy of a whole
stage take well under a second: a change set costs several API calls and, on AWS, seconds
of waiting per stack, and one that holds no change must still be created and deleted.
The skip is only safe when the hash covers everything CloudFormation would compare, so it
covers the template text, the parameters, the tags, termination protection, the stack
policy and the values of the exports the stack imports: a changed export value changes
the importer even when its template did not change. A stack is skipped only in a settled
state (a failed or rolled-back stack is deployed again whatever its tag says).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace

from ppdeploy.aws.cloudformation import CloudFormation, StackState
from ppdeploy.decide import graph
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


def stamp(
    cfn: CloudFormation,
    spec: StackSpec,
    exports_now: Callable[[], Mapping[str, str]] | None = None,
) -> StackSpec:
    """``spec`` with its fingerprint, over the current values of what it imports.

    ``exports_now`` reads the current exports (a caller may share one reading); the
    account's exports are read only when the template imports something.
    """
    names = graph.imports_of(spec)
    exports = (exports_now or cfn.exports)() if names else {}
    imported = {name: exports.get(name, "") for name in names}
    return stamped(spec, compute(spec, imported))
