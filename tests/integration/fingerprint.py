"""What a client can read of the local AWS's state, as one comparable value.

Used to prove that a restored snapshot is exactly the saved state: stacks (with their
parameters, outputs, resources and templates), exports and their importers, tables and
every item, functions and their code hashes, versions and aliases, roles with their
policies, managed policies, secrets and their values, buckets and their objects, queues,
topics, KMS keys and aliases, log groups, hosted zones and records, VPC resources,
replication groups, SSM parameters and API Gateway APIs and domains.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.integration.support import LocalAws

Reader = Callable[[LocalAws], Any]
_VOLATILE = ("ResponseMetadata",)


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if hasattr(value, "read"):
        return value.read()
    return value


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    found: list[Any] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        found.extend(page[key])
    return found


def stacks(aws: LocalAws) -> Any:
    cfn = aws.client("cloudformation")
    found = {}
    for stack in _pages(cfn, "describe_stacks", "Stacks"):
        name = stack["StackName"]
        found[name] = {
            "stack": stack,
            "resources": _pages(
                cfn, "list_stack_resources", "StackResourceSummaries", StackName=name
            ),
            "template": cfn.get_template(StackName=name)["TemplateBody"],
            "events": len(_pages(cfn, "describe_stack_events", "StackEvents", StackName=name)),
            "change_sets": cfn.list_change_sets(StackName=name)["Summaries"],
            "policy": cfn.get_stack_policy(StackName=name).get("StackPolicyBody"),
        }
    return found


def exports(aws: LocalAws) -> Any:
    cfn = aws.client("cloudformation")
    found = {}
    for export in _pages(cfn, "list_exports", "Exports"):
        try:
            importers = _pages(cfn, "list_imports", "Imports", ExportName=export["Name"])
        except cfn.exceptions.ClientError:
            importers = []  # "is not imported by any stack"
        found[export["Name"]] = (export, sorted(importers))
    return found


def tables(aws: LocalAws) -> Any:
    dynamodb = aws.client("dynamodb")
    found = {}
    for name in _pages(dynamodb, "list_tables", "TableNames"):
        items = _pages(dynamodb, "scan", "Items", TableName=name)
        found[name] = {
            "table": dynamodb.describe_table(TableName=name)["Table"],
            "items": sorted(items, key=repr),
            "ttl": dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"],
        }
    return found


def functions(aws: LocalAws) -> Any:
    awslambda = aws.client("lambda")
    found = {}
    for function in _pages(awslambda, "list_functions", "Functions"):
        name = function["FunctionName"]
        found[name] = {
            "function": function,
            "versions": _pages(
                awslambda, "list_versions_by_function", "Versions", FunctionName=name
            ),
            "aliases": _pages(awslambda, "list_aliases", "Aliases", FunctionName=name),
        }
    return found


def roles(aws: LocalAws) -> Any:
    iam = aws.client("iam")
    found = {}
    for role in _pages(iam, "list_roles", "Roles"):
        name = role["RoleName"]
        inline = _pages(iam, "list_role_policies", "PolicyNames", RoleName=name)
        found[name] = {
            "role": role,
            "attached": _pages(
                iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name
            ),
            "inline": {p: iam.get_role_policy(RoleName=name, PolicyName=p) for p in inline},
        }
    return found


def managed_policies(aws: LocalAws) -> Any:
    iam = aws.client("iam")
    found = {}
    for policy in _pages(iam, "list_policies", "Policies", Scope="Local"):
        arn = policy["Arn"]
        version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
        found[arn] = (policy, version["PolicyVersion"])
    return found


def secrets(aws: LocalAws) -> Any:
    client = aws.client("secretsmanager")
    found = {}
    for secret in _pages(client, "list_secrets", "SecretList"):
        value = client.get_secret_value(SecretId=secret["ARN"])
        found[secret["Name"]] = (secret, value.get("SecretString"), value.get("VersionId"))
    return found


# Server access logs: reading a logged bucket (as this module does) delivers log objects
# under this prefix a moment later, so they record the reading, not the state read.
ACCESS_LOG_PREFIX = "s3-access/"


def buckets(aws: LocalAws) -> Any:
    s3 = aws.client("s3")
    found = {}
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        objects = [
            o
            for o in s3.list_objects_v2(Bucket=name).get("Contents", [])
            if not o["Key"].startswith(ACCESS_LOG_PREFIX)
        ]
        found[name] = {
            "bucket": bucket,
            "objects": {
                o["Key"]: (o, s3.get_object(Bucket=name, Key=o["Key"])["Body"].read())
                for o in objects
            },
            "versioning": s3.get_bucket_versioning(Bucket=name),
        }
    return found


def messaging(aws: LocalAws) -> Any:
    sqs, sns = aws.client("sqs"), aws.client("sns")
    queues = sqs.list_queues().get("QueueUrls", [])
    return {
        "queues": {q: sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["All"]) for q in queues},
        "topics": {
            t["TopicArn"]: sns.get_topic_attributes(TopicArn=t["TopicArn"])
            for t in sns.list_topics()["Topics"]
        },
        "subscriptions": sns.list_subscriptions()["Subscriptions"],
    }


def keys(aws: LocalAws) -> Any:
    kms = aws.client("kms")
    found = {}
    for key in kms.list_keys()["Keys"]:
        key_id = key["KeyId"]
        found[key_id] = (
            kms.describe_key(KeyId=key_id)["KeyMetadata"],
            kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"],
        )
    return {"keys": found, "aliases": kms.list_aliases()["Aliases"]}


def monitoring(aws: LocalAws) -> Any:
    logs, cloudwatch = aws.client("logs"), aws.client("cloudwatch")
    return {
        "log_groups": logs.describe_log_groups()["logGroups"],
        "alarms": cloudwatch.describe_alarms()["MetricAlarms"],
        "dashboards": cloudwatch.list_dashboards()["DashboardEntries"],
    }


def network(aws: LocalAws) -> Any:
    ec2 = aws.client("ec2")
    return {
        "vpcs": ec2.describe_vpcs()["Vpcs"],
        "subnets": ec2.describe_subnets()["Subnets"],
        "security_groups": ec2.describe_security_groups()["SecurityGroups"],
        "route_tables": ec2.describe_route_tables()["RouteTables"],
        "endpoints": ec2.describe_vpc_endpoints()["VpcEndpoints"],
        "nat_gateways": ec2.describe_nat_gateways()["NatGateways"],
    }


def dns_and_apis(aws: LocalAws) -> Any:
    route53, apis = aws.client("route53"), aws.client("apigatewayv2")
    zones = route53.list_hosted_zones()["HostedZones"]
    return {
        "zones": {
            z["Id"]: route53.list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"]
            for z in zones
        },
        "apis": apis.get_apis()["Items"],
        "domains": apis.get_domain_names()["Items"],
        "certificates": aws.client("acm").list_certificates()["CertificateSummaryList"],
    }


def caches_and_parameters(aws: LocalAws) -> Any:
    return {
        "replication_groups": aws.client("elasticache").describe_replication_groups()[
            "ReplicationGroups"
        ],
        "parameters": _pages(aws.client("ssm"), "describe_parameters", "Parameters"),
    }


READERS: dict[str, Reader] = {
    "stacks": stacks,
    "exports": exports,
    "tables": tables,
    "functions": functions,
    "roles": roles,
    "managed_policies": managed_policies,
    "secrets": secrets,
    "buckets": buckets,
    "messaging": messaging,
    "keys": keys,
    "monitoring": monitoring,
    "network": network,
    "dns_and_apis": dns_and_apis,
    "caches_and_parameters": caches_and_parameters,
}


def fingerprint(aws: LocalAws) -> dict[str, Any]:
    """Every reader's answer, with boto3's per-response metadata left out."""
    return {name: _clean(read(aws)) for name, read in READERS.items()}
