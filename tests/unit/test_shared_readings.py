"""One reading of the stacks' states serves a session's stacks, and is never kept too long.

| situation                                        | what the next ask reads       |
|--------------------------------------------------|-------------------------------|
| asked again within the freshness window          | the kept state (no call)      |
| the reading is older than the window             | CloudFormation again          |
| a deploy in the session changed (or failed)      | CloudFormation again          |
| a deploy left its stack unchanged                | the kept state (no call)      |
| the stack was in progress when read              | CloudFormation again          |
| the listing (local AWS) did not hold the stack   | None, without a call          |
| a describe that started before a forgetting      | returned, but not kept        |

Every call that changes a stack tells the session, which then reads again. Plan previews
the stacks of a wave side by side and keeps the waves' order. The stages'
derived names are checked once for the same stages, templates and rules (a
breach is refused every time), and the engine writes its bytecode although invoke turns
that off before it loads the tasks.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from ppdeploy import config, content_cache, templates
from ppdeploy.aws.cloudformation import CloudFormation, StackState
from ppdeploy.decide import graph
from ppdeploy.decide.plan import StackPlan
from ppdeploy.errors import InputError
from ppdeploy.events import Recorder
from ppdeploy.model import StackSpec
from ppdeploy.templates import Template
from ppdeploy.workflows import stage_plan
from ppdeploy.workflows.session import STATES_FRESH_SECONDS, StackStates, StageSession
from tests.unit.fake_cloudformation import FakeCloudFormation, stack_state

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class CountingReads:
    """``describe`` and a listing over a dict of states, counting each call."""

    def __init__(self, *states: StackState) -> None:
        self.states = {state.name: state for state in states}
        self.describes: list[str] = []
        self.listings = 0

    def describe(self, name: str) -> StackState | None:
        self.describes.append(name)
        return self.states.get(name)

    def list_all(self) -> list[StackState]:
        self.listings += 1
        return list(self.states.values())


def per_stack(reads: CountingReads, clock: Clock) -> StackStates:
    return StackStates(reads.describe, lambda: None, clock)


def listed(reads: CountingReads, clock: Clock) -> StackStates:
    return StackStates(reads.describe, lambda: reads.list_all, clock)


def test_a_state_read_once_is_reused_while_fresh_then_read_again() -> None:
    reads, clock = CountingReads(stack_state("a")), Clock()
    states = per_stack(reads, clock)

    assert states.get("a") == stack_state("a")
    clock.now += STATES_FRESH_SECONDS
    assert states.get("a") == stack_state("a")
    assert reads.describes == ["a"]

    clock.now += 0.01
    states.get("a")
    assert reads.describes == ["a", "a"]


def test_a_missing_stack_is_remembered_as_missing_too() -> None:
    reads, clock = CountingReads(), Clock()
    states = per_stack(reads, clock)

    assert states.get("gone") is None
    assert states.get("gone") is None
    assert reads.describes == ["gone"]


def test_forgetting_reads_again() -> None:
    reads, clock = CountingReads(stack_state("a")), Clock()
    states = per_stack(reads, clock)
    states.get("a")

    states.forget()
    reads.states["a"] = stack_state("a", "UPDATE_ROLLBACK_COMPLETE")

    assert states.get("a") == stack_state("a", "UPDATE_ROLLBACK_COMPLETE")
    assert reads.describes == ["a", "a"]


def test_a_stack_in_progress_is_never_kept() -> None:
    reads, clock = CountingReads(stack_state("a", "UPDATE_IN_PROGRESS")), Clock()
    states = per_stack(reads, clock)

    assert states.get("a") == stack_state("a", "UPDATE_IN_PROGRESS")
    reads.states["a"] = stack_state("a", "UPDATE_COMPLETE")
    assert states.get("a") == stack_state("a", "UPDATE_COMPLETE")
    assert reads.describes == ["a", "a"]


def test_one_listing_answers_for_every_stack_and_for_a_stack_that_is_not_there() -> None:
    reads, clock = CountingReads(stack_state("a"), stack_state("b")), Clock()
    states = listed(reads, clock)

    assert [states.get("a"), states.get("b"), states.get("c")] == [
        stack_state("a"),
        stack_state("b"),
        None,
    ]
    assert (reads.listings, reads.describes) == (1, [])


def test_a_listing_is_read_again_once_stale_or_forgotten() -> None:
    reads, clock = CountingReads(stack_state("a")), Clock()
    states = listed(reads, clock)
    states.get("a")

    clock.now += STATES_FRESH_SECONDS + 0.01
    states.get("a")
    states.forget()
    states.get("b")

    assert (reads.listings, reads.describes) == (3, [])


def test_a_stack_the_listing_found_in_progress_is_described_when_asked_again() -> None:
    reads, clock = CountingReads(stack_state("a", "CREATE_IN_PROGRESS")), Clock()
    states = listed(reads, clock)

    assert states.get("a") == stack_state("a", "CREATE_IN_PROGRESS")
    reads.states["a"] = stack_state("a", "CREATE_COMPLETE")
    assert states.get("a") == stack_state("a", "CREATE_COMPLETE")
    assert (reads.listings, reads.describes) == (1, ["a"])


def test_a_read_that_started_before_a_forgetting_is_not_kept() -> None:
    reads, clock = CountingReads(stack_state("a")), Clock()
    states = per_stack(reads, clock)
    before = reads.describe

    def describe_while_another_deploy_changes_things(name: str) -> StackState | None:
        found = before(name)
        states.forget()  # another stack's deploy changed something meanwhile
        return found

    reads.describe = describe_while_another_deploy_changes_things  # type: ignore[method-assign]
    states = StackStates(reads.describe, lambda: None, clock)

    states.get("a")
    reads.describe = before  # type: ignore[method-assign]
    states.get("a")

    assert reads.describes == ["a", "a"]


# -- the session: a deploy that changes nothing keeps its readings ---------------------


class CountingFake(FakeCloudFormation):
    def describe(self, name: str) -> StackState | None:
        self.calls.append(("describe", name))
        return super().describe(name)


class NoClients:
    """A target whose clients a test must not need (a fingerprint skip makes none)."""

    is_local = True
    description = "a fake target"

    def client(self, service: str) -> object:
        raise AssertionError(f"no {service} client expected")


def session_over(cfn: CountingFake) -> StageSession:
    return StageSession(
        config.stage("dev"),
        target=NoClients(),  # type: ignore[arg-type]
        cfn=cfn,  # type: ignore[arg-type]
        reporter=Recorder(),
        assume_yes=True,
    )


def spec(name: str) -> StackSpec:
    body = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"
    template = Template(Path(f"{name}.yaml"), body, {"Resources": {"Topic": {}}})
    return StackSpec(name=name, template=template, parameters={}, tags={})


def test_a_skipped_deploy_keeps_the_readings_and_a_change_forgets_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfn = CountingFake()
    session = session_over(cfn)
    monkeypatch.setattr(session, "lint", lambda _spec: None)
    session.deploy(spec("a"))  # created: the session reads again afterwards
    cfn.calls.clear()

    session.deploy(spec("a"))  # unchanged: its reading stays
    session.deploy(spec("a"))

    assert cfn.calls == [("describe", "a")]


def test_a_failed_deploy_forgets_the_readings(monkeypatch: pytest.MonkeyPatch) -> None:
    cfn = CountingFake()
    session = session_over(cfn)
    session.stack_state("a")
    session.exports()

    def refuse(_spec: StackSpec) -> None:
        raise RuntimeError("lint failed")

    monkeypatch.setattr(session, "lint", refuse)
    with pytest.raises(RuntimeError):
        session.deploy(spec("a"))
    cfn.calls.clear()
    session.stack_state("a")

    assert cfn.calls == [("describe", "a")]


# -- bytecode ---------------------------------------------------------------------------


@pytest.mark.parametrize(("flags", "expected"), [((), "False"), (("-B",), "True")])
def test_loading_the_tasks_gives_the_bytecode_choice_back_to_the_interpreter(
    flags: tuple[str, ...], expected: str
) -> None:
    # What invoke's Program does before it loads tasks.py (its --write-pyc flag, off).
    probe = "import sys; sys.dont_write_bytecode = True; import ppdeploy.tasks; "
    probe += "print(sys.dont_write_bytecode)"
    env = {"PATH": "/usr/bin:/bin"}  # no PYTHONDONTWRITEBYTECODE from the test's shell
    shown = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, *flags, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    assert shown.stdout.strip() == expected


# -- the stages' derived names: a pass is remembered, a breach never ---------------------

STAGES = """
[defaults]
region = "us-east-1"
account_id = "000000000000"

