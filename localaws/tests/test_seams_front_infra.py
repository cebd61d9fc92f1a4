"""The front-infra seam into moto still holds (names the moto attribute if not)."""

from __future__ import annotations

import pytest
from moto.awslambda import urls
from moto.awslambda.responses import LambdaResponse

from pplocalaws import seams


def test_add_lambda_path() -> None:
    from pplocalaws.resources import lambda_account_settings  # noqa: PLC0415 - adds the path

    assert urls.url_paths[lambda_account_settings.PATH] == LambdaResponse.dispatch
    before = dict(urls.url_paths)
    seams.add_lambda_path(lambda_account_settings.PATH)  # twice: nothing changes
    assert urls.url_paths == before


def test_add_lambda_path_names_the_moto_attribute_when_it_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(urls, "url_paths")
    with pytest.raises(seams.MotoChanged, match=r"moto\.awslambda\.urls\.url_paths is gone"):
        seams.add_lambda_path(r"{0}/x$")
