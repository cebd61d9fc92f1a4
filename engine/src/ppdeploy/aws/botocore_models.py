"""botocore's service models, kept parsed on disk so making a client costs little.

Every engine process makes at least one client, and botocore reads its JSON models for
each: ``endpoints.json`` (the partitions of every service, half a megabyte), the service's
``service-2.json`` and its endpoint rules, and before any of them it lists every service
directory it ships (some 450 of them, a ``listdir`` and ``stat`` each) to check the name.
On a no-op deploy that is about a tenth of a second of CPU, more than the calls the deploy
then makes. This loader keeps what botocore loaded (its own parse, unchanged) in a pickle
per file under the state folder, keyed by the botocore version, and answers from it the
next time; the data and the path it names are exactly what botocore returned.

The cache is used only when botocore reads its own shipped models alone: with customer
models (``~/.aws/models``) or ``AWS_DATA_PATH`` anywhere on its search path the loader is
botocore's own, untouched, since those folders can change under one botocore version.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import botocore
import botocore.exceptions
import botocore.loaders
import botocore.session


class CachedLoader(botocore.loaders.Loader):
    """botocore's loader, answering from ``folder`` what it has loaded there before."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self._kept: dict[tuple[str, str], Any] = {}

    def list_available_services(self, type_name: str) -> list[str]:
        return list(self._cached(("services", type_name), super().list_available_services))

    def load_data_with_path(self, name: str) -> tuple[Any, str]:
        data, path = self._cached(("data", name), super().load_data_with_path)
        return data, path

    def _cached(self, key: tuple[str, str], load: Any) -> Any:
        """``load(key[1])`` from memory, else from disk, else from botocore (then kept).

        A file botocore looked for and did not find (the optional ``*.sdk-extras`` of most
        services) is kept as missing too: it cannot appear within one botocore version.
        """
        if key not in self._kept:
            self._kept[key] = self._from_disk(key, load)
        value = self._kept[key]
        if value is _MISSING:
            raise botocore.exceptions.DataNotFoundError(data_path=key[1])
        return value

    def _from_disk(self, key: tuple[str, str], load: Any) -> Any:
        stem = f"{key[0]}--{key[1].replace('/', '--')}"
        entry, missing = self.folder / f"{stem}.pickle", self.folder / f"{stem}.missing"
        if missing.is_file():
            return _MISSING
        try:
            return pickle.loads(entry.read_bytes())  # noqa: S301 - written below, by this loader, in the checkout's own state folder
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            pass  # not kept yet, or damaged: botocore reads it again
        try:
            value = load(key[1])  # botocore's other errors (an unknown service) pass through
        except botocore.exceptions.DataNotFoundError:
            _write(missing, b"")
            return _MISSING
        _write(entry, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        return value


# What ``_cached`` keeps for a file botocore does not ship.
_MISSING = object()


def _write(entry: Path, content: bytes) -> None:
    partial = entry.with_name(f"{entry.name}.{os.getpid()}.partial")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(content)
        partial.replace(entry)  # atomic: a parallel run never reads half a file
    except OSError:
        partial.unlink(missing_ok=True)  # a read-only state folder only costs speed


def only_builtin_models(session: botocore.session.Session) -> bool:
    """True when botocore would read its shipped models only (no customer or extra path)."""
    if session.get_config_variable("data_path"):
        return False
    return not Path(botocore.loaders.Loader.CUSTOMER_DATA_PATH).is_dir()


def install(session: botocore.session.Session, state_folder: Path | None) -> None:
    """Give ``session`` the cached loader, when its models are botocore's own only."""
    if state_folder is None or not only_builtin_models(session):
        return
    folder = state_folder / "cache" / "botocore" / botocore.__version__
    session.register_component("data_loader", CachedLoader(folder))
