"""Checks that run before any AWS call: inputs, parameters against the template, lint.

Each failure is an ``InputError``/``TemplateError`` naming the value, why it is wrong and
how to fix it, so bad input never reaches CloudFormation.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from ppdeploy import content_cache, naming
from ppdeploy.config import Stage
from ppdeploy.errors import InputError, TemplateError
from ppdeploy.templates import Template

HOSTED_ZONE_ID = re.compile(r"^[A-Z0-9]{1,32}$")
SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z]{2}(-[a-z]+)+-\d):(?P<account>\d{12}):"
    r"secret:[A-Za-z0-9/_+=.@-]+$"
)
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
# "Configuring reserved concurrency for a function" (Lambda Developer Guide,
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html): a function
# can reserve up to the account's unreserved concurrency minus 100, which Lambda keeps for
# the functions that reserve none.
UNRESERVED_MINIMUM = 100


def check_shared_inputs(stage: Stage) -> None:
    """The shared stack's inputs, each checked with a message that says what to give."""
    if stage.hosted_zone_id and not HOSTED_ZONE_ID.fullmatch(stage.hosted_zone_id):
        raise InputError(
            f"hosted zone id {stage.hosted_zone_id!r} is malformed",
            cause="a Route53 hosted zone id is up to 32 uppercase letters and digits "
            "(e.g. Z0123456789ABCDEFGHIJ), without the '/hostedzone/' prefix",
            fix="copy the id from `aws route53 list-hosted-zones` (e.g. Z0123456789ABCDEFGHIJ)",
        )
    if stage.jwt_secret_arn:
        match = SECRET_ARN.fullmatch(stage.jwt_secret_arn)
        if match is None:
            raise InputError(
                f"JWT secret ARN {stage.jwt_secret_arn!r} is malformed",
                cause="expected arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME",
                fix="copy the ARN from `aws secretsmanager describe-secret --secret-id NAME`",
            )
        if match["region"] != stage.region:
            raise InputError(
                f"JWT secret ARN {stage.jwt_secret_arn!r} is in {match['region']}, "
                f"but stage {stage.name!r} lives in {stage.region}",
                cause="Lambda reads the secret in its own region",
                fix=f"replicate the secret to {stage.region} and pass that ARN, or omit "
                "--jwt-secret-arn to create one",
            )
    for label, value in (("sender email", stage.email_from), ("alarm email", stage.alarm_email)):
        if value and not EMAIL.fullmatch(value):
            raise InputError(
                f"{label} {value!r} is not a valid email address",
                cause="expected name@domain.tld",
                fix=f"give a valid {label}",
            )


def check_sender_in_zone(stage: Stage) -> None:
    """With a hosted zone, the sender's domain lies in it: its DKIM records are made there.

    The zone is the one that holds the domain; the engine takes it to be the domain
    without its first label (as ``invoke up --local`` makes it). Route53 refuses a record
    outside its zone ("Values that you specify when you create or edit Amazon Route 53
    records", Record name), so the shared stack would fail on the DKIM records.
    """
    if not stage.hosted_zone_id:
        return
    zone, sender = stage.zone_domain, stage.sender_domain
    if sender != zone and not sender.endswith(f".{zone}"):
        raise InputError(
            f"sender email {stage.email_from!r} is outside the zone {zone!r} of stage "
            f"{stage.name!r}",
            cause="with a hosted zone the shared stack makes the sender's domain an SES "
            "identity and writes its DKIM records into that zone",
            fix=f"set email_from for [stages.{stage.name}] in stages.toml to an address at "
            f"{zone} (or leave it empty for no-reply@{zone})",
        )


