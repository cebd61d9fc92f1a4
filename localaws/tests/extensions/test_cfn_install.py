"""install() applies every extension once and registers the project's resource models."""

from __future__ import annotations

from moto.cloudformation import parsing
from moto.cloudformation.responses import CloudFormationResponse

from pplocalaws.extensions import install


def test_install_is_idempotent() -> None:
    install()
    wrapped = CloudFormationResponse.call_action

    install()

    assert CloudFormationResponse.call_action is wrapped
    assert wrapped.__wrapped__.__name__ == "call_action"  # type: ignore[attr-defined]
    assert not hasattr(wrapped.__wrapped__, "__wrapped__")  # type: ignore[attr-defined]


def test_install_adds_the_missing_actions_and_resource_models() -> None:
    install()

    assert callable(getattr(CloudFormationResponse, "list_imports", None))
    assert callable(getattr(CloudFormationResponse, "update_termination_protection", None))
    # pplocalaws.resources.register() ran: a type moto itself lacks now has a model.
    assert "AWS::SecretsManager::Secret" in parsing.get_model_map()
