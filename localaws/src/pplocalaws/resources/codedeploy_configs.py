"""CodeDeploy's predefined deployment configurations for the Lambda compute platform.

From "Deployment configurations on an AWS Lambda compute platform" (CodeDeploy User Guide,
https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-lambda):

- ``CodeDeployDefault.LambdaCanary10Percent{5,10,15,30}Minutes``: "Shifts 10 percent of
  traffic in the first increment. The remaining 90 percent is deployed N minutes later";
- ``CodeDeployDefault.LambdaLinear10PercentEvery{1,2,3,10}Minute(s)``: "Shifts 10 percent
  of traffic every N minutes until all traffic is shifted";
- ``CodeDeployDefault.LambdaAllAtOnce``: "Shifts all traffic to the updated Lambda
  functions at once".

Custom configurations (CreateDeploymentConfig) are not modelled: a name outside this table
is refused, as CodeDeploy refuses a configuration that does not exist
(DeploymentConfigDoesNotExistException, CreateDeploymentGroup API reference). The
EC2/on-premises configurations (``CodeDeployDefault.OneAtATime`` ...) are refused for a
Lambda deployment group: they belong to another compute platform (same page, "Predefined
deployment configurations" are listed per compute platform).
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "CodeDeployDefault.Lambda"
MINUTE = 60.0


@dataclass(frozen=True)
class Step:
    """Shift so the new version takes ``weight`` (0..1) of traffic, then wait ``wait`` s."""

    weight: float
    wait: float  # AWS seconds (compressed by the local clock when run)


def _canary(minutes: int) -> tuple[Step, ...]:
    return (Step(0.1, minutes * MINUTE), Step(1.0, 0.0))


def _linear(minutes: int) -> tuple[Step, ...]:
    # 10%, 20%, ... 90% each followed by the interval, then 100%.
    return (*(Step(tenth / 10, minutes * MINUTE) for tenth in range(1, 10)), Step(1.0, 0.0))


LAMBDA_CONFIGS: dict[str, tuple[Step, ...]] = {
    f"{PREFIX}AllAtOnce": (Step(1.0, 0.0),),
    **{f"{PREFIX}Canary10Percent{m}Minutes": _canary(m) for m in (5, 10, 15, 30)},
    f"{PREFIX}Linear10PercentEvery1Minute": _linear(1),
    **{f"{PREFIX}Linear10PercentEvery{m}Minutes": _linear(m) for m in (2, 3, 10)},
}


class UnknownDeploymentConfig(ValueError):
    """A deployment configuration name CodeDeploy would not find for Lambda."""


def lambda_steps(config_name: str) -> tuple[Step, ...]:
    """The traffic steps of a predefined Lambda configuration, or a clear refusal."""
    steps = LAMBDA_CONFIGS.get(str(config_name))
    if steps is None:
        known = ", ".join(sorted(LAMBDA_CONFIGS))
        raise UnknownDeploymentConfig(
            f"Deployment configuration {config_name!r} does not exist for the Lambda compute "
            f"platform (DeploymentConfigDoesNotExistException); use one of: {known}"
        )
    return steps


__all__ = ["LAMBDA_CONFIGS", "Step", "UnknownDeploymentConfig", "lambda_steps"]
