"""Resource names the service would refuse: past its limits, or already taken.

moto creates a bucket named "Upper_Case", a 65-character function or role, a two-character
table, a 41-character replication group, and replaces a replication group that already
exists; it reports an existing bucket of the same account as another account's
(BucketAlreadyExists) and an existing role or secret without the service's error code.
AWS refuses each in the service's create call, so the resource gets CREATE_FAILED with the
service's error and the stack rolls back. Here each type's name is checked before moto's
create, and the failure reads like CloudFormation's ("Resource handler returned message:
...", with the service's error code).

Only names the template gives are checked against the length and pattern rules:
CloudFormation makes the names it generates fit the type (moto's generated names can be
longer; that difference lets nothing pass that AWS refuses). A taken name is refused
whichever way it was made.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import LambdaFunction, lambda_backends
from moto.cloudwatch.models import cloudwatch_backends
from moto.dynamodb.models.table import Table
from moto.elasticache.models import elasticache_backends
from moto.iam.models import Role, iam_backends
from moto.kms.models import Alias, kms_backends
from moto.logs.models import LogGroup
from moto.s3.models import FakeBucket, s3_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.sns.models import Topic, sns_backends
from moto.utilities.utils import get_partition

from pplocalaws.extensions.failures import LocalFailure
from pplocalaws.resources.cloudwatch import LocalAlarm
from pplocalaws.resources.common import Properties
from pplocalaws.resources.elasticache import LocalReplicationGroup
from pplocalaws.resources.patching import check_before_create
from pplocalaws.resources.secretsmanager import LocalSecret


class NameRefused(LocalFailure):
    """A create refused for its name; the text is CloudFormation's resource status reason."""


def service_refusal(service: str, code: str, message: str, handler_code: str) -> NameRefused:
    """The service's error as CloudFormation reports a failed resource handler."""
    return NameRefused(
        f'Resource handler returned message: "{code}: {message} (Service: {service})" '
        f"(HandlerErrorCode: {handler_code})"
    )


def _too_long(field: str, name: str, maximum: int) -> str | None:
    if len(name) > maximum:
        return (
            f"1 validation error detected: Value '{name}' at '{field}' failed to satisfy "
            f"constraint: Member must have length less than or equal to {maximum}"
        )
    return None


def _too_short(field: str, name: str, minimum: int) -> str | None:
    if len(name) < minimum:
        return (
            f"1 validation error detected: Value '{name}' at '{field}' failed to satisfy "
            f"constraint: Member must have length greater than or equal to {minimum}"
        )
    return None


def _off_pattern(field: str, name: str, pattern: str) -> str | None:
    if not re.fullmatch(pattern, name):
        return (
            f"1 validation error detected: Value '{name}' at '{field}' failed to satisfy "
            f"constraint: Member must satisfy regular expression pattern: {pattern}"
        )
    return None


def _first_problem(*problems: str | None) -> str | None:
    return next((problem for problem in problems if problem), None)


# -- the rules, one per type ----------------------------------------------------------------
# S3 "General purpose bucket naming rules":
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


_BUCKET_RULES: tuple[tuple[Callable[[str], bool], str], ...] = (
    (lambda name: not 3 <= len(name) <= 63, "bucket names are 3 to 63 characters long"),
    (
        lambda name: not re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", name),
        "bucket names use only lowercase letters, digits, dots and hyphens, and begin and "
        "end with a letter or digit",
    ),
    (lambda name: ".." in name, "bucket names must not contain two adjacent periods"),
    (_is_ip_address, "bucket names must not be formatted as an IP address"),
    (
        lambda name: name.startswith(_BUCKET_PREFIXES),
        f"bucket names must not start with {', '.join(_BUCKET_PREFIXES)}",
    ),
    (
        lambda name: name.endswith(_BUCKET_SUFFIXES),
        f"bucket names must not end with {', '.join(_BUCKET_SUFFIXES)}",
    ),
)


def bucket_name_problem(name: str) -> str | None:
    """Which S3 bucket naming rule ``name`` breaks, or None."""
    return next((rule for broken, rule in _BUCKET_RULES if broken(name)), None)


