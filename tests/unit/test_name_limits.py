"""Derived names are checked for every stage and region before anything talks to AWS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ppdeploy import templates
from ppdeploy.errors import InputError
from ppdeploy.name_limits import RULES, Place, breaches, check

ROOT = Path(__file__).parents[2]
ACCOUNT = "123456789012"


def real_templates() -> dict[str, dict[str, Any]]:
    paths = [
        ROOT / "shared-infrastructure" / "template.yaml",
        ROOT / "bootstrap" / "template.yaml",
        *sorted(ROOT.glob("services/*/template*.yaml")),
    ]
    return {str(p.relative_to(ROOT)): templates.load(p).document for p in paths}


def bucket_template(name: Any) -> dict[str, Any]:
    return {"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": name}}}}


def test_the_real_templates_fit_for_the_stages_we_ship() -> None:
    places = [Place(s, ACCOUNT, "us-east-1") for s in ("dev", "staging", "prod")]

    assert breaches(places, real_templates()) == []


def test_a_long_stage_in_a_long_region_is_refused_naming_stage_name_and_limit() -> None:
    place = Place("feature-abcdefgh", ACCOUNT, "ap-southeast-2")

    with pytest.raises(InputError) as refused:
        check([place], real_templates())

    text = str(refused.value)
    assert "feature-abcdefgh" in text
    assert "ap-southeast-2" in text
    assert f"purposepath-artifacts-{ACCOUNT}-ap-southeast-2-feature-abcdefgh" in text
    assert "S3 bucket names allow 3 to 63" in text


def test_sub_strings_resolve_with_stage_account_region_and_partition() -> None:
    place = Place("dev", ACCOUNT, "cn-north-1")

    assert place.resolve({"Fn::Sub": "a-${AWS::Partition}-${AWS::Region}-${Stage}"}) == (
        "a-aws-cn-cn-north-1-dev"
    )
    assert place.resolve({"Fn::Sub": "x-${SomethingElse}"}) is None
    assert place.resolve({"Ref": "Name"}) is None


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("abc", True),
        ("ab", False),
        ("a" * 63, True),
        ("a" * 64, False),
        ("Upper-case", False),
        ("two..dots", False),
        ("xn--prefix", False),
        ("ends-s3alias", False),
        ("-leading-hyphen", False),
    ],
)
def test_bucket_rule(name: str, ok: bool) -> None:
    found = breaches([Place("dev", ACCOUNT, "us-east-1")], {"t": bucket_template(name)})

    assert (found == []) is ok


@pytest.mark.parametrize(
    ("group_id", "ok"),
    [
        ("purposepath-redis-dev", True),
        ("a" * 41, False),
        ("double--hyphen", False),
        ("end-", False),
    ],
)
def test_replication_group_id_rule(group_id: str, ok: bool) -> None:
    rule = RULES[("AWS::ElastiCache::ReplicationGroup", "ReplicationGroupId")]

    assert (rule.problem(group_id) == "") is ok


def test_function_role_and_export_limits() -> None:
    document = {
        "Resources": {
            "F": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "f" * 65}},
            "R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "r" * 65}},
        },
        "Outputs": {"O": {"Value": "v", "Export": {"Name": "e" * 256}}},
    }

    found = breaches([Place("dev", ACCOUNT, "us-east-1")], {"t": document})

    assert sorted(b.rule.what for b in found) == [
        "CloudFormation export names",
        "IAM role names",
        "Lambda function names",
    ]
