"""Issue 15 item 3: logs you can read locally.

The dev stage is deployed; three failed logins go through the local gateway; then
``invoke logs --service account --stage dev --local`` shows what the account function
printed and Lambda's START/END/REPORT lines, ``--follow`` prints a new request's lines as
they arrive, and a window with no events says so. The invocations' metrics (AWS/Lambda
and AWS/ApiGateway) are in the local AWS's CloudWatch too. The gateway delivers logs and
metrics in the background about every half second, so reads poll (bounded), never sleep
a fixed time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ppdeploy import naming
from tests.integration.support import ROOT, LocalAws, deploy_all, dump, serving_gateway

pytestmark = pytest.mark.integration
DOMAIN = "api.dev.purposepath.app"
ACCOUNT_FUNCTION = naming.function_name("account", "dev")
DELIVERY_SECONDS = 30.0  # a generous bound on the gateway's half-second flushes


@pytest.fixture(scope="module")
def stage(local_aws_server: LocalAws) -> Iterator[tuple[LocalAws, str]]:
    local_aws_server.start_from("dev-all", deploy_all)
    # No hosted zone here, so no custom domain: the account API on its own path instead.
    api_id = _account_api_id(local_aws_server)
    with serving_gateway(local_aws_server, DOMAIN) as url:
        _wait_until_served(f"{url}/_api/{api_id}/health")
        yield local_aws_server, f"{url}/_api/{api_id}"


def _account_api_id(aws: LocalAws) -> str:
    apis = aws.client("apigatewayv2").get_apis()["Items"]
    return next(api["ApiId"] for api in apis if "account" in api["Name"])


def _wait_until_served(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    last = ""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except urllib.error.HTTPError as error:
            last = f"{error.code} {error.read()[:300]!r}"
        except (urllib.error.URLError, OSError) as error:
            last = str(error)
        assert time.monotonic() < deadline, f"{url} was not served within {seconds} s: {last}"
        time.sleep(0.2)


def _failed_login(url: str) -> int:
    body = json.dumps({"email": "nobody@example.com", "password": "not-the-password-1"})
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{url}/auth/login",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def _logs(aws: LocalAws, *flags: str) -> subprocess.CompletedProcess[str]:
    return aws.invoke("logs", "--service", "account", *flags, "--stage", "dev", "--local")


def test_logs_of_a_window_with_no_events_says_so(stage: tuple[LocalAws, str]) -> None:
    aws, _ = stage

    result = aws.invoke(
        "logs", "--service", "traction", "--since", "1s", "--stage", "dev", "--local"
    )

    assert result.returncode == 0, dump(result)
    group = naming.log_group("traction", "dev")
    assert result.stdout.startswith(f"no log events in {group} since "), dump(result)


def test_logs_show_the_handler_s_lines_and_report_after_failed_logins(
    stage: tuple[LocalAws, str],
) -> None:
    aws, url = stage
    statuses = [_failed_login(url) for _ in range(3)]
    assert all(400 <= status < 500 for status in statuses), statuses

    deadline = time.monotonic() + DELIVERY_SECONDS
    while True:
        result = _logs(aws, "--since", "5m")
        assert result.returncode == 0, dump(result)
        reports = [line for line in result.stdout.splitlines() if " REPORT RequestId: " in line]
        if len(reports) >= 3 or time.monotonic() > deadline:
            break
        time.sleep(0.5)

    lines = result.stdout.splitlines()
    assert len(reports) >= 3, dump(result)
    assert "\tMax Memory Used: " in reports[-1]
    assert any(" START RequestId: " in line and "Version: " in line for line in lines)
    assert any(" END RequestId: " in line for line in lines)
    assert any("LoginFailed" in line for line in lines), dump(result)  # the handler's own line
    assert "not-the-password-1" not in result.stdout  # nothing beyond what it printed


def test_logs_follow_prints_a_new_request_s_lines(stage: tuple[LocalAws, str]) -> None:
    aws, url = stage
    follower = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "invoke",
            "logs",
            "--service",
            "account",
            "--since",
            "1s",
            "--follow",
            "--stage",
            "dev",
            "--local",
        ],
        cwd=ROOT,
        env=aws.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert follower.stdout is not None
        assert "no log events in" in follower.stdout.readline()  # said once, then it waits
        assert 400 <= _failed_login(url) < 500
        seen: list[str] = []
        deadline = time.monotonic() + DELIVERY_SECONDS
        while time.monotonic() < deadline:
            line = follower.stdout.readline()
            seen.append(line)
            if " REPORT RequestId: " in line:
                break
        assert any(" REPORT RequestId: " in line for line in seen), seen
    finally:
        follower.terminate()
        follower.wait(timeout=30)


def test_the_invocations_are_in_lambda_s_and_api_gateway_s_metrics(
    stage: tuple[LocalAws, str],
) -> None:
    aws, url = stage
    cloudwatch = aws.client("cloudwatch")
    assert 400 <= _failed_login(url) < 500

    def total(namespace: str, name: str, dimensions: list[dict[str, str]]) -> float:
        now = datetime.now(UTC)
        answer = cloudwatch.get_metric_statistics(
            Namespace=namespace,
            MetricName=name,
            Dimensions=dimensions,
            StartTime=now - timedelta(minutes=30),
            EndTime=now + timedelta(minutes=1),
            Period=60,
            Statistics=["Sum"],
        )
        return sum(point["Sum"] for point in answer["Datapoints"])

    api_id = _account_api_id(aws)
    deadline = time.monotonic() + DELIVERY_SECONDS
    while True:
        invocations = total(
            "AWS/Lambda", "Invocations", [{"Name": "FunctionName", "Value": ACCOUNT_FUNCTION}]
        )
        requests = total("AWS/ApiGateway", "Count", [{"Name": "ApiId", "Value": api_id}])
        if (invocations >= 1 and requests >= 1) or time.monotonic() > deadline:
            break
        time.sleep(0.5)

    assert invocations >= 1
    assert requests >= 1
    assert total("AWS/ApiGateway", "4xx", [{"Name": "ApiId", "Value": api_id}]) >= 1
    assert total("AWS/Lambda", "Errors", [{"Name": "FunctionName", "Value": ACCOUNT_FUNCTION}]) == 0
