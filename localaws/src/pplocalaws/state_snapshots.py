"""Snapshots of the local AWS's whole state, restored exactly, as often as wanted.

A snapshot is a deep copy of every moto backend's state (each region backend's attributes,
which is everything moto's own reset forgets) together with the local AWS's own state kept
beside moto: drift detections, and the real ``redis-server`` behind each replication group.
Restoring one puts a fresh copy of that state back into the same backend objects, so the
server answers exactly as it did when the snapshot was taken, and whatever happened since
(stacks, exports, tables, items, functions, roles, accounts and regions first used since) is
gone. AWS has nothing like it; it exists so that tests deploy a stage once and start each
test from it.

How the copy is made: one pickle of all the backends' attributes, so that an object two
backends share (a stack's resource and the table in DynamoDB's backend are one object) is
still one object after a restore. Things that are not state but handles on the process are
shared, not copied: the backend objects themselves, functions, threads, processes, sockets,
files and the Redis servers. Locks are made anew, unlocked.

What a snapshot refuses (an error naming the cause and the fix, never an inexact copy):
a stack operation still running, Lambda asynchronous invocations queued or running, a
Redis replication group holding data (its keys are not copied), and, at restore, a Redis
server of the snapshot that has stopped since (its group was deleted).
"""

from __future__ import annotations

import io
import pickle
import socket
import subprocess
import threading
import types
import weakref
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from moto.core.base_backend import AccountSpecificBackend, BackendDict, BaseBackend, backend_lock

from pplocalaws import redis, seams
from pplocalaws.extensions import drift, operation_threads
from pplocalaws.extensions.errors import cloudformation_lock
from pplocalaws.redis import RedisServer
from pplocalaws.resources import elasticache
from pplocalaws.resources.lambda_async_moto import queue


class SnapshotRefused(RuntimeError):
    """The state cannot be saved or restored exactly now; the message says why and the fix."""


# The backends and the dicts that hold them stay the same objects; their contents are copied.
_MOTO_BACKEND_OBJECTS = (BaseBackend, BackendDict, AccountSpecificBackend)
_WEAK_COLLECTIONS = (weakref.WeakValueDictionary, weakref.WeakKeyDictionary, weakref.WeakSet)
_LOCK_TYPES: dict[type, Any] = {
    type(threading.Lock()): threading.Lock,
    type(threading.RLock()): threading.RLock,
}
# Handles on the process, not state: kept as the very same object in every copy.
_SHARED_TYPES: tuple[type, ...] = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.ModuleType,
    threading.Thread,
    subprocess.Popen,
    socket.socket,
    io.IOBase,
    RedisServer,
)

# Objects of these libraries in moto's state are immutable values (KMS's and ACM's keys and
# certificates): shared, as a copy of them would be the same value.
_IMMUTABLE_MODULES = ("cryptography.",)


@dataclass(frozen=True)
class _Place:
    """Where one region backend lives in moto: ``backends[account][region] is backend``."""

    backends: Any  # moto BackendDict
    account_id: str
    account: Any  # moto AccountSpecificBackend
    region: str
    backend: Any  # moto BaseBackend


@dataclass
class Snapshot:
    """A saved state: the pickled copy, and the live objects it refers to by identity."""

    name: str
    places: list[_Place]
    backend_dicts: list[Any]
    pickled: bytes
    shared: dict[int, Any]
    # The replication groups at save time keep their Redis servers running (a server stops
    # when its group is garbage collected): held here as long as the snapshot lives.
    redis_owners: list[Any] = field(default_factory=list)
    redis_servers: dict[str, RedisServer] = field(default_factory=dict)
    # Each server's ACL LIST at save time (password hashes, never passwords).
    redis_users: dict[str, list[bytes]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.pickled)


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, shared: dict[int, Any]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = shared

    def persistent_id(self, obj: Any) -> int | None:
        if (
            isinstance(obj, _SHARED_TYPES)
            or type(obj).__module__.startswith(_IMMUTABLE_MODULES)
            or isinstance(obj, _MOTO_BACKEND_OBJECTS)
        ):
            self._shared[id(obj)] = obj
            return id(obj)
        return None

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) in _LOCK_TYPES:
            # A new lock, unlocked: locks guard state, they hold none.
            return (_LOCK_TYPES[type(obj)], ())
        if isinstance(obj, _WEAK_COLLECTIONS):
            # Made anew around the copied keys or values, which the copy holds elsewhere
            # (moto's Lambda storage indexes its functions by ARN this way).
            items = dict(obj.items()) if not isinstance(obj, weakref.WeakSet) else list(obj)
            return (type(obj), (items,))
        if type(obj) is weakref.ref:
            return (_weak_ref_to, (obj(),))  # to the copy of what it refers to, if alive
        if isinstance(obj, defaultdict) and type(obj) is not defaultdict:
            # defaultdict's own reduce calls ``cls(default_factory)``, which a subclass with
            # an ``__init__`` of its own (moto's SSM ParameterDict) does not accept.
            state = vars(obj) or None
            return (
                _defaultdict_like,
                (type(obj), obj.default_factory),
                state,
                None,
                iter(obj.items()),
            )
        return NotImplemented


