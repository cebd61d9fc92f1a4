"""The cached botocore loader answers exactly what botocore's own loader does, from disk."""

from __future__ import annotations

from pathlib import Path

import botocore
import botocore.exceptions
import botocore.loaders
import botocore.session
import pytest

from ppdeploy.aws import botocore_models


def test_a_cached_model_is_botocore_s_own_parse_and_the_next_loader_reads_it_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = botocore.loaders.Loader()
    first = botocore_models.CachedLoader(tmp_path)

    assert first.load_service_model("cloudformation", "service-2") == plain.load_service_model(
        "cloudformation", "service-2"
    )
    assert first.load_data_with_path("endpoints") == plain.load_data_with_path("endpoints")
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "data--cloudformation--2010-05-15--service-2.pickle",
        "data--cloudformation--2010-05-15--service-2.sdk-extras.missing",
        "data--endpoints.pickle",
        "services--service-2.pickle",
    ]

    def no_botocore(*_args: object) -> None:
        raise AssertionError("read from botocore's JSON again")

    monkeypatch.setattr(botocore.loaders.Loader, "load_data_with_path", no_botocore)
    monkeypatch.setattr(botocore.loaders.Loader, "list_available_services", no_botocore)
    second = botocore_models.CachedLoader(tmp_path)
    model = second.load_service_model("cloudformation", "service-2")
    assert model["metadata"]["serviceId"] == "CloudFormation"


def test_an_unknown_service_is_still_botocore_s_error_and_nothing_is_kept(tmp_path: Path) -> None:
    loader = botocore_models.CachedLoader(tmp_path)

    with pytest.raises(botocore.exceptions.UnknownServiceError, match="no-such-service"):
        loader.load_service_model("no-such-service", "service-2")
    assert not any(tmp_path.glob("data--no-such-service*"))


def test_a_damaged_entry_is_read_from_botocore_again_and_rewritten(tmp_path: Path) -> None:
    entry = tmp_path / "data--endpoints.pickle"
    entry.write_bytes(b"not a pickle")

    data, _path = botocore_models.CachedLoader(tmp_path).load_data_with_path("endpoints")

    assert data == botocore.loaders.Loader().load_data("endpoints")
    assert entry.read_bytes() != b"not a pickle"


def test_clients_made_through_the_cache_work_and_the_folder_names_the_version(
    tmp_path: Path,
) -> None:
    session = botocore.session.Session()
    botocore_models.install(session, tmp_path)
    session.set_credentials("testing", "testing")

    client = session.create_client("cloudformation", region_name="us-east-1")

    assert client.meta.service_model.service_name == "cloudformation"
    assert (tmp_path / "cache" / "botocore" / botocore.__version__).is_dir()


def test_extra_model_paths_keep_botocore_s_own_loader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path / "models"))
    session = botocore.session.Session()

    botocore_models.install(session, tmp_path)

    assert not isinstance(session.get_component("data_loader"), botocore_models.CachedLoader)
    assert not (tmp_path / "cache").exists()


def test_outside_a_checkout_nothing_is_cached() -> None:
    session = botocore.session.Session()

    botocore_models.install(session, None)

    assert not isinstance(session.get_component("data_loader"), botocore_models.CachedLoader)
