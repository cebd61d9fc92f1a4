"""`invoke deploy --service` against a real local AWS: what it needs first, and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from ppdeploy import naming
from tests.integration.support import ROOT, LocalAws, dump, exports, live_stacks

pytestmark = pytest.mark.integration
SHARED = naming.shared_stack("dev")
# The shared template is over TemplateBody's limit, so its first deploy makes the bootstrap
# stack (the deployment bucket it is read from) first.
BOOTSTRAP = naming.bootstrap_stack("dev")
COACHING = naming.service_stack("coaching", "dev")
COACHING_TABLE_EXPORT = naming.export("coaching-table", "dev")


def stack_events(aws: LocalAws, stack: str) -> list[dict[str, object]]:
    """The stack's events, oldest first."""
    events = aws.client("cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
    return list(reversed(events))


def test_missing_shared_stack_without_yes_is_refused_naming_it_and_the_flag(
    local_aws: LocalAws,
) -> None:
    result = local_aws.invoke("deploy", "--service", "coaching", "--stage", "dev", "--local")

    assert result.returncode == 5, dump(result)
    assert f"the shared stack {SHARED} does not exist" in result.stderr
    assert "add --yes" in result.stderr
    assert "invoke deploy-shared --stage dev" in result.stderr
    assert live_stacks(local_aws) == []


def test_missing_shared_stack_with_yes_deploys_shared_then_the_service(
    local_aws: LocalAws,
) -> None:
    result = local_aws.invoke(
        "deploy", "--service", "coaching", "--stage", "dev", "--local", "--yes", "--skip-tests"
    )

    assert result.returncode == 0, dump(result)
    assert sorted(live_stacks(local_aws)) == sorted([BOOTSTRAP, SHARED, COACHING])
    out = result.stdout
    assert out.index(f"{SHARED}: created") < out.index(f"{COACHING}: created")
    # CloudFormation's own record agrees: the service started after the shared stack ended.
    shared_done = stack_events(local_aws, SHARED)[-1]
    coaching_first = stack_events(local_aws, COACHING)[0]
    assert shared_done["ResourceStatus"] == "CREATE_COMPLETE"
    assert coaching_first["Timestamp"] >= shared_done["Timestamp"]  # type: ignore[operator]
    assert COACHING_TABLE_EXPORT in exports(local_aws)
    # The outputs table the task ends with names the service's API.
    assert "ApiUrl" in out


def shared_template_without(export_name: str, folder: Path) -> Path:
    """A copy of the shared template whose output no longer exports ``export_name``."""
    template = (ROOT / "shared-infrastructure" / "template.yaml").read_text(encoding="utf-8")
    suffix = export_name.removesuffix("-dev")
    export_block = f"    Export:\n      Name: !Sub {suffix}-${{Stage}}\n"
    assert template.count(export_block) == 1, f"{export_name} is not exported exactly once"
    copy = folder / "template.yaml"
    copy.write_text(template.replace(export_block, ""), encoding="utf-8")
    return copy


def test_missing_export_fails_before_any_change_naming_export_and_importer(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    incomplete = shared_template_without(COACHING_TABLE_EXPORT, tmp_path)
    shared = local_aws.invoke(
        "deploy-shared", "--stage", "dev", "--local", "--yes", "--template", str(incomplete)
    )
    assert shared.returncode == 0, dump(shared)
    assert COACHING_TABLE_EXPORT not in exports(local_aws)
    bucket = exports(local_aws)[naming.export("artifacts-bucket", "dev")]

    result = local_aws.invoke(
        "deploy", "--service", "coaching", "--stage", "dev", "--local", "--yes", "--skip-tests"
    )

    assert result.returncode == 2, dump(result)
    assert COACHING_TABLE_EXPORT in result.stderr
    assert str(ROOT / "services" / "coaching" / "template.yaml") in result.stderr
    assert "fix:" in result.stderr
    # Before any change: no service stack, not even an uploaded artifact.
    assert sorted(live_stacks(local_aws)) == sorted([BOOTSTRAP, SHARED])
    listed = local_aws.client("s3").list_objects_v2(Bucket=bucket)
    assert listed.get("KeyCount", 0) == 0
