"""Bad input across the tasks: a clear message (what, cause, fix), a non-zero exit, no change.

Each case runs the real `invoke` command against a running, empty local AWS and then
checks that no stack exists: the refusal came before anything was created.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.support import ROOT, LocalAws, dump, live_stacks

pytestmark = pytest.mark.integration

BROKEN = "Resources:\n  Topic: [unclosed\n"
UNDECLARED = (
    (ROOT / "shared-infrastructure" / "template.yaml")
    .read_text()
    .replace("  AlarmEmail:\n", "  AlarmMail:\n", 1)
)
LOCAL = ("--local", "--yes")
CASES: list[tuple[str, tuple[str, ...], str]] = [
    ("unknown stage", ("deploy-shared", "--stage", "qa", *LOCAL), "unknown stage 'qa'"),
    ("stage name", ("deploy", "--all", "--stage", "Dev", *LOCAL), "breaks the naming rule"),
    ("unknown service", ("deploy", "--service", "billing", *LOCAL), "unknown service 'billing'"),
    (
        "unknown runtime",
        ("deploy", "--service", "account", "--runtime", "java", *LOCAL),
        "has no 'java' runtime",
    ),
    (
        "runtime a service lacks",
        ("deploy", "--service", "coaching", "--runtime", "dotnet", *LOCAL),
        "has no 'dotnet' runtime",
    ),
    ("no scope", ("deploy", *LOCAL), "--service NAME or --all"),
    ("two scopes", ("deploy", "--all", "--service", "coaching", *LOCAL), "--service NAME or --all"),
    ("concurrency", ("deploy", "--all", "--max-concurrency", "0", *LOCAL), "below 1"),
    ("runtime with all", ("deploy", "--all", "--runtime", "python", *LOCAL), "--runtime applies"),
    ("malformed template", ("deploy-shared", "--template", "{broken}", *LOCAL), "not valid YAML"),
    ("missing template", ("deploy-shared", "--template", "/nope.yaml", *LOCAL), "does not exist"),
    (
        "undeclared parameter",
        ("deploy-shared", "--template", "{undeclared}", *LOCAL),
        "parameter 'AlarmEmail' is not declared",
    ),
    (
        "value outside AllowedValues",
        ("deploy-shared", "--redis-node-type", "cache.m5.24xlarge", *LOCAL),
        "is not allowed",
    ),
    ("zone id", ("deploy-shared", "--hosted-zone-id", "/hostedzone/Z1", *LOCAL), "malformed"),
    ("secret arn", ("deploy-shared", "--jwt-secret-arn", "jwt", *LOCAL), "is malformed"),
    ("sender email", ("deploy-shared", "--email-from", "x@", *LOCAL), "not a valid email"),
    ("prod without --yes", ("deploy-shared", "--stage", "prod", "--local"), "add --yes"),
    ("plan scope", ("plan", "--service", "billing", "--local"), "unknown service 'billing'"),
    ("build", ("build", "--service", "billing"), "unknown service 'billing'"),
    (
        "logs since",
        ("logs", "--service", "coaching", "--since", "10x", "--local"),
        "not a duration",
    ),
    ("logs service", ("logs", "--service", "billing", "--local"), "unknown service"),
    ("outputs", ("outputs", "--stack", "nope", "--local"), "stack nope does not exist"),
    ("events", ("events", "--stack", "nope", "--local"), "stack nope does not exist"),
    ("recover", ("recover", "--stack", "nope", "--local", "--yes"), "does not exist"),
    ("delete", ("delete-stack", "--stack", "nope", "--local", "--yes"), "does not exist"),
    ("verify runtime", ("verify", "--runtime", "java", "--local"), "unknown runtime 'java'"),
]


@pytest.mark.parametrize(("args", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_clearly_and_changes_nothing(
    local_aws: LocalAws, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN)
    undeclared = tmp_path / "undeclared.yaml"
    undeclared.write_text(UNDECLARED)
    argv = [a.format(broken=broken, undeclared=undeclared) for a in args]
    result = local_aws.invoke(*argv)
    assert result.returncode != 0, dump(result)
    assert message in result.stderr, dump(result)
    assert result.stderr.startswith("error: "), dump(result)
    assert live_stacks(local_aws) == []


def test_wrong_region_is_refused_before_any_call(local_aws: LocalAws) -> None:
    result = local_aws.invoke(
        "deploy-shared", "--stage", "dev", "--yes", env={"AWS_REGION": "eu-west-1"}
    )
    assert result.returncode == 2, dump(result)
    assert "AWS_REGION is eu-west-1 but stage 'dev' lives in us-east-1" in result.stderr


def test_an_account_mismatch_is_refused_before_anything_is_read(local_aws: LocalAws) -> None:
    # A "real" target whose endpoint is the local AWS: its account is moto's, not the stage's.
    result = local_aws.invoke(
        "deploy-shared",
        "--stage",
        "dev",
        "--yes",
        env={
            "AWS_ENDPOINT_URL": local_aws.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        },
    )
    assert result.returncode == 3, dump(result)
    assert "credentials are for AWS account 123456789012" in result.stderr
    assert "lives in 000000000000" in result.stderr
    assert live_stacks(local_aws) == []
