"""The shared stack's alarm topic receives its alarms, and staging's egress survives an AZ.

Deployed with `invoke deploy-shared` into a real local AWS server (IAM enforced). An alarm
state change publishes to the alarm topic only while the topic's KMS key policy carries
CloudWatch's documented statement (SNS Developer Guide, "Key management", "Enable
compatibility between event sources from AWS services and encrypted topics"); with the
statement removed, CloudWatch's publish is refused and nothing is delivered, silently for
the caller, as on AWS. Staging (egress = "endpoints" in stages.toml) gets a Secrets Manager
interface endpoint in each private subnet, behind its own security group; nat-per-az gives
each private subnet a NAT in its own AZ.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ppdeploy import templates
from ppdeploy.aws.template_store import TemplateStore
from pplocalaws.extensions.waiting import stack_after_operation
from tests.integration.support import REGION, ROOT, LocalAws, deploy_shared_dev, dump, exports

pytestmark = pytest.mark.integration
ALARM = "purposepath-account-api-errors-dev"
TEMPLATE_PATH = ROOT / "shared-infrastructure" / "template.yaml"


def _inbox(aws: LocalAws, topic: str) -> str:
    sqs = aws.client("sqs")
    queue = sqs.create_queue(QueueName="alarm-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    aws.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return queue


def _received(aws: LocalAws, queue: str) -> list[dict[str, Any]]:
    messages = aws.client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    return [json.loads(json.loads(m["Body"])["Message"]) for m in messages.get("Messages", [])]


def test_alarms_reach_the_topic_only_while_its_key_lets_cloudwatch_in(
    local_aws_server: LocalAws,
) -> None:
    local_aws = local_aws_server.start_from("shared-dev", deploy_shared_dev)
    names = exports(local_aws)
    queue = _inbox(local_aws, names["purposepath-alarm-topic-arn-dev"])
    cloudwatch = local_aws.client("cloudwatch")

    cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="test")
    [message] = _received(local_aws, queue)
    assert (message["AlarmName"], message["NewStateValue"]) == (ALARM, "ALARM")

    kms = local_aws.client("kms")
    key = names["purposepath-data-key-arn-dev"]
    document = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    statements = document["Statement"]
    without = [s for s in statements if s["Principal"].get("Service") != "cloudwatch.amazonaws.com"]
    assert len(without) == len(statements) - 1
    kms.put_key_policy(
        KeyId=key, PolicyName="default", Policy=json.dumps({**document, "Statement": without})
    )
    cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="test")
    cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="test")
    assert _received(local_aws, queue) == []


def test_staging_reads_secrets_through_an_endpoint_in_each_az(local_aws: LocalAws) -> None:
    shared = local_aws.invoke("deploy-shared", "--stage", "staging", "--local", "--yes")
    assert shared.returncode == 0, dump(shared)
    names = exports(local_aws)
    ec2 = local_aws.client("ec2")
    vpc = names["purposepath-vpc-id-staging"]
    private = set(names["purposepath-private-subnet-ids-staging"].split(","))
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    [secrets] = [
        e for e in endpoints["VpcEndpoints"] if e["ServiceName"].endswith(".secretsmanager")
    ]
    assert secrets["VpcEndpointType"] == "Interface"
    assert secrets["PrivateDnsEnabled"] is True
    assert set(secrets["SubnetIds"]) == private
    [group] = [g["GroupId"] for g in secrets["Groups"]]
    [rule] = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert (rule["FromPort"], rule["ToPort"]) == (443, 443)
    assert [pair["GroupId"] for pair in rule["UserIdGroupPairs"]] == [
        names["purposepath-lambda-security-group-id-staging"]
    ]
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    assert len(nats["NatGateways"]) == 1  # kept for other egress; secrets no longer need it


def test_nat_per_az_routes_each_private_subnet_through_its_own_az(local_aws: LocalAws) -> None:
    # The template itself, as CloudFormation takes it, on a stage no stages.toml entry uses.
    # It is over TemplateBody's 51,200 bytes, so it goes by S3 URL as the engine sends it.
    body = json.dumps(templates.load(TEMPLATE_PATH).document, separators=(",", ":"), sort_keys=True)
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket="qa-templates")
    store = TemplateStore.for_target(s3, "qa-templates", REGION, local_aws.endpoint)
    cfn = local_aws.client("cloudformation")
    cfn.create_stack(
        StackName="purposepath-shared-infrastructure-qa",
        TemplateURL=store.url_for(body, stack="purposepath-shared-infrastructure-qa"),
        Parameters=[
            {"ParameterKey": "Stage", "ParameterValue": "qa"},
            {"ParameterKey": "Egress", "ParameterValue": "nat-per-az"},
        ],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    stack_after_operation(cfn, "purposepath-shared-infrastructure-qa", "CREATE_COMPLETE")
    names = exports(local_aws)
    ec2 = local_aws.client("ec2")
    vpc = names["purposepath-vpc-id-qa"]
    subnets = {
        s["SubnetId"]: s
        for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    }
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NatGateways"]
    nat_az = {n["NatGatewayId"]: subnets[n["SubnetId"]]["AvailabilityZone"] for n in nats}
    assert len(set(nat_az.values())) == 2  # one NAT in each AZ
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    for private in names["purposepath-private-subnet-ids-qa"].split(","):
        [table] = [
            t
            for t in tables["RouteTables"]
            if any(a.get("SubnetId") == private for a in t["Associations"])
        ]
        [nat] = [r["NatGatewayId"] for r in table["Routes"] if r.get("NatGatewayId")]
        assert nat_az[nat] == subnets[private]["AvailabilityZone"]
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    for endpoint in endpoints["VpcEndpoints"]:
        assert len(endpoint["RouteTableIds"]) == 2  # both private route tables