def _check_bucket(name: str, explicit: bool, account_id: str, region: str) -> None:
    problem = bucket_name_problem(name) if explicit else None
    if problem is not None:
        raise service_refusal(
            "S3",
            "InvalidBucketName",
            f"The specified bucket is not valid. ({problem})",
            "InvalidRequest",
        )
    if name in s3_backends[account_id][get_partition(region)].buckets:
        # CreateBucket: BucketAlreadyOwnedByYou for the caller's own bucket (another
        # account's bucket is moto's BucketAlreadyExists).
        raise service_refusal(
            "S3",
            "BucketAlreadyOwnedByYou",
            f"Your previous request to create the named bucket succeeded and you already "
            f"own it. (bucket {name})",
            "AlreadyExists",
        )


# Lambda quotas, "Function name": 64 characters; CreateFunction FunctionName pattern.
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
def _check_function(name: str, explicit: bool, account_id: str, region: str) -> None:
    problem = explicit and _first_problem(
        _too_long("functionName", name, 64), _off_pattern("functionName", name, r"[a-zA-Z0-9-_]+")
    )
    if problem:
        raise service_refusal("Lambda", "ValidationException", problem, "InvalidRequest")
    # CreateFunction: ResourceConflictException for a name in use (moto's CloudFormation
    # model overwrites the function instead).
    try:
        lambda_backends[account_id][region].get_function(name)
    except UnknownFunctionException:
        return
    raise service_refusal(
        "Lambda", "ResourceConflictException", f"Function already exist: {name}", "AlreadyExists"
    )


def _already_exists(resource_type: str, name: str) -> NameRefused:
    """CloudFormation's own refusal when a handler finds the named resource already there.

    SNS CreateTopic and CloudWatch PutMetricAlarm succeed on an existing name (they are
    idempotent or overwrite); CloudFormation's handlers check first and fail with
    AlreadyExists rather than adopt or overwrite what another owner made.
    """
    return NameRefused(
        f"Resource of type '{resource_type}' with identifier '{name}' already exists. "
        "(HandlerErrorCode: AlreadyExists)"
    )


def _check_topic(name: str, explicit: bool, account_id: str, region: str) -> None:
    backend = sns_backends[account_id][region]
    if explicit and any(topic.name == name for topic in backend.topics.values()):
        raise _already_exists("AWS::SNS::Topic", name)


def _check_alarm(name: str, explicit: bool, account_id: str, region: str) -> None:
    if explicit and name in cloudwatch_backends[account_id][region].alarms:
        raise _already_exists("AWS::CloudWatch::Alarm", name)


# IAM quotas, "Role name": 64 characters; CreateRole RoleName pattern [\w+=,.@-]+.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
def _check_role(name: str, explicit: bool, account_id: str, region: str) -> None:
    problem = explicit and _first_problem(
        _too_long("roleName", name, 64), _off_pattern("roleName", name, r"[\w+=,.@-]+")
    )
    if problem:
        raise service_refusal("Iam", "ValidationError", problem, "InvalidRequest")
    backend = iam_backends[account_id][get_partition(region)]
    if any(role.name == name for role in backend.roles.values()):
        raise service_refusal(
            "Iam", "EntityAlreadyExists", f"Role with name {name} already exists.", "AlreadyExists"
        )


# CloudWatch Logs CreateLogGroup: logGroupName 1-512 characters of [\.\-_/#A-Za-z0-9].
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
def _check_log_group(name: str, explicit: bool, account_id: str, region: str) -> None:
    problem = explicit and _first_problem(
        _too_long("logGroupName", name, 512),
        _off_pattern("logGroupName", name, r"[\.\-_/#A-Za-z0-9]+"),
    )
    if problem:
        raise service_refusal(
            "CloudWatchLogs", "InvalidParameterException", problem, "InvalidRequest"
        )


# DynamoDB "Naming rules": table names 3-255 characters of a-z, A-Z, 0-9, _ - .
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
def _check_table(name: str, explicit: bool, account_id: str, region: str) -> None:
    problem = explicit and _first_problem(
        _too_short("tableName", name, 3),
        _too_long("tableName", name, 255),
        _off_pattern("tableName", name, r"[a-zA-Z0-9_.-]+"),
    )
    if problem:
        raise service_refusal("DynamoDb", "ValidationException", problem, "InvalidRequest")


