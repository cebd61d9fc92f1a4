"""The KMS signing keys' seam into moto still holds (names the moto attribute if not)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from moto.kms.models import KmsBackend

from pplocalaws import seams


def test_wrap_kms_backend_method() -> None:
    from pplocalaws.resources import kms_key_rules, kms_policies  # noqa: F401, PLC0415 - wraps

    wrapped = KmsBackend.enable_key_rotation
    moto_own = getattr(wrapped, "_pplocalaws_kms_wraps", None)
    assert moto_own is not None, "KmsBackend.enable_key_rotation is not wrapped"
    calls: list[str] = []

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        calls.append("wrapped")

        def passthrough(*args: Any, **kwargs: Any) -> Any:
            return original(*args, **kwargs)

        return passthrough

    seams.wrap_kms_backend_method("enable_key_rotation", wrap)
    assert calls == ["wrapped"]  # a new wrap goes on top of the previous one
    seams.wrap_kms_backend_method("enable_key_rotation", wrap)
    assert calls == ["wrapped"]  # the same wrap again: nothing
    assert getattr(KmsBackend.enable_key_rotation, "_pplocalaws_kms_wraps", None) is wrapped
    for name in ("create_key", "put_key_policy"):
        assert getattr(getattr(KmsBackend, name), "_pplocalaws_kms_wraps", None) is not None
    with pytest.raises(seams.MotoChanged, match=r"KmsBackend\.rotate_everything is gone"):
        seams.wrap_kms_backend_method("rotate_everything", wrap)


def test_moto_key_wrappers_keep_the_cryptography_key_public() -> None:
    """kms_signing signs DIGEST messages with moto's key's ``private_key.private_key``."""
    from moto.kms.utils import generate_private_key  # noqa: PLC0415 - moto's KMS utils

    for spec in ("ECC_NIST_P256", "RSA_2048"):
        wrapper: Any = generate_private_key(spec)
        assert hasattr(wrapper, "private_key"), (
            f"moto changed: kms.utils key wrapper for {spec} has no private_key"
        )
        assert hasattr(wrapper.private_key, "sign")
