"""What the engine deploys: a stack's name, template, parameters and tags."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ppdeploy.templates import Template


@dataclass(frozen=True)
class StackSpec:
    """One stack as it should be after a deploy."""

    name: str
    template: Template
    parameters: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    termination_protection: bool = False
    stack_policy: str | None = None  # JSON; set after every deploy when given


DeployOutcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class DeployResult:
    """What a deploy did to one stack."""

    stack: str
    outcome: DeployOutcome
    seconds: float
    outputs: dict[str, str] = field(default_factory=dict)