# Secrets Manager CreateSecret: ResourceExistsException for a name in use, and
# InvalidRequestException for one whose secret is scheduled for deletion.
# https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html
# CreateSecret Name: 1-512 characters, "ASCII letters, numbers, and the following
# characters: /_+=.@-".
def _check_secret(name: str, explicit: bool, account_id: str, region: str) -> None:
    problem = explicit and _first_problem(
        _too_long("name", name, 512), _off_pattern("name", name, r"[A-Za-z0-9/_+=.@-]+")
    )
    if problem:
        raise service_refusal("SecretsManager", "ValidationException", problem, "InvalidRequest")
    secret = secretsmanager_backends[account_id][region].secrets.get(name)
    if secret is None:
        return
    if getattr(secret, "deleted_date", None) is not None:
        raise service_refusal(
            "SecretsManager",
            "InvalidRequestException",
            "You can't create this secret because a secret with this name is already "
            f"scheduled for deletion. (secret {name})",
            "AlreadyExists",
        )
    raise service_refusal(
        "SecretsManager",
        "ResourceExistsException",
        f"The operation failed because the secret {name} already exists.",
        "AlreadyExists",
    )


# ElastiCache CreateReplicationGroup, ReplicationGroupId: 1-40 letters, digits or hyphens,
# beginning with a letter, not ending with a hyphen, no two consecutive hyphens (stored
# lowercase). https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html
_GROUP_ID = re.compile(r"[A-Za-z](?:[A-Za-z0-9]|-(?!-))*")


def _check_replication_group(name: str, explicit: bool, account_id: str, region: str) -> None:
    if explicit and (len(name) > 40 or not _GROUP_ID.fullmatch(name) or name.endswith("-")):
        raise service_refusal(
            "ElastiCache",
            "InvalidParameterValue",
            f"The parameter ReplicationGroupId is not valid: {name!r}. It must be 1 to 40 "
            "letters, digits or hyphens, begin with a letter, and neither end with a hyphen "
            "nor contain two consecutive hyphens.",
            "InvalidRequest",
        )
    if name.lower() in elasticache_backends[account_id][region].replication_groups:
        raise service_refusal(
            "ElastiCache",
            "ReplicationGroupAlreadyExists",
            f"Replication group {name.lower()} already exists.",
            "AlreadyExists",
        )


# KMS CreateAlias: AliasName "alias/" then [a-zA-Z0-9/_-], at most 256 characters, not
# "alias/aws/" (InvalidAliasNameException); one in use: AlreadyExistsException.
# https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
def _check_alias(name: str, explicit: bool, account_id: str, region: str) -> None:
    if len(name) > 256 or not re.fullmatch(r"alias/[a-zA-Z0-9/_-]+", name):
        raise service_refusal(
            "Kms",
            "InvalidAliasNameException",
            f"Alias {name} must begin with alias/ and contain only alphanumeric characters, "
            "forward slashes (/), underscores (_) and dashes (-), at most 256 characters.",
            "InvalidRequest",
        )
    if name.startswith("alias/aws/"):
        raise service_refusal(
            "Kms",
            "NotAuthorizedException",
            f"Alias {name} begins with alias/aws/, which is reserved for AWS managed keys.",
            "AccessDenied",
        )
    if kms_backends[account_id][region].alias_exists(name):
        raise service_refusal(
            "Kms",
            "AlreadyExistsException",
            f"An alias with the name arn:aws:kms:{region}:{account_id}:{name} already exists",
            "AlreadyExists",
        )


@dataclass(frozen=True)
class NameRule:
    """How one type's name is checked before its create."""

    model: type
    name_property: str
    check: Callable[[str, bool, str, str], None]

    def before_create(
        self, name: str, properties: Properties, account_id: str, region: str
    ) -> None:
        # The property names the resource when given (moto's Alias has no name type, so
        # its resource name is a generated one; AliasName is the name).
        given = properties.get(self.name_property)
        self.check(str(given) if given else name, given is not None, account_id, region)


RULES = (
    NameRule(FakeBucket, "BucketName", _check_bucket),
    NameRule(LambdaFunction, "FunctionName", _check_function),
    NameRule(Role, "RoleName", _check_role),
    NameRule(LogGroup, "LogGroupName", _check_log_group),
    NameRule(Table, "TableName", _check_table),
    NameRule(LocalSecret, "Name", _check_secret),
    NameRule(LocalReplicationGroup, "ReplicationGroupId", _check_replication_group),
    NameRule(Topic, "TopicName", _check_topic),
    NameRule(LocalAlarm, "AlarmName", _check_alarm),
    NameRule(Alias, "AliasName", _check_alias),
)
"""DynamoDB's own ResourceInUseException ("Table already exists") and CloudWatch Logs'
ResourceAlreadyExistsException come from moto's backends, as from AWS."""

for rule in RULES:
    check_before_create(rule.model, rule.before_create)
