"""The service's one source of "now", in epoch seconds (tests move it by monkeypatching)."""

from __future__ import annotations

import time


def now() -> int:
    return int(time.time())
