"""Where the verify journey reads the mail the account service sends (verification, reset).

A ``Mailbox`` gives the newest link of one kind sent to one address. Locally it is the
local AWS's SES outbox (``OutboxMailbox``). On AWS there is none: mail goes to real inboxes
the engine cannot read, so the journey gets no mailbox and says which steps it skipped.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from ppdeploy import naming
from ppdeploy.aws import local_aws
from ppdeploy.aws.outbox import LocalOutbox, Mail
from ppdeploy.config import Stage
from ppdeploy.errors import InputError, PPDeployError
from ppdeploy.workflows import local_system

if TYPE_CHECKING:
    from ppdeploy.workflows.session import StageSession

MailKind = Literal["verify", "reset"]

# The subjects the account service writes (services/account: "Mail" in the contract); the
# subject, not the text, tells the kinds apart.
SUBJECTS: dict[MailKind, str] = {
    "verify": "Verify your PurposePath email",
    "reset": "Reset your PurposePath password",
}
# The path each kind's link leads to, from ``/auth/`` on.
LINK_PATHS: dict[MailKind, str] = {
    "verify": "/auth/verify-email",
    "reset": "/auth/password-reset",
}
MAIL_SECONDS = 20.0  # how long a sent message may take to reach the outbox
MAIL_POLL_SECONDS = 0.25
# The outbox may stamp a message to the whole second: a message stamped up to this much
# before ``since`` still counts as sent after it.
SENT_AT_SLACK_SECONDS = 1.0


class MailNotFound(PPDeployError):
    """No message of the kind asked for reached the mailbox in time."""

    exit_code = 6


class Mailbox(Protocol):
    def latest_link(self, to: str, kind: MailKind, since: float) -> str:
        """The link of the newest ``kind`` message to ``to`` sent at or after ``since``
        (epoch seconds); waits for it a bounded time, then raises MailNotFound."""
        ...


def link_path(link: str) -> str:
    """What a follower calls on its own account base URL: the link's path from ``/auth/``
    on, and its query (the link's host is the stage's public one, which a local journey
    does not reach)."""
    parts = urllib.parse.urlsplit(link)
    start = parts.path.find("/auth/")
    if start < 0:
        raise MailNotFound(
            f"the mailed link {parts.path!r} does not lead to an /auth/ route",
            cause="the account service writes its base URL + /auth/verify-email?token= "
            "or /auth/password-reset?token=",
            fix="check the account function's PUBLIC_BASE_URL (unset, links go back the way "
            "the request came)",
        )
    return parts.path[start:] + (f"?{parts.query}" if parts.query else "")


def token_of(link: str) -> str:
    """The ``token`` query parameter of a mailed link."""
    tokens = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query).get("token", [])
    if len(tokens) != 1 or not tokens[0]:
        raise MailNotFound(
            "the mailed link carries no single token",
            cause="expected exactly one `token=` query parameter",
            fix="check how the account service writes its links",
        )
    return tokens[0]


def _link_of(mail: Mail, kind: MailKind) -> str | None:
    for link in mail.links:
        if LINK_PATHS[kind] in urllib.parse.urlsplit(link).path:
            return link
    return None


@dataclass
class OutboxMailbox:
    """A Mailbox over the local AWS's SES outbox."""

    outbox: LocalOutbox
    timeout: float = MAIL_SECONDS
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    def latest_link(self, to: str, kind: MailKind, since: float) -> str:
        deadline = self.clock() + self.timeout
        seen = 0
        while True:
            messages = self.outbox.messages(to=to, limit=10)
            seen = len(messages)
            for mail in messages:  # newest first
                sent = mail.sent_epoch()
                if mail.subject != SUBJECTS[kind]:
                    continue
                if sent is not None and sent < since - SENT_AT_SLACK_SECONDS:
                    break  # older than what was asked for, and so is everything after it
                link = _link_of(mail, kind)
                if link is not None:
                    return link
            if self.clock() >= deadline:
                raise MailNotFound(
                    f"no '{SUBJECTS[kind]}' message reached the local outbox in "
                    f"{self.timeout:.0f} s",
                    cause=f"{seen} recent message(s) to that address, none of that subject "
                    f"with a {LINK_PATHS[kind]} link",
                    fix="read the account service's logs (`invoke logs --service account "
                    "--local`) for the send, and `invoke outbox` for what was sent",
                )
            self.sleep(MAIL_POLL_SECONDS)


# Whether the stage's shared stack exists on the running local AWS (``stage_is_local``).
StageDeployedHere = Callable[[Stage], bool]


def _shared_stack_deployed_here(stage: Stage) -> bool:
    from ppdeploy.aws import target as targets  # noqa: PLC0415 - botocore loads only here
    from ppdeploy.aws.cloudformation import CloudFormation  # noqa: PLC0415 - same

    target = targets.for_stage(stage, use_local=True)
    cfn = CloudFormation(target.client("cloudformation"), poll_seconds=target.poll_seconds)
    return cfn.describe(naming.shared_stack(stage.name)) is not None


def local_outbox(
    stage: Stage, *, deployed_here: StageDeployedHere = _shared_stack_deployed_here
) -> LocalOutbox:
    """The SES outbox of ``stage`` running on this machine; an error saying where the mail
    is when the stage does not run here (on AWS, SES keeps no copy of what it sent)."""
    on_aws = (
        f"on AWS, stage {stage.name}'s mail is in its recipients' inboxes: SES delivers it and "
        "keeps no copy the engine could read"
    )
    endpoint = local_aws.endpoint()
    if endpoint is None:
        raise InputError(
            f"stage {stage.name} has no outbox here: the local AWS is not running",
            cause=on_aws,
            fix=f"run the stage on this machine (`invoke up --stage {stage.name}`), then "
            "`invoke outbox` again",
        )
    if not deployed_here(stage):
        raise InputError(
            f"stage {stage.name} does not run on this machine, so it has no outbox here",
            cause=f"the local AWS at {endpoint} has no {naming.shared_stack(stage.name)}; "
            + on_aws,
            fix=f"run it here with `invoke up --stage {stage.name}`",
        )
    return LocalOutbox(endpoint)


def for_journey(*, local: bool) -> Mailbox | None:
    """The verify journey's mailbox: the local outbox when the journey runs on this machine
    (the local AWS must be running: its gateway is what the journey calls), else none."""
    if not local:
        return None
    endpoint = local_aws.endpoint()
    if endpoint is None:
        raise InputError(
            "the local AWS is not running, so there is no outbox", fix="run `invoke up`"
        )
    return OutboxMailbox(LocalOutbox(endpoint))


def for_session(session: StageSession) -> Mailbox | None:
    """The journey's mailbox on the session's target: on this machine the local outbox,
    with the local SES first made to send as ``invoke up`` makes it (sender verified, out of
    the sandbox); on AWS none. For workflows that verify a stage they deployed (a runtime
    switch, a migration): ``verify.Journey(..., mailbox=mailbox.for_session(session))``."""
    if not session.target.is_local:
        return None
    endpoint = local_aws.endpoint()
    if endpoint is None:
        raise InputError(
            "the local AWS is not running, so there is no outbox", fix="run `invoke up`"
        )
    outbox = LocalOutbox(endpoint)
    local_system.prepare_ses(
        outbox, session.target.client("sesv2"), session.exports(), session.stage, session.say
    )
    return OutboxMailbox(outbox)
