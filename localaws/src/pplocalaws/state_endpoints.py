"""Local-only endpoints that save and restore the local AWS's whole state, by name.

- ``POST /_localaws/state/snapshots/NAME``: save the state now as NAME (a snapshot of that
  name is replaced); 200 ``{"name", "bytes", "backends"}``;
- ``POST /_localaws/state/snapshots/NAME/restore``: put NAME's state back; 200 ``{"name"}``;
- ``DELETE /_localaws/state/snapshots/NAME``: forget NAME; 200 ``{"name"}``.

An unknown NAME is a 404; a state that cannot be saved or restored exactly now (a stack
operation running, Lambda events queued, see ``state_snapshots``) is a 409 saying why. A
NAME is 1-64 letters, digits, ``-``, ``_`` or ``.``. AWS has no such API: tests use it to
deploy a stage once and start each test from that state. The server listens on loopback
only, and these requests, unsigned, pass the IAM layer untouched like every ``/_localaws/``
request.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from pplocalaws import state_snapshots

PREFIX = "/_localaws/state/snapshots/"
_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")

Answer = tuple[str, dict[str, Any]]

_snapshots: dict[str, state_snapshots.Snapshot] = {}
_snapshots_lock = threading.Lock()  # one save or restore at a time


def _save(name: str) -> Answer:
    snapshot = state_snapshots.save(name)
    _snapshots[name] = snapshot
    return "200 OK", {"name": name, "bytes": snapshot.size, "backends": len(snapshot.places)}


def _restore(name: str) -> Answer:
    snapshot = _snapshots.get(name)
    if snapshot is None:
        return "404 Not Found", {
            "message": f"no snapshot {name!r}: save it first (POST {PREFIX}{name})"
        }
    state_snapshots.restore(snapshot)
    return "200 OK", {"name": name}


def _delete(name: str) -> Answer:
    if _snapshots.pop(name, None) is None:
        return "404 Not Found", {"message": f"no snapshot {name!r}"}
    return "200 OK", {"name": name}


def answer(method: str, path: str) -> Answer:
    """The status and JSON body for ``method path`` under :data:`PREFIX`."""
    rest = path[len(PREFIX) :].rstrip("/")
    name, _, action = rest.partition("/")
    if not _NAME.fullmatch(name):
        return "400 Bad Request", {
            "message": f"snapshot name {name!r} is not 1-64 letters, digits, '-', '_' or '.'"
        }
    route = {
        ("POST", ""): _save,
        ("POST", "restore"): _restore,
        ("DELETE", ""): _delete,
    }.get((method, action))
    if route is None:
        return "404 Not Found", {"message": f"no local endpoint {method} {path}"}
    with _snapshots_lock:
        try:
            return route(name)
        except state_snapshots.SnapshotRefused as refused:
            return "409 Conflict", {"message": str(refused)}
