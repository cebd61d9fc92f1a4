"""A function's execution-role credentials, as Lambda gives them to its environment.

"Lambda execution role" and "Defined runtime environment variables" (Lambda Developer
Guide, https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html,
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime):
Lambda assumes the function's role and hands the session's AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN to the execution environment. Here the
gateway assumes the role in the local AWS's STS for each worker it starts, and retires a
worker before its credentials expire (pplocalaws.gateway.workers).
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

# AssumeRole's default and the role's default MaxSessionDuration (STS API Reference).
SESSION_SECONDS = 3600
_CONFIG = Config(
    connect_timeout=2, read_timeout=10, retries={"mode": "standard", "max_attempts": 2}
)


class RoleUnavailable(Exception):
    """The function's role cannot be assumed; the message names it and why."""


@dataclass(frozen=True)
class Issued:
    environment: dict[str, str]
    expires_at: float  # epoch seconds


class RoleSessions:
    """Issues a fresh role session for one function (its current Role, read each time)."""

    def __init__(
        self, endpoint: str, region: str, function_name: str, admin_credential: str
    ) -> None:
        self._function_name = function_name
        session = boto3.session.Session(
            aws_access_key_id=admin_credential,
            aws_secret_access_key=admin_credential,
            region_name=region,
        )
        self._lambda: Any = session.client("lambda", endpoint_url=endpoint, config=_CONFIG)
        self._sts: Any = session.client("sts", endpoint_url=endpoint, config=_CONFIG)
        self._iam: Any = session.client("iam", endpoint_url=endpoint, config=_CONFIG)

    def issue(self) -> Issued:
        try:
            role = self._lambda.get_function_configuration(FunctionName=self._function_name)["Role"]
            trust = self._iam.get_role(RoleName=role.rsplit("/", 1)[-1])["Role"]
            if not lambda_may_assume(trust.get("AssumeRolePolicyDocument")):
                raise RoleUnavailable(
                    f"the execution role of {self._function_name} ({role}) cannot be assumed "
                    "by Lambda: its trust policy must allow the service principal "
                    "lambda.amazonaws.com the action sts:AssumeRole"
                )
            # Lambda names the session after the function.
            answer = self._sts.assume_role(
                RoleArn=role, RoleSessionName=self._function_name, DurationSeconds=SESSION_SECONDS
            )
        except RoleUnavailable:
            raise
        except Exception as error:
            raise RoleUnavailable(
                f"cannot assume the execution role of {self._function_name}: {error}"
            ) from error
        credentials = answer["Credentials"]
        return Issued(
            {
                "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
                "AWS_SESSION_TOKEN": credentials["SessionToken"],
            },
            credentials["Expiration"].timestamp(),
        )


def lambda_may_assume(document: Any) -> bool:
    """Whether a trust policy lets Lambda assume the role.

    "Lambda execution role" (Lambda Developer Guide): the role's trust policy must allow
    ``lambda.amazonaws.com`` ``sts:AssumeRole``; CreateFunction otherwise fails with "The
    role defined for the function cannot be assumed by Lambda". Conditions on that
    statement are not evaluated here (our templates use none): strict, such a statement
    does not count.
    """
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    if not isinstance(document, dict):
        return False
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") or {}
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        services = services if isinstance(services, list) else [services]
        actions = statement.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        if (
            statement.get("Effect") == "Allow"
            and "lambda.amazonaws.com" in services
            and any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions)
            and not statement.get("Condition")
        ):
            return True
    return False
