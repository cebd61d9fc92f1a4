"""A background thread that flushes what a collector gathered, every few seconds.

The gateway's log shipper and metrics publisher both gather on the request path and send
off it; they share this lifecycle: ``start``, a flush every ``flush_seconds``, and ``stop``,
which ends the thread and then flushes what is left on the caller's thread, so nothing
recorded before ``stop`` is lost.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class PeriodicFlush:
    """Subclasses gather under ``self._condition`` and implement :meth:`flush`."""

    def __init__(self, name: str, flush_seconds: float) -> None:
        self._name = name
        self._flush_seconds = flush_seconds
        self._condition = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def flush(self) -> None:
        """Send everything gathered so far (on the caller's thread)."""
        raise NotImplementedError

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """End the thread, then send what is still gathered."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while True:
            with self._condition:
                if self._stopping:
                    return
                self._condition.wait(self._flush_seconds)
                if self._stopping:
                    return
            try:
                self.flush()
            except Exception:  # a bug in one flush must not stop the next ones
                log.exception("%s: flush failed", self._name)
