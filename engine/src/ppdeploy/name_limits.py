"""Every name the templates derive, checked against AWS's limits for every stage up front.

A name that is too long for one region only fails deep inside a deploy to that region (for
example ``purposepath-artifacts-{account}-ap-southeast-2-{stage}`` passes 63 characters
with a 16-character stage), long after a person chose the stage name. The templates'
names are ``Fn::Sub`` strings over the stage, account, region and partition; each is
resolved for every stage in stages.toml and checked against the rule of its resource type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ppdeploy.errors import InputError


@dataclass(frozen=True)
class NameRule:
    """How long a name may be and which characters it may hold, from the doc that says so."""

    what: str
    maximum: int
    minimum: int = 1
    pattern: str = ""
    doc: str = ""

    def problem(self, name: str) -> str:
        """Why ``name`` breaks the rule, or "" when it keeps it."""
        if not self.minimum <= len(name) <= self.maximum:
            return f"is {len(name)} characters; {self.what} allow {self.minimum} to {self.maximum}"
        if self.pattern and not re.fullmatch(self.pattern, name):
            return f"has characters or a shape {self.what} do not allow ({self.pattern})"
        return ""


_S3 = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"
# (resource type, name property) -> rule. Patterns and lengths are the service API's own.
RULES: Mapping[tuple[str, str], NameRule] = {
    ("AWS::S3::Bucket", "BucketName"): NameRule(
        "S3 bucket names",
        63,
        3,
        r"(?!xn--|sthree-|amzn-s3-demo-)(?!.*(-s3alias|--ol-s3|--x-s3)$)(?!.*\.\.)"
        r"[a-z0-9][a-z0-9.-]*[a-z0-9]",
        _S3,
    ),
    ("AWS::Lambda::Function", "FunctionName"): NameRule(
        "Lambda function names", 64, 1, r"[a-zA-Z0-9_-]+", "Lambda API reference, CreateFunction"
    ),
    ("AWS::Serverless::Function", "FunctionName"): NameRule(
        "Lambda function names", 64, 1, r"[a-zA-Z0-9_-]+", "Lambda API reference, CreateFunction"
    ),
    ("AWS::IAM::Role", "RoleName"): NameRule(
        "IAM role names", 64, 1, r"[\w+=,.@-]+", "IAM and AWS STS quotas"
    ),
    ("AWS::IAM::ManagedPolicy", "ManagedPolicyName"): NameRule(
        "IAM policy names", 128, 1, r"[\w+=,.@-]+", "IAM and AWS STS quotas"
    ),
    ("AWS::Logs::LogGroup", "LogGroupName"): NameRule(
        "log group names", 512, 1, r"[.\-_/#A-Za-z0-9]+", "CloudWatch Logs API, CreateLogGroup"
    ),
    ("AWS::DynamoDB::Table", "TableName"): NameRule(
        "DynamoDB table names", 255, 3, r"[a-zA-Z0-9_.-]+", "DynamoDB naming rules"
    ),
    ("AWS::ElastiCache::ReplicationGroup", "ReplicationGroupId"): NameRule(
        "ElastiCache replication group ids",
        40,
        1,
        r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]*(?<!-)",
        "ElastiCache API reference, CreateReplicationGroup",
    ),
    ("AWS::ElastiCache::SubnetGroup", "CacheSubnetGroupName"): NameRule(
        "ElastiCache subnet group names", 255, 1, r"[a-zA-Z0-9-]+", "CreateCacheSubnetGroup"
    ),
    # The API gives the pattern; no maximum is stated for these ids, so the replication
    # group id's 40 is assumed (strict: a name that passes here may still be shorter
    # than AWS's limit, never longer).
    ("AWS::ElastiCache::User", "UserId"): NameRule(
        "ElastiCache user ids",
        40,
        1,
        r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]*(?<!-)",
        "ElastiCache API reference, CreateUser",
    ),
    ("AWS::ElastiCache::UserGroup", "UserGroupId"): NameRule(
        "ElastiCache user group ids",
        40,
        1,
        r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]*(?<!-)",
        "ElastiCache API reference, CreateUserGroup",
    ),
    ("AWS::SQS::Queue", "QueueName"): NameRule(
        "SQS queue names", 80, 1, r"[A-Za-z0-9_-]+", "SQS API reference, CreateQueue"
    ),
    ("AWS::SSM::Parameter", "Name"): NameRule(
        "SSM parameter names", 1011, 1, r"[a-zA-Z0-9_.\-/]+", "SSM API reference, PutParameter"
    ),
    ("AWS::SecretsManager::Secret", "Name"): NameRule(
        "Secrets Manager secret names", 512, 1, r"[A-Za-z0-9/_+=.@-]+", "CreateSecret"
    ),
    ("AWS::SNS::Topic", "TopicName"): NameRule(
        "SNS topic names", 256, 1, r"[A-Za-z0-9_-]+", "SNS API reference, CreateTopic"
    ),
    ("AWS::KMS::Alias", "AliasName"): NameRule(
        "KMS alias names",
        256,
        1,
        r"alias/(?!aws/)[a-zA-Z0-9/_-]+",
        "KMS API reference, CreateAlias",
    ),
    ("AWS::CloudWatch::Alarm", "AlarmName"): NameRule(
        "CloudWatch alarm names", 255, 1, "", "CloudWatch API reference, PutMetricAlarm"
    ),
    ("AWS::CloudWatch::Dashboard", "DashboardName"): NameRule(
        "CloudWatch dashboard names", 255, 1, r"[A-Za-z0-9_-]+", "PutDashboard"
    ),
}
EXPORT_RULE = NameRule(
    "CloudFormation export names",
    255,
    1,
    r"[A-Za-z0-9:-]+",
    "AWS CloudFormation quotas; Outputs section, Export Name",
)


@dataclass(frozen=True)
class Place:
    """What a stage's names are resolved with."""

    stage: str
    account_id: str
    region: str

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        return "aws-us-gov" if self.region.startswith("us-gov-") else "aws"

    def resolve(self, value: Any) -> str | None:
        """``value`` as deployed in this place, or None when it depends on more than these."""
        text = value.get("Fn::Sub") if isinstance(value, dict) else value
        if not isinstance(text, str):
            return None
        known = {
            "Stage": self.stage,
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
        }
        unresolved = False

        def substitute(match: re.Match[str]) -> str:
            nonlocal unresolved
            if match.group(1) in known:
                return known[match.group(1)]
            unresolved = True
            return ""

        resolved = re.sub(r"\$\{([^}!]+)\}", substitute, text)
        return None if unresolved else resolved


