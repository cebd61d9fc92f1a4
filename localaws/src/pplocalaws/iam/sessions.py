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

import time
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

    def issue(self) -> Issued:
        try:
            role = self._lambda.get_function_configuration(FunctionName=self._function_name)["Role"]
            # Lambda names the session after the function.
            answer = self._sts.assume_role(
                RoleArn=role, RoleSessionName=self._function_name, DurationSeconds=SESSION_SECONDS
            )
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


def remaining(issued_expires_at: float) -> float:
    return issued_expires_at - time.time()
