"""Every seam into moto's internals still holds on the installed moto.

One test per seam, named ``test_<seam function>``: it drives the seam on real moto objects,
so a moto upgrade that renames or drops what a seam relies on fails here with
"moto changed: <Class.attribute> is gone" (``seams.MotoChanged``), not somewhere deep in a
stack operation. Seams other areas add are tested in ``test_seams_<area>.py`` files, which
``test_every_seam_has_a_test`` counts too.
"""

from __future__ import annotations

import ast
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.awslambda.models import lambda_backends
from moto.cloudformation import parsing
from moto.cloudformation.parsing import ResourceMap
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult, BaseResponse
from moto.dynamodb.models import dynamodb_backends
from moto.ec2.models import ec2_backends
from moto.iam.access_control import IAMPolicyStatement
from moto.s3.models import FakeBucket
from moto.sns.models import sns_backends

from pplocalaws import seams
from pplocalaws.extensions import install, policies

ACCOUNT = "123456789012"
REGION = "us-east-1"
TESTS = Path(__file__).parent


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


def _topic_map() -> ResourceMap:
    resource_map = ResourceMap(
        "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "s",
        {},
        {},
        region_name=REGION,
        account_id=ACCOUNT,
        template={"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}},
        cross_stack_resources={},
    )
    resource_map.load()
    return resource_map


def _seam_tests() -> set[str]:
    names: set[str] = set()
    for path in TESTS.glob("test_seams*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    return names


def test_every_seam_has_a_test() -> None:
    untested = sorted(name for name in seams.SEAMS if f"test_{name}" not in _seam_tests())
    assert not untested, f"seams without a test_<name> in tests/test_seams*.py: {untested}"


def test_a_missing_attribute_names_it() -> None:
    with pytest.raises(seams.MotoChanged, match=r"moto changed: ResourceMap\._parsed_resources"):
        seams.parsed_resources(object())  # type: ignore[arg-type]  # what a changed moto gives


# -- CloudFormation resource maps ------------------------------------------------------
def test_parsed_resources(aws: None) -> None:
    resource_map = _topic_map()
    topic = resource_map["Topic"]
    created = seams.parsed_resources(resource_map)
    assert created["Topic"] is topic
    assert created["AWS::Region"] == REGION  # pseudo parameters live there too
    created.pop("Topic")  # the live dict: the map forgets it
    assert "Topic" not in seams.parsed_resources(resource_map)


def test_resource_bodies(aws: None) -> None:
    assert seams.resource_bodies(_topic_map())["Topic"]["Type"] == "AWS::SNS::Topic"


def test_delete_resource(aws: None) -> None:
    resource_map = _topic_map()
    topic = resource_map["Topic"]
    seams.delete_resource(resource_map, topic, {"Type": "AWS::SNS::Topic"})
    assert topic.arn not in sns_backends[ACCOUNT][REGION].topics


def test_set_model_delete(aws: None) -> None:
    """moto's resource delete calls the object's ``delete(account, region)`` first."""
    calls: list[tuple[str, str]] = []

    class Deletable:
        pass

    seams.set_model_delete(
        Deletable, lambda _self, account, region: calls.append((account, region))
    )
    seams.delete_resource(_topic_map(), Deletable(), {"Type": "AWS::SNS::Topic"})
    assert calls == [(ACCOUNT, REGION)], (
        "moto changed: ResourceMap._delete_resource no longer calls resource.delete()"
    )


# -- requests and responses ------------------------------------------------------------
def _served_request(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the request seams read inside an action added by ``add_actions``."""
    seen: dict[str, Any] = {}

    def update_termination_protection(self: CloudFormationResponse) -> ActionResult:
        seen["name"] = seams.request_param(self, "StackName")
        seen["absent"] = seams.request_param(self, "RoleARN", "none")
        seen["flag"] = seams.request_flag(self, "EnableTerminationProtection")
        seen["action"] = seams.request_action(self)
        return ActionResult({"StackId": "id"})

    monkeypatch.setattr(
        CloudFormationResponse, "update_termination_protection", None, raising=False
    )
    seams.add_actions(CloudFormationResponse, update_termination_protection)
    boto3.client("cloudformation", region_name=REGION).update_termination_protection(
        StackName="s", EnableTerminationProtection=True
    )
    return seen


def test_add_actions(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _served_request(monkeypatch), (
        "moto changed: BaseResponse.call_action no longer dispatches to the snake_case method"
    )


def test_request_param(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _served_request(monkeypatch)
    assert (seen["name"], seen["absent"]) == ("s", "none")


def test_request_flag(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _served_request(monkeypatch)["flag"] is True


def test_request_action(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _served_request(monkeypatch)["action"] == "UpdateTerminationProtection"


def test_read_template_url(aws: None) -> None:
    install()  # the loopback reader is installed on top of moto's
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="templates")
    s3.put_object(Bucket="templates", Key="t.json", Body=b'{"Resources": {}}')
    response = CloudFormationResponse()
    response.current_account, response.partition = ACCOUNT, "aws"
    url = "http://127.0.0.1:4566/templates/t.json"
    assert seams.read_template_url(response, url) == '{"Resources": {}}'


def test_replace_template_url_reader() -> None:
    install()
    installed = CloudFormationResponse._get_stack_from_s3_url
    moto_reader = seams.replace_template_url_reader(installed)
    assert moto_reader.__module__ == "moto.cloudformation.responses"
    assert CloudFormationResponse._get_stack_from_s3_url is installed


def test_wrap_call_action() -> None:
    class Response(BaseResponse):
        pass

    moto_call = Response.call_action
    seams.wrap_call_action(Response, lambda original: lambda self: ("wrapped", original))
    seams.wrap_call_action(Response, lambda original: lambda self: "twice")  # no-op
    assert Response.call_action.__wrapped__ is moto_call  # type: ignore[attr-defined]
    assert Response.call_action(Response())[0] == "wrapped"  # type: ignore[index]


# -- CloudFormation parsing -------------------------------------------------------------
def test_replace_resource_class_lookup() -> None:
    install()
    installed = parsing.resource_class_from_type
    moto_lookup = seams.replace_resource_class_lookup(installed)
    assert moto_lookup.__module__ == "moto.cloudformation.parsing"
    assert moto_lookup("AWS::SNS::Topic").__name__ == "Topic"
    assert parsing.resource_class_from_type is installed


def test_forget_model_lists() -> None:
    parsing.get_model_map()  # memoised now
    seams.forget_model_lists()
    for memoised in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        assert memoised.cache_info().currsize == 0
    install()  # registers the project's models, then forgets the lists again
    assert parsing.get_model_map()["AWS::SecretsManager::Secret"].__name__ == "LocalSecret"


# -- resource model patches --------------------------------------------------------------
def test_set_model_create() -> None:
    class Model:
        @classmethod
        def create_from_cloudformation_json(cls, name: str) -> str:
            return f"moto:{name}"

    moto_create = seams.set_model_create(Model, lambda cls, name: f"ours:{moto_create(name)}")
    assert Model.create_from_cloudformation_json("x") == "ours:moto:x"
    assert "create_from_cloudformation_json" in vars(CloudFormationModel), (
        "moto changed: CloudFormationModel.create_from_cloudformation_json is gone"
    )


def test_set_model_update() -> None:
    class Model:
        @classmethod
        def update_from_cloudformation_json(cls, name: str) -> str:
            return f"moto:{name}"

    moto_update = seams.set_model_update(Model, lambda cls, name: f"ours:{moto_update(name)}")
    assert Model.update_from_cloudformation_json("x") == "ours:moto:x"
    assert "update_from_cloudformation_json" in vars(CloudFormationModel), (
        "moto changed: CloudFormationModel.update_from_cloudformation_json is gone"
    )


# -- bucket policies ---------------------------------------------------------------------
_STATEMENT = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


def test_statement_document() -> None:
    assert seams.statement_document(IAMPolicyStatement(_STATEMENT)) == _STATEMENT


def test_set_statement_condition_check() -> None:
    install()
    seams.set_statement_condition_check(policies._check_conditions)
    statement = IAMPolicyStatement(
        dict(_STATEMENT, Condition={"Bool": {"aws:SecureTransport": "false"}})
    )
    assert statement._check_conditions({"aws:SecureTransport": "false"}) is True
    assert statement._check_conditions({"aws:SecureTransport": "true"}) is False


def test_wrap_statement_permission() -> None:
    install()
    current = IAMPolicyStatement.is_action_permitted
    seams.wrap_statement_permission(lambda original: original)  # already wrapped: no-op
    assert IAMPolicyStatement.is_action_permitted is current
    moto_check = current.__wrapped__  # type: ignore[attr-defined]
    assert moto_check.__module__ == "moto.iam.access_control"


def test_set_bucket_permission() -> None:
    install()
    seams.set_bucket_permission(policies._bucket_permission)
    assert FakeBucket.get_permission is policies._bucket_permission


# -- services ----------------------------------------------------------------------------
def test_reset_topic_policy(aws: None) -> None:
    sns = boto3.client("sns", region_name=REGION)
    arn = sns.create_topic(Name="t")["TopicArn"]
    default = sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"]
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue="{}")
    seams.reset_topic_policy(sns_backends[ACCOUNT][REGION].get_topic(arn), REGION, ACCOUNT)
    assert json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"]) == (
        json.loads(default)
    )


def test_nat_gateway_interface(aws: None) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
    moto_nat = ec2_backends[ACCOUNT][REGION].nat_gateways[nat["NatGatewayId"]]
    assert seams.nat_gateway_interface(moto_nat).id.startswith("eni-")


def test_table_default_kms_key(aws: None) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    table = dynamodb_backends[ACCOUNT][REGION].get_table("t")
    assert seams.table_default_kms_key(table, ACCOUNT, REGION)


def test_lambda_layers(aws: None) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as code:
        code.writestr("app.py", "def handler(event, context):\n    return event\n")
    client = boto3.client("lambda", region_name=REGION)
    layer = client.publish_layer_version(LayerName="l", Content={"ZipFile": archive.getvalue()})
    role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    client.create_function(
        FunctionName="f",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    function = lambda_backends[ACCOUNT][REGION].get_function("f")
    layers = seams.lambda_layers(function, [layer["LayerVersionArn"]])
    assert [entry["Arn"] for entry in layers] == [layer["LayerVersionArn"]]


def test_kms_key_id_of_ciphertext() -> None:
    """The IAM section's seam (tested in full in test_seams_iam.py): a blob round-trips."""
    from moto.kms import utils as kms_utils  # noqa: PLC0415 - moto's KMS blob format

    key_id = "0d0bf1c8-8d3f-4a5f-9a5e-5f1b1f6e2a10"
    blob = kms_utils._serialize_ciphertext_blob(
        kms_utils.Ciphertext(key_id=key_id, iv=b"i" * 12, ciphertext=b"c", tag=b"t" * 16)
    )
    assert seams.kms_key_id_of_ciphertext(blob) == key_id, (
        "moto changed: kms.utils._deserialize_ciphertext_blob no longer reads the key id"
    )


def test_seam_count_is_reported() -> None:
    """The count the README and the closing note give; change both when it changes."""
    assert len(seams.SEAMS) == 39
