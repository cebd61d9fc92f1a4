"""The naming contract: the one place every name of the platform is made.

Every stack, export, table, secret and log group is named ``purposepath-{what}-{stage}``
(or a path with the stage at its end), so two stages never share a resource in one account
and a name says which stage it belongs to. The engine finds stacks and exports by these
names instead of storing ids, so the names must never drift: templates build the same names
with ``!Sub``, and the unit tests check that the shared template exports exactly
``SHARED_EXPORTS`` and that services import only from it. The stage name is short and
plain (see ``STAGE_PATTERN``) because AWS's tightest name rules (ElastiCache ids) apply
to names built from it.
"""

from __future__ import annotations

import re

from ppdeploy.errors import InputError

PREFIX = "purposepath"
# ElastiCache ids (built from the stage) allow no double or trailing hyphen.
STAGE_PATTERN = re.compile(r"^(?=.{2,16}$)[a-z][a-z0-9]*(-[a-z0-9]+)*$")
SERVICES = ("account", "coaching", "traction")
RUNTIMES = ("python", "dotnet")
MAPPING_KEYS = {service: service for service in SERVICES}

# Export names without prefix and stage: ``purposepath-{name}-{stage}``.
SHARED_EXPORTS = (
    "stage",
    "vpc-id",
    "private-subnet-ids",
    "public-subnet-ids",
    "lambda-security-group-id",
    "users-table",
    "users-table-arn",
    "tokens-table",
    "tokens-table-arn",
    "tenants-table",
    "tenants-table-arn",
    "sessions-table",
    "sessions-table-arn",
    "coaching-table",
    "coaching-table-arn",
    "traction-table",
    "traction-table-arn",
    "jwt-secret-arn",
    "redis-endpoint",
    "redis-port",
    "redis-auth-secret-arn",
    "account-redis-user-secret-arn",
    "coaching-redis-user-secret-arn",
    "traction-redis-user-secret-arn",
    "account-events-topic-arn",
    "coaching-purge-dlq-arn",
    "traction-purge-dlq-arn",
    "signing-keys-parameter",
    "data-key-arn",
    "app-data-bucket",
    "app-data-bucket-arn",
    "logs-bucket",
    "artifacts-bucket",
    "account-policy-arn",
    "coaching-policy-arn",
    "traction-policy-arn",
    "account-access-log-group-arn",
    "coaching-access-log-group-arn",
    "traction-access-log-group-arn",
    "alarm-topic-arn",
    "domain-name",
    "email-from",
    "email-identity-arn",
)
# Exported only when the stage has a hosted zone (the custom domain exists).
DOMAIN_EXPORTS = ("api-domain-name",)

TABLES = ("users", "tokens", "tenants", "sessions", "coaching", "traction")


def check_stage(stage: str) -> str:
    """Return ``stage`` when it follows the naming rule, else raise naming the fix."""
    if not STAGE_PATTERN.fullmatch(stage):
        raise InputError(
            f"stage {stage!r} breaks the naming rule",
            cause="a stage is 2 to 16 characters: a lowercase letter, then lowercase "
            "letters and digits, with single hyphens between them",
            fix="use dev, staging, prod or a name like 'feature-x'",
        )
    return stage


REPOSITORY_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$")


def check_repository(repository: str) -> str:
    """Return ``repository`` when it is a GitHub owner/name, else raise naming the fix."""
    if not REPOSITORY_PATTERN.fullmatch(repository):
        raise InputError(
            f"repository {repository!r} is not a GitHub owner/name",
            cause="the deploy role trusts the tokens GitHub issues to one repository's jobs",
            fix="give it as OWNER/NAME, for example purposepath/deployment",
        )
    return repository


def bootstrap_stack(stage: str) -> str:
    return f"{PREFIX}-bootstrap-{stage}"


def shared_stack(stage: str) -> str:
    return f"{PREFIX}-shared-infrastructure-{stage}"


def service_stack(service: str, stage: str) -> str:
    return f"{PREFIX}-{service}-api-{stage}"


def legacy_stack(stage: str) -> str:
    return f"{PREFIX}-api-{stage}"


def function_name(service: str, stage: str) -> str:
    return f"{PREFIX}-{service}-api-{stage}"


def log_group(service: str, stage: str) -> str:
    return f"/aws/lambda/{function_name(service, stage)}"


def export(name: str, stage: str) -> str:
    return f"{PREFIX}-{name}-{stage}"


def table(name: str, stage: str) -> str:
    return f"{PREFIX}-{name}-{stage}"


def jwt_secret(stage: str) -> str:
    return f"{PREFIX}/jwt-secret/{stage}"


def redis_auth_secret(stage: str) -> str:
    return f"{PREFIX}/redis-auth/{stage}"


def redis_user(service: str, stage: str) -> str:
    """The service's ElastiCache RBAC user (its user id and user name)."""
    return f"{PREFIX}-{stage}-{service}"


def redis_user_secret(service: str, stage: str) -> str:
    return f"{PREFIX}/redis-users/{service}/{stage}"


def signing_keys_parameter(stage: str) -> str:
    """The SSM parameter holding the stage's signing key set (JSON)."""
    return f"/{PREFIX}/{stage}/signing-keys"


def account_role(stage: str) -> str:
    """The account function's role: the only principal the signing keys let sign."""
    return function_name("account", stage)


def purge_function(service: str, stage: str) -> str:
    return f"{PREFIX}-{service}-purge-{stage}"


def access_log_group(service: str, stage: str) -> str:
    return f"/aws/apigateway/{function_name(service, stage)}"


def dashboard(stage: str) -> str:
    return f"{PREFIX}-dashboard-{stage}"


def default_domain(stage: str) -> str:
    return "api.purposepath.app" if stage == "prod" else f"api.{stage}.purposepath.app"
