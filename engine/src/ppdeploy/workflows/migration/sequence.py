"""``invoke migrate``: from the legacy stack to the shared and service stacks, resumable.

Steps (the issue's numbering): 1 plan; 2 adopt the tables and secret (2a retain and
unexport, 2b release, 2c import, 2d full shared deploy and the copy of each table whose
key schema or name differs from the template's); 3 service stacks; 4 move the
domain mappings; 5 verify; 6 (only with --delete-legacy) delete the legacy stack. Each
step reads the real state first and skips what is already done, so a rerun continues
where the last run stopped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from ppdeploy import catalog, naming
from ppdeploy.decide import guard, signing_keys
from ppdeploy.errors import DeployError, InputError, PPDeployError, RefusedError
from ppdeploy.events import Message, TableShown
from ppdeploy.workflows import lifecycle, mailbox, signing_key_rotation, verify
from ppdeploy.workflows.migration import (
    adoption,
    journey,
    key_switch,
    legacy,
    mappings,
    migration_plan,
    surgery,
)
from ppdeploy.workflows.migration.state import Reader, Reading
from ppdeploy.workflows.service_deploy import current_runtime, prepare_service, service_spec
from ppdeploy.workflows.session import StageSession

# Test-only: stop after the named step ("2b", or "2" for all of step 2) as if interrupted.
STOP_AFTER_VARIABLE = "PPDEPLOY_MIGRATE_STOP_AFTER"
STEPS = ("1", "2a", "2b", "2c", "2d", "3", "4", "5", "6")


class MigrationStopped(PPDeployError):
    """The run stopped after a step on purpose (the test-only hook); rerun to continue."""

    exit_code = 130


@dataclass(frozen=True)
class Options:
    legacy_stack: str
    skip_tests: bool
    delete_legacy: bool
    # --local: the port to start the local gateway on when it is not running (verify
    # walks its journey through it); on AWS the custom domain is used.
    gateway_port: int | None = None


def _checkpoint(session: StageSession, step: str) -> None:
    wanted = os.environ.get(STOP_AFTER_VARIABLE, "")
    last_of_wanted = [s for s in STEPS if s.startswith(wanted)][-1:] if wanted else []
    if step in (wanted, *last_of_wanted):
        session.reporter.emit(
            Message(f"stopping after step {step} ({STOP_AFTER_VARIABLE}, test-only)", "warn")
        )
        raise MigrationStopped(
            f"migrate stopped after step {step}",
            cause=f"{STOP_AFTER_VARIABLE}={wanted} is set (a test hook)",
            fix="run the same command again without it to continue",
        )


def _heading(session: StageSession, step: str, title: str) -> None:
    session.reporter.emit(Message(f"step {step}: {title}"))


def migrate(session: StageSession, options: Options) -> None:
    """Run every step not yet done; raises at the first that fails (rerun to continue)."""
    reader = Reader(session.cfn, session.target.client, session.stage, options.legacy_stack)
    reading = reader.read()
    _check_source(session, reading)
    _heading(session, "1", f"plan for migrating {options.legacy_stack}")
    session.reporter.emit(
        TableShown(
            f"migration of {options.legacy_stack} (stage {session.stage.name})",
            ("what", "now", "what happens"),
            tuple(migration_plan.rows(reading, delete_legacy=options.delete_legacy)),
        )
    )
    adoption.blocked(reading)
    if not session.reporter.confirm("Run this migration?", assume_yes=session.assume_yes):
        raise RefusedError("the migration was not approved; nothing was changed")
    _checkpoint(session, "1")

    _heading(session, "2a", "the legacy stack retains its data and frees our export names")
    adoption.retain_and_unexport(session, reader.read())
    _checkpoint(session, "2a")
    _heading(session, "2b", "the legacy stack releases its tables and secret")
    adoption.release(session, reader.read(), reader)
    _checkpoint(session, "2b")
    secret = naming.jwt_secret(session.stage.name)
    before = reader.secret_digest(secret)
    _heading(session, "2c", "the shared stack imports them")
    adoption.import_into_shared(session, reader.read(), reader)
    _checkpoint(session, "2c")
    _heading(session, "2d", "the shared stack, in full")
    hs256 = _deploy_shared_in_full(session, reader)
    if reader.secret_digest(secret) != before:
        raise DeployError(
            f"the JWT secret {secret} changed value during the shared deploy",
            cause="every token issued with the old value is now refused",
            fix="restore the previous version (its AWSPREVIOUS stage) in Secrets Manager",
        )
    session.reporter.emit(Message(f"{secret}: value unchanged (compared by SHA-256)", "success"))
    # Once a new service is deployed it may write to the new tables, so a rerun's copy
    # can no longer expect them to hold exactly the legacy items.
    adoption.copy_moved(session, reader.read(), switched=reader.service_api("account") is not None)
    _checkpoint(session, "2d")

    _heading(session, "3", "the new service stacks")
    _deploy_services(session, reader.read(), skip_tests=options.skip_tests)
    _checkpoint(session, "3")

    _heading(session, "4", "the domain mappings move to the new APIs")
    moving = reader.read().mappings
    if not moving:
        session.reporter.emit(
            Message("already done: no mapping of the legacy stack is left to move", "success")
        )
    for mapping in moving:
        mappings.move(session, reader, mapping)
    # What the legacy API wrote between the copy and the switch.
    adoption.copy_moved(session, reader.read(), switched=True)
    if hs256:
        # HS256 tokens were issued until now (by the legacy API, or the previous release's
        # services until step 3): the window must last their whole lifetime from here.
        signing_key_rotation.open_legacy_window(session)
    _checkpoint(session, "4")

    _heading(session, "5", "verify")
    journey_urls = journey.journey_urls(session, start_gateway_on=options.gateway_port)
    verify.run(
        verify.Journey(
            urls=journey_urls,
            report=session.say,
            purge_probe=verify.TableProbe.for_stage(
                session.target.client("dynamodb"), session.stage.name
            ),
            mailbox=mailbox.for_session(session),
        )
    )
    session.reporter.emit(Message("verify passed", "success"))
    _checkpoint(session, "5")

    if options.delete_legacy:
        _heading(session, "6", f"delete {options.legacy_stack}, its data retained")
        _delete_legacy(session, reader.read())
        _checkpoint(session, "6")
    session.reporter.emit(
        Message(f"migrated {options.legacy_stack} to stage {session.stage.name}", "success")
    )


def _deploy_shared_in_full(session: StageSession, reader: Reader) -> bool:
    """Step 2d's deploy, opening the legacy window when HS256 tokens are still issued
    (returned, so step 4 extends the window from the switch)."""
    hs256 = hs256_still_issued(reader.read())
    legacy_until = signing_keys.legacy_window_end(datetime.now(UTC)) if hs256 else None
    key_switch.deploy_shared(session, reader, legacy_until=legacy_until)
    return hs256


def hs256_still_issued(reading: Reading) -> bool:
    """Something still signs HS256 access tokens with the legacy secret: the legacy API
    (a mapping still to move), or the previous release's services (the shared stack is
    not yet on the signing keys). Then the legacy window opens, so those tokens keep
    working for their lifetime; once neither is true, a rerun leaves the window alone."""
    if any(not mapping.done for mapping in reading.mappings):
        return True
    return reading.shared is None or signing_keys.LEGACY_UNTIL not in reading.shared.parameters


def _check_source(session: StageSession, reading: Reading) -> None:
    if reading.legacy is None and reading.shared is None:
        raise InputError(
            f"the legacy stack {reading.legacy_name} does not exist, so there is nothing to "
            "migrate",
            fix="name the legacy stack with --from-stack, or deploy the stage afresh with "
            f"`invoke deploy --all --stage {session.stage.name}`",
        )
    if reading.legacy is not None and reading.legacy.in_progress:
        raise DeployError(
            f"{reading.legacy_name} is {reading.legacy.status}",
            fix="wait until it finishes, then migrate again",
        )


def _deploy_services(session: StageSession, reading: Reading, *, skip_tests: bool) -> None:
    """Each service stack; a service whose mapping still has to move gets no mapping yet."""
    moving = {m.service for m in reading.mappings if not m.in_service_stack}
    for service in naming.SERVICES:
        source = catalog.service(service, current_runtime(session, service))
        prepared = prepare_service(source, session.reporter, skip_tests=skip_tests)
        spec = service_spec(session, prepared)
        if reading.domain is not None:
            # The key is taken until step 4 moves the legacy mapping; creating a second
            # mapping with the same key would fail.
            domain = "" if service in moving else reading.domain
            spec = replace(spec, parameters={**spec.parameters, "DomainName": domain})
        session.deploy(spec)


def _delete_legacy(session: StageSession, reading: Reading) -> None:
    if reading.legacy is None:
        session.reporter.emit(
            Message(f"already done: {reading.legacy_name} does not exist", "success")
        )
        return
    held = [m for m in reading.mappings if m.legacy_id is not None]
    if held:
        raise RefusedError(
            f"refused to delete {reading.legacy_name}: it still holds mappings the new "
            f"services serve ({', '.join(f'{m.domain}/{m.key}' for m in held)})",
            fix="run the migration again without --delete-legacy first (step 4 moves them)",
        )
    guard.check_delete(session.cfn, reading.legacy_name)
    assert reading.legacy_template is not None  # noqa: S101 - a live stack has a template
    unretained = sorted(
        r.logical_id
        for r in session.cfn.resources(reading.legacy_name)
        if r.resource_type in guard.STATEFUL_TYPES
        and not surgery.is_retained(reading.legacy_template, r.logical_id)
    )
    if unretained:
        session.reporter.emit(
            Message(f"{reading.legacy_name}: DeletionPolicy Retain on {', '.join(unretained)}")
        )
        legacy.update(session, reading, surgery.retained(reading.legacy_template, unretained))
    lifecycle.delete(
        session.cfn, reading.legacy_name, session.reporter, assume_yes=session.assume_yes
    )
    copied = sorted(a.live_keys.name for a in reading.adoptions if a.moves and a.live_keys)
    if copied:
        session.reporter.emit(
            Message(
                f"kept, in no stack, until a person deletes them: {', '.join(copied)} (their "
                "items were copied into the shared stack's tables)",
                "warn",
            )
        )
