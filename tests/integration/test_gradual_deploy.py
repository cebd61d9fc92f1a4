"""Issue 15: a canary of a broken version rolls itself back, and the deploy fails with exit 4.

A prod-like local stage (stages.toml's prod: Canary10Percent5Minutes) runs the coaching
service; a steady load calls ``/coaching/health`` through the local gateway while a version
whose every route fails is deployed. CodeDeploy (the local AWS's, time compressed by
PPLOCALAWS_TIME_COMPRESSION, 30 here: the 5-minute canary takes 10 s) sends it 10% of the
traffic; the gateway's metrics put the version's errors and the API's 5xx in CloudWatch;
the errors alarm fires; CodeDeploy moves the traffic back and the stack rolls back. The
load sees errors only while the canary ran, at about the canary's share, and none after.

Needs the local AWS's CodeDeploy and alarm evaluation (the ``codedeploy`` work) and the
gateway's metrics (the ``telemetry`` work). Durations are bounded by timeouts, never
asserted.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from ppdeploy import build, catalog, naming
from ppdeploy.aws import local_aws as local_process
from ppdeploy.aws.codedeploy import CodeDeploy
from ppdeploy.errors import DeployError
from ppdeploy.events import Recorder, TrafficShift
from ppdeploy.workflows.service_deploy import PreparedService, prepare_service, service_spec
from ppdeploy.workflows.stack_deploy import deploy_stack
from tests.integration.support import LocalAws, deploy_shared_stage, serving_gateway
from tests.integration.test_zero_downtime import wait_until_served

pytestmark = pytest.mark.integration
STAGE = "prod"  # stages.toml: deployment_preference = "Canary10Percent5Minutes"
DOMAIN = "api.purposepath.app"
BROKEN_HANDLER = "coaching_broken.lambda_handler"
ERRORS_ALARM = f"purposepath-coaching-live-version-errors-{STAGE}"
FIVE_XX_ALARM = f"purposepath-coaching-api-5xx-{STAGE}"
COMPRESSION_VARIABLE = "PPLOCALAWS_TIME_COMPRESSION"
LOAD_INTERVAL_SECONDS = 0.05  # 20 requests a second
# The canary's share is 10%; with a few dozen calls in the window, chance can double it.
MOST_ERRORS_SHARE = 0.3


@dataclass
class Load:
    """Calls ``url`` steadily from a thread; keeps (monotonic time, status) of every call."""

    url: str
    answers: list[tuple[float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _call(self) -> None:
        try:
            with urllib.request.urlopen(self.url, timeout=30) as answer:  # noqa: S310 - loopback
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = 0
        self.answers.append((time.monotonic(), status))

    def _run(self) -> None:
        while not self._stop.wait(LOAD_INTERVAL_SECONDS):
            self._call()

    def __enter__(self) -> Load:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=60)
        assert not self._thread.is_alive()

    def between(self, start: float, end: float) -> list[int]:
        return [status for at, status in self.answers if start <= at <= end]


def broken_variant(source: catalog.ServiceSource, folder: Path) -> catalog.ServiceSource:
    """The coaching template with its API function's handler replaced by a failing one."""
    text = source.template.read_text(encoding="utf-8")
    assert "Handler: coaching.app.lambda_handler" in text
    path = folder / "coaching-broken.yaml"
    path.write_text(
        text.replace("Handler: coaching.app.lambda_handler", f"Handler: {BROKEN_HANDLER}"),
        encoding="utf-8",
    )
    return replace(source, template=path)


