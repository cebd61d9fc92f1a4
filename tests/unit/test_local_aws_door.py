"""The engine's door to the local AWS: its defaults, and its errors become the engine's."""

from __future__ import annotations

import sys

import pytest

from ppdeploy.aws import local_aws
from ppdeploy.errors import TargetError


def test_the_door_s_default_ports_are_the_local_aws_s() -> None:
    control = pytest.importorskip("pplocalaws.control")

    assert local_aws.DEFAULT_PORT == control.DEFAULT_PORT
    assert local_aws.GATEWAY_PORT == control.GATEWAY_PORT


def test_a_missing_local_aws_package_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes an import fail as if the package were not installed.
    for name in ("pplocalaws", "pplocalaws.control", "pplocalaws.problems"):
        monkeypatch.setitem(sys.modules, name, None)

    with pytest.raises(TargetError) as refused:
        local_aws.endpoint()

    assert "not installed" in refused.value.what
    assert "pip install" in refused.value.fix
