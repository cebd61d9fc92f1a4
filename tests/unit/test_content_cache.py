from pathlib import Path

import pytest

from ppdeploy import content_cache


def test_key_separates_its_parts() -> None:
    assert content_cache.key("ab", "c") != content_cache.key("a", "bc")
    assert content_cache.key("a") == content_cache.key("a")


def test_a_value_is_computed_once_and_a_broken_entry_is_computed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PPDEPLOY_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("PPDEPLOY_CACHE_DIR", raising=False)  # nox shares one: not here
    calls: list[int] = []

    def compute() -> list[int]:
        calls.append(1)
        return [1, 2]

    digest = content_cache.key("x")
    assert content_cache.json_cached("t", digest, compute) == [1, 2]
    assert content_cache.json_cached("t", digest, compute) == [1, 2]
    assert len(calls) == 1
    (tmp_path / "cache" / "t" / f"{digest}.json").write_text("{not json")
    assert content_cache.json_cached("t", digest, compute) == [1, 2]
    assert len(calls) == 2


def test_the_cache_folder_can_be_shared_apart_from_the_state_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PPDEPLOY_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PPDEPLOY_CACHE_DIR", str(tmp_path / "shared"))
    content_cache.json_cached("t", content_cache.key("y"), lambda: 3)
    assert list((tmp_path / "shared" / "t").glob("*.json"))
    assert not (tmp_path / "state" / "cache").exists()
