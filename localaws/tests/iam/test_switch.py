"""The enforcement switch: on unless PPLOCALAWS_IAM says off; a bad value is named."""

from __future__ import annotations

import pytest

from pplocalaws import server
from pplocalaws.iam.enforcement import SWITCH, enabled_by_default


def test_on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SWITCH, raising=False)
    assert enabled_by_default()


@pytest.mark.parametrize(
    ("value", "expected"), [("off", False), ("OFF", False), ("on", True), ("0", False)]
)
def test_the_variable_switches_it(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv(SWITCH, value)
    assert enabled_by_default() is expected


def test_a_bad_value_stops_the_server_naming_variable_and_fix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(SWITCH, "maybe")
    assert server.main(["--port", "1"]) == 2
    error = capsys.readouterr().err
    assert "PPLOCALAWS_IAM='maybe' is not on or off" in error
    assert "set PPLOCALAWS_IAM=on (default) or off" in error
