from pathlib import Path

import pytest

from ppdeploy import templates
from ppdeploy.config import Stage
from ppdeploy.decide import preflight
from ppdeploy.errors import InputError, TemplateError

DEV = Stage(name="dev", region="us-east-1", account_id="123456789012", domain="api.dev.x.app")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hosted_zone_id": "/hostedzone/Z123"}, "hosted zone id '/hostedzone/Z123' is malformed"),
        ({"hosted_zone_id": "z123"}, "is malformed"),
        ({"jwt_secret_arn": "purposepath/jwt-secret/dev"}, "JWT secret ARN"),
        (
            {"jwt_secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt-AbCdEf"},
            "is in eu-west-1, but stage 'dev' lives in us-east-1",
        ),
        ({"email_from": "no-reply"}, "sender email 'no-reply' is not a valid email address"),
        ({"alarm_email": "ops@"}, "alarm email 'ops@' is not a valid email address"),
    ],
)
def test_bad_shared_inputs_are_refused(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(InputError) as caught:
        preflight.check_shared_inputs(DEV.with_overrides(**overrides))
    assert message in str(caught.value)
    assert caught.value.fix


def test_good_shared_inputs_pass() -> None:
    preflight.check_shared_inputs(
        DEV.with_overrides(
            hosted_zone_id="Z0123456789ABCDEFGHIJ",
            jwt_secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt-AbCdEf",
            alarm_email="ops@purposepath.app",
        )
    )


TEMPLATE = """\
Parameters:
  Stage:
    Type: String
    AllowedPattern: "^[a-z][a-z0-9-]{1,15}$"
    ConstraintDescription: a lowercase stage name
  NodeType:
    Type: String
    Default: cache.t4g.micro
    AllowedValues: [cache.t4g.micro, cache.t4g.small]
Resources:
  Topic:
    Type: AWS::SNS::Topic
"""


@pytest.fixture
def template(tmp_path: Path) -> templates.Template:
    path = tmp_path / "t.yaml"
    path.write_text(TEMPLATE)
    return templates.load(path)


def test_undeclared_parameter_is_refused(template: templates.Template) -> None:
    with pytest.raises(InputError, match="parameter 'Extra' is not declared"):
        preflight.check_parameters(template, {"Stage": "dev", "Extra": "x"})


def test_value_outside_allowed_values_is_refused(template: templates.Template) -> None:
    with pytest.raises(InputError) as caught:
        preflight.check_parameters(template, {"Stage": "dev", "NodeType": "cache.m5.24xlarge"})
    assert "NodeType 'cache.m5.24xlarge' is not allowed" in caught.value.what
    assert "cache.t4g.micro, cache.t4g.small" in caught.value.fix


def test_value_breaking_the_pattern_is_refused(template: templates.Template) -> None:
    with pytest.raises(InputError, match="does not match the pattern"):
        preflight.check_parameters(template, {"Stage": "Dev"})


def test_parameter_without_default_is_required(template: templates.Template) -> None:
    with pytest.raises(InputError, match="needs parameters with no default: Stage"):
        preflight.check_parameters(template, {})


def test_lint_errors_refuse_the_template(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topik\n")
    with pytest.raises(TemplateError) as caught:
        preflight.lint(templates.load(path), "us-east-1")
    assert "lint error" in caught.value.what
    assert "AWS::SNS::Topik" in caught.value.cause


def test_lint_findings_are_kept_by_template_text_region_and_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PPDEPLOY_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("PPDEPLOY_CACHE_DIR", raising=False)  # nox shares one: not here
    runs: list[tuple[str, str]] = []

    def fake_cfn_lint(template: templates.Template, region: str) -> list[tuple[str, int, str]]:
        runs.append((template.body, region))
        return [("W3005", 3, "obsolete DependsOn")]

    monkeypatch.setattr(preflight, "_run_cfn_lint", fake_cfn_lint)
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n")
    first = preflight.lint(templates.load(path), "us-east-1")
    again = preflight.lint(templates.load(path), "us-east-1")
    assert first == again == ["line 3: W3005 obsolete DependsOn"]
    assert len(runs) == 1  # the second answer came from the cache
    preflight.lint(templates.load(path), "eu-west-1")
    path.write_text("Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n")
    preflight.lint(templates.load(path), "us-east-1")
    monkeypatch.setattr(preflight, "_cfn_lint_version", lambda: "0.0.0-other")
    path.write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n")
    preflight.lint(templates.load(path), "us-east-1")
    assert len(runs) == 4  # a new region, text or cfn-lint version is linted again


def test_cached_lint_errors_still_refuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PPDEPLOY_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("PPDEPLOY_CACHE_DIR", raising=False)  # nox shares one: not here
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topik\n")
    for _ in range(2):  # computed, then read back from the cache
        with pytest.raises(TemplateError, match="1 lint error"):
            preflight.lint(templates.load(path), "us-east-1")
