"""Issue 7: no request fails while the account service is redeployed or its mapping moves.

A prober calls ``/account/health`` through the local gateway every 100 ms from a thread
while the change runs, and every answer must be 2xx. Durations are bounded by timeouts
(the invoke subprocess, the prober's join), never asserted.
"""

from __future__ import annotations

import hashlib
import json
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
from ppdeploy.workflows.service_deploy import PreparedService, prepare_service, service_spec
from tests.fixtures.legacy import seed, stack
from tests.integration.support import LocalAws, deploy_shared_stage, dump, serving_gateway

pytestmark = pytest.mark.integration
UPDATE_SECONDS_VARIABLE = "PPLOCALAWS_LAMBDA_UPDATE_SECONDS"
STAGE = "dev"
DOMAIN = "api.dev.purposepath.app"
INTERVAL_SECONDS = 0.1


@dataclass
class Prober:
    """Calls ``url`` every 100 ms until stopped; keeps every status and runtime seen."""

    url: str
    statuses: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    runtimes: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _probe(self) -> None:
        try:
            with urllib.request.urlopen(self.url, timeout=30) as answer:  # noqa: S310 - loopback
                self.statuses.append(answer.status)
                runtime = json.loads(answer.read()).get("runtime", "")
                if not self.runtimes or self.runtimes[-1] != runtime:
                    self.runtimes.append(runtime)
        except urllib.error.HTTPError as error:
            self.statuses.append(error.code)
            self.failures.append(f"{error.code}: {error.read()[:300]!r}")
        except OSError as error:
            self.statuses.append(0)
            self.failures.append(f"no answer: {error}")

    def _run(self) -> None:
        while not self._stop.wait(INTERVAL_SECONDS):
            self._probe()

    def __enter__(self) -> Prober:
        self._probe()  # the path answers before the change starts
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=60)
        assert not self._thread.is_alive()

    def assert_all_2xx(self) -> None:
        assert self.statuses, "the prober made no call"
        bad = [status for status in self.statuses if not 200 <= status < 300]
        assert not bad, f"{len(bad)} of {len(self.statuses)} calls failed: {self.failures[:5]}"


@pytest.fixture
def served_gateway(local_aws: LocalAws) -> Iterator[str]:
    with serving_gateway(local_aws, DOMAIN) as url:
        yield url


def wait_until_served(url: str, seconds: float = 30.0) -> None:
    """Set-up, before probing: the gateway rereads what is deployed about once a second,
    so a stack made just now is served a moment later. What is measured starts after."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        assert time.monotonic() < deadline, f"{url} was not served within {seconds} s"
        time.sleep(0.2)


def changed_artifact(original: build.Artifact, folder: Path) -> build.Artifact:
    """The same code plus one file: a new content hash, so a new S3 key and Lambda code."""
    path = folder / "account-changed.zip"
    shutil.copy(original.path, path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("redeploy-marker.txt", "a changed artifact")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    return build.Artifact("account", "python", path, digest, len(data), reused=False)


def test_redeploying_the_account_service_with_a_changed_artifact_drops_no_request(
    local_aws: LocalAws, served_gateway: str, tmp_path: Path
) -> None:
    session = deploy_shared_stage(local_aws, STAGE)
    source = catalog.service("account", "python")
    first = prepare_service(source, session.reporter, skip_tests=True)
    session.deploy(service_spec(session, first))
    lambdas = local_aws.client("lambda")
    function = naming.function_name("account", STAGE)
    code_before = lambdas.get_function(FunctionName=function)["Configuration"]["CodeSha256"]
    second = PreparedService(source, changed_artifact(first.artifact, tmp_path))
    wait_until_served(f"{served_gateway}/account/health")

    with Prober(f"{served_gateway}/account/health") as prober:
        result = session.deploy(service_spec(session, second))

    assert result.outcome == "updated"
    assert lambdas.get_function(FunctionName=function)["Configuration"]["CodeSha256"] != (
        code_before
    )
    prober.assert_all_2xx()


def test_moving_the_account_mapping_off_the_legacy_stack_drops_no_request(
    local_aws: LocalAws, served_gateway: str
) -> None:
    stack.create_domain(local_aws.client, DOMAIN)
    stack.create_legacy_stack(local_aws.client, STAGE, DOMAIN)
    seed.seed_users(local_aws.client("dynamodb"), STAGE, 1)
    wait_until_served(f"{served_gateway}/account/health")

    with Prober(f"{served_gateway}/account/health") as prober:
        result = local_aws.invoke(
            "migrate",
            "--stage",
            STAGE,
            "--local",
            "--yes",
            "--skip-tests",
        )

    assert result.returncode == 0, dump(result)
    assert "re-pointed in place" in result.stdout
    assert prober.runtimes == ["legacy", "python"]  # it moved while being probed
    prober.assert_all_2xx()


# -- issue 11: an atomic runtime switch ----------------------------------------------------
#
# Runtime, handler and code change together in a switch. The local AWS applies
# UpdateFunctionConfiguration and UpdateFunctionCode separately, each InProgress for
# PPLOCALAWS_LAMBDA_UPDATE_SECONDS, as AWS does ("Lambda function states"). With the API on
# the alias `live`, the old version serves until the new one is published and the alias
# moves; on the unqualified function ($LATEST, the templates before issue 11) the new
# handler runs for a while on the old code, and the prober sees it fail.

UPDATE_SECONDS = "3"
SWITCHED_HANDLER = "account_switched.lambda_handler"


@pytest.fixture
def slow_lambda_updates(local_aws_server: LocalAws) -> Iterator[LocalAws]:
    """The session's local AWS restarted with Lambda updates lasting 3 s (then restored)."""
    port = int(local_aws_server.endpoint.rsplit(":", 1)[1])
    local_process.stop()
    os.environ[UPDATE_SECONDS_VARIABLE] = UPDATE_SECONDS
    try:
        local_process.start(port)
        yield local_aws_server
    finally:
        local_process.stop()
        os.environ.pop(UPDATE_SECONDS_VARIABLE, None)
        local_process.start(port)


