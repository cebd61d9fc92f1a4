"""The services' suites run side by side, once per set of inputs; a change or --force reruns."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ppdeploy import catalog, servicetests


def _service(root: Path, name: str, body: str) -> catalog.ServiceSource:
    folder = root / "services" / name
    (folder / "tests").mkdir(parents=True)
    (folder / "tests" / f"test_{name}.py").write_text(body)
    return catalog.ServiceSource(
        service=name,
        runtime="python",
        template=folder / "template.yaml",
        packages=(),
        requirements=(),
        tests=folder / "tests",
        covered=(folder, root / "services" / "common"),
    )


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "stages.toml").write_text("")
    (tmp_path / "services" / "common").mkdir(parents=True)
    (tmp_path / "services" / "common" / "shared.py").write_text("VALUE = 1\n")
    monkeypatch.setenv("PPDEPLOY_ROOT", str(tmp_path))
    monkeypatch.setenv("PPDEPLOY_STATE_DIR", str(tmp_path / ".state"))
    return tmp_path


PASSING = "def test_passes():\n    assert True\n"
SLOW = "import time\n\ndef test_slow():\n    time.sleep(2.5)\n"


def test_a_pass_is_remembered_until_something_covered_changes(root: Path) -> None:
    source = _service(root, "alpha", PASSING)
    assert servicetests.run_all([source]) == [source]
    assert servicetests.run_all([source]) == []  # nothing changed: not run again
    (root / "services" / "common" / "shared.py").write_text("VALUE = 2\n")
    assert servicetests.run_all([source]) == [source]  # a shared file changed
    (root / "services" / "alpha" / "tests" / "test_more.py").write_text(PASSING)
    assert servicetests.run_all([source]) == [source]  # a test file was added
    assert servicetests.run_all([source], force=True) == [source]


def test_bytecode_and_caches_do_not_count(root: Path) -> None:
    source = _service(root, "alpha", PASSING)
    before = servicetests.tests_hash(source)
    (root / "services" / "alpha" / "tests" / "__pycache__").mkdir()
    (root / "services" / "alpha" / "tests" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert servicetests.tests_hash(source) == before


def test_suites_run_side_by_side(root: Path) -> None:
    sources = [_service(root, name, SLOW) for name in ("alpha", "beta", "gamma")]
    started = time.monotonic()
    assert servicetests.run_all(sources) == sources
    # One after another would take 3 x 2.5 s of sleeping alone.
    assert time.monotonic() - started < 6.5


def test_failures_name_every_failing_service_and_are_not_remembered(root: Path) -> None:
    good = _service(root, "alpha", PASSING)
    bad = _service(root, "beta", "def test_fails():\n    assert 1 == 2\n")
    with pytest.raises(servicetests.ServiceTestsFailed) as caught:
        servicetests.run_all([good, bad])
    assert "beta-python" in caught.value.what
    assert "alpha" not in caught.value.what
    assert "assert 1 == 2" in (caught.value.cause or "")
    assert "pytest" in caught.value.fix
    assert servicetests.run_all([good]) == []  # the passing one was remembered
    with pytest.raises(servicetests.ServiceTestsFailed):
        servicetests.run_all([bad])  # the failing one runs again