@dataclass(frozen=True)
class Breach:
    place: Place
    source: str
    name: str
    rule: NameRule
    problem: str


def names_in(document: Mapping[str, Any]) -> Iterator[tuple[str, Any, NameRule]]:
    """(where, name value, rule) for every named resource and export of a template."""
    for logical_id, resource in (document.get("Resources") or {}).items():
        properties = resource.get("Properties") or {}
        for (resource_type, prop), rule in RULES.items():
            if resource.get("Type") == resource_type and prop in properties:
                yield f"{logical_id}.{prop}", properties[prop], rule
    for output_id, output in (document.get("Outputs") or {}).items():
        export = (output.get("Export") or {}).get("Name")
        if export is not None:
            yield f"output {output_id} export", export, EXPORT_RULE


def breaches(places: Iterable[Place], templates: Mapping[str, Mapping[str, Any]]) -> list[Breach]:
    """Every derived name, in every place, that breaks its rule."""
    found = []
    for place in places:
        for label, document in templates.items():
            for where, value, rule in names_in(document):
                name = place.resolve(value)
                if name is not None and (problem := rule.problem(name)):
                    found.append(Breach(place, f"{label} {where}", name, rule, problem))
    return found


def check(places: Iterable[Place], templates: Mapping[str, Mapping[str, Any]]) -> None:
    """Raise one InputError listing every name that would not fit, naming stage and limit."""
    found = breaches(places, templates)
    if not found:
        return
    lines = [
        f"stage {b.place.stage!r} ({b.place.region}): {b.source} {b.name!r} {b.problem} "
        f"[{b.rule.doc}]"
        for b in found
    ]
    stages = sorted({b.place.stage for b in found})
    raise InputError(
        f"{len(found)} name(s) derived for stage(s) {', '.join(stages)} break AWS's limits",
        cause="\n    ".join(lines),
        fix="choose a shorter stage name (or region) in stages.toml; names are built from the "
        "stage, the account and the region",
    )
