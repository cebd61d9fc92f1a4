"""Stage configuration from ``stages.toml``: one ``Stage`` per name, defaults filled in."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from ppdeploy import content_cache, name_limits, naming, project, templates
from ppdeploy.errors import InputError

ACCOUNT_ID_LENGTH = 12
EGRESS_CHOICES = ("single-nat", "nat-per-az", "endpoints")
# SAM's DeploymentPreference types: the predefined CodeDeploy configurations for Lambda,
# CodeDeployDefault.Lambda<Type> ("Deploying serverless applications gradually", AWS SAM
# Developer Guide; "Predefined deployment configurations for an AWS Lambda compute
# platform", CodeDeploy User Guide). The service templates allow exactly these.
DEPLOYMENT_PREFERENCES = (
    "AllAtOnce",
    "Canary10Percent5Minutes",
    "Canary10Percent10Minutes",
    "Canary10Percent15Minutes",
    "Canary10Percent30Minutes",
    "Linear10PercentEvery1Minute",
    "Linear10PercentEvery2Minutes",
    "Linear10PercentEvery3Minutes",
    "Linear10PercentEvery10Minutes",
)


@dataclass(frozen=True)
class Stage:
    """Everything the engine knows about one stage before it talks to AWS."""

    name: str
    region: str
    account_id: str
    domain: str
    hosted_zone_id: str = ""
    jwt_secret_arn: str = ""
    redis_node_type: str = "cache.t4g.micro"
    # The sender of the services' email; empty = no-reply@ the domain's zone (the domain
    # without its first label), so the SES domain identity's DKIM records fit in the zone
    # that holds the domain, and no two stages claim the same SES identity.
    email_from: str = ""
    alarm_email: str = ""
    termination_protection: bool = False
    # owner/name of the repository whose deploy workflow may assume the stage's deploy role.
    github_repository: str = ""
    # How the private subnets reach AWS APIs (the shared template's Egress parameter).
    egress: str = "single-nat"
    # Concurrent executions reserved for the account function (0 = none): an auth flood
    # cannot take the concurrency coaching and traction need.
    account_reserved_concurrency: int = 0
    # How CodeDeploy shifts each service's `live` alias to a new version (one of
    # DEPLOYMENT_PREFERENCES); the services' alarms roll a bad version back.
    deployment_preference: str = "AllAtOnce"

    def __post_init__(self) -> None:
        if not self.email_from:
            object.__setattr__(self, "email_from", f"no-reply@{self.zone_domain}")
        reserved = self.account_reserved_concurrency
        if isinstance(reserved, bool) or not isinstance(reserved, int) or reserved < 0:
            raise InputError(
                f"stage {self.name!r} has account_reserved_concurrency {reserved!r}",
                cause="it is a whole number of concurrent executions, 0 for none",
                fix=f"set account_reserved_concurrency for [stages.{self.name}] in stages.toml "
                "to 0 or more",
            )
        if self.egress not in EGRESS_CHOICES:
            raise InputError(
                f"stage {self.name!r} has egress {self.egress!r}",
                cause=f"egress is one of: {', '.join(EGRESS_CHOICES)}",
                fix=f"set egress for [stages.{self.name}] in stages.toml to one of them",
            )
        if self.deployment_preference not in DEPLOYMENT_PREFERENCES:
            raise InputError(
                f"stage {self.name!r} has deployment_preference {self.deployment_preference!r}",
                cause="it is one of the predefined CodeDeploy configurations for Lambda: "
                f"{', '.join(DEPLOYMENT_PREFERENCES)}",
                fix=f"set deployment_preference for [stages.{self.name}] in stages.toml to one "
                "of them (AllAtOnce shifts at once; Canary and Linear shift gradually)",
            )

    @property
    def zone_domain(self) -> str:
        """The zone the engine expects to hold the domain: the domain without its first label."""
        return self.domain.split(".", 1)[-1]

    @property
    def sender_domain(self) -> str:
        return self.email_from.rpartition("@")[2]

    @property
    def has_custom_domain(self) -> bool:
        return bool(self.hosted_zone_id)

    def with_overrides(self, **overrides: str | None) -> Stage:
        """This stage with the flags a person gave on the command line (None = not given)."""
        given: dict[str, Any] = {
            key: value for key, value in overrides.items() if value is not None
        }
        return replace(self, **given)

    def shared_parameters(self) -> dict[str, str]:
        """The shared template's parameters for this stage."""
        return {
            "Stage": self.name,
            "DomainName": self.domain,
            "HostedZoneId": self.hosted_zone_id,
            "JwtSecretArn": self.jwt_secret_arn,
            "RedisNodeType": self.redis_node_type,
            "EmailFrom": self.email_from,
            "AlarmEmail": self.alarm_email,
            "Egress": self.egress,
        }

    def service_parameters(self, service: str) -> dict[str, str]:
        """A service template's stage-specific parameters (beyond stage, domain, artifact)."""
        shared = {"DeploymentPreferenceType": self.deployment_preference}
        if service == "account":
            return {**shared, "AccountReservedConcurrency": str(self.account_reserved_concurrency)}
        return shared