[stages.dev]

[stages.{extra}]
region = "{region}"
"""


def count_template_loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    loaded: list[Path] = []
    real = templates.load

    def load(path: Path) -> Template:
        loaded.append(path)
        return real(path)

    monkeypatch.setattr(templates, "load", load)
    return loaded


def test_a_stage_file_whose_names_fit_is_checked_once_for_the_same_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(content_cache.CACHE_DIR_VARIABLE, str(tmp_path / "cache"))
    stages = tmp_path / "stages.toml"
    stages.write_text(STAGES.format(extra="qa", region="us-east-1"), encoding="utf-8")
    loaded = count_template_loads(monkeypatch)

    config.stage("dev", stages)
    checked = len(loaded)
    config.stage("dev", stages)
    assert checked > 0
    assert len(loaded) == checked  # the same stages and templates: the pass is remembered

    stages.write_text(STAGES.format(extra="qa", region="eu-west-1"), encoding="utf-8")
    config.stage("dev", stages)
    assert len(loaded) == 2 * checked  # another region: checked again


def test_a_stage_file_whose_names_break_a_limit_is_refused_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(content_cache.CACHE_DIR_VARIABLE, str(tmp_path / "cache"))
    stages = tmp_path / "stages.toml"
    stages.write_text(
        STAGES.format(extra="feature-abcdefgh", region="ap-southeast-2"), encoding="utf-8"
    )

    for _ in range(2):
        with pytest.raises(InputError, match="break AWS's limits") as refused:
            config.stage("dev", stages)
        assert "feature-abcdefgh" in str(refused.value)


def test_a_listing_read_ahead_answers_like_one_read_when_asked() -> None:
    reads, clock = CountingReads(), Clock()
    states = listed(reads, clock)

    states.seed([stack_state("a"), stack_state("b", "UPDATE_IN_PROGRESS")])
    reads.states["b"] = stack_state("b")

    assert [states.get("a"), states.get("b"), states.get("c")] == [
        stack_state("a"),
        stack_state("b"),  # in progress when listed: described again
        None,
    ]
    assert (reads.listings, reads.describes) == (0, ["b"])
    clock.now += STATES_FRESH_SECONDS + 0.01
    states.get("a")
    assert reads.listings == 1


# -- plan: the stacks of a wave are previewed side by side, plans in the waves' order ----


def test_plan_previews_a_wave_side_by_side_and_keeps_the_waves_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = ["c", "a", "b"]
    stage_stacks = graph.build([spec(name) for name in names])
    together = threading.Barrier(len(names), timeout=10)

    def preview(_cfn: object, checked: StackSpec, wave: int, **_reads: object) -> StackPlan:
        together.wait()  # every preview of the wave is running at once, or this times out
        return StackPlan(checked.name, wave, "create")

    monkeypatch.setattr(stage_plan, "preview", preview)
    plans = stage_plan.plan_graph(session_over(CountingFake()), stage_stacks)

    assert [(plan.stack, plan.wave, plan.action) for plan in plans] == [
        ("a", 1, "create"),
        ("b", 1, "create"),
        ("c", 1, "create"),
    ]


# -- the adapter tells the session of every change it makes ------------------------------


class StubClient:
    """A botocore client stand-in: answers reads, refuses one action when told to."""

    def __init__(self, refused: str = "") -> None:
        self.refused = refused

    def __getattr__(self, action: str) -> Any:
        def call(**_kwargs: Any) -> dict[str, Any]:
            if action == self.refused:
                raise RuntimeError(f"{action} refused")
            return {"Stacks": [], "Summaries": []}

        return call


def test_every_changing_call_tells_the_session_and_a_read_does_not() -> None:
    told: list[str] = []
    cfn = CloudFormation(StubClient(refused="delete_stack"), poll_seconds=0)
    cfn.on_change = lambda: told.append("changed")

    cfn.describe("a")
    cfn.change_set_ids("a")
    assert told == []

    cfn.set_stack_policy("a", "{}")
    cfn.set_termination_protection("a", enabled=True)
    cfn.delete_change_set("cs")
    cfn.continue_update_rollback("a", skip=[], token="t")
    with pytest.raises(RuntimeError):
        cfn.delete_stack("a", token="t")  # refused, yet it may have started: told too
    assert told == ["changed"] * 5
