"""`invoke deploy-shared` against a real local AWS server: what it creates, and what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ppdeploy import naming
from tests.integration.support import (
    ROOT,
    LocalAws,
    deploy_shared_dev,
    dump,
    exports,
    live_stacks,
)

pytestmark = pytest.mark.integration
STACK = naming.shared_stack("dev")


def deploy(aws: LocalAws, *flags: str) -> None:
    result = aws.invoke("deploy-shared", "--stage", "dev", "--local", "--yes", *flags)
    assert result.returncode == 0, dump(result)


def test_cold_deploy_creates_every_component(local_aws: LocalAws) -> None:
    result = local_aws.invoke("deploy-shared", "--stage", "dev", "--local", "--yes")
    assert result.returncode == 0, dump(result)
    assert f"{STACK}: created" in result.stdout
    exported = exports(local_aws)

    missing = [name for name in naming.SHARED_EXPORTS if naming.export(name, "dev") not in exported]
    assert missing == []
    assert exported["purposepath-users-table-dev"] == "purposepath-users-dev"
    assert exported["purposepath-stage-dev"] == "dev"

    ec2 = local_aws.client("ec2")
    vpc_id = exported["purposepath-vpc-id-dev"]
    private = exported["purposepath-private-subnet-ids-dev"].split(",")
    public = exported["purposepath-public-subnet-ids-dev"].split(",")
    assert len(private) == 2
    assert len(public) == 2
    subnets = ec2.describe_subnets(SubnetIds=private + public)["Subnets"]
    assert {s["VpcId"] for s in subnets} == {vpc_id}
    assert len({s["AvailabilityZone"] for s in subnets if s["SubnetId"] in private}) == 2
    nat = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    assert len(nat["NatGateways"]) >= 1

    lambda_sg = exported["purposepath-lambda-security-group-id-dev"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    redis_rules = [
        (group["GroupId"], rule)
        for group in groups["SecurityGroups"]
        for rule in group["IpPermissions"]
        if rule.get("FromPort") == 6379
    ]
    assert len(redis_rules) == 1
    _, rule = redis_rules[0]
    assert rule["ToPort"] == 6379
    assert [pair["GroupId"] for pair in rule["UserIdGroupPairs"]] == [lambda_sg]
    assert rule.get("IpRanges", []) == []

    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    services = {e["ServiceName"].rsplit(".", 1)[-1]: e for e in endpoints["VpcEndpoints"]}
    assert {"dynamodb", "s3"} <= set(services)
    assert all(services[s]["VpcEndpointType"] == "Gateway" for s in ("dynamodb", "s3"))

    dynamodb = local_aws.client("dynamodb")
    users = dynamodb.describe_table(TableName="purposepath-users-dev")["Table"]
    assert users["KeySchema"] == [{"AttributeName": "userId", "KeyType": "HASH"}]
    assert [i["IndexName"] for i in users["GlobalSecondaryIndexes"]] == ["email-index"]
    assert users["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    for table in naming.TABLES:
        assert dynamodb.describe_table(TableName=naming.table(table, "dev"))["Table"]
    ttl = dynamodb.describe_time_to_live(TableName="purposepath-tokens-dev")
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiresAt"

    groups = local_aws.client("elasticache").describe_replication_groups()["ReplicationGroups"]
    assert len(groups) == 1
    assert groups[0]["AtRestEncryptionEnabled"]
    assert groups[0]["TransitEncryptionEnabled"]
    primary = groups[0]["NodeGroups"][0]["PrimaryEndpoint"]
    assert exported["purposepath-redis-endpoint-dev"] == primary["Address"]
    assert exported["purposepath-redis-port-dev"] == str(primary["Port"])

    s3 = local_aws.client("s3")
    for kind in ("app-data-bucket", "logs-bucket", "artifacts-bucket"):
        bucket = exported[naming.export(kind, "dev")]
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        assert any(
            st["Effect"] == "Deny"
            and str(st.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")).lower()
            == "false"
            for st in policy["Statement"]
        ), bucket
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values()), bucket
        assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]

    secret = local_aws.client("secretsmanager").get_secret_value(
        SecretId="purposepath/jwt-secret/dev"
    )
    assert exported["purposepath-jwt-secret-arn-dev"] == secret["ARN"]
    assert len(json.loads(secret["SecretString"])["secret"]) >= 64

    cloudwatch = local_aws.client("cloudwatch")
    assert cloudwatch.get_dashboard(DashboardName="purposepath-dashboard-dev")["DashboardBody"]
    alarms = cloudwatch.describe_alarms()["MetricAlarms"]
    topic = exported["purposepath-alarm-topic-arn-dev"]
    assert alarms
    assert all(topic in alarm["AlarmActions"] for alarm in alarms)
    assert local_aws.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]

    assert local_aws.client("acm").list_certificates()["CertificateSummaryList"] == []
    assert local_aws.client("apigatewayv2").get_domain_names()["Items"] == []
    assert "purposepath-api-domain-name-dev" not in exported


def test_repeat_deploy_is_unchanged_and_leaves_no_change_set(local_aws_server: LocalAws) -> None:
    local_aws = local_aws_server.start_from("shared-dev", deploy_shared_dev)
    cfn = local_aws.client("cloudformation")
    before = cfn.list_change_sets(StackName=STACK)["Summaries"]
    again = local_aws.invoke("deploy-shared", "--stage", "dev", "--local", "--yes")
    assert again.returncode == 0, dump(again)
    assert f"{STACK}: unchanged" in again.stdout
    after = cfn.list_change_sets(StackName=STACK)["Summaries"]
    # Only the executed change set of the first deploy, as CloudFormation keeps it.
    assert after == before
    assert [c["ExecutionStatus"] for c in after] == ["EXECUTE_COMPLETE"]


def test_hosted_zone_adds_certificate_domain_and_alias(local_aws: LocalAws) -> None:
    route53 = local_aws.client("route53")
    zone = route53.create_hosted_zone(Name="dev.purposepath.app", CallerReference="test")
    zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
    deploy(local_aws, "--hosted-zone-id", zone_id)

    certificates = local_aws.client("acm").list_certificates()["CertificateSummaryList"]
    assert [c["DomainName"] for c in certificates] == ["api.dev.purposepath.app"]
    domains = local_aws.client("apigatewayv2").get_domain_names()["Items"]
    assert [d["DomainName"] for d in domains] == ["api.dev.purposepath.app"]
    config = domains[0]["DomainNameConfigurations"][0]
    assert config["EndpointType"] == "REGIONAL"
    assert config["SecurityPolicy"] == "TLS_1_2"
    records = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    alias = [r for r in records if r["Type"] == "A" and r["Name"].startswith("api.dev.")]
    assert alias
    assert alias[0]["AliasTarget"]["DNSName"].rstrip(".") == config["ApiGatewayDomainName"]
    assert exports(local_aws)["purposepath-api-domain-name-dev"] == "api.dev.purposepath.app"


def test_given_jwt_secret_is_used_not_created(local_aws: LocalAws) -> None:
    secrets = local_aws.client("secretsmanager")
    existing = secrets.create_secret(
        Name="legacy/jwt", SecretString=json.dumps({"secret": "s" * 64})
    )["ARN"]
    deploy(local_aws, "--jwt-secret-arn", existing)
    names = [s["Name"] for s in secrets.list_secrets()["SecretList"]]
    assert "purposepath/jwt-secret/dev" not in names
    assert exports(local_aws)["purposepath-jwt-secret-arn-dev"] == existing


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--stage", "Dev"), "stage 'Dev' breaks the naming rule"),
        (("--hosted-zone-id", "not-a-zone"), "hosted zone id 'not-a-zone' is malformed"),
        (("--jwt-secret-arn", "arn:aws:sns:x"), "JWT secret ARN 'arn:aws:sns:x' is malformed"),
        (
            ("--jwt-secret-arn", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:j-AbCdEf"),
            "is in eu-west-1, but stage 'dev' lives in us-east-1",
        ),
        (("--email-from", "noreply"), "sender email 'noreply' is not a valid email address"),
        (
            ("--redis-node-type", "cache.m5.24xlarge"),
            "RedisNodeType 'cache.m5.24xlarge' is not allowed",
        ),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    local_aws: LocalAws, flags: tuple[str, ...], message: str
) -> None:
    args = ["deploy-shared", "--local", "--yes", *flags]
    if "--stage" not in flags:
        args += ["--stage", "dev"]
    result = local_aws.invoke(*args)
    assert result.returncode == 2, dump(result)
    assert message in result.stderr
    assert "fix:" in result.stderr
    assert live_stacks(local_aws) == []


def test_template_with_yaml_error_names_file_and_line(local_aws: LocalAws, tmp_path: Path) -> None:
    broken = tmp_path / "template.yaml"
    text = (ROOT / "shared-infrastructure" / "template.yaml").read_text().splitlines()
    text.insert(1, "Broken: [unclosed")
    broken.write_text("\n".join(text))
    result = local_aws.invoke(
        "deploy-shared", "--stage", "dev", "--local", "--yes", "--template", str(broken)
    )
    assert result.returncode == 2, dump(result)
    assert f"{broken}:" in result.stderr
    assert "not valid YAML" in result.stderr
    assert live_stacks(local_aws) == []


def test_without_a_terminal_and_without_yes_nothing_is_changed(local_aws: LocalAws) -> None:
    result = local_aws.invoke("deploy-shared", "--stage", "dev", "--local")
    assert result.returncode == 5, dump(result)
    assert "add --yes" in result.stderr
    assert live_stacks(local_aws) == []


def test_local_flag_without_a_running_local_aws_says_how_to_start_it(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    result = local_aws.invoke(
        "deploy-shared",
        "--stage",
        "dev",
        "--local",
        "--yes",
        env={"PPDEPLOY_STATE_DIR": str(tmp_path)},
    )
    assert result.returncode == 3, dump(result)
    assert "the local AWS is not running" in result.stderr
    assert "invoke local.start" in result.stderr


def test_real_target_without_credentials_says_how_to_provide_them(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    result = local_aws.invoke(
        "deploy-shared",
        "--stage",
        "dev",
        "--yes",
        env={
            "AWS_CONFIG_FILE": str(tmp_path / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
            "AWS_EC2_METADATA_DISABLED": "true",
        },
    )
    assert result.returncode == 3, dump(result)
    assert "no AWS credentials found" in result.stderr
    assert "AWS_PROFILE" in result.stderr
