"""CloudFormation's template quotas: body size, S3 template size, counts, export names.

"CloudFormation quotas":
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pplocalaws.extensions import limits

TOPIC = {"Type": "AWS::SNS::Topic"}


def _template(resources: int = 1, *, padding: int = 0, **sections: Any) -> str:
    document: dict[str, Any] = {"Resources": {f"T{i}": TOPIC for i in range(resources)}}
    if padding:
        document["Metadata"] = {"Padding": ""}
        base = len(json.dumps(document).encode())
        document["Metadata"]["Padding"] = "x" * (padding - base)
    document.update(sections)
    body = json.dumps(document)
    assert not padding or len(body.encode()) == padding
    return body


def _calls(cfn: Any) -> dict[str, Callable[[str], Any]]:
    return {
        "CreateStack": lambda body: cfn.create_stack(StackName="s", TemplateBody=body),
        "UpdateStack": lambda body: cfn.update_stack(StackName="live", TemplateBody=body),
        "CreateChangeSet": lambda body: cfn.create_change_set(
            StackName="s", ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=body
        ),
        "ValidateTemplate": lambda body: cfn.validate_template(TemplateBody=body),
        "GetTemplateSummary": lambda body: cfn.get_template_summary(TemplateBody=body),
    }


@pytest.mark.parametrize(
    "call",
    ["CreateStack", "UpdateStack", "CreateChangeSet", "ValidateTemplate", "GetTemplateSummary"],
)
def test_a_template_body_over_51200_bytes_is_refused(cfn: Any, call: str) -> None:
    cfn.create_stack(StackName="live", TemplateBody=_template())
    with pytest.raises(ClientError) as refused:
        _calls(cfn)[call](_template(padding=limits.TEMPLATE_BODY_MAX_BYTES + 1))
    error = refused.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert "Member must have length less than or equal to 51200" in error["Message"]
    assert "TemplateURL" in error["Message"]  # the fix
    assert [s["StackName"] for s in cfn.describe_stacks()["Stacks"]] == ["live"]


def test_a_template_body_of_exactly_51200_bytes_is_accepted(cfn: Any) -> None:
    cfn.validate_template(TemplateBody=_template(padding=limits.TEMPLATE_BODY_MAX_BYTES))


def _upload(body: str) -> str:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="templates")
    s3.put_object(Bucket="templates", Key="t.json", Body=body.encode())
    return "http://127.0.0.1:4566/templates/t.json"


def test_a_template_url_takes_a_template_over_51200_bytes(cfn: Any) -> None:
    url = _upload(_template(padding=200_000))
    cfn.create_stack(StackName="big", TemplateURL=url)
    assert cfn.describe_stacks(StackName="big")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_a_template_url_over_1_mb_is_refused(cfn: Any) -> None:
    url = _upload(_template(padding=limits.TEMPLATE_URL_MAX_BYTES + 1))
    with pytest.raises(ClientError, match="Template may not exceed 1000000 bytes in size"):
        cfn.create_stack(StackName="huge", TemplateURL=url)


def test_500_resources_are_accepted_and_501_refused(cfn: Any) -> None:
    cfn.validate_template(TemplateBody=_template(500))
    with pytest.raises(ClientError, match="Number of resources, 501, is greater than maximum"):
        cfn.validate_template(TemplateBody=_template(501))


def test_more_than_200_parameters_are_refused(cfn: Any) -> None:
    parameters = {f"P{i}": {"Type": "String", "Default": "x"} for i in range(201)}
    with pytest.raises(ClientError, match="Parameter count 201 is greater than max allowed 200"):
        cfn.create_stack(StackName="s", TemplateBody=_template(Parameters=parameters))


def test_more_than_200_outputs_are_refused(cfn: Any) -> None:
    outputs = {f"O{i}": {"Value": "x"} for i in range(201)}
    with pytest.raises(ClientError, match="Outputs count 201 is greater than max allowed 200"):
        cfn.create_stack(StackName="s", TemplateBody=_template(Outputs=outputs))
    fits = {f"O{i}": {"Value": "x"} for i in range(200)}
    cfn.validate_template(TemplateBody=_template(Outputs=fits))


@pytest.mark.parametrize("name", ["my_export", "my export", "a/b", "x" * 256, ""])
def test_a_literal_export_name_aws_refuses_is_refused_at_once(cfn: Any, name: str) -> None:
    outputs = {"Out": {"Value": "x", "Export": {"Name": name}}}
    with pytest.raises(ClientError, match="Output Out is malformed"):
        cfn.validate_template(TemplateBody=_template(Outputs=outputs))


def test_an_export_name_of_colons_hyphens_and_255_characters_is_accepted(cfn: Any) -> None:
    name = "app:vpc-id-" + "x" * 244
    outputs = {"Out": {"Value": "x", "Export": {"Name": name}}}
    cfn.create_stack(StackName="s", TemplateBody=_template(Outputs=outputs))
    assert [e["Name"] for e in cfn.list_exports()["Exports"]] == [name]


def test_an_evaluated_export_name_aws_refuses_fails_the_create(cfn: Any) -> None:
    outputs = {"Out": {"Value": "x", "Export": {"Name": {"Fn::Sub": "${AWS::StackName}_id"}}}}
    cfn.create_stack(StackName="s", TemplateBody=_template(Outputs=outputs))
    stack = cfn.describe_stacks(StackName="s")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "Output Out is malformed" in stack["StackStatusReason"]
    assert cfn.list_exports()["Exports"] == []


@pytest.mark.parametrize(
    ("section", "document"),
    [
        ("Resources", {"Resources": {"My_Topic": TOPIC}}),
        ("Resources", {"Resources": {"T" * 256: TOPIC}}),
        ("Parameters", {"Resources": {"T": TOPIC}, "Parameters": {"a-b": {"Type": "String"}}}),
        ("Outputs", {"Resources": {"T": TOPIC}, "Outputs": {"Out.Put": {"Value": "x"}}}),
    ],
)
def test_a_logical_id_that_is_not_alphanumeric_is_refused(
    cfn: Any, section: str, document: dict[str, Any]
) -> None:
    with pytest.raises(
        ClientError, match=f"Template format error: {section} name .* non alphanumeric"
    ):
        cfn.create_stack(StackName="s", TemplateBody=json.dumps(document))


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("DeletionPolicy", "Retian"),
        ("DeletionPolicy", "delete"),
        ("UpdateReplacePolicy", "RetainExceptOnCreate"),
    ],
)
def test_an_unknown_policy_value_is_refused(cfn: Any, attribute: str, value: str) -> None:
    body = json.dumps({"Resources": {"T": dict(TOPIC, **{attribute: value})}})
    with pytest.raises(ClientError, match=f"is not a valid {attribute}"):
        cfn.validate_template(TemplateBody=body)


def test_more_than_200_mappings_or_attributes_are_refused(cfn: Any) -> None:
    many = {f"M{i}": {"k": {"v": "x"}} for i in range(201)}
    with pytest.raises(ClientError, match="Mappings count 201 is greater than max allowed 200"):
        cfn.validate_template(TemplateBody=_template(Mappings=many))
    wide = {"M": {f"k{i}": {"v": "x"} for i in range(201)}}
    with pytest.raises(ClientError, match="Mapping M has 201 attributes"):
        cfn.validate_template(TemplateBody=_template(Mappings=wide))


def test_a_description_over_1024_bytes_is_refused(cfn: Any) -> None:
    cfn.validate_template(TemplateBody=_template(Description="d" * 1024))
    with pytest.raises(ClientError, match="Description is 1025 bytes"):
        cfn.validate_template(TemplateBody=_template(Description="d" * 1025))


def test_a_parameter_value_over_4096_bytes_is_refused(cfn: Any) -> None:
    body = _template(Parameters={"P": {"Type": "String"}})
    with pytest.raises(ClientError, match="Parameter P has a value of 4097 bytes"):
        cfn.create_stack(
            StackName="s",
            TemplateBody=body,
            Parameters=[{"ParameterKey": "P", "ParameterValue": "v" * 4097}],
        )


@pytest.mark.parametrize("name", ["1starts-with-digit", "under_score", "s" * 129])
def test_a_stack_name_aws_refuses_is_refused(cfn: Any, name: str) -> None:
    with pytest.raises(ClientError, match="at 'stackName' failed to satisfy constraint"):
        cfn.create_stack(StackName=name, TemplateBody=_template())
    with pytest.raises(ClientError, match="at 'stackName' failed to satisfy constraint"):
        cfn.create_change_set(
            StackName=name, ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=_template()
        )
