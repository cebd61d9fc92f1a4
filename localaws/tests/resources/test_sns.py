"""SNS topic, subscription and topic policy through CloudFormation."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import boto3

ALARMS_MAY_PUBLISH = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "CloudWatchAlarms",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": "*",
        }
    ],
}
TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Topic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": "purposepath-alarms-dev",
                "KmsMasterKeyId": "alias/purposepath-dev",
            },
        },
        "Email": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "Topic"},
                "Protocol": "email",
                "Endpoint": "ops@example.com",
            },
        },
        "TopicPolicy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {"Topics": [{"Ref": "Topic"}], "PolicyDocument": ALARMS_MAY_PUBLISH},
        },
    },
    "Outputs": {"Subscription": {"Value": {"Ref": "Email"}}, "Topic": {"Value": {"Ref": "Topic"}}},
}


def test_topic_subscription_and_policy_exist(
    aws: boto3.Session, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
    cfn, sns = aws.client("cloudformation"), aws.client("sns")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
    outputs = stack_outputs("s")

    attributes = sns.get_topic_attributes(TopicArn=outputs["Topic"])["Attributes"]
    assert attributes["KmsMasterKeyId"] == "alias/purposepath-dev"
    assert json.loads(attributes["Policy"])["Statement"][0]["Sid"] == "CloudWatchAlarms"
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=outputs["Topic"])["Subscriptions"]
    assert [(s["SubscriptionArn"], s["Endpoint"]) for s in subscriptions] == [
        (outputs["Subscription"], "ops@example.com")
    ]


def test_topic_update_is_in_place_and_keeps_subscriptions(
    aws: boto3.Session, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
    cfn, sns = aws.client("cloudformation"), aws.client("sns")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["Topic"]["Properties"]["DisplayName"] = "PurposePath alarms"

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(template))

    topic = stack_outputs("s")["Topic"]
    assert (
        sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"]
        == "PurposePath alarms"
    )
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 1


def test_deleting_the_policy_restores_the_default(
    aws: boto3.Session, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
    cfn, sns = aws.client("cloudformation"), aws.client("sns")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
    template = copy.deepcopy(TEMPLATE)
    del template["Resources"]["TopicPolicy"]

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(template))

    policy = json.loads(
        sns.get_topic_attributes(TopicArn=stack_outputs("s")["Topic"])["Attributes"]["Policy"]
    )
    assert "CloudWatchAlarms" not in {s.get("Sid") for s in policy["Statement"]}


def test_delete_stack_removes_topic_and_subscription(aws: boto3.Session) -> None:
    cfn, sns = aws.client("cloudformation"), aws.client("sns")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))

    cfn.delete_stack(StackName="s")

    assert sns.list_topics()["Topics"] == []
    assert sns.list_subscriptions()["Subscriptions"] == []