def check_reserved_concurrency(stage: Stage, lambda_client: Any) -> None:
    """The account function's reserved concurrency leaves Lambda its 100 unreserved units.

    Reads ``GetAccountSettings`` (and the function's own reservation, which an update gives
    back before taking the new one); nothing is read when the stage reserves none.
    """
    wanted = stage.account_reserved_concurrency
    if wanted == 0:
        return
    limits = lambda_client.get_account_settings()["AccountLimit"]
    quota = int(limits["ConcurrentExecutions"])
    unreserved = int(limits["UnreservedConcurrentExecutions"])
    function = naming.function_name("account", stage.name)
    try:
        held = lambda_client.get_function_concurrency(FunctionName=function)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        held = {}
    available = unreserved + int(held.get("ReservedConcurrentExecutions") or 0)
    if available - wanted < UNRESERVED_MINIMUM:
        most = max(available - UNRESERVED_MINIMUM, 0)
        raise InputError(
            f"stage {stage.name!r} reserves {wanted} concurrent executions for {function}, "
            f"but the account can reserve at most {most} in {stage.region}",
            cause=f"the account's Lambda concurrency quota is {quota}, {available} of it is "
            f"not reserved by other functions, and Lambda keeps {UNRESERVED_MINIMUM} "
            "unreserved (new accounts can have a quota of 10)",
            fix="request a higher 'Concurrent executions' quota in Service Quotas (AWS "
            f"Lambda), or lower account_reserved_concurrency for [stages.{stage.name}] in "
            f"stages.toml to {most} or less (0 reserves none)",
        )


def check_parameters(template: Template, parameters: dict[str, str]) -> None:
    """Every value is declared by the template and meets its constraints."""
    declared = template.parameters
    for name, value in parameters.items():
        spec = declared.get(name)
        if spec is None:
            raise InputError(
                f"parameter {name!r} is not declared by {template.path}",
                cause=f"the template declares: {', '.join(sorted(declared)) or 'nothing'}",
                fix="drop the parameter, or declare it in the template",
            )
        _check_value(template, name, value, spec)
    missing = [
        name for name, spec in declared.items() if "Default" not in spec and name not in parameters
    ]
    if missing:
        raise InputError(
            f"{template.path} needs parameters with no default: {', '.join(missing)}",
            fix="pass a value for each",
        )


def _check_value(template: Template, name: str, value: str, spec: dict[str, Any]) -> None:
    described = spec.get("ConstraintDescription", "")
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [str(item) for item in allowed]:
        raise InputError(
            f"{name} {value!r} is not allowed by {template.path}",
            cause=described or f"allowed values: {', '.join(str(item) for item in allowed)}",
            fix=f"use one of: {', '.join(str(item) for item in allowed)}",
        )
    pattern = spec.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(pattern, value):
        raise InputError(
            f"{name} {value!r} does not match the pattern {pattern} of {template.path}",
            cause=described or "the template constrains this parameter",
            fix=f"give a {name} that matches {pattern}",
        )


def lint(template: Template, region: str) -> list[str]:
    """cfn-lint the template: errors refuse the deploy, warnings come back to be shown.

    cfn-lint takes seconds on the shared template and answers the same for the same
    template text, region and cfn-lint version, so its findings are kept under those.
    """
    findings = content_cache.json_cached(
        "cfn-lint",
        content_cache.key(_cfn_lint_version(), region, template.body),
        lambda: _run_cfn_lint(template, region),
    )
    errors = [f for f in findings if f[0].startswith("E")]
    if errors:
        listing = "; ".join(f"line {line}: {rule} {message}" for rule, line, message in errors[:10])
        raise TemplateError(
            f"template {template.path} has {len(errors)} lint error(s)",
            cause=listing,
            fix=f"run `cfn-lint {template.path}` and correct each error",
        )
    return [f"line {line}: {rule} {message}" for rule, line, message in findings]


def _cfn_lint_version() -> str:
    from importlib.metadata import version  # noqa: PLC0415 - only when deploying

    return version("cfn-lint")


def _run_cfn_lint(template: Template, region: str) -> list[tuple[str, int, str]]:
    from cfnlint.api import ManualArgs, lint  # noqa: PLC0415 - 1 s import, only when deploying

    matches = lint(template.body, regions=[region], config=ManualArgs(regions=[region]))
    return [(m.rule.id, m.linenumber, m.message) for m in matches]