def broken_artifact(original: build.Artifact, folder: Path) -> build.Artifact:
    """The same code plus a handler that fails every call (an unhandled error: a 500)."""
    path = folder / "coaching-broken.zip"
    shutil.copy(original.path, path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(
            "coaching_broken.py",
            "def lambda_handler(event, context):\n"
            "    raise RuntimeError('a broken release: every route fails')\n",
        )
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    return build.Artifact("coaching", "python", path, digest, len(data), reused=False)


@pytest.fixture
def compressed_30x(local_aws_server: LocalAws) -> Iterator[LocalAws]:
    """The session's local AWS restarted with time compressed 30x (then restored, emptied).

    The canary's 5 minutes take 10 s and the alarms' 60 s period 2 s: time enough for the
    gateway's metrics (delivered in the background, off the request path) to arrive and
    be evaluated while the canary runs.
    """
    port = int(local_aws_server.endpoint.rsplit(":", 1)[1])
    previous = os.environ.get(COMPRESSION_VARIABLE)
    local_process.stop()
    os.environ[COMPRESSION_VARIABLE] = "30"
    try:
        local_process.start(port)
        local_aws_server.reset()
        yield local_aws_server
    finally:
        local_process.stop()
        if previous is None:
            os.environ.pop(COMPRESSION_VARIABLE, None)
        else:
            os.environ[COMPRESSION_VARIABLE] = previous
        local_process.start(port)


@pytest.fixture
def served_gateway(compressed_30x: LocalAws) -> Iterator[str]:
    with serving_gateway(compressed_30x, DOMAIN) as url:
        yield url


def test_a_broken_canary_rolls_back_on_its_alarm_and_the_deploy_exits_4(
    compressed_30x: LocalAws, served_gateway: str, tmp_path: Path
) -> None:
    local_aws = compressed_30x
    session = deploy_shared_stage(local_aws, STAGE)
    source = catalog.service("coaching")
    good = prepare_service(source, session.reporter, skip_tests=True)
    session.deploy(service_spec(session, good))
    lambdas = local_aws.client("lambda")
    function = naming.function_name("coaching", STAGE)
    good_version = lambdas.get_alias(FunctionName=function, Name="live")["FunctionVersion"]
    broken = PreparedService(
        broken_variant(source, tmp_path), broken_artifact(good.artifact, tmp_path)
    )
    health = f"{served_gateway}/coaching/health"
    wait_until_served(health)
    recorder = Recorder()
    reader = CodeDeploy(session.target.client)

    with Load(health) as load:
        time.sleep(2)  # a steady load before the deploy starts
        started = time.monotonic()
        with pytest.raises(DeployError) as failed:
            deploy_stack(
                session.cfn,
                service_spec(session, broken),
                recorder,
                approve=lambda *_: True,
                exports_now=session.exports,
                traffic=reader,
            )
        ended = time.monotonic()
        time.sleep(3)  # the gateway rereads what is deployed about once a second
        settled = time.monotonic()
        time.sleep(2)  # the load after the rollback

    # The deploy failed as a deploy fails (exit 4), naming the alarm that stopped it.
    assert failed.value.exit_code == 4
    assert ERRORS_ALARM in str(failed.value) or FIVE_XX_ALARM in str(failed.value)
    # The shift was seen as it happened, then its rollback.
    shifts = recorder.of_type(TrafficShift)
    assert any(s.status == "InProgress" and 0 < s.percent < 100 for s in shifts), shifts
    assert shifts[-1].rolled_back, shifts
    assert shifts[-1].percent == 0
    assert shifts[-1].from_version == good_version
    # Traffic is back on the good version, whole.
    alias = lambdas.get_alias(FunctionName=function, Name="live")
    assert alias["FunctionVersion"] == good_version
    assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    stack = local_aws.client("cloudformation").describe_stacks(
        StackName=naming.service_stack("coaching", STAGE)
    )["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    # CodeDeploy says why: the deployment stopped on the alarm.
    codedeploy = local_aws.client("codedeploy")
    deployment = codedeploy.get_deployment(deploymentId=shifts[-1].deployment_id)["deploymentInfo"]
    assert deployment["status"] in ("Stopped", "Failed")
    assert any(
        alarm in deployment["errorInformation"]["message"]
        for alarm in (ERRORS_ALARM, FIVE_XX_ALARM)
    )
    # The load saw errors only from the canary's share while it ran, and none before or after.
    before = load.between(0, started)
    during = load.between(started, ended)
    after = load.between(settled, time.monotonic())
    assert before
    assert all(200 <= status < 300 for status in before)
    errors = [status for status in during if not 200 <= status < 300]
    assert errors, "the canary's share should have failed some calls"
    assert all(500 <= status < 600 for status in errors), errors
    assert len(errors) <= MOST_ERRORS_SHARE * len(during), (len(errors), len(during))
    assert after, "the load made no call after the rollback"
    assert all(200 <= status < 300 for status in after), after
