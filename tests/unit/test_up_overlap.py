"""Preparing the services for ``up`` and ``deploy --all``: the builds side by side where they
can be, then every suite; fakes stand for both (no process, no AWS, milliseconds)."""

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


def test_the_builds_come_first_then_every_suite_to_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order: list[str] = []

    def run_all(
        sources: list[catalog.ServiceSource], *, force: bool
    ) -> list[catalog.ServiceSource]:
        order.append("suites")
        return sources[:1]  # the second one had passed before

    def build(source: catalog.ServiceSource) -> builds.Artifact:
        order.append(f"build {source.key}")
        return _artifact(source)

    monkeypatch.setattr(servicetests, "run_all", run_all)
    monkeypatch.setattr(builds, "build", build)
    reporter = Recorder()
    alpha, beta = _source("alpha", ("a==1",)), _source("beta", ("a==1",))
    service_deploy.prepare_services([alpha, beta], reporter, skip_tests=False)
    assert order == ["build alpha-python", "build beta-python", "suites"]
    assert "alpha-python: tests passed" in [m.text for m in reporter.of_type(Message)]


def test_skipped_tests_start_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def start(sources: list[catalog.ServiceSource], *, force: bool) -> None:
        raise AssertionError("no suite may start with --skip-tests")

    monkeypatch.setattr(servicetests, "start", start)
    monkeypatch.setattr(servicetests, "run_all", start)
    monkeypatch.setattr(builds, "build", _artifact)
    prepared = service_deploy.prepare_services([_source("alpha")], Recorder(), skip_tests=True)
    assert [p.source.key for p in prepared] == ["alpha-python"]


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
