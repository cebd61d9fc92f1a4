"""The front-ses seams into moto still hold (each names the moto attribute if not)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.ses.models import SESBackend
from moto.sesv2 import urls
from moto.sesv2.responses import SESV2Response

from pplocalaws import seams


class _Fake:
    def method(self, value: int) -> int:
        return value


def _plus_one(method: Any) -> Any:
    def wrapped(self: Any, value: int) -> int:
        return int(method(self, value)) + 1

    return wrapped


def _times_ten(method: Any) -> Any:
    def wrapped(self: Any, value: int) -> int:
        return int(method(self, value)) * 10

    return wrapped


def test_wrap_ses_method() -> None:
    for name in seams.SEAMS["wrap_ses_method"]:
        owner, attribute = name.split(".")
        moto_class = (
            SESBackend
            if owner == "SESBackend"
            else __import__("moto.sesv2.models", fromlist=["SESV2Backend"]).SESV2Backend
        )
        assert callable(getattr(moto_class, attribute, None)), f"moto changed: {name} is gone"

    seams.wrap_ses_method(_Fake, "method", _plus_one)
    seams.wrap_ses_method(_Fake, "method", _plus_one)  # the same wrap again: not stacked
    seams.wrap_ses_method(_Fake, "method", _times_ten)  # another wrap chains
    assert _Fake().method(1) == 20

    with pytest.raises(seams.MotoChanged, match=r"moto changed: _Fake\.gone"):
        seams.wrap_ses_method(_Fake, "gone", _plus_one)


def test_add_sesv2_actions() -> None:
    import pplocalaws.resources.ses_sending  # noqa: F401, PLC0415 - applies the seam

    assert "{0}/v2/email/account$" in urls.url_paths, (
        "moto changed: moto.sesv2.urls.url_paths no longer takes the added GetAccount path"
    )
    assert SESV2Response.get_account.__module__ == "pplocalaws.resources.ses_sending"
    with mock_aws():
        answer = boto3.client("sesv2", region_name="us-east-1").get_account()
    assert answer["ProductionAccessEnabled"] is False, (
        "moto changed: SESV2Response no longer dispatches GetAccount to get_account"
    )
