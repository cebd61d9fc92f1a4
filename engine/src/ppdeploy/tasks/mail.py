"""``invoke outbox``: the mail the local SES kept, for a person (or a script) to follow."""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke.context import Context
from invoke.tasks import task

from ppdeploy.tasks.edge import at_edge

if TYPE_CHECKING:
    from ppdeploy.aws.outbox import Mail

DEFAULT_LIMIT = 10


def block(mail: Mail) -> str:
    """One message as a person reads it: the headers, the links, then the text indented."""
    lines = [
        f"--- {mail.sent_at}  {mail.message_id}",
        f"from:    {mail.sender}",
        f"to:      {', '.join(mail.to)}",
        f"subject: {mail.subject}",
        *(f"link:    {link}" for link in mail.links),
        *(f"  | {line}" for line in mail.text.splitlines()),
    ]
    return "\n".join(lines)


@task(
    help={
        "stage": "stage running on this machine (`invoke up --stage S`; default dev)",
        "to": "only messages to this address",
        "limit": f"how many of the latest messages, 1 to 100 (default {DEFAULT_LIMIT})",
        "json": "print the messages as JSON (the local AWS's outbox shape)",
    }
)
@at_edge
def outbox(
    c: Context,
    stage: str = "dev",
    to: str | None = None,
    limit: int = DEFAULT_LIMIT,
    json: bool = False,
) -> None:
    """Latest mail the local SES sent (to, subject, text, links), newest first; local only."""
    import json as json_text  # noqa: PLC0415 - the flag is called --json

    from ppdeploy import config, ui  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.events import Message  # noqa: PLC0415 - same
    from ppdeploy.workflows import mailbox  # noqa: PLC0415 - same

    found = mailbox.local_outbox(config.stage(stage)).messages(to=to, limit=limit)
    if json:
        print(json_text.dumps({"messages": [m.to_json() for m in found]}, indent=2))
        return
    if not found:
        ui.for_output().emit(Message(f"no mail{f' to {to}' if to else ''} in the local outbox"))
        return
    # Plain text, not the timestamped log: links must be whole lines to copy or click.
    print("\n\n".join(block(mail) for mail in found), flush=True)
