"""Step 2: the shared stack adopts the legacy tables and secret, with no data loss.

(a) the legacy stack retains them (DeletionPolicy Retain) and stops exporting the names
the shared stack exports; (b) it drops them, so they belong to no stack; (c) the shared
stack imports them (an IMPORT change set over the shared template reduced to them);
(d) the full shared template is deployed. Each part reads the real state first and
says "already done" when there is nothing left for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ppdeploy import naming, project
from ppdeploy.aws.cloudformation import ResourceToImport
from ppdeploy.decide import signing_keys, stacks
from ppdeploy.errors import DeployError, RefusedError
from ppdeploy.events import Message
from ppdeploy.model import StackSpec
from ppdeploy.workflows.migration import copying, importing, legacy, surgery
from ppdeploy.workflows.migration.state import (
    SECRET_TYPE,
    TABLE_TYPE,
    Adoption,
    Reader,
    Reading,
    shared_template,
    stack_document,
)
from ppdeploy.workflows.session import StageSession

Say = Callable[[str], None]


def retain_and_unexport(session: StageSession, reading: Reading) -> None:
    """(a) Retain on the legacy tables and secret; the clashing exports dropped."""
    to_retain = [
        a.legacy.logical_id for a in reading.adoptions if a.legacy and not a.retained_in_legacy
    ]
    clashing = reading.clashing_exports
    if not to_retain and not clashing:
        session.reporter.emit(
            Message(
                "already done: the legacy stack retains its data and exports none of our names",
                "success",
            )
        )
        return
    blocked = [export for export in clashing if export.importers]
    if blocked:
        raise RefusedError(
            f"refused: other stacks still import exports of {reading.legacy_name} that the "
            "shared stack must take over, so nothing was changed",
            cause="; ".join(f"{e.name} is imported by {', '.join(e.importers)}" for e in blocked),
            fix="deploy those stacks without the import (or delete them), then migrate again",
        )
    assert reading.legacy_template is not None  # noqa: S101 - a live legacy stack has one
    document = surgery.retained(reading.legacy_template, to_retain)
    document = surgery.unexported(document, [export.output_key for export in clashing])
    if to_retain:
        session.reporter.emit(
            Message(f"{reading.legacy_name}: DeletionPolicy Retain on {', '.join(to_retain)}")
        )
    if clashing:
        session.reporter.emit(
            Message(
                f"{reading.legacy_name}: no longer exports {', '.join(e.name for e in clashing)}"
            )
        )
    legacy.update(session, reading, document)


def release(session: StageSession, reading: Reading, reader: Reader) -> None:
    """(b) The legacy stack drops its tables and secret; Retain keeps them, in no stack."""
    # A table whose data moves stays in the legacy stack (Retain): the legacy API keeps
    # serving from it until the mapping moves, and a person deletes it afterwards.
    holding = [a for a in reading.adoptions if a.legacy is not None and not a.moves]
    if not holding:
        session.reporter.emit(
            Message("already done: the legacy stack holds no table or secret we adopt", "success")
        )
        return
    unsafe = [a.legacy.logical_id for a in holding if a.legacy and not a.retained_in_legacy]
    if unsafe:
        raise DeployError(
            f"{reading.legacy_name} would delete {', '.join(unsafe)} on release",
            cause="they are not DeletionPolicy Retain yet",
            fix="run the migration again: step 2a sets Retain first",
        )
    resolved = {a.legacy.logical_id: _resolved(a, reader) for a in holding if a.legacy}
    assert reading.legacy_template is not None  # noqa: S101 - a live legacy stack has one
    document = surgery.released(reading.legacy_template, resolved)
    ids = sorted(resolved)
    # The stateful guard refuses removing a table or a secret unless its logical id is
    # allowed: exactly these are, because step 2a made them Retain, so removing them from
    # the stack keeps them (and their data) where they are.
    session.reporter.emit(
        Message(
            f"{reading.legacy_name}: removing {', '.join(ids)} from the stack; the stateful guard "
            "allows exactly these because they are DeletionPolicy Retain: they are kept, owned by "
            "no stack, until the shared stack imports them",
            "warn",
        )
    )
    legacy.update(session, reading, document, allow_removing=ids)


def _resolved(adoption: Adoption, reader: Reader) -> surgery.Resolved:
    assert adoption.legacy is not None  # noqa: S101 - only held resources are released
    physical = adoption.legacy.physical_id
    if adoption.resource_type == TABLE_TYPE:
        return surgery.Resolved(ref=physical, attributes={"Arn": reader.table_arn(physical)})
    return surgery.Resolved(ref=physical, attributes={"Id": physical})


def import_into_shared(session: StageSession, reading: Reading, reader: Reader) -> None:
    """(c) The shared stack imports the tables and secret that belong to no stack."""
    unowned = [a for a in reading.adoptions if a.unowned]
    if not unowned:
        session.reporter.emit(
            Message("already done: no released table or secret is waiting for import", "success")
        )
        return
    spec = shared_spec(session)
    name = spec.name
    state = reading.shared
    creating = state is None or state.status == "REVIEW_IN_PROGRESS"
    if not creating and state is not None and state.in_progress:
        raise DeployError(
            f"{name} is {state.status}", fix="wait for it to finish, then migrate again"
        )
    base = None if creating else _deployed(session, name)
    ids = [a.shared_id for a in unowned]
    document = surgery.import_template(shared_template().document, ids, base)
    importing.run_import(
        session,
        name,
        document,
        parameters=spec.parameters if state is None or creating else dict(state.parameters),
        tags=spec.tags if state is None or creating else dict(state.tags),
        resources=[_to_import(a, reader) for a in unowned],
        what=", ".join(a.name for a in unowned),
    )


def _deployed(session: StageSession, name: str) -> surgery.Document:
    document = stack_document(session.cfn, name)
    assert document is not None  # noqa: S101 - the stack exists
    return document


def _to_import(adoption: Adoption, reader: Reader) -> ResourceToImport:
    if adoption.resource_type == TABLE_TYPE:
        return ResourceToImport(TABLE_TYPE, adoption.shared_id, {"TableName": adoption.name})
    arn = reader.physical_id(SECRET_TYPE, adoption.name)
    assert arn is not None  # noqa: S101 - an unowned adoption exists
    return ResourceToImport(SECRET_TYPE, adoption.shared_id, {"Id": arn})


def shared_spec(session: StageSession, *, legacy_until: str | None = None) -> StackSpec:
    """The shared stack without a hosted zone: the legacy domain stays where it is.

    ``legacy_until`` opens the legacy HS256 window with it (``sequence.hs256_still_issued``).
    """
    stage = session.stage.with_overrides(hosted_zone_id="")
    spec = stacks.shared_spec(stage)
    if legacy_until is None or signing_keys.LEGACY_UNTIL not in spec.template.parameters:
        return spec
    return replace(spec, parameters={**spec.parameters, signing_keys.LEGACY_UNTIL: legacy_until})


def deploy_shared(session: StageSession) -> None:
    """(d) The full shared template: the other tables, the outputs and exports."""
    session.deploy(shared_spec(session))


def blocked(reading: Reading) -> None:
    """Refuse, before any change, a table that differs from the template under its name."""
    refused = [a for a in reading.adoptions if a.blocked]
    if not refused:
        return
    raise RefusedError(
        "refused: "
        + "; ".join(
            f"{a.name} differs from the shared template in what only creation sets ("
            + ", ".join(f"{d.property}: live {d.live}, template {d.wanted}" for d in a.differences)
            + ")"
            for a in refused
        )
        + ", so nothing was changed",
        cause="an import adopts a table as it is, and a table of the template's keys cannot "
        "be created beside it under the same name",
        fix="copy its items into a table of another name with the template's keys and point "
        "the legacy stack at that one (or delete the table if its data is not needed), "
        "then migrate again",
    )


def copy_moved(session: StageSession, reading: Reading, *, switched: bool) -> None:
    """Copy each moved legacy table into the shared stack's table, then check the copy.

    Before the switch (``switched`` False) the target holds only copies, so the counts
    and every item must match; after it (the catch-up copy of what the legacy API wrote
    meanwhile) the new services may have written or updated items, so only a missing
    legacy item fails.
    """
    moving = [a for a in reading.adoptions if a.moves]
    if not moving:
        return
    dynamodb = session.target.client("dynamodb")
    for adoption in moving:
        assert adoption.live_keys is not None  # noqa: S101 - a moved table has both
        assert adoption.target_keys is not None  # noqa: S101 - same
        source, target = adoption.live_keys.name, adoption.target_keys.name
        keys = [name for name, _ in adoption.target_keys.keys.values()]
        renames = adoption.renames
        ledger_path = _ledger_path(target)
        ledger = _read_ledger(ledger_path)
        result = copying.copy_table(dynamodb, source, target, renames, keys, ledger)
        _write_ledger(ledger_path, ledger)
        if result.conflicts:
            session.reporter.emit(
                Message(
                    f"{target}: {len(result.conflicts)} item(s) changed both in {source} and "
                    f"by the new services since the copy (or copied on another machine): "
                    f"{', '.join(result.conflicts[:10])}; the new services' version is kept, "
                    f"{source} still holds the legacy one",
                    "warn",
                )
            )
        check = copying.check_copy(dynamodb, source, target, renames, keys)
        same = check.target_items == check.source_items and not check.changed
        if check.missing or (not switched and not same):
            raise DeployError(
                f"the copy of {source} into {target} is incomplete: {check.source_items} items "
                f"in {source}, {check.target_items} in {target}, missing "
                f"{', '.join(check.missing[:5]) or 'none'}, different "
                f"{', '.join(check.changed[:5]) or 'none'}",
                cause="something else wrote to the new table, or the copy was interrupted",
                fix="migrate again (the copy writes only missing items); the legacy table is "
                "unchanged",
            )
        renamed = ", ".join(f"{old} -> {new}" for old, new in renames.items()) or "none"
        session.reporter.emit(
            Message(
                f"{target}: {check.source_items} items of {source} present with the same "
                f"content ({result.written} written now, {result.updated} carried over from "
                f"later legacy writes; keys renamed: {renamed}); {source} "
                f"is kept in {reading.legacy_name} until a person deletes it",
                "success",
            )
        )


def secret_digest(reader: Reader, stage: str) -> str | None:
    """SHA-256 of the JWT secret's value (never the value), None when there is none."""
    return reader.secret_digest(naming.jwt_secret(stage))


def _ledger_path(target: str) -> Path:
    """Where the copy of ``target`` records what it copied (machine state, git-ignored)."""
    return project.state_dir() / "migration" / f"{target}.copied.json"


def _read_ledger(path: Path) -> copying.Ledger:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as error:
        raise DeployError(
            f"the copy ledger {path} is not valid JSON",
            cause=str(error),
            fix="delete it; the next copy records every item again (changes made on both "
            "sides since are then reported, not carried over)",
        ) from error
    return {str(k): str(v) for k, v in loaded.items()}


def _write_ledger(path: Path, ledger: copying.Ledger) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ledger, sort_keys=True), encoding="utf-8")
