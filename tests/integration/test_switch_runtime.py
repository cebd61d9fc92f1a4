"""Issue 7: switching the account service's runtime keeps its API and its mapping."""

from __future__ import annotations

import hashlib
import json
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ppdeploy import build, catalog, naming
from ppdeploy.workflows.service_deploy import PreparedService, service_spec
from tests.integration.support import (
    LocalAws,
    deploy_shared_stage,
    dump,
    serving_gateway,
    stage_session,
)

pytestmark = pytest.mark.integration
STACK = naming.service_stack("account", "dev")


def fixture_dotnet_artifact(tmp_path: Path) -> build.Artifact:
    """A stand-in for the .NET build (the SDK is not needed to test the switch itself)."""
    path = tmp_path / "account-dotnet.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Account.dll", b"not a real assembly")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return build.Artifact("account", "dotnet", path, digest, path.stat().st_size, reused=False)


@pytest.fixture
def dotnet_account(local_aws: LocalAws, tmp_path: Path) -> Iterator[str]:
    """A stage with a custom domain and the account stack deployed from the .NET template
    (built once, restored for each test)."""

    def build(aws: LocalAws) -> None:
        session = deploy_shared_stage(aws, "dev")
        prepared = PreparedService(
            catalog.service("account", "dotnet"), fixture_dotnet_artifact(tmp_path)
        )
        session.deploy(service_spec(session, prepared))

    # After the tests' own `local_aws` (its reset), so the state restored is what they see.
    local_aws.start_from("account-dotnet-dev", build)
    with serving_gateway(local_aws, stage_session("dev").stage.domain) as url:
        yield url


def api_and_mapping(aws: LocalAws) -> tuple[str, list[tuple[str, str, str]]]:
    outputs = aws.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"]
    api_id = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "ApiId")
    mappings = aws.client("apigatewayv2").get_api_mappings(DomainName="api.dev.purposepath.app")
    return api_id, sorted(
        (m["ApiMappingId"], m["ApiId"], m["ApiMappingKey"]) for m in mappings["Items"]
    )


def health(url: str) -> dict[str, str]:
    with urllib.request.urlopen(f"{url}/account/health", timeout=30) as answer:  # noqa: S310 - loopback
        return dict(json.loads(answer.read()))


def test_switching_dotnet_to_python_keeps_the_api_and_the_mapping(
    local_aws: LocalAws, dotnet_account: str
) -> None:
    api_before, mappings_before = api_and_mapping(local_aws)
    assert any(key == "account" and api == api_before for _, api, key in mappings_before)

    result = local_aws.invoke(
        "switch-runtime", "--to", "python", "--stage", "dev", "--local", "--yes"
    )
    assert result.returncode == 0, dump(result)
    assert "now runs python; verify passed" in result.stdout
    assert ":live, moved in one update" in result.stdout  # the API invokes the alias

    api_after, mappings_after = api_and_mapping(local_aws)
    assert api_after == api_before
    assert mappings_after == mappings_before
    assert health(dotnet_account)["runtime"] == "python"
    status = local_aws.invoke("status", "--stage", "dev", "--local")
    assert STACK in status.stdout
    assert "python" in status.stdout.split(STACK, 1)[1].splitlines()[0]


def test_switching_to_dotnet_without_the_sdk_changes_nothing(
    local_aws: LocalAws, dotnet_account: str
) -> None:
    cfn = local_aws.client("cloudformation")
    before = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
    switched = local_aws.invoke(
        "switch-runtime", "--to", "python", "--stage", "dev", "--local", "--yes"
    )
    assert switched.returncode == 0, dump(switched)
    before = cfn.describe_stacks(StackName=STACK)["Stacks"][0]

    result = local_aws.invoke(
        "switch-runtime",
        "--to",
        "dotnet",
        "--stage",
        "dev",
        "--local",
        "--yes",
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0, dump(result)
    assert "the .NET SDK is not installed" in result.stderr
    after = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
    assert after["LastUpdatedTime"] == before["LastUpdatedTime"]
    assert health(dotnet_account)["runtime"] == "python"