def _weak_ref_to(referent: Any) -> Any:
    if referent is None:
        return weakref.ref(_Gone())  # dead at once, as the original was
    return weakref.ref(referent)


class _Gone:
    """Something a weak reference can point at and lose."""


def _defaultdict_like(cls: type[defaultdict[Any, Any]], factory: Any) -> defaultdict[Any, Any]:
    made = cls.__new__(cls)
    defaultdict.__init__(made, factory)
    return made


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, shared: dict[int, Any]) -> None:
        super().__init__(io.BytesIO(data))
        self._shared = shared

    def persistent_load(self, pid: Any) -> Any:
        return self._shared[pid]


def _places() -> Iterator[_Place]:
    for backends in seams.moto_backend_dicts():
        for account_id, account in list(backends.items()):
            for region, backend in list(account.items()):
                yield _Place(backends, account_id, account, region, backend)


def _redis_groups(places: list[_Place]) -> Iterator[tuple[str, Any]]:
    for place in places:
        groups = getattr(place.backend, "replication_groups", None)
        if place.backends.service_name == "elasticache" and isinstance(groups, dict):
            for group_id, group in groups.items():
                yield f"{place.account_id}/{place.region}/{group_id}", group


def _check_quiet(doing: str) -> None:
    running = operation_threads.running()
    if running:
        raise SnapshotRefused(
            f"cannot {doing} the local AWS's state: a stack operation is still running "
            f"({', '.join(running)})",
        )
    status = queue().status()
    if status["queued"] or status["running"]:
        raise SnapshotRefused(
            f"cannot {doing} the local AWS's state: Lambda asynchronous invocations are "
            f"queued ({status['queued']}) or running ({status['running']}); wait until "
            "GET /_localaws/lambda/async?wait=SECONDS answers idle, then try again"
        )


def save(name: str) -> Snapshot:
    """The local AWS's state now, as a snapshot called ``name``."""
    with cloudformation_lock(), backend_lock:
        _check_quiet("save")
        places = list(_places())
        backend_dicts = seams.moto_backend_dicts()
        redis_owners: list[Any] = []
        redis_servers: dict[str, RedisServer] = {}
        redis_users: dict[str, list[bytes]] = {}
        for key, group in _redis_groups(places):
            server = _local_server_of(group)
            if server is None:
                continue
            keys = server.call("DBSIZE")
            if keys != b":0":
                raise SnapshotRefused(
                    f"cannot save the local AWS's state: the Redis of replication group "
                    f"{key} holds data ({keys.decode(errors='replace')}), and Redis data is "
                    "not part of a snapshot; save before anything writes to it"
                )
            redis_owners.append(group)
            redis_servers[key] = server
            redis_users[key] = _acl_list(server)
        shared: dict[int, Any] = {}
        buffer = io.BytesIO()
        pickler = _Pickler(buffer, shared)
        pickler.dump(
            {
                "backends": [vars(place.backend) for place in places],
                "backend_dicts": [vars(backends) for backends in backend_dicts],
                "drift": (drift._detections, drift._latest),
            }
        )
        # moto's dashboard list of each model's instances (``/moto-api/data.json``, which the
        # gateway reads inline function code from): the live ones, as references into the
        # copy above (the same pickler's memo); deleted objects moto still lists are dropped.
        copied = pickler.memo.copy()
        pickler.dump(
            {
                model: [instance for instance in instances if id(instance) in copied]
                for model, instances in seams.moto_tracked_instances().items()
            }
        )
        return Snapshot(
            name=name,
            places=places,
            backend_dicts=backend_dicts,
            pickled=buffer.getvalue(),
            shared=shared,
            redis_owners=redis_owners,
            redis_servers=redis_servers,
            redis_users=redis_users,
        )


