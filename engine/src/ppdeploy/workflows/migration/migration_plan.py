"""Step 1: the migration plan, from one reading: each thing, where it is, what will happen."""

from __future__ import annotations

from ppdeploy import naming
from ppdeploy.workflows.migration.state import Adoption, DomainMapping, LegacyExport, Reading

Row = tuple[str, str, str]


def _adoption(reading: Reading, adoption: Adoption) -> Row:
    thing = f"{adoption.resource_type.split('::')[-1].lower()} {adoption.name}"
    shared = naming.shared_stack(reading.stage.name)
    if adoption.blocked:
        differs = ", ".join(
            f"{d.property} is {d.live}, the template's {d.wanted}" for d in adoption.differences
        )
        return thing, f"{differs}", "REFUSED: cannot be imported nor created beside it"
    if adoption.moves:
        assert adoption.live_keys is not None  # noqa: S101 - a moved table has both
        assert adoption.target_keys is not None  # noqa: S101 - same
        where = f"{reading.legacy_name} {adoption.legacy.logical_id}" if adoption.legacy else ""
        return (
            f"table {adoption.live_keys.name}",
            f"{where}, keyed {adoption.live_keys.describe()}",
            f"items copied into {shared}'s new {adoption.target_keys.name} keyed "
            f"{adoption.target_keys.describe()}, checked item by item, before the switch and "
            f"again after it; the legacy table is kept (Retain) until a person deletes it",
        )
    if adoption.in_shared:
        return thing, f"in {shared}", "nothing: already adopted"
    if adoption.legacy is not None:
        policy = "Retain" if adoption.retained_in_legacy else "no DeletionPolicy"
        return (
            thing,
            f"{reading.legacy_name} {adoption.legacy.logical_id} ({policy})",
            f"retained, released from the legacy stack, imported into {shared} as "
            f"{adoption.shared_id}; data kept",
        )
    return thing, "in no stack", f"imported into {shared} as {adoption.shared_id}; data kept"


def _export(export: LegacyExport) -> Row:
    importers = ", ".join(export.importers) or "no stack"
    now = f"exported by the legacy output {export.output_key}; imported by {importers}"
    if not export.clashes:
        return f"export {export.name}", now, "stays with the legacy stack (not one of ours)"
    if export.importers:
        return f"export {export.name}", now, "BLOCKED: its importers must drop it first"
    return (
        f"export {export.name}",
        now,
        "dropped from the legacy stack; the shared stack exports it",
    )


def _mapping(reading: Reading, mapping: DomainMapping) -> Row:
    stack = naming.service_stack(mapping.service, reading.stage.name)
    thing = f"mapping {mapping.domain}/{mapping.key}"
    owner = (
        f"{mapping.held_by} {mapping.held_as}"
        if mapping.held_by
        else (stack if mapping.in_service_stack else "no stack")
    )
    now = f"API {mapping.api_id}, held by {owner}"
    if mapping.done:
        return thing, now, "nothing: already moved"
    return (
        thing,
        now,
        f"released from {mapping.held_by or 'no stack'} (the domain stays where it is), "
        f"re-pointed in place to the new {mapping.service} API (no gap), imported into {stack}",
    )


def rows(reading: Reading, *, delete_legacy: bool) -> list[Row]:
    """What the migration will do to each thing, in the order it happens."""
    stage = reading.stage.name
    found = [_adoption(reading, adoption) for adoption in reading.adoptions]
    found += [_export(export) for export in reading.exports]
    shared = naming.shared_stack(stage)
    found.append(
        (
            f"stack {shared}",
            reading.shared.status if reading.shared else "does not exist",
            "deployed in full (no hosted zone: the domain stays where it is)",
        )
    )
    domain = reading.domain
    moving = {mapping.service for mapping in reading.mappings}
    for service in naming.SERVICES:
        where = (
            "mapping moved in step 4"
            if service in moving
            else (f"mapped at {domain}/{naming.MAPPING_KEYS[service]}" if domain else "")
        )
        found.append(
            (
                f"stack {naming.service_stack(service, stage)}",
                "",
                f"deployed{'; ' + where if where else ''}",
            )
        )
    found += [_mapping(reading, mapping) for mapping in reading.mappings]
    legacy_now = reading.legacy.status if reading.legacy else "does not exist"
    legacy_fate = (
        "deleted after verify (its data resources retained), once nothing imports from it"
        if delete_legacy
        else "kept (delete it later with --delete-legacy)"
    )
    found.append((f"stack {reading.legacy_name}", legacy_now, legacy_fate))
    return found
