"""Lambda updates, versions and aliases as AWS runs them (each test fails on moto alone).

Sources: "Lambda function states" (updates InProgress, then Successful; invocations run the
previous code meanwhile; a second update is refused), "Lambda function versions" (a
version is an immutable snapshot; nothing changed, nothing published), "Weighted aliases"
and the CreateAlias / UpdateAlias / AliasRoutingConfiguration API reference pages.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pplocalaws.resources.lambda_updates import INVOKED_QUALIFIER, UPDATE_SECONDS_VARIABLE

UPDATE_SECONDS = 0.2
IAM = ["CAPABILITY_IAM"]
NAME = "fn"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _zip(body: str) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", body)
    return archive.getvalue()


@pytest.fixture
def functions(aws: boto3.Session, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv(UPDATE_SECONDS_VARIABLE, str(UPDATE_SECONDS))
    iam = aws.client("iam")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
    iam.create_role(RoleName="other", AssumeRolePolicyDocument=json.dumps(TRUST))
    client = aws.client("lambda")
    client.create_function(
        FunctionName=NAME,
        Runtime="python3.12",
        Handler="app.handler",
        Role=role["Arn"],
        Code={"ZipFile": _zip("v1")},
        Environment={"Variables": {"V": "1"}},
    )
    return client


def _wait(client: Any) -> None:
    time.sleep(UPDATE_SECONDS + 0.1)


def _invoked(client: Any) -> dict[str, Any]:
    answer: dict[str, Any] = client.get_function_configuration(
        FunctionName=NAME, Qualifier=INVOKED_QUALIFIER
    )
    return answer


def test_an_update_is_in_progress_then_successful_and_a_second_one_waits(functions: Any) -> None:
    before = functions.get_function_configuration(FunctionName=NAME)

    updated = functions.update_function_code(FunctionName=NAME, ZipFile=_zip("v2"))
    with pytest.raises(ClientError) as refused:
        functions.update_function_configuration(FunctionName=NAME, Runtime="python3.13")
    during = functions.get_function_configuration(FunctionName=NAME)
    _wait(functions)
    after = functions.get_function_configuration(FunctionName=NAME)

    assert updated["LastUpdateStatus"] == during["LastUpdateStatus"] == "InProgress"
    assert refused.value.response["Error"]["Code"] == "ResourceConflictException"
    assert "An update is in progress for resource" in str(refused.value)
    assert during["CodeSha256"] != before["CodeSha256"]  # the API shows the new values
    assert after["LastUpdateStatus"] == "Successful"
    assert after["LastModified"] != before["LastModified"]


def test_a_refused_update_starts_no_update(functions: Any) -> None:
    with pytest.raises(ClientError, match="InvalidParameterValueException"):
        functions.update_function_code(FunctionName=NAME, S3Bucket="missing", S3Key="k.zip")

    after = functions.get_function_configuration(FunctionName=NAME)
    assert after["LastUpdateStatus"] == "Successful"
    functions.update_function_configuration(FunctionName=NAME, Timeout=5)  # not refused


def test_invocations_run_the_previous_snapshot_until_each_update_completes(
    functions: Any,
) -> None:
    old = functions.get_function_configuration(FunctionName=NAME)
    functions.update_function_code(FunctionName=NAME, ZipFile=_zip("v2"))
    during_code = _invoked(functions)
    _wait(functions)
    functions.update_function_configuration(
        FunctionName=NAME, Runtime="python3.13", Handler="app.other"
    )
    between = _invoked(functions)  # the configuration update runs: new code, old runtime
    _wait(functions)
    done = _invoked(functions)

    assert (during_code["CodeSha256"], during_code["Runtime"]) == (
        old["CodeSha256"],
        "python3.12",
    )
    assert between["CodeSha256"] != old["CodeSha256"]
    assert (between["Runtime"], between["Handler"]) == ("python3.12", "app.handler")
    assert (done["Runtime"], done["Handler"]) == ("python3.13", "app.other")


def test_publishing_during_an_update_is_refused(functions: Any) -> None:
    functions.update_function_configuration(FunctionName=NAME, Timeout=9)

    with pytest.raises(ClientError, match="ResourceConflictException"):
        functions.publish_version(FunctionName=NAME)


def test_a_version_is_an_immutable_snapshot_and_latest_stays_mutable(functions: Any) -> None:
    first = functions.publish_version(FunctionName=NAME)
    location = functions.get_function(FunctionName=NAME, Qualifier=first["Version"])["Code"]
    functions.update_function_code(FunctionName=NAME, ZipFile=_zip("v2"))
    _wait(functions)
    functions.update_function_configuration(
        FunctionName=NAME, Environment={"Variables": {"V": "2"}}
    )
    _wait(functions)

    version = functions.get_function(FunctionName=NAME, Qualifier=first["Version"])
    latest = functions.get_function_configuration(FunctionName=NAME)
    assert version["Code"] == location
    assert version["Configuration"]["CodeSha256"] == first["CodeSha256"]
    assert version["Configuration"]["Environment"]["Variables"] == {"V": "1"}
    assert latest["Environment"]["Variables"] == {"V": "2"}
    assert latest["CodeSha256"] != first["CodeSha256"]
    assert first["FunctionArn"].endswith(f":function:{NAME}:1")


def test_publishing_without_a_change_returns_the_last_version(functions: Any) -> None:
    first = functions.publish_version(FunctionName=NAME)
    functions.update_function_configuration(FunctionName=NAME, Timeout=3)  # the same value
    _wait(functions)

    again = functions.publish_version(FunctionName=NAME)

    assert again["Version"] == first["Version"] == "1"
    assert len(functions.list_versions_by_function(FunctionName=NAME)["Versions"]) == 2


def test_a_deleted_version_s_number_is_not_used_again(functions: Any) -> None:
    functions.publish_version(FunctionName=NAME)
    functions.update_function_configuration(FunctionName=NAME, Timeout=7)
    _wait(functions)
    functions.publish_version(FunctionName=NAME)
    functions.delete_function(FunctionName=NAME, Qualifier="2")
    functions.update_function_configuration(FunctionName=NAME, Timeout=8)
    _wait(functions)

    third = functions.publish_version(FunctionName=NAME)

    listed = functions.list_versions_by_function(FunctionName=NAME)["Versions"]
    assert third["Version"] == "3"
    assert third["FunctionArn"].endswith(f":function:{NAME}:3")
    assert [(v["Version"], v["Timeout"]) for v in listed] == [("$LATEST", 8), ("1", 3), ("3", 8)]
    assert functions.get_function_configuration(FunctionName=NAME, Qualifier="1")["Timeout"] == 3


def test_publishing_other_code_than_latest_s_is_refused(functions: Any) -> None:
    with pytest.raises(ClientError, match="InvalidParameterValueException"):
        functions.publish_version(FunctionName=NAME, CodeSha256="bm90IHRoaXM=")

    sha = functions.get_function_configuration(FunctionName=NAME)["CodeSha256"]
    assert functions.publish_version(FunctionName=NAME, CodeSha256=sha)["Version"] == "1"


def test_update_code_with_publish_publishes_an_independent_version(functions: Any) -> None:
    functions.publish_version(FunctionName=NAME)
    published = functions.update_function_code(FunctionName=NAME, ZipFile=_zip("v2"), Publish=True)
    code = functions.get_function(FunctionName=NAME, Qualifier="2")["Code"]
    functions.update_function_code(FunctionName=NAME, ZipFile=_zip("v3"))
    _wait(functions)

    version = functions.get_function_configuration(FunctionName=NAME, Qualifier="2")
    assert functions.get_function(FunctionName=NAME, Qualifier="2")["Code"] == code
    assert published["Version"] == "2"
    assert version["CodeSha256"] == published["CodeSha256"]
    assert (
        functions.get_function_configuration(FunctionName=NAME)["CodeSha256"]
        != (published["CodeSha256"])
    )


def _two_versions(client: Any) -> None:
    client.publish_version(FunctionName=NAME)
    client.update_function_code(FunctionName=NAME, ZipFile=_zip("v2"))
    _wait(client)
    client.publish_version(FunctionName=NAME)


def test_a_weighted_alias_routes_between_two_published_versions(functions: Any) -> None:
    _two_versions(functions)

    created = functions.create_alias(
        FunctionName=NAME,
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}},
    )
    moved = functions.update_alias(
        FunctionName=NAME, Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}}
    )
    read = functions.get_alias(FunctionName=NAME, Name="live")

    assert created["AliasArn"].endswith(f":function:{NAME}:live")
    assert read["FunctionVersion"] == "1"
    assert read["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.5}}
    assert moved["RevisionId"] != created["RevisionId"]


def test_an_alias_update_with_a_stale_revision_id_is_refused(functions: Any) -> None:
    _two_versions(functions)
    created = functions.create_alias(FunctionName=NAME, Name="live", FunctionVersion="1")
    functions.update_alias(
        FunctionName=NAME, Name="live", FunctionVersion="2", RevisionId=created["RevisionId"]
    )

    with pytest.raises(ClientError, match="PreconditionFailedException"):
        functions.update_alias(
            FunctionName=NAME, Name="live", FunctionVersion="1", RevisionId=created["RevisionId"]
        )
    assert functions.get_alias(FunctionName=NAME, Name="live")["FunctionVersion"] == "2"


@pytest.mark.parametrize(
    ("version", "weights", "reason"),
    [
        ("$LATEST", {"2": 0.5}, "cannot point to \\$LATEST"),
        ("1", {"2": 1.5}, "between 0.0 and 1.0"),
        ("1", {"1": 0.5}, "both FunctionVersion and"),
        ("1", {"$LATEST": 0.5}, "only published version numbers"),
        ("1", {"2": 0.1, "3": 0.1}, "at most two versions"),
        ("1", {"9": 0.5}, "ResourceNotFoundException"),
    ],
)
def test_an_alias_aws_refuses_is_refused(
    functions: Any, version: str, weights: dict[str, float], reason: str
) -> None:
    _two_versions(functions)
    functions.update_function_code(FunctionName=NAME, ZipFile=_zip("v3"))
    _wait(functions)
    functions.publish_version(FunctionName=NAME)

    with pytest.raises(ClientError, match=reason):
        functions.create_alias(
            FunctionName=NAME,
            Name="live",
            FunctionVersion=version,
            RoutingConfig={"AdditionalVersionWeights": weights},
        )


def test_weighted_versions_need_the_same_role(aws: boto3.Session, functions: Any) -> None:
    functions.publish_version(FunctionName=NAME)
    other = aws.client("iam").get_role(RoleName="other")["Role"]["Arn"]
    functions.update_function_configuration(FunctionName=NAME, Role=other)
    _wait(functions)
    functions.publish_version(FunctionName=NAME)

    with pytest.raises(ClientError, match="same role"):
        functions.create_alias(
            FunctionName=NAME,
            Name="live",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
        )


def test_a_version_an_alias_routes_to_cannot_be_deleted(functions: Any) -> None:
    _two_versions(functions)
    functions.create_alias(
        FunctionName=NAME,
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
    )

    with pytest.raises(ClientError, match="aliases reference it"):
        functions.delete_function(FunctionName=NAME, Qualifier="2")
