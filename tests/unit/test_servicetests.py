"""The services' suites run side by side, once per set of inputs; a change or --force reruns."""

from __future__ import annotations

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
    monkeypatch.setenv("PPDEPLOY_CACHE_DIR", str(tmp_path / ".cache"))
    # The suites here are a few plain asserts: what is under test is how the engine starts,
    # waits for and remembers them, not the environment's pytest plugins. Loading those
    # (hypothesis and schemathesis register themselves) costs ~3 CPU-s per suite process
    # and these tests start about twenty of them.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return tmp_path


PASSING = "def test_passes():\n    assert True\n"


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
    # Each suite checks in, then waits for the other two: run one after another, the first
    # would wait alone and fail. No timing involved, so a busy machine cannot flake it.
    meeting = root / "meeting"
    meeting.mkdir()
    body = (
        "import time\nfrom pathlib import Path\n\n"
        "def test_meet(request):\n"
        f"    here = Path({str(meeting)!r})\n"
        "    (here / request.path.stem).touch()\n"
        "    deadline = time.monotonic() + 120\n"
        "    while len(list(here.iterdir())) < 3 and time.monotonic() < deadline:\n"
        "        time.sleep(0.05)\n"
        "    assert len(list(here.iterdir())) == 3\n"
    )
    sources = [_service(root, name, body) for name in ("alpha", "beta", "gamma")]
    assert servicetests.run_all(sources) == sources


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


def test_the_suite_imports_the_sources_it_is_given(root: Path) -> None:
    folder = root / "services" / "alpha"
    (folder / "src" / "alpha_pkg").mkdir(parents=True)
    (folder / "src" / "alpha_pkg" / "__init__.py").write_text(f"WHERE = {str(folder)!r}\n")
    source = _service(
        root,
        "alpha",
        f"import alpha_pkg\n\ndef test_where():\n    assert alpha_pkg.WHERE == {str(folder)!r}\n",
    )
    assert servicetests.run_all([source]) == [source]


def _waits_for(go: Path) -> str:
    """A suite that passes once ``go`` exists (it gives up after two minutes)."""
    return (
        "import time\nfrom pathlib import Path\n\n"
        "def test_waits():\n"
        f"    go = Path({str(go)!r})\n"
        "    deadline = time.monotonic() + 120\n"
        "    while not go.exists() and time.monotonic() < deadline:\n"
        "        time.sleep(0.05)\n"
        "    assert go.exists()\n"
    )


def test_start_returns_while_the_suites_run_and_a_second_start_joins_them(root: Path) -> None:
    # The suite passes only once the test has gone on past `start`: a blocking start would
    # leave it waiting alone until it fails. No timing involved.
    go = root / "go"
    source = _service(root, "alpha", _waits_for(go))
    suites = servicetests.start([source])
    again = servicetests.start([source])
    assert again.runs["alpha-python"] is suites.runs["alpha-python"]  # joined, not rerun
    go.touch()
    assert suites.wait(source) is True
    assert again.wait(source) is True
    assert servicetests.start([source]).runs == {}  # passed: remembered


def test_each_service_waits_for_its_own_suite_only(root: Path) -> None:
    good = _service(root, "alpha", PASSING)
    bad = _service(root, "beta", "def test_fails():\n    assert 1 == 2\n")
    suites = servicetests.start([good, bad])
    assert suites.wait(good) is True
    with pytest.raises(servicetests.ServiceTestsFailed) as caught:
        suites.wait(bad)
    assert caught.value.what.startswith("the tests of beta-python failed")
    assert servicetests.start([good]).wait(good) is False  # passed before: not run


def test_a_pass_holds_for_another_checkout_of_the_same_sources_not_another_environment(
    root: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _service(root, "alpha", PASSING)
    assert servicetests.run_all([source]) == [source]
    clone = tmp_path_factory.mktemp("clone")
    (clone / "stages.toml").write_text("")
    (clone / "services" / "common").mkdir(parents=True)
    (clone / "services" / "common" / "shared.py").write_text("VALUE = 1\n")
    monkeypatch.setenv("PPDEPLOY_ROOT", str(clone))
    monkeypatch.setenv("PPDEPLOY_STATE_DIR", str(clone / ".state"))  # a fresh checkout's
    copy = _service(clone, "alpha", PASSING)
    assert servicetests.run_all([copy]) == []  # same bytes, same environment: not rerun
    upgraded = [*servicetests.installed_distributions(), "pytest-99.0.dist-info"]
    monkeypatch.setattr(servicetests, "installed_distributions", lambda: upgraded)
    assert servicetests.run_all([copy]) == [copy]  # another library version: run again


def test_passes_live_in_the_users_cache_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PPDEPLOY_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    assert servicetests.cache_dir() == Path("/somewhere/cache/ppdeploy")
    monkeypatch.setenv("PPDEPLOY_CACHE_DIR", "/elsewhere")
    assert servicetests.cache_dir() == Path("/elsewhere")


def test_installed_distributions_name_the_test_libraries_with_their_versions() -> None:
    found = servicetests.installed_distributions()
    assert any(name.startswith("pytest-") for name in found)
    assert found == sorted(found)
