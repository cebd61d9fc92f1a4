"""Step 4: each domain mapping moves to the new service's API with no gap.

API Gateway v2 re-points a mapping in place (UpdateApiMapping keeps its id), so the path
never goes unmapped. CloudFormation's view stays true: the stack holding it (the legacy
stack, or the predecessor's separate domain stack ``purposepath-api-domain-{stage}``)
releases the mapping first (Retain, then removed from its template), it is re-pointed,
and the service stack imports it as
``ServiceApiMapping`` with its DomainName parameter set; a normal deploy afterwards
brings the service stack back to its own template and fingerprint.
"""

from __future__ import annotations

from ppdeploy import catalog, naming
from ppdeploy.aws.cloudformation import ResourceToImport
from ppdeploy.decide import stacks
from ppdeploy.errors import DeployError
from ppdeploy.events import Message
from ppdeploy.model import StackSpec
from ppdeploy.workflows.migration import importing, legacy, surgery
from ppdeploy.workflows.migration.state import MAPPING_TYPE, DomainMapping, Reader, stack_document
from ppdeploy.workflows.service_deploy import current_runtime
from ppdeploy.workflows.session import StageSession

SERVICE_MAPPING_ID = "ServiceApiMapping"  # the mapping's logical id in every service template


def move(session: StageSession, reader: Reader, mapping: DomainMapping) -> None:
    """Release, re-point and import one mapping; each part skipped when already true.

    The old stack (the legacy, or its separate domain stack) lets go of the mapping first,
    so no stack's template ever says the mapping points elsewhere than it does (no drift,
    even if the run stops between two parts); the domain itself stays where it is.
    """
    where = f"{mapping.domain}/{mapping.key}"
    if mapping.done:
        session.reporter.emit(
            Message(f"already done: {where} is served by the new {mapping.service} API", "success")
        )
        return
    target = reader.service_api(mapping.service)
    if target is None:
        raise DeployError(
            f"{where} cannot move: {naming.service_stack(mapping.service, session.stage.name)} "
            "is not deployed",
            fix="run the migration again: step 3 deploys the service stacks",
        )
    if mapping.held_by is not None and mapping.held_as is not None:
        _release(session, mapping.held_by, mapping.held_as)
    else:
        session.reporter.emit(
            Message(f"already done: no stack of the predecessor holds {where}", "success")
        )
    api_id, api_stage = target
    if mapping.api_id != api_id:
        session.target.client("apigatewayv2").update_api_mapping(
            DomainName=mapping.domain,
            ApiMappingId=mapping.mapping_id,
            ApiId=api_id,
            Stage=api_stage,
            ApiMappingKey=mapping.key,
        )
        session.reporter.emit(
            Message(
                f"{where}: re-pointed in place from API {mapping.api_id} to {api_id} (no gap)",
                "success",
            )
        )
    else:
        session.reporter.emit(
            Message(f"already done: {where} points at the new API {api_id}", "success")
        )
    if not mapping.in_service_stack:
        _import(session, mapping)


def _release(session: StageSession, stack: str, logical_id: str) -> None:
    """``stack`` lets go of the mapping: Retain first, then out of its template."""
    template = stack_document(session.cfn, stack)
    state = session.cfn.describe(stack)
    assert template is not None  # noqa: S101 - the stack holds the mapping
    assert state is not None  # noqa: S101 - same
    if not surgery.is_retained(template, logical_id):
        session.reporter.emit(Message(f"{stack}: DeletionPolicy Retain on {logical_id}"))
        template = surgery.retained(template, [logical_id])
        legacy.update_stack(session, state, template)
        state = session.cfn.describe(stack)
        assert state is not None  # noqa: S101 - an update keeps the stack
    physical = next(
        r.physical_id for r in session.cfn.resources(stack) if r.logical_id == logical_id
    )
    session.reporter.emit(
        Message(f"{stack}: removing {logical_id} (kept: Retain; the domain stays where it is)")
    )
    document = surgery.released(
        template, {logical_id: surgery.Resolved(ref=physical, attributes={})}
    )
    legacy.update_stack(session, state, document)


def service_spec_on(session: StageSession, service: str, domain: str) -> StackSpec:
    """The deployed service stack's spec (same artifact) with ``domain`` as DomainName."""
    name = naming.service_stack(service, session.stage.name)
    state = session.cfn.describe(name)
    assert state is not None  # noqa: S101 - checked by the caller
    return stacks.service_spec(
        session.stage,
        catalog.service(service, current_runtime(session, service)),
        artifact_bucket=state.parameters["ArtifactBucket"],
        artifact_key=state.parameters["ArtifactKey"],
        domain=domain,
    )


def _import(session: StageSession, mapping: DomainMapping) -> None:
    """The service stack imports the mapping, then deploys its own template again."""
    spec = service_spec_on(session, mapping.service, mapping.domain)
    state = session.cfn.describe(spec.name)
    deployed = stack_document(session.cfn, spec.name)
    assert state is not None  # noqa: S101 - service_spec_on found the stack
    assert deployed is not None  # noqa: S101 - and so its template
    document = surgery.import_template(spec.template.document, [SERVICE_MAPPING_ID], deployed)
    importing.run_import(
        session,
        spec.name,
        document,
        parameters=spec.parameters,
        tags=dict(state.tags),  # an import may not change tags
        resources=[
            ResourceToImport(
                MAPPING_TYPE,
                SERVICE_MAPPING_ID,
                {"ApiMappingId": mapping.mapping_id, "DomainName": mapping.domain},
            )
        ],
        what=f"the mapping {mapping.domain}/{mapping.key} ({mapping.mapping_id})",
    )
    # Back to the service's own template (no Retain on the mapping) and its fingerprint.
    session.deploy(spec)
