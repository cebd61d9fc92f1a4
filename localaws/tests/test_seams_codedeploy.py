"""The CodeDeploy seam: fails naming the moto attribute the local AWS relies on."""

from __future__ import annotations

import inspect

import pytest
from moto.codedeploy import responses

from pplocalaws import seams
from pplocalaws.resources import codedeploy_api


@pytest.mark.parametrize("name", seams.CODEDEPLOY_DESCRIPTIONS)
def test_wrap_codedeploy_description(name: str) -> None:
    function = getattr(responses, name, None)
    assert function is not None, f"moto changed: codedeploy.responses.{name} is gone"
    original = getattr(function, "_pplocalaws_wraps", function)  # codedeploy_api wrapped it
    assert list(inspect.signature(original).parameters) == [
        "deployment" if name == "_deployment_info" else "deployment_group"
    ], f"moto changed: codedeploy.responses.{name} takes other parameters"
    assert codedeploy_api.__name__  # imported: the wrap is applied
    assert getattr(function, "_pplocalaws_wraps", None) is not None


def test_an_unknown_description_is_refused() -> None:
    with pytest.raises(ValueError, match="_application_info"):
        seams.wrap_codedeploy_description("_application_info", lambda original: original)