_KNOWN_KEYS = {f.name for f in fields(Stage)} - {"name"}


def load_stages(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """The raw ``[stages.*]`` tables, each merged over ``[defaults]``."""
    path = path or project.root() / project.MARKER
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InputError(
            f"stage configuration {path} is missing",
            fix="restore stages.toml from the repository",
        ) from error
    except tomllib.TOMLDecodeError as error:
        raise InputError(
            f"stage configuration {path} is not valid TOML",
            cause=str(error),
            fix="correct the file at the line given",
        ) from error
    defaults = document.get("defaults", {})
    stages = {}
    for name, table in document.get("stages", {}).items():
        merged = {**defaults, **table}
        unknown = sorted(set(merged) - _KNOWN_KEYS)
        if unknown:
            raise InputError(
                f"stage {name!r} in {path} has unknown keys: {', '.join(unknown)}",
                fix=f"use only: {', '.join(sorted(_KNOWN_KEYS))}",
            )
        stages[name] = merged
    stages.setdefault("__defaults__", defaults)
    return stages


def stage(name: str, path: Path | None = None) -> Stage:
    """The named stage, declared in stages.toml (a custom stage is one more table there)."""
    naming.check_stage(name)
    stages = load_stages(path)
    stages.pop("__defaults__")
    settings = stages.get(name)
    if settings is None:
        raise InputError(
            f"unknown stage {name!r}",
            cause=f"stages.toml declares: {', '.join(sorted(stages))}",
            fix=f"use one of them, or add a [stages.{name}] table to stages.toml",
        )
    settings.setdefault("domain", naming.default_domain(name))
    account_id = str(settings.get("account_id", ""))
    if not (account_id.isdigit() and len(account_id) == ACCOUNT_ID_LENGTH):
        raise InputError(
            f"stage {name!r} has account_id {account_id!r}",
            cause="an AWS account id is 12 digits",
            fix="set account_id for the stage in stages.toml",
        )
    if settings.get("github_repository"):
        naming.check_repository(str(settings["github_repository"]))
    check_derived_names(stages)
    return Stage(name=name, **{**settings, "account_id": account_id})


def check_derived_names(stages: dict[str, dict[str, Any]]) -> None:
    """Every stage's resource names fit AWS's limits in that stage's region, or one error.

    All stages, not only the one asked for: a stage whose names cannot exist should be
    found when it is declared, not on its first deploy. A pass is remembered under the hash
    of everything that decides it (the places, the templates' text and the rules' own
    source), so a command whose stages and templates did not change parses no template
    for it; a breach is never remembered, so it is found and said every time.
    """
    places = [
        name_limits.Place(
            stage=name,
            # The account id's length is what matters; a stage not set up yet has 12 digits too.
            account_id=str(settings.get("account_id") or "0" * ACCOUNT_ID_LENGTH),
            region=str(settings.get("region", "")),
        )
        for name, settings in stages.items()
    ]
    paths = {str(path.relative_to(project.root())): path for path in project.templates()}
    texts = {label: _text(path) for label, path in paths.items()}
    digest = content_cache.key(
        Path(name_limits.__file__).read_text(encoding="utf-8"),
        json.dumps([dataclasses.astuple(place) for place in places]),
        json.dumps(texts, sort_keys=True),
    )

    def check() -> bool:
        documents = {label: templates.load(path).document for label, path in paths.items()}
        name_limits.check(places, documents)  # raises on a breach: nothing is remembered
        return True

    content_cache.json_cached("name-limits", digest, check)


def _text(path: Path) -> str | None:
    """A template's text; None when it cannot be read (its parse says why, when asked)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def known_stages(path: Path | None = None) -> list[str]:
    return sorted(name for name in load_stages(path) if name != "__defaults__")