def restore(snapshot: Snapshot) -> None:
    """Put the state of ``snapshot`` back; what was made since is forgotten."""
    with cloudformation_lock(), backend_lock:
        _check_quiet("restore")
        for key, server in snapshot.redis_servers.items():
            if not server.running:
                raise SnapshotRefused(
                    f"cannot restore snapshot {snapshot.name!r}: the Redis of replication "
                    f"group {key} has stopped since it was saved (the group was deleted); "
                    "reset and deploy again, then save a new snapshot"
                )
            if _acl_list(server) != snapshot.redis_users[key]:
                raise SnapshotRefused(
                    f"cannot restore snapshot {snapshot.name!r}: the users of the Redis of "
                    f"replication group {key} changed since it was saved (a snapshot does "
                    "not put them back); reset and deploy again, then save a new snapshot"
                )
        # First the backends first used since the save: back to nothing. Before the copy is
        # made, as moto's S3 reset disposes of every key its model class tracks, and a
        # class tracks each instance made, a copy's too.
        saved = {id(place.backend) for place in snapshot.places}
        for place in list(_places()):
            if id(place.backend) not in saved:
                place.backend.reset()
                dict.pop(place.account, place.region, None)
        unpickler = _Unpickler(snapshot.pickled, snapshot.shared)
        state = unpickler.load()
        tracked = unpickler.load()  # the same unpickler: its references reach the copy
        saved_accounts = {(id(place.backends), place.account_id) for place in snapshot.places}
        for backends in seams.moto_backend_dicts() + snapshot.backend_dicts:
            for account_id in list(backends.keys()):
                if (id(backends), account_id) not in saved_accounts:
                    dict.pop(backends, account_id, None)  # an account first used since
        for place, attributes in zip(snapshot.places, state["backends"], strict=True):
            seams.replace_backend_state(place.backend, attributes)
            dict.__setitem__(place.account, place.region, place.backend)
            dict.__setitem__(place.backends, place.account_id, place.account)
        seams.moto_backend_dicts(replace=snapshot.backend_dicts)
        for backends, attributes in zip(
            snapshot.backend_dicts, state["backend_dicts"], strict=True
        ):
            # What a BackendDict keeps besides its backends (S3's bucket name -> account).
            seams.replace_backend_state(backends, attributes)
        seams.moto_tracked_instances(replace=tracked)
        detections, latest = state["drift"]
        _replace(drift._detections, detections)
        _replace(drift._latest, latest)
        _retie_redis(snapshot)


def _retie_redis(snapshot: Snapshot) -> None:
    """Each restored group gets the Redis it had (same users, checked above), emptied."""
    groups = dict(_redis_groups(snapshot.places))
    for key, server in snapshot.redis_servers.items():
        # Not tied with ``stop_with``: the copy goes at the next restore, the server stays.
        elasticache._local_servers[groups[key]] = server
        server.call("FLUSHALL")


def _replace(registry: dict[str, Any], saved: dict[str, Any]) -> None:
    registry.clear()
    registry.update(saved)


def _local_server_of(group: Any) -> RedisServer | None:
    return elasticache._local_servers.get(group)


def _acl_list(server: RedisServer) -> list[bytes]:
    """``ACL LIST`` of ``server`` as its administrator: one rule line per user."""
    address = (server.host, server.port)
    with (
        socket.create_connection(address, timeout=2.0) as connection,
        connection.makefile("rwb") as stream,
    ):
        stream.write(redis._command("AUTH", redis.ADMIN_USER, server._admin_password))
        stream.write(redis._command("ACL", "LIST"))
        stream.flush()
        if not stream.readline().startswith(b"+OK"):
            raise SnapshotRefused(f"the Redis on port {server.port} refused its administrator")
        header = stream.readline()
        if not header.startswith(b"*"):
            raise SnapshotRefused(f"the Redis on port {server.port} did not list its users")
        lines: list[bytes] = []
        for _ in range(int(header[1:])):
            length = int(stream.readline()[1:])
            lines.append(stream.read(length + 2)[:length])
        return sorted(lines)
