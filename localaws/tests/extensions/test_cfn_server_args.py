"""The server refuses to listen beyond loopback."""

from __future__ import annotations

import pytest

from pplocalaws.problems import BadOption
from pplocalaws.server import loopback_host, main


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "127.0.0.2"])
def test_loopback_addresses_are_accepted(host: str) -> None:
    assert loopback_host(host) == host


def test_localhost_means_ipv4_loopback() -> None:
    assert loopback_host("localhost") == "127.0.0.1"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])  # noqa: S104 - the refused case
def test_other_addresses_are_refused(host: str) -> None:
    with pytest.raises(BadOption, match="not a loopback address"):
        loopback_host(host)


def test_main_exits_with_the_input_error_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--host", "0.0.0.0"]) == 2  # noqa: S104 - the refused case

    assert "not a loopback address" in capsys.readouterr().err
