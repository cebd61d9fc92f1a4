"""The whole system on this machine (``invoke up`` / ``invoke down``).

Locally every stage gets its custom domain: ``up`` makes a Route53 zone for it in the
local AWS, so the shared stack creates the certificate, the domain and the mappings, and
the local gateway serves ``/account``, ``/coaching`` and ``/traction`` as API Gateway
would. What ``up`` started is written down, so ``down`` stops exactly that.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ppdeploy import naming, project
from ppdeploy.aws import local_aws as localaws
from ppdeploy.aws.outbox import LocalOutbox
from ppdeploy.config import Stage


def _record() -> Path:
    return project.state_dir() / "up.json"


@dataclass(frozen=True)
class Started:
    local_aws: bool
    gateway: bool


def remember(started: Started) -> None:
    previous = recall()
    merged = Started(
        local_aws=started.local_aws or previous.local_aws,
        gateway=started.gateway or previous.gateway,
    )
    _record().write_text(json.dumps(merged.__dict__), encoding="utf-8")


def recall() -> Started:
    try:
        raw = json.loads(_record().read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return Started(local_aws=False, gateway=False)
    return Started(local_aws=bool(raw.get("local_aws")), gateway=bool(raw.get("gateway")))


def forget() -> None:
    _record().unlink(missing_ok=True)


def zone_name(stage: Stage) -> str:
    """The zone that holds the stage's domain: the domain without its first label."""
    return stage.domain.split(".", 1)[1]


# The zones the engine makes carry this CallerReference prefix: a zone made by anything
# else (a legacy stack's hand-made domain) is not the stage's own local zone.
ZONE_REFERENCE_PREFIX = "ppdeploy-"


def find_zone(route53: Any, stage: Stage) -> str | None:
    """The id of the local Route53 zone the engine made for the stage's domain, or None."""
    name = zone_name(stage)
    zones = route53.list_hosted_zones_by_name(DNSName=name)["HostedZones"]
    for zone in zones:
        made_here = str(zone.get("CallerReference", "")).startswith(ZONE_REFERENCE_PREFIX)
        if zone["Name"].rstrip(".") == name and made_here:
            return str(zone["Id"]).rsplit("/", 1)[-1]
    return None


def ensure_zone(route53: Any, stage: Stage) -> str:
    """The id of the local Route53 zone for the stage's domain, created when missing."""
    found = find_zone(route53, stage)
    if found is not None:
        return found
    created = route53.create_hosted_zone(
        Name=zone_name(stage), CallerReference=f"{ZONE_REFERENCE_PREFIX}{uuid.uuid4()}"
    )
    return str(created["HostedZone"]["Id"]).rsplit("/", 1)[-1]


def stop_started() -> list[str]:
    """Stop what ``up`` started; the names of what was stopped."""
    started = recall()
    stopped = []
    if started.gateway and localaws.stop_gateway():
        stopped.append("local gateway")
    if started.local_aws and localaws.stop():
        stopped.append("local AWS")
    forget()
    return stopped


EMAIL_IDENTITY_EXPORT = "email-identity-arn"  # purposepath-email-identity-arn-<stage>


def identity_name(arn: str) -> str:
    """The identity an SES identity ARN names (``arn:aws:ses:R:A:identity/NAME``)."""
    return arn.rsplit(":identity/", 1)[-1]


def prepare_ses(
    outbox: LocalOutbox,
    ses: Any,
    exports: Mapping[str, str],
    stage: Stage,
    say: Callable[[str], None],
) -> None:
    """Make the local SES send as an operator makes SES send on AWS: the sender identity
    verified, the account out of the sandbox. ``ses`` (an SES v2 client of the local AWS)
    reads the identity's status, as on AWS; what is missing is done by a control call of
    the local AWS, said with what it stands for on AWS. Running it again changes nothing
    (production access is granted again, which leaves it granted)."""
    export = naming.export(EMAIL_IDENTITY_EXPORT, stage.name)
    arn = exports.get(export)
    if arn is None:
        say(f"ses: the shared stack exports no sender identity ({export}): nothing to verify")
    else:
        _verify_sender(outbox, ses, identity_name(arn), stage, say)
    # A new account sends only to verified addresses (and the mailbox simulator) until AWS
    # grants production access (SES Developer Guide, "Request production access (Moving
    # out of the Amazon SES sandbox)"); the journey and a person running the system here
    # mail any address.
    outbox.grant_production_access(stage.region)
    say(
        "ses: the local account is out of the SES sandbox (on AWS: request production "
        "access in the SES console, once per account and region; AWS reviews it)"
    )


def _verify_sender(
    outbox: LocalOutbox, ses: Any, name: str, stage: Stage, say: Callable[[str], None]
) -> None:
    if ses.get_email_identity(EmailIdentity=name).get("VerifiedForSendingStatus"):
        say(f"ses: sender {name} is verified")
        return
    if "@" not in name:
        # A domain identity verifies by its Easy DKIM records, which the shared stack
        # writes to the stage's zone (SES Developer Guide, "Easy DKIM in Amazon SES").
        say(f"ses: sender domain {name} is not verified yet: its DKIM records verify it")
        return
    # An email-address identity stays pending until someone follows the link SES mails to
    # it (SES Developer Guide, "Creating and verifying identities in Amazon SES",
    # "Verifying an email address identity").
    outbox.verify_identity(name, stage.region)
    say(
        f"ses: followed the verification mail of sender {name} "
        "(on AWS: its owner clicks the link SES mails to that address)"
    )
