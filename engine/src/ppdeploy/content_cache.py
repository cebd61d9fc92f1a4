"""Results kept on disk under the SHA-256 of everything that decides them.

A result keyed by the content of its inputs can never be stale: a changed input is a
different key. Entries live in the git-ignored state folder (``project.state_dir()``) and
are written atomically, so parallel runs never read half a file; an unreadable entry or a
read-only folder only costs the time of computing again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ppdeploy import project
from ppdeploy.errors import InputError


def key(*parts: str) -> str:
    """One hex digest for the given inputs (separated, so ("ab", "c") != ("a", "bc"))."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


CACHE_DIR_VARIABLE = "PPDEPLOY_CACHE_DIR"


def folder(kind: str) -> Path | None:
    """The folder of one kind of entry; None outside a checkout (nothing is cached).

    ``PPDEPLOY_CACHE_DIR`` puts the cache elsewhere than the state folder: test runs give
    every local AWS a state folder of its own but share one cache.
    """
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    try:
        base = Path(configured) if configured else project.state_dir() / "cache"
        place = base / kind
        place.mkdir(parents=True, exist_ok=True)
    except (InputError, OSError):
        return None
    return place


def json_cached(kind: str, digest: str, compute: Callable[[], Any]) -> Any:
    """``compute()``'s JSON-serialisable result, from the cache when it holds ``digest``."""
    place = folder(kind)
    if place is None:
        return compute()
    entry = place / f"{digest}.json"
    try:
        return json.loads(entry.read_text(encoding="utf-8"))["value"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not cached yet, or unreadable: compute again and rewrite it
    value = compute()
    partial = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        partial.write_text(json.dumps({"value": value}), encoding="utf-8")
        partial.replace(entry)
    except OSError:
        partial.unlink(missing_ok=True)
    return value