def switched_artifact(original: build.Artifact, folder: Path) -> build.Artifact:
    """The same service plus the module the switched handler names: new code, new handler."""
    path = folder / "account-switched.zip"
    shutil.copy(original.path, path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(
            "account_switched.py", "from account.app import lambda_handler  # noqa: F401\n"
        )
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    return build.Artifact("account", "python", path, digest, len(data), reused=False)


def _without_block(text: str, header: str) -> str:
    """``text`` without the YAML block that starts at the line ``header`` (its key line and
    every line indented deeper, comments included)."""
    lines = text.splitlines()
    start = lines.index(header)
    depth = len(header) - len(header.lstrip())
    end = start + 1
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > depth
    ):
        end += 1
    return "\n".join(lines[:start] + lines[end:]) + "\n"


def template_variant(folder: Path, name: str, *, switched: bool, on_alias: bool) -> Path:
    """The account template, switched (another runtime and handler) and/or without the alias."""
    text = catalog.service("account", "python").template.read_text(encoding="utf-8")
    if switched:
        text = text.replace("Runtime: python3.13", "Runtime: python3.12")
        text = text.replace("Handler: account.app.lambda_handler", f"Handler: {SWITCHED_HANDLER}")
    if not on_alias:
        # Before issue 11 there was no alias, so nothing that needs one either: the gradual
        # deploy (SAM requires AutoPublishAlias for it) and the live version's alarm.
        text = _without_block(text, "      DeploymentPreference:")
        text = _without_block(text, "  LiveVersionErrorsAlarm:")
        kept = [
            line
            for line in text.splitlines()
            if "AutoPublishAlias" not in line
            and "ServiceFunction.Alias" not in line
            and "!Ref LiveVersionErrorsAlarm" not in line
        ]
        text = "\n".join(kept).replace(
            "  LiveAlias:\n    Description: The alias the API invokes "
            "(the version it names is what serves)\n",
            "",
        )
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("on_alias", "errors_expected"),
    [(True, False), (False, True)],
    ids=["on-the-alias", "unqualified-as-before-issue-11"],
)
def test_a_runtime_switch_and_back_drops_no_request_only_on_the_alias(
    slow_lambda_updates: LocalAws, tmp_path: Path, on_alias: bool, errors_expected: bool
) -> None:
    aws = slow_lambda_updates
    session = deploy_shared_stage(aws, STAGE)
    source = catalog.service("account", "python")
    built = prepare_service(source, session.reporter, skip_tests=True)
    before = PreparedService(
        replace(
            source, template=template_variant(tmp_path, "a", switched=False, on_alias=on_alias)
        ),
        built.artifact,
    )
    after = PreparedService(
        replace(source, template=template_variant(tmp_path, "b", switched=True, on_alias=on_alias)),
        switched_artifact(built.artifact, tmp_path),
    )
    session.deploy(service_spec(session, before))
    function = naming.function_name("account", STAGE)
    lambdas = aws.client("lambda")

    with serving_gateway(aws, DOMAIN) as url:
        wait_until_served(f"{url}/account/health")
        with Prober(f"{url}/account/health") as prober:
            switched = session.deploy(service_spec(session, after))
            on_switched = lambdas.get_function_configuration(FunctionName=function)
            back = session.deploy(service_spec(session, before))
            time.sleep(2)  # the gateway rereads what is deployed about once a second

    assert (switched.outcome, back.outcome) == ("updated", "updated")
    assert len(prober.statuses) > 40  # probed through both switches (each update lasts 3 s)
    assert on_switched["Handler"] == SWITCHED_HANDLER
    assert on_switched["Runtime"] == "python3.12"
    if on_alias:
        alias = lambdas.get_alias(FunctionName=function, Name="live")
        assert int(alias["FunctionVersion"]) >= 3  # published: first, switch, switch-back
    if errors_expected:
        assert any(not 200 <= status < 300 for status in prober.statuses), (
            "the unqualified integration should have served the new handler on the old code"
        )
    else:
        prober.assert_all_2xx()
