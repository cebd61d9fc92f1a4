"""An update that changes only Metadata changes nothing physical, as in CloudFormation."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3

TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Group": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "lambda"},
        },
        "Ingress": {
            "Type": "AWS::EC2::SecurityGroupIngress",
            "Properties": {
                "GroupId": {"Fn::GetAtt": ["Group", "GroupId"]},
                "IpProtocol": "tcp",
                "FromPort": 6379,
                "ToPort": 6379,
                "SourceSecurityGroupId": {"Fn::GetAtt": ["Group", "GroupId"]},
            },
        },
    },
    "Outputs": {"GroupId": {"Value": {"Fn::GetAtt": ["Group", "GroupId"]}}},
}


def _group_id(cfn: Any) -> str:
    outputs = cfn.describe_stacks(StackName="meta")["Stacks"][0]["Outputs"]
    return str(outputs[0]["OutputValue"])


def test_metadata_only_update_keeps_the_physical_resources(cfn: Any) -> None:
    cfn.create_stack(StackName="meta", TemplateBody=json.dumps(TEMPLATE))
    before = _group_id(cfn)
    changed = copy.deepcopy(TEMPLATE)
    for resource in changed["Resources"].values():
        resource["Metadata"] = {"SamResourceId": "x"}
    cfn.update_stack(StackName="meta", TemplateBody=json.dumps(changed))
    assert cfn.describe_stacks(StackName="meta")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert _group_id(cfn) == before
    groups = boto3.client("ec2", region_name="us-east-1").describe_security_groups(
        GroupIds=[before]
    )["SecurityGroups"]
    assert [rule["FromPort"] for rule in groups[0]["IpPermissions"]] == [6379]
