"""Stack policies refuse denied update actions and the update rolls back unchanged."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

TABLE = """
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: {name}
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: id, AttributeType: S}}]
      KeySchema: [{{AttributeName: id, KeyType: HASH}}]
  Topic:
    Type: AWS::SNS::Topic
    Properties: {{DisplayName: {display}}}
"""

ALLOW_ALL = {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}
DENY_STATEFUL_REPLACE = {
    "Effect": "Deny",
    "Action": ["Update:Replace", "Update:Delete"],
    "Principal": "*",
    "Resource": "*",
    "Condition": {"StringEquals": {"ResourceType": ["AWS::DynamoDB::Table"]}},
}


def template(name: str = "users", display: str = "v1") -> str:
    return TABLE.format(name=name, display=display)


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Statement": list(statements)})


def table_names() -> list[str]:
    names: list[str] = boto3.client("dynamodb", region_name="us-east-1").list_tables()["TableNames"]
    return names


def failed_events(change_sets: Any, stack: str) -> list[tuple[str, str]]:
    return [
        (event["LogicalResourceId"], event["ResourceStatusReason"])
        for event in change_sets.events(stack)
        if event["ResourceStatus"] == "UPDATE_FAILED"
    ]


def test_a_denied_replacement_fails_the_update_and_changes_nothing(change_sets: Any) -> None:
    change_sets.deploy("shared", template())
    change_sets.client.set_stack_policy(
        StackName="shared", StackPolicyBody=policy(ALLOW_ALL, DENY_STATEFUL_REPLACE)
    )

    stack = change_sets.execute(
        change_sets.create("shared", template(name="users-v2", display="v2"))
    )

    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert stack["StackStatusReason"] == "The following resource(s) failed to update: [Table]."
    assert failed_events(change_sets, "shared") == [
        (
            "Table",
            "Action denied by stack policy: Statement [#2] does not allow [Update:Replace] "
            "for resource [LogicalResourceId/Table];",
        )
    ]
    assert table_names() == ["users"]  # no replacement table was made, the old one stays
    topic = change_sets.client.describe_stack_resource(
        StackName="shared", LogicalResourceId="Topic"
    )
    attributes = boto3.client("sns", region_name="us-east-1").get_topic_attributes(
        TopicArn=topic["StackResourceDetail"]["PhysicalResourceId"]
    )
    assert attributes["Attributes"]["DisplayName"] == "v1"  # the allowed change did not run


def test_allowed_actions_go_through(change_sets: Any) -> None:
    change_sets.deploy("shared", template())
    change_sets.client.set_stack_policy(
        StackName="shared", StackPolicyBody=policy(ALLOW_ALL, DENY_STATEFUL_REPLACE)
    )

    stack = change_sets.deploy("shared", template(display="v2"))

    assert stack["StackStatus"] == "UPDATE_COMPLETE"


def test_removing_a_denied_resource_is_refused(change_sets: Any) -> None:
    change_sets.deploy("shared", template())
    change_sets.client.set_stack_policy(
        StackName="shared", StackPolicyBody=policy(ALLOW_ALL, DENY_STATEFUL_REPLACE)
    )
    without_table = (
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties: {DisplayName: v1}\n"
    )

    stack = change_sets.execute(change_sets.create("shared", without_table))

    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "[Update:Delete]" in failed_events(change_sets, "shared")[0][1]
    assert table_names() == ["users"]


def test_a_policy_denies_by_default_what_no_statement_allows(change_sets: Any) -> None:
    change_sets.deploy("shared", template())
    only_topic = {**ALLOW_ALL, "Resource": "LogicalResourceId/Top*"}
    change_sets.client.set_stack_policy(StackName="shared", StackPolicyBody=policy(only_topic))

    allowed = change_sets.deploy("shared", template(display="v2"))
    refused = change_sets.execute(change_sets.create("shared", template(name="users-v2")))

    assert allowed["StackStatus"] == "UPDATE_COMPLETE"
    assert refused["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert failed_events(change_sets, "shared") == [
        (
            "Table",
            "Action not allowed by stack policy: no statement allows [Update:Replace] for "
            "resource [LogicalResourceId/Table];",
        )
    ]


def test_not_resource_lifts_a_deny_for_the_named_resource(change_sets: Any) -> None:
    """The deploy engine lifts its Deny for the ids an operator allowed this way."""
    change_sets.deploy("shared", template())
    lifted = {**DENY_STATEFUL_REPLACE, "NotResource": ["LogicalResourceId/Table"]}
    del lifted["Resource"]
    change_sets.client.set_stack_policy(
        StackName="shared", StackPolicyBody=policy(ALLOW_ALL, lifted)
    )

    stack = change_sets.deploy("shared", template(name="users-v2"))

    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert table_names() == ["users-v2"]


def test_policy_given_at_create_and_overridden_during_one_update(cfn: Any) -> None:
    cfn.create_stack(
        StackName="shared",
        TemplateBody=template(),
        StackPolicyBody=policy(ALLOW_ALL, DENY_STATEFUL_REPLACE),
    )
    assert (
        json.loads(cfn.get_stack_policy(StackName="shared")["StackPolicyBody"])["Statement"][1][
            "Effect"
        ]
        == "Deny"
    )

    cfn.update_stack(StackName="shared", TemplateBody=template(name="users-v2"))
    assert cfn.describe_stacks(StackName="shared")["Stacks"][0]["StackStatus"] == (
        "UPDATE_ROLLBACK_COMPLETE"
    )

    cfn.update_stack(
        StackName="shared",
        TemplateBody=template(name="users-v2"),
        StackPolicyDuringUpdateBody=policy(ALLOW_ALL),
    )
    assert cfn.describe_stacks(StackName="shared")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert table_names() == ["users-v2"]
    # The override held for that update only: the stack's own policy still denies.
    cfn.update_stack(StackName="shared", TemplateBody=template(name="users-v3"))
    assert cfn.describe_stacks(StackName="shared")["Stacks"][0]["StackStatus"] == (
        "UPDATE_ROLLBACK_COMPLETE"
    )


def test_a_stack_without_policy_has_none(cfn: Any) -> None:
    cfn.create_stack(StackName="plain", TemplateBody=template())

    assert "StackPolicyBody" not in cfn.get_stack_policy(StackName="plain")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('{"Statement": []}', "no Statement list"),
        (policy({**ALLOW_ALL, "Action": "Update:Everything"}), "unknown action"),
        (policy({"Effect": "Maybe", "Action": "Update:*", "Resource": "*"}), "Effect"),
    ],
)
def test_a_malformed_policy_is_rejected(cfn: Any, body: str, fragment: str) -> None:
    cfn.create_stack(StackName="plain", TemplateBody=template())

    with pytest.raises(ClientError) as error:
        cfn.set_stack_policy(StackName="plain", StackPolicyBody=body)

    assert error.value.response["Error"]["Code"] == "ValidationError"
    assert fragment in error.value.response["Error"]["Message"]


def test_termination_protection_keeps_the_stack_and_shows_in_describe(cfn: Any) -> None:
    cfn.create_stack(StackName="guarded", TemplateBody=template())
    cfn.update_termination_protection(StackName="guarded", EnableTerminationProtection=True)

    with pytest.raises(ClientError) as error:
        cfn.delete_stack(StackName="guarded")

    assert error.value.response["Error"]["Code"] == "ValidationError"
    stack = cfn.describe_stacks(StackName="guarded")["Stacks"][0]
    assert (stack["StackStatus"], stack["EnableTerminationProtection"]) == (
        "CREATE_COMPLETE",
        True,
    )
    assert table_names() == ["users"]


def test_update_stack_can_replace_the_stack_policy(cfn: Any) -> None:
    cfn.create_stack(StackName="shared", TemplateBody=template())
    protective = policy(ALLOW_ALL, DENY_STATEFUL_REPLACE)

    cfn.update_stack(
        StackName="shared", TemplateBody=template(display="v2"), StackPolicyBody=protective
    )

    assert cfn.get_stack_policy(StackName="shared")["StackPolicyBody"] == protective
    cfn.update_stack(StackName="shared", TemplateBody=template(name="users-v2", display="v2"))
    assert cfn.describe_stacks(StackName="shared")["Stacks"][0]["StackStatus"] == (
        "UPDATE_ROLLBACK_COMPLETE"
    )
