"""Helpers for integration tests: a handle on the local AWS server, set-ups, small readers."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from ppdeploy import config
from ppdeploy.aws import local_aws as embedded
from ppdeploy.ui.plain_log import PlainLog
from ppdeploy.workflows import local_system
from ppdeploy.workflows.session import StageSession

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
SNAPSHOTS = "/_localaws/state/snapshots/"


@dataclass
class LocalAws:
    endpoint: str
    env: dict[str, str]
    saved: set[str] = field(default_factory=set)  # snapshots this session saved

    def client(self, service: str) -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]
            region_name=REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def reset(self) -> None:
        url = f"{self.endpoint}/moto-api/reset"  # loopback, built here
        request = urllib.request.Request(url, method="POST")  # noqa: S310 - http on loopback
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - http on loopback
            pass

    def start_from(self, name: str, build: Callable[[LocalAws], object]) -> LocalAws:
        """This server in the state ``build`` makes from an empty one.

        The first test to ask builds it (after a reset) and saves it as snapshot ``name``;
        each later test gets it restored, exactly (``test_state_snapshots.py``), which also
        undoes whatever the previous test did. A state the server cannot restore now (it
        was restarted, or it says why it cannot be exact) is built again.
        """
        if name in self.saved:
            restored, _why = self.restore_state(name)
            if restored:
                return self
        self.reset()
        build(self)
        self.save_state(name)
        self.saved.add(name)
        return self

    def save_state(self, name: str) -> dict[str, Any]:
        """Save the server's whole state as snapshot ``name`` (pplocalaws.state_endpoints)."""
        status, body = self._snapshot_call("POST", name)
        assert status == 200, body
        return body

    def restore_state(self, name: str) -> tuple[bool, str]:
        """Put snapshot ``name`` back: (True, "") or (False, why: not saved on this server,
        or it cannot be restored exactly now)."""
        status, body = self._snapshot_call("POST", f"{name}/restore")
        assert status in (200, 404, 409), body
        return status == 200, str(body.get("message", ""))

    def _snapshot_call(self, method: str, path: str) -> tuple[int, dict[str, Any]]:
        url = f"{self.endpoint}{SNAPSHOTS}{path}"  # loopback, built here
        request = urllib.request.Request(url, method=method)  # noqa: S310 - http on loopback
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310 - loopback
                return int(answer.status), dict(json.loads(answer.read()))
        except urllib.error.HTTPError as error:
            return int(error.code), dict(json.loads(error.read() or b"{}"))

    def invoke(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `invoke ARGS` as a person would, from the repository root, no terminal."""
        return subprocess.run(  # noqa: S603 - fixed executable, test-controlled args
            [sys.executable, "-m", "invoke", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=600,
            check=False,
        )


def exports(aws: LocalAws) -> dict[str, str]:
    found: dict[str, str] = {}
    for page in aws.client("cloudformation").get_paginator("list_exports").paginate():
        found.update({e["Name"]: e["Value"] for e in page["Exports"]})
    return found


def dump(result: subprocess.CompletedProcess[str]) -> str:
    return json.dumps(
        {"rc": result.returncode, "out": result.stdout[-3000:], "err": result.stderr[-3000:]},
        indent=1,
    )


def live_stacks(aws: LocalAws) -> list[str]:
    stacks = aws.client("cloudformation").describe_stacks()["Stacks"]
    return [s["StackName"] for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"]


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stage_session(stage_name: str) -> StageSession:
    """A quiet in-process session on the local ``stage_name``."""
    return StageSession.open(
        config.stage(stage_name),
        PlainLog(io.StringIO()),
        use_local=True,
        assume_yes=True,
        force=False,
    )


def deploy_shared_stage(aws: LocalAws, stage_name: str) -> StageSession:
    """A quiet session on the local ``stage_name``, its shared stack deployed: the server's
    state is replaced by that stage (built once per session, then restored; see
    ``LocalAws.start_from``).

    The stage's hosted zone is made first, so the shared stack gets its custom domain;
    `invoke deploy-shared` runs as a person would, and its output is the failure message.
    """

    def build(aws: LocalAws) -> None:
        stage = config.stage(stage_name)
        route53 = stage_session(stage_name).target.client("route53")
        zone = local_system.ensure_zone(route53, stage)
        shared = aws.invoke(
            "deploy-shared", "--stage", stage_name, "--local", "--yes", "--hosted-zone-id", zone
        )
        assert shared.returncode == 0, dump(shared)

    aws.start_from(f"shared-with-zone-{stage_name}", build)
    return stage_session(stage_name)


def deploy_shared_dev(aws: LocalAws) -> None:
    """`invoke deploy-shared --stage dev --local --yes` as a person runs it."""
    result = aws.invoke("deploy-shared", "--stage", "dev", "--local", "--yes")
    assert result.returncode == 0, dump(result)


def deploy_all(aws: LocalAws) -> None:
    """`invoke deploy --all --stage dev --local --yes --skip-tests` as a person runs it."""
    result = aws.invoke("deploy", "--all", "--stage", "dev", "--local", "--yes", "--skip-tests")
    assert result.returncode == 0, dump(result)


@contextmanager
def serving_gateway(aws: LocalAws, domain: str) -> Iterator[str]:
    """The local API gateway for ``domain`` in front of ``aws``, on a free port: its URL."""
    served = embedded.start_gateway(aws.endpoint, port=free_port(), domain=domain)
    assert served.url
    try:
        yield served.url
    finally:
        embedded.stop_gateway()
