"""The engine's door to the local AWS, against the real pplocalaws control (a real port)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ppdeploy.aws import local_aws
from ppdeploy.errors import InputError, TargetError


def test_a_busy_port_is_a_target_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pplocalaws.control")
    monkeypatch.setenv("PPDEPLOY_STATE_DIR", str(tmp_path))

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(TargetError, match=f"port {port}") as refused:
            local_aws.start(port)

    assert not isinstance(refused.value, InputError)
    assert "--port" in refused.value.fix
