"""``invoke rotate-signing-key``: a new access token signing key, then retiring the old one."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ppdeploy.tasks.edge import at_edge


@task(
    help={
        "stage": "stage whose signing key rotates (declared in stages.toml; default dev)",
        "local": "rotate on the embedded local AWS",
        "retire": "retire the previous key (once every token it signed has expired)",
        "overlap-seconds": "--local only, for tests: wait this long instead of the longest "
        "token lifetime before a retire",
        "yes": "apply the change set without asking",
    },
)
@at_edge
def rotate_signing_key(
    c: Context,
    stage: str = "dev",
    local: bool = False,
    retire: bool = False,
    overlap_seconds: str | None = None,
    yes: bool = False,
) -> None:
    """Rotate the access token signing key: a new active key, the old one still accepted."""
    from ppdeploy import config, ui  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.workflows import signing_key_rotation  # noqa: PLC0415 - as above
    from ppdeploy.workflows.session import StageSession  # noqa: PLC0415 - as above

    reporter = ui.for_output()
    session = StageSession.open(
        config.stage(stage), reporter, use_local=local, assume_yes=yes, force=False
    )
    result = signing_key_rotation.rotate(
        session, retire=retire, overlap_seconds=_seconds(overlap_seconds)
    )
    reporter.table(
        f"{result.deploy.stack} ({result.deploy.outcome}, {result.deploy.seconds:.1f} s)",
        ("parameter", "value"),
        sorted(
            (name, value)
            for name, value in result.parameters.items()
            if name.startswith("SigningKey")
        ),
    )


def _seconds(text: str | None) -> int | None:
    """The flag's value (invoke passes an optional flag's value as text)."""
    from ppdeploy.errors import InputError  # noqa: PLC0415 - tasks load the engine when they run

    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise InputError(
            f"--overlap-seconds {text!r} is not a whole number of seconds",
            fix="give it as digits, for example --overlap-seconds 5",
        ) from None
