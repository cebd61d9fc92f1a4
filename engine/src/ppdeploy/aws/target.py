"""Where a deploy goes: real AWS (the standard credential chain) or the embedded local AWS.

Every AWS client the engine makes comes from ``Target.client`` so retries (botocore's
standard mode), timeouts and the endpoint are decided in one place.

Clients come from botocore's own session, not boto3's: boto3 adds resources and the S3
transfer manager, which the engine never uses, and importing them costs more than a whole
no-op deploy of a stage should take. The credential chain is botocore's either way.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.config
import botocore.exceptions
import botocore.session

from ppdeploy import project
from ppdeploy.aws import botocore_models
from ppdeploy.aws import local_aws as localaws
from ppdeploy.config import Stage
from ppdeploy.errors import InputError, TargetError

# moto's fixed fake keys: the local AWS accepts any, real AWS none.
LOCAL_KEY_ID = "testing"
LOCAL_SECRET_KEY = "testing"  # noqa: S105 - a public placeholder, not a credential

_CLIENT_CONFIG = botocore.config.Config(
    retries={"mode": "standard", "max_attempts": 8},
    connect_timeout=5,
    read_timeout=60,
    user_agent_extra="ppdeploy",
)

_NO_CREDENTIALS_FIX = (
    "set AWS_PROFILE to a configured profile (after `aws sso login` if it uses SSO), "
    "or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
    "or add --local to use the embedded local AWS"
)


def new_session() -> botocore.session.Session:
    """A botocore session whose service models are read once per botocore version."""
    session = botocore.session.get_session()
    try:
        state: Path | None = project.state_dir()
    except (InputError, OSError):
        state = None  # outside a checkout: botocore reads its JSON models each time
    botocore_models.install(session, state)
    return session


@dataclass
class Target:
    """An AWS endpoint set, its region, and how to make clients for it."""

    region: str
    endpoint_url: str | None = None
    session: botocore.session.Session = field(repr=False, default_factory=new_session)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    # Clients are thread-safe, making them is not: stacks of a wave ask for them at once.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None

    @property
    def poll_seconds(self) -> float:
        """How often to poll: the local AWS finishes each call before answering."""
        return 0.05 if self.is_local else 3.0

    @property
    def description(self) -> str:
        return f"local AWS at {self.endpoint_url}" if self.is_local else f"AWS {self.region}"

    def client(self, service: str) -> Any:
        """A cached client for ``service`` (boto3 clients are thread-safe)."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self.session.create_client(
                    service,
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    config=_CLIENT_CONFIG,
                )
            return self._clients[service]

    def account_id(self) -> str:
        try:
            return str(self.client("sts").get_caller_identity()["Account"])
        except botocore.exceptions.NoCredentialsError as error:
            raise TargetError(
                "no AWS credentials found",
                cause="the standard credential chain (environment, AWS_PROFILE, SSO, "
                "instance role) gave none",
                fix=_NO_CREDENTIALS_FIX,
            ) from error
        except botocore.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            raise TargetError(
                f"AWS refused the credentials ({code})",
                cause=str(error),
                fix="refresh them (`aws sso login`, or new keys) and run again",
            ) from error
        except botocore.exceptions.EndpointConnectionError as error:
            raise TargetError(
                f"cannot reach {self.description}",
                cause=str(error),
                fix="check the network (or, for --local, `invoke local.status`)",
            ) from error


def local(stage: Stage) -> Target:
    """The embedded local AWS; refuses when it is not running, saying how to start it."""
    endpoint = localaws.endpoint()
    if endpoint is None:
        raise TargetError(
            "the local AWS is not running",
            cause="--local deploys to the embedded local AWS on this machine",
            fix="start it with `invoke local.start` (or use `invoke up`)",
        )
    session = new_session()
    session.set_credentials(LOCAL_KEY_ID, LOCAL_SECRET_KEY)
    return Target(region=stage.region, endpoint_url=endpoint, session=session)


def aws(stage: Stage) -> Target:
    """Real AWS for ``stage``: checks region, credentials and the stage's account first."""
    env_region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if env_region and env_region != stage.region:
        raise InputError(
            f"AWS_REGION is {env_region} but stage {stage.name!r} lives in {stage.region}",
            cause="a stage's stacks and exports exist in one region only",
            fix=f"unset AWS_REGION (or set it to {stage.region}), or change the stage's "
            "region in stages.toml",
        )
    session = new_session()
    if session.get_credentials() is None:
        raise TargetError(
            "no AWS credentials found",
            cause="the standard credential chain (environment, AWS_PROFILE, SSO, "
            "instance role) gave none",
            fix=_NO_CREDENTIALS_FIX,
        )
    target = Target(region=stage.region, session=session)
    actual = target.account_id()
    if actual != stage.account_id:
        raise TargetError(
            f"these credentials are for AWS account {actual}, "
            f"but stage {stage.name!r} lives in {stage.account_id}",
            cause="deploying a stage into another account would create a second, "
            "disconnected copy of it",
            fix="use the profile of the stage's account, or correct account_id in stages.toml",
        )
    return target


def for_stage(stage: Stage, *, use_local: bool) -> Target:
    return local(stage) if use_local else aws(stage)
