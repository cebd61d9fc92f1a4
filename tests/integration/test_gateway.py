"""The local gateway against a real local AWS: an HTTP API, a custom domain and a function
deployed through the AWS APIs, then requests through the gateway's background process.

The fixture function (``fixtures/echo_function``) echoes its event or returns what the
test asks for, so each test checks one promise of API Gateway's payload 2.0 contract.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import os
import socket
import statistics
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ppdeploy.aws import local_aws as embedded
from pplocalaws.gateway.runtimes import InterpreterFinder
from tests.integration.support import LocalAws

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).parent / "fixtures" / "echo_function"
DOMAIN = "api.test.purposepath.app"
ARTIFACTS_BUCKET = "gateway-test-artifacts"
DATA_BUCKET = "gateway-test-data"
FUNCTION = "gateway-test-echo"
TRUST_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
LEAKY_VARIABLE = "SECRET_FROM_GATEWAY_ENV"


@dataclass(frozen=True)
class Deployment:
    aws: LocalAws
    api_id: str
    dotnet_api_id: str


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _function_zip(version: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(FIXTURE / "echo.py", "echo.py")
        archive.writestr("version.txt", version)
    return buffer.getvalue()


def _upload(aws: LocalAws, version: str) -> str:
    key = f"echo/{version}.zip"
    aws.client("s3").put_object(Bucket=ARTIFACTS_BUCKET, Key=key, Body=_function_zip(version))
    return key


def _lambda_api(aws: LocalAws, function_arn: str, route_keys: list[str]) -> str:
    gateway = aws.client("apigatewayv2")
    api_id: str = gateway.create_api(Name=f"api-{function_arn[-12:]}", ProtocolType="HTTP")["ApiId"]
    uri = (
        f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )
    integration = gateway.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=uri, PayloadFormatVersion="2.0"
    )["IntegrationId"]
    for key in route_keys:
        gateway.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration}")
    gateway.create_stage(ApiId=api_id, StageName="$default")
    return api_id


@pytest.fixture(scope="module")
def deployment(local_aws_server: LocalAws) -> Deployment:
    aws = local_aws_server
    aws.reset()
    s3, functions = aws.client("s3"), aws.client("lambda")
    role = aws.client("iam").create_role(
        RoleName="gateway-test", AssumeRolePolicyDocument=TRUST_POLICY
    )["Role"]["Arn"]
    # The handler runs with this role's session and the local AWS enforces its policy.
    aws.client("iam").put_role_policy(
        RoleName="gateway-test",
        PolicyName="notes",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["s3:PutObject", "s3:GetObject"],
                        "Resource": f"arn:aws:s3:::{DATA_BUCKET}/notes/*",
                    }
                ],
            }
        ),
    )
    s3.create_bucket(Bucket=ARTIFACTS_BUCKET)
    s3.create_bucket(Bucket=DATA_BUCKET)
    echo = functions.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.13",
        Role=role,
        Handler="echo.handler",
        Code={"S3Bucket": ARTIFACTS_BUCKET, "S3Key": _upload(aws, "v1")},
        Timeout=2,
        MemorySize=256,
        Environment={"Variables": {"GREETING": "hello", "DATA_BUCKET": DATA_BUCKET}},
    )
    api_id = _lambda_api(aws, echo["FunctionArn"], ["GET /items/{id}", "ANY /{proxy+}"])
    gateway = aws.client("apigatewayv2")
    gateway.create_domain_name(DomainName=DOMAIN)
    gateway.create_api_mapping(
        DomainName=DOMAIN, ApiId=api_id, Stage="$default", ApiMappingKey="echo"
    )
    dotnet = functions.create_function(
        FunctionName="gateway-test-dotnet",
        Runtime="dotnet10",
        Role=role,
        Handler="Account::Account.Function::Handle",
        Code={"S3Bucket": ARTIFACTS_BUCKET, "S3Key": _upload(aws, "dotnet")},
    )
    return Deployment(aws, api_id, _lambda_api(aws, dotnet["FunctionArn"], ["ANY /{proxy+}"]))


@pytest.fixture(scope="module")
def gateway(deployment: Deployment) -> Iterator[str]:
    # A variable of the person's shell must never reach a handler.
    previous = os.environ.get(LEAKY_VARIABLE)
    os.environ[LEAKY_VARIABLE] = "leaked"
    try:
        status = embedded.start_gateway(deployment.aws.endpoint, port=_free_port())
    finally:
        if previous is None:
            os.environ.pop(LEAKY_VARIABLE)
    assert status.running
    assert status.url
    try:
        yield status.url
    finally:
        assert embedded.stop_gateway()
        assert not embedded.gateway_status().running


def request(
    url: str,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Answer:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.putrequest(method, path)
        for name, value in headers or []:
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body or b"")))
        connection.endheaders(body or b"")
        response = connection.getresponse()
        return Answer(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def test_custom_domain_strips_the_mapping_key_and_builds_the_event(
    gateway: str, deployment: Deployment
) -> None:
    answer = request(
        gateway,
        "GET",
        "/echo/items/a%20b?tag=x&tag=y&empty=",
        headers=[
            ("X-Multi", "one"),
            ("X-Multi", "two"),
            ("Cookie", "session=abc; theme=dark"),
            ("User-Agent", "gateway-test"),
        ],
    )

    assert answer.status == 200, answer.body
    event = answer.json()["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /items/{id}"
    assert event["rawPath"] == "/echo/items/a%20b"
    assert event["pathParameters"] == {"id": "a b"}
    assert event["rawQueryString"] == "tag=x&tag=y&empty="
    assert event["queryStringParameters"] == {"tag": "x,y", "empty": ""}
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-multi"] == "one,two"
    assert "body" not in event
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["routeKey"] == "GET /items/{id}"
    assert context["apiId"] == deployment.api_id
    assert context["stage"] == "$default"
    assert context["domainName"] == DOMAIN
    assert context["http"]["method"] == "GET"
    assert context["http"]["userAgent"] == "gateway-test"
    assert context["requestId"] == answer.json()["requestId"]


def test_each_api_is_served_on_its_own_path(gateway: str, deployment: Deployment) -> None:
    answer = request(gateway, "DELETE", f"/_api/{deployment.api_id}/anything/at/all")

    assert answer.status == 200, answer.body
    event = answer.json()["event"]
    assert event["routeKey"] == "ANY /{proxy+}"
    assert event["rawPath"] == "/anything/at/all"
    assert event["pathParameters"] == {"proxy": "anything/at/all"}
    assert event["requestContext"]["http"]["method"] == "DELETE"
    assert event["requestContext"]["domainName"].startswith(f"{deployment.api_id}.execute-api.")


def test_a_structured_result_comes_back_exactly(gateway: str) -> None:
    result = {
        "statusCode": 201,
        "headers": {"content-type": "text/plain", "x-multi": "a,b", "x-count": 3},
        "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
        "body": "created",
    }
    answer = request(gateway, "POST", "/echo/respond", body=json.dumps(result).encode(),
                     headers=[("Content-Type", "application/json")])  # fmt: skip

    assert answer.status == 201
    assert answer.header("content-type") == "text/plain"
    assert answer.header("x-multi") == "a,b"
    assert answer.header("x-count") == "3"
    assert answer.all("set-cookie") == ["a=1; Path=/", "b=2; HttpOnly"]
    assert answer.body == b"created"


def test_base64_bodies_go_both_ways(gateway: str) -> None:
    payload = bytes(range(256))

    echoed = request(gateway, "POST", "/echo/binary", body=payload,
                     headers=[("Content-Type", "application/octet-stream")])  # fmt: skip
    seen = request(gateway, "POST", "/echo/seen", body=payload,
                   headers=[("Content-Type", "application/octet-stream")])  # fmt: skip

    assert echoed.status == 200
    assert echoed.header("content-type") == "application/octet-stream"
    assert echoed.body == payload
    event = seen.json()["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_a_json_text_body_arrives_as_text(gateway: str) -> None:
    answer = request(gateway, "PUT", "/echo/seen", body=b'{"name": "x"}',
                     headers=[("Content-Type", "application/json; charset=utf-8")])  # fmt: skip

    event = answer.json()["event"]
    assert event["isBase64Encoded"] is False
    assert event["body"] == '{"name": "x"}'


@pytest.mark.parametrize(
    ("result", "expected_body"),
    [({"hello": "world"}, {"hello": "world"}), (["a", 1], ["a", 1])],
)
def test_a_result_without_status_code_is_a_json_200(
    gateway: str, result: object, expected_body: object
) -> None:
    answer = request(gateway, "POST", "/echo/respond", body=json.dumps(result).encode(),
                     headers=[("Content-Type", "application/json")])  # fmt: skip

    assert answer.status == 200
    assert answer.header("content-type") == "application/json"
    assert answer.json() == expected_body


def test_a_malformed_result_is_a_502(gateway: str) -> None:
    answer = request(gateway, "POST", "/echo/respond", body=b'{"statusCode": "soon"}',
                     headers=[("Content-Type", "application/json")])  # fmt: skip

    assert (answer.status, answer.json()) == (502, {"message": "Internal Server Error"})


def test_the_handler_runs_with_its_environment_and_runtime(
    gateway: str, deployment: Deployment
) -> None:
    answer = request(gateway, "GET", "/echo/env")

    assert answer.status == 200, answer.body
    report = answer.json()
    env = report["env"]
    assert env["GREETING"] == "hello"
    assert env["AWS_ENDPOINT_URL"] == deployment.aws.endpoint
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")  # its role's session, as on Lambda
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == FUNCTION
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["_HANDLER"] == "echo.handler"
    assert env[LEAKY_VARIABLE] is None
    assert env["HOME"] is None
    assert report["context"]["function_name"] == FUNCTION
    assert 0 < report["context"]["remaining_ms"] <= 2000
    interpreter = InterpreterFinder().for_runtime("python3.13")
    assert report["python"] == (
        interpreter.version
        if interpreter.exact
        else f"{sys.version_info.major}.{sys.version_info.minor}"
    )


def test_the_handler_s_aws_calls_reach_the_local_aws(gateway: str, deployment: Deployment) -> None:
    answer = request(gateway, "POST", "/echo/s3/notes/first.txt", body=b"written by the handler",
                     headers=[("Content-Type", "text/plain")])  # fmt: skip

    assert answer.status == 200, answer.body
    assert answer.json() == {"stored": "written by the handler"}
    stored = deployment.aws.client("s3").get_object(Bucket=DATA_BUCKET, Key="notes/first.txt")
    assert stored["Body"].read() == b"written by the handler"


@pytest.mark.parametrize("path", ["/nothing/here", "/_api/noSuchApi/x", "/echoes/items/1"])
def test_an_unknown_path_is_api_gateway_s_404(gateway: str, path: str) -> None:
    answer = request(gateway, "GET", path)

    assert (answer.status, answer.json()) == (404, {"message": "Not Found"})


def test_a_handler_that_raises_is_a_502(gateway: str) -> None:
    answer = request(gateway, "GET", "/echo/raise")

    assert (answer.status, answer.json()) == (502, {"message": "Internal Server Error"})


def test_a_handler_past_its_timeout_is_a_503_and_the_next_request_is_served(gateway: str) -> None:
    answer = request(gateway, "GET", "/echo/sleep")
    after = request(gateway, "GET", "/echo/version")

    assert (answer.status, answer.json()) == (503, {"message": "Service Unavailable"})
    assert after.status == 200


def test_a_runtime_the_gateway_cannot_run_is_a_502_saying_why(
    gateway: str, deployment: Deployment
) -> None:
    answer = request(gateway, "GET", f"/_api/{deployment.dotnet_api_id}/health")

    assert answer.status == 502
    assert "dotnet10" in answer.json()["message"]
    assert "Python" in answer.json()["message"]


def test_workers_stay_warm_and_a_redeploy_replaces_them(
    gateway: str, deployment: Deployment
) -> None:
    first = request(gateway, "GET", "/echo/version").json()
    again = request(gateway, "GET", "/echo/version").json()
    current = first["version"]
    redeployed = "v2" if current != "v2" else "v3"
    deployment.aws.client("lambda").update_function_code(
        FunctionName=FUNCTION, S3Bucket=ARTIFACTS_BUCKET, S3Key=_upload(deployment.aws, redeployed)
    )
    seen = first
    for _ in range(100):  # the gateway re-reads the local AWS at most once a second
        seen = request(gateway, "GET", "/echo/version").json()
        if seen["version"] == redeployed:
            break
        time.sleep(0.05)

    assert again["pid"] == first["pid"]
    assert seen["version"] == redeployed
    assert seen["pid"] != first["pid"]


def test_eight_concurrent_clients_get_no_5xx(gateway: str) -> None:
    statuses: list[int] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        host, port = gateway.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        seen = []
        for index in range(200):
            connection.request("GET", f"/echo/items/{number}-{index}")
            response = connection.getresponse()
            response.read()
            seen.append(response.status)
        connection.close()
        with lock:
            statuses.extend(seen)

    clients = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=300)
    workers = json.loads(request(gateway, "GET", "/_gateway/status").body)["workers"]

    assert len(statuses) == 1600
    assert set(statuses) == {200}
    assert 1 <= workers[FUNCTION] <= 4


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def test_latency_through_the_gateway_against_an_in_process_call(gateway: str) -> None:
    """Prints p50/p99 (seen with ``pytest -s``); asserts only that every request succeeded."""
    host, port = gateway.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    for _ in range(50):  # warm the worker and the connection
        connection.request("GET", "/echo/items/1")
        connection.getresponse().read()
    through_gateway, statuses = [], set()
    for _ in range(2000):
        started = time.perf_counter()
        connection.request("GET", "/echo/items/1")
        response = connection.getresponse()
        response.read()
        through_gateway.append(time.perf_counter() - started)
        statuses.add(response.status)
    connection.close()
    sys.path.insert(0, str(FIXTURE))
    try:
        import echo  # noqa: PLC0415 - the fixture handler, imported only for this comparison
    finally:
        sys.path.remove(str(FIXTURE))

    class Context:
        function_name, aws_request_id, memory_limit_in_mb = FUNCTION, "local", "256"

        def get_remaining_time_in_millis(self) -> int:
            return 2000

    event = {"version": "2.0", "routeKey": "GET /items/{id}", "rawPath": "/echo/items/1",
             "pathParameters": {"id": "1"}, "headers": {}, "requestContext": {}}  # fmt: skip
    in_process = []
    for _ in range(2000):
        started = time.perf_counter()
        echo.handler(json.loads(json.dumps(event)), Context())
        in_process.append(time.perf_counter() - started)

    overhead = statistics.median(through_gateway) - statistics.median(in_process)
    print(
        f"\ngateway p50 {_percentile(through_gateway, 0.5) * 1e3:.3f} ms, "
        f"p99 {_percentile(through_gateway, 0.99) * 1e3:.3f} ms; in-process p50 "
        f"{_percentile(in_process, 0.5) * 1e3:.4f} ms, "
        f"p99 {_percentile(in_process, 0.99) * 1e3:.4f} ms; "
        f"gateway overhead at p50 {overhead * 1e3:.3f} ms"
    )
    assert statuses == {200}
