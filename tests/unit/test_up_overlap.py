"""The services' suites overlap everything before the service stacks; each waits for its own.

Fakes stand for the suites and the builds: no process, no AWS, milliseconds.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ppdeploy import build as builds
from ppdeploy import catalog, servicetests
from ppdeploy.events import Message, Recorder
from ppdeploy.workflows import service_deploy


def _source(name: str, requirements: tuple[str, ...] = ("pkg==1",)) -> catalog.ServiceSource:
    folder = Path("/nowhere") / name
    return catalog.ServiceSource(
        service=name,
        runtime="python",
        template=folder / "template.yaml",
        packages=(),
        requirements=requirements,
        tests=folder / "tests",
    )


def _artifact(source: catalog.ServiceSource) -> builds.Artifact:
    return builds.Artifact(source.service, source.runtime, Path("/nowhere.zip"), "0" * 64, 1, True)


class FakeSuites(servicetests.Suites):
    """Suites whose outcome a test decides: keys in ``failing`` fail, the others pass."""

    def __init__(self, keys: list[str], failing: tuple[str, ...] = ()) -> None:
        super().__init__(runs=dict.fromkeys(keys))  # type: ignore[arg-type]
        self.failing = failing
        self.waited: list[str] = []

    def wait(self, source: catalog.ServiceSource) -> bool:
        self.waited.append(source.key)
        if source.key in self.failing:
            raise servicetests.ServiceTestsFailed(f"the tests of {source.key} failed")
        return source.key in self.runs


def test_suites_start_after_the_builds_and_are_not_awaited_by_prepare(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order: list[str] = []
    suites = FakeSuites(["alpha-python"])

    def start(sources: list[catalog.ServiceSource], *, force: bool) -> FakeSuites:
        order.append("start")
        return suites

    def build(source: catalog.ServiceSource) -> builds.Artifact:
        order.append(f"build {source.key}")
        return _artifact(source)

    monkeypatch.setattr(servicetests, "start", start)
    monkeypatch.setattr(builds, "build", build)
    # Different dependency sets build side by side: their order is the pool's; sorted below.
    alpha, beta = _source("alpha", ("a==1",)), _source("beta", ("a==1",))  # beta: passed before
    prepared = service_deploy.prepare_services([alpha, beta], Recorder(), skip_tests=False)
    assert order == ["build alpha-python", "build beta-python", "start"]
    assert suites.waited == []  # still running: the deploy waits, later, per service
    assert prepared[0].tests is suites
    assert prepared[1].tests is None


def test_a_service_waits_for_its_own_suite_and_says_it_passed() -> None:
    reporter = Recorder()
    suites = FakeSuites(["alpha-python", "beta-python"], failing=("beta-python",))
    alpha, beta = _source("alpha"), _source("beta")
    service_deploy.tested(service_deploy.PreparedService(alpha, _artifact(alpha), suites), reporter)
    assert [m.text for m in reporter.of_type(Message)] == ["alpha-python: tests passed"]
    with pytest.raises(servicetests.ServiceTestsFailed, match="beta-python"):
        service_deploy.tested(
            service_deploy.PreparedService(beta, _artifact(beta), suites), reporter
        )
    assert suites.waited == ["alpha-python", "beta-python"]


def test_one_service_prepared_alone_has_its_tests_done(monkeypatch: pytest.MonkeyPatch) -> None:
    suites = FakeSuites(["alpha-python"])
    monkeypatch.setattr(servicetests, "start", lambda sources, *, force: suites)
    monkeypatch.setattr(builds, "build", _artifact)
    alpha = _source("alpha")
    prepared = service_deploy.prepare_service(alpha, Recorder(), skip_tests=False)
    assert suites.waited == ["alpha-python"]
    assert prepared.tests is None


def test_skipped_tests_start_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def start(sources: list[catalog.ServiceSource], *, force: bool) -> FakeSuites:
        raise AssertionError("no suite may start with --skip-tests")

    monkeypatch.setattr(servicetests, "start", start)
    monkeypatch.setattr(builds, "build", _artifact)
    prepared = service_deploy.prepare_services([_source("alpha")], Recorder(), skip_tests=True)
    assert prepared[0].tests is None


def test_builds_of_different_dependencies_run_side_by_side_and_same_ones_in_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The two dependency sets meet at a barrier: built one after the other, the first would
    # wait there alone and break it. The two services sharing a set never overlap.
    meeting = threading.Barrier(2, timeout=30)
    busy: dict[tuple[str, ...], int] = {}
    lock = threading.Lock()

    def build(source: catalog.ServiceSource) -> builds.Artifact:
        with lock:
            busy[source.requirements] = busy.get(source.requirements, 0) + 1
            assert busy[source.requirements] == 1, "two builds wrote one dependency folder"
        if source.service in ("alpha", "gamma"):
            meeting.wait()
        with lock:
            busy[source.requirements] -= 1
        return _artifact(source)

    monkeypatch.setattr(builds, "build", build)
    sources = [_source("alpha", ("a==1",)), _source("beta", ("a==1",)), _source("gamma", ("g==1",))]
    prepared = service_deploy.prepare_services(sources, Recorder(), skip_tests=True)
    assert [p.source.key for p in prepared] == ["alpha-python", "beta-python", "gamma-python"]
