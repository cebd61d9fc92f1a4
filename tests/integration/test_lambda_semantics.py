"""Lambda updates, versions and aliases through a real local AWS and its gateway.

- "Lambda function states": an update is InProgress, then Successful; invocations run
  the previous code and configuration until it completes;
- SAM ``AutoPublishAlias`` (AWS::Serverless::Function) publishes an AWS::Lambda::Version
  per code change and points an AWS::Lambda::Alias at it; its HttpApi event integrates
  the alias, so the API serves exactly that version;
- "Weighted aliases": the additional version takes its weight's share of invocations.
"""

from __future__ import annotations

import http.client
import io
import json
import socket
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from ppdeploy.aws import local_aws as embedded
from pplocalaws.extensions.waiting import stack_after_operation
from tests.integration.support import LocalAws

pytestmark = pytest.mark.integration

BUCKET = "lambda-semantics-code"
STACK = "lambda-semantics"
HANDLERS = """
import json, os
from pathlib import Path

CODE = (Path(__file__).parent / "code.txt").read_text().strip()

def _answer(handler):
    body = {
        "code": CODE,
        "handler": handler,
        "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
    }
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps(body)}

def handler(event, context):
    return _answer("handler")

def other(event, context):
    return _answer("other")
"""
SAM_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: {{Bucket: {bucket}, Key: {key}}}
      AutoPublishAlias: live
      Events:
        Api:
          Type: HttpApi
Outputs:
  ApiId:
    Value: !Ref ServerlessHttpApi
  Function:
    Value: !Ref Fn
"""
TRUST = json.dumps(
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


def _code(aws: LocalAws, marker: str) -> str:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", HANDLERS)
        zipped.writestr("code.txt", marker)
    key = f"{marker}.zip"
    aws.client("s3").put_object(Bucket=BUCKET, Key=key, Body=archive.getvalue())
    return key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _request(url: str, path: str) -> tuple[int, bytes]:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _get(url: str, path: str) -> dict[str, Any]:
    status, body = _request(url, path)
    assert status == 200, body
    answer: dict[str, Any] = json.loads(body)
    return answer


def _deploy(aws: LocalAws, marker: str, *, create: bool) -> dict[str, str]:
    cfn = aws.client("cloudformation")
    body = SAM_TEMPLATE.format(bucket=BUCKET, key=_code(aws, marker))
    capabilities = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
    if create:  # a stack created directly, updated through a change set as the engine does
        cfn.create_stack(StackName=STACK, TemplateBody=body, Capabilities=capabilities)
    else:
        cfn.create_change_set(
            StackName=STACK,
            ChangeSetName=f"to-{marker}",
            TemplateBody=body,
            Capabilities=capabilities,
        )
        cfn.get_waiter("change_set_create_complete").wait(
            StackName=STACK, ChangeSetName=f"to-{marker}", WaiterConfig={"Delay": 1}
        )
        cfn.execute_change_set(StackName=STACK, ChangeSetName=f"to-{marker}")
    stack = stack_after_operation(cfn, STACK, "CREATE_COMPLETE" if create else "UPDATE_COMPLETE")
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _until(url: str, path: str, wanted: dict[str, str], seconds: float = 15) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        # A new API is served once the gateway re-reads the local AWS (about once a
        # second): until then it answers 404, which is not yet an answer.
        status, body = _request(url, path)
        seen = json.loads(body) if status == 200 else {"status": status}
        if all(seen.get(key) == value for key, value in wanted.items()):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"the gateway never served {wanted}; last answer {seen}")


@pytest.fixture(scope="module")
def aws(local_aws_server: LocalAws) -> LocalAws:
    local_aws_server.reset()
    local_aws_server.client("s3").create_bucket(Bucket=BUCKET)
    return local_aws_server


@pytest.fixture(scope="module")
def gateway(aws: LocalAws) -> Iterator[str]:
    status = embedded.start_gateway(aws.endpoint, port=_free_port())
    assert status.url
    try:
        yield status.url
    finally:
        embedded.stop_gateway()


def test_sam_auto_publish_alias_deploys_and_the_api_runs_the_alias_s_version(
    aws: LocalAws, gateway: str
) -> None:
    first = _deploy(aws, "one", create=True)
    path = f"/_api/{first['ApiId']}/anything"
    served_first = _until(gateway, path, {"code": "one"})

    second = _deploy(aws, "two", create=False)
    served_second = _until(gateway, path, {"code": "two"})

    functions = aws.client("lambda")
    alias = functions.get_alias(FunctionName=second["Function"], Name="live")
    versions = functions.list_versions_by_function(FunctionName=second["Function"])["Versions"]
    assert served_first["version"] == "1"
    assert (served_second["version"], alias["FunctionVersion"]) == ("2", "2")
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]  # SAM retains versions

    # Weighted aliases: half of the invocations go to version 1, each chosen at random.
    functions.update_alias(
        FunctionName=second["Function"],
        Name="live",
        RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}},
    )
    _until(gateway, path, {"code": "one"})  # the gateway has read the weights
    served = [_get(gateway, path)["version"] for _ in range(200)]
    share = served.count("1") / len(served)
    assert 0.35 <= share <= 0.65, share  # 0.5 within about 4 standard deviations
    assert set(served) == {"1", "2"}


def test_each_update_takes_effect_on_its_own_after_it_completes(
    aws: LocalAws, gateway: str
) -> None:
    functions = aws.client("lambda")
    role = aws.client("iam").create_role(RoleName="semantics", AssumeRolePolicyDocument=TRUST)
    created = functions.create_function(
        FunctionName="semantics-latest",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"S3Bucket": BUCKET, "S3Key": _code(aws, "old")},
    )
    apis = aws.client("apigatewayv2")
    api_id = apis.create_api(Name="semantics", ProtocolType="HTTP")["ApiId"]
    integration = apis.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=created["FunctionArn"],  # unqualified: $LATEST
        PayloadFormatVersion="2.0",
    )["IntegrationId"]
    apis.create_route(ApiId=api_id, RouteKey="$default", Target=f"integrations/{integration}")
    apis.create_stage(ApiId=api_id, StageName="$default")
    path = f"/_api/{api_id}/x"
    _until(gateway, path, {"code": "old", "handler": "handler", "version": "$LATEST"})

    updating = functions.update_function_code(
        FunctionName="semantics-latest", S3Bucket=BUCKET, S3Key=_code(aws, "new")
    )
    with pytest.raises(functions.exceptions.ResourceConflictException):
        functions.update_function_configuration(FunctionName="semantics-latest", Handler="x.y")
    functions.get_waiter("function_updated_v2").wait(
        FunctionName="semantics-latest", WaiterConfig={"Delay": 1}
    )
    between = _until(gateway, path, {"code": "new"})
    functions.update_function_configuration(FunctionName="semantics-latest", Handler="app.other")
    during: list[str] = []
    while True:
        answer = _get(gateway, path)["handler"]
        status = functions.get_function_configuration(FunctionName="semantics-latest")
        if status["LastUpdateStatus"] != "InProgress":
            break
        during.append(answer)  # this request ended before the update completed
    after = _until(gateway, path, {"code": "new", "handler": "other"})

    assert updating["LastUpdateStatus"] == "InProgress"
    assert between["handler"] == "handler"  # the new code on the old handler
    assert during  # the update was seen in progress
    assert set(during) == {"handler"}  # and ran nothing new until it completed
    assert after["code"] == "new"
