"""The Lambda seams: each test fails naming the moto attribute the local AWS relies on."""

from __future__ import annotations

import inspect

import pytest
from moto.awslambda.models import LambdaAlias, LambdaBackend, LambdaFunction, LambdaStorage
from moto.awslambda.responses import LambdaResponse

from pplocalaws import seams

# Methods of moto's classes that ``lambda_updates`` and ``lambda_versions`` wrap, with the
# parameters the wrappers take and pass on.
WRAPPED = [
    (LambdaBackend, "update_function_code", ["function_name", "qualifier", "body"]),
    (LambdaBackend, "update_function_configuration", ["function_name", "qualifier", "body"]),
    (LambdaBackend, "get_function", ["function_name_or_arn", "qualifier"]),
    (LambdaBackend, "publish_version", ["function_name", "description"]),
    (
        LambdaBackend,
        "create_alias",
        ["name", "function_name", "function_version", "description", "routing_config"],
    ),
    (
        LambdaBackend,
        "update_alias",
        ["name", "function_name", "function_version", "description", "routing_config"],
    ),
    (LambdaBackend, "delete_function", ["function_name", "qualifier"]),
    (LambdaFunction, "get_configuration", ["on_create"]),
    (LambdaResponse, "publish_version", []),
    (LambdaResponse, "update_alias", []),
]


@pytest.mark.parametrize(("moto_class", "name", "parameters"), WRAPPED)
def test_each_wrapped_moto_method_keeps_its_parameters(
    moto_class: type, name: str, parameters: list[str]
) -> None:
    method = moto_class.__dict__.get(name)
    assert method is not None, f"moto's {moto_class.__name__}.{name} is gone"
    original = getattr(method, "_pplocalaws_wraps", method)
    found = list(inspect.signature(original).parameters)[1:]
    assert found == parameters, f"moto's {moto_class.__name__}.{name} now takes {found}"


def test_lambda_storage() -> None:
    backend = LambdaBackend("us-east-1", "123456789012")

    storage = seams.lambda_storage(backend)

    assert isinstance(storage, LambdaStorage), "moto's LambdaBackend._lambdas changed"
    assert hasattr(seams.lambda_function_arns(storage), "get"), "moto's LambdaStorage._arns changed"
    for used in ("get_function_by_name_or_arn_forbid_qualifier", "publish_version"):
        assert hasattr(storage, used), f"moto's LambdaStorage.{used} is gone"


def test_lambda_function_arns() -> None:
    storage = seams.lambda_storage(LambdaBackend("us-east-1", "123456789012"))

    assert hasattr(seams.lambda_function_arns(storage), "get"), "moto's LambdaStorage._arns changed"


def test_a_function_parses_layer_arns_itself() -> None:
    assert hasattr(LambdaFunction, "_get_layers_data"), (
        "moto's LambdaFunction._get_layers_data is gone"
    )


def test_the_function_and_alias_attributes_the_models_use_are_set_by_moto() -> None:
    function_init = inspect.getsource(LambdaFunction.__init__)
    for attribute in ("code", "environment_vars", "layers", "tags", "code_or_config_updated"):
        assert f"self.{attribute}" in function_init, f"moto's LambdaFunction.{attribute} changed"
    alias_init = inspect.getsource(LambdaAlias.__init__)
    for attribute in ("revision_id", "routing_config", "function_version"):
        assert f"self.{attribute}" in alias_init, f"moto's LambdaAlias.{attribute} changed"


def test_patch_method() -> None:
    class Model:
        def call(self) -> str:
            return "moto"

    def wrap(original):  # type: ignore[no-untyped-def]  # any callable
        return lambda self: "local " + original(self)

    seams.patch_method(Model, "call", wrap)
    seams.patch_method(Model, "call", wrap)

    assert Model().call() == "local moto"
    with pytest.raises(AttributeError, match="no method 'gone'"):
        seams.patch_method(Model, "gone", wrap)
