"""Test support for the Python services (never shipped in an artifact)."""

from __future__ import annotations

import ppcommon.aws
import ppcommon.cache
import ppcommon.config
import ppcommon.observability
import ppcommon.revocations
import ppcommon.secrets
import ppcommon.signing_keys


def reset_ppcommon() -> None:
    """Forget every per-container cache ppcommon keeps, as a fresh container would."""
    # Full module paths: pptesting has submodules of the same short names.
    ppcommon.config.settings.cache_clear()
    ppcommon.aws.reset()
    ppcommon.secrets.reset_cache()
    ppcommon.cache.reset()
    ppcommon.signing_keys.reset()
    ppcommon.revocations.reset()
    ppcommon.observability.logger.cache_clear()
