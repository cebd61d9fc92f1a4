"""The compressed clock and CodeDeploy's predefined Lambda deployment configurations."""

from __future__ import annotations

import pytest

from pplocalaws.problems import BadOption
from pplocalaws.resources import local_clock
from pplocalaws.resources.codedeploy_configs import Step, UnknownDeploymentConfig, lambda_steps


def test_the_default_factor_makes_a_minute_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(local_clock.VARIABLE, raising=False)
    assert local_clock.real_seconds(300) == 5.0


def test_the_factor_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(local_clock.VARIABLE, "600")
    assert local_clock.real_seconds(300) == 0.5


@pytest.mark.parametrize("raw", ["fast", "0", "0.5", "-60", "nan", "inf", "100000"])
def test_an_unusable_factor_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv(local_clock.VARIABLE, raw)
    with pytest.raises(BadOption, match=local_clock.VARIABLE):
        local_clock.compression()


def test_a_canary_shifts_ten_percent_waits_then_shifts_the_rest() -> None:
    assert lambda_steps("CodeDeployDefault.LambdaCanary10Percent5Minutes") == (
        Step(0.1, 300.0),
        Step(1.0, 0.0),
    )


def test_linear_shifts_ten_percent_every_interval() -> None:
    steps = lambda_steps("CodeDeployDefault.LambdaLinear10PercentEvery1Minute")
    assert [step.weight for step in steps] == pytest.approx([i / 10 for i in range(1, 11)])
    assert [step.wait for step in steps] == [60.0] * 9 + [0.0]


def test_all_at_once_shifts_everything_without_waiting() -> None:
    assert lambda_steps("CodeDeployDefault.LambdaAllAtOnce") == (Step(1.0, 0.0),)


@pytest.mark.parametrize(
    "name",
    [
        "CodeDeployDefault.LambdaCanary10Percent10Minutes",
        "CodeDeployDefault.LambdaCanary10Percent15Minutes",
        "CodeDeployDefault.LambdaCanary10Percent30Minutes",
        "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
        "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
        "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
    ],
)
def test_every_predefined_lambda_config_is_known(name: str) -> None:
    assert lambda_steps(name)[-1] == Step(1.0, 0.0)


@pytest.mark.parametrize(
    "name", ["CodeDeployDefault.OneAtATime", "CodeDeployDefault.LambdaCanary10Percent6Minutes"]
)
def test_a_config_that_does_not_exist_for_lambda_is_refused(name: str) -> None:
    with pytest.raises(UnknownDeploymentConfig, match="DeploymentConfigDoesNotExistException"):
        lambda_steps(name)
