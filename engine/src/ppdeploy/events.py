"""What the engine says while it works: typed progress events, and the ``Reporter`` they go to.

The engine never formats progress for a person. It emits one of the events below to a
``Reporter``; a view (the live terminal table, the plain timestamped log, a test's list)
decides what to show. A view therefore knows which stack an event is about, and whether it
is that stack's final word, from the event's type and fields, never from its wording.

The four kinds of event:

- stack events (``StackNote``): something said about one stack, in words;
- phase events (``StageStarted``, ``WaveStarted``, ``ChangeSetComputed``, ``StageFinished``):
  where a run is, from the whole stage down to one stack's change set;
- outcome events (``StackOutcome``): how one stack ended (created, unchanged, failed...);
- resource events (``ResourceEvent``): a CloudFormation stack event, as the adapter read it;
- traffic events (``TrafficShift``): CodeDeploy moving a function alias to a new version
  during a stack update (a gradual deploy), as the engine saw it.

``Message`` carries what belongs to no stack (an artifact built, a service's tests passed),
``TableShown`` a table to read before a question (a migration's plan).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

if TYPE_CHECKING:
    from ppdeploy.aws.cloudformation import ChangeSet, StackEvent

Level = Literal["info", "success", "warn"]


@dataclass(frozen=True)
class Message:
    """A line of progress about no stack in particular."""

    text: str
    level: Level = "info"


@dataclass(frozen=True)
class StackNote:
    """Something said about one stack (waiting for it, a lint warning, a danger allowed)."""

    stack: str
    text: str
    level: Level = "info"


@dataclass(frozen=True)
class StageStarted:
    """A run over these stacks begins (a live view draws one row per stack)."""

    stage: str
    stacks: tuple[str, ...]


@dataclass(frozen=True)
class WaveStarted:
    """Wave ``number`` of a stage deploy: stacks that need only earlier waves."""

    number: int
    stacks: tuple[str, ...]


@dataclass(frozen=True)
class ChangeSetComputed:
    """CloudFormation computed what a change set would do; review comes next."""

    stack: str
    change_set: ChangeSet


@dataclass(frozen=True)
class ResourceEvent:
    """A CloudFormation stack event of ``stack`` (a resource's, or the stack's own)."""

    stack: str
    event: StackEvent

    @property
    def about_the_stack_itself(self) -> bool:
        return self.event.resource_type == "AWS::CloudFormation::Stack"


@dataclass(frozen=True)
class TableShown:
    """A table to read before the next question (a migration's plan, step by step)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class TrafficShift:
    """How far CodeDeploy has moved ``alias`` (``function:alias``) to ``to_version``.

    Emitted when the share or the status changes while a stack update runs. ``percent`` is
    the share of the alias's traffic on ``to_version`` (0 again after a rollback); ``status``
    is the deployment's (Created, Queued, InProgress, Ready, Succeeded, Failed, Stopped);
    ``reason`` is CodeDeploy's error for a failed or stopped deployment (it names the alarm).
    A version not known yet is "".
    """

    stack: str
    deployment_id: str
    alias: str
    from_version: str
    to_version: str
    percent: float
    status: str
    reason: str = ""

    @property
    def finished(self) -> bool:
        return self.status in ("Succeeded", "Failed", "Stopped")

    @property
    def rolled_back(self) -> bool:
        return self.status in ("Failed", "Stopped")


Outcome = Literal["created", "updated", "unchanged", "deleted", "failed", "skipped"]
SUCCESSFUL_OUTCOMES: frozenset[str] = frozenset({"created", "updated", "unchanged", "deleted"})


@dataclass(frozen=True)
class StackOutcome:
    """A stack's final word in this run."""

    stack: str
    outcome: Outcome
    seconds: float = 0.0
    reason: str = ""


@dataclass(frozen=True)
class StageFinished:
    """Every stack of a run has its outcome (a view shows the summary)."""

    stage: str
    outcomes: tuple[StackOutcome, ...]


ProgressEvent = (
    Message
    | StackNote
    | StageStarted
    | WaveStarted
    | ChangeSetComputed
    | ResourceEvent
    | TrafficShift
    | StackOutcome
    | StageFinished
    | TableShown
)


class Reporter(Protocol):
    """Where the engine sends progress, and asks a person before a change.

    Implementations must be thread-safe: the stacks of a wave deploy in parallel.
    """

    @property
    def interactive(self) -> bool:
        """True when a person watches (a terminal), so a question can be answered."""
        ...

    def emit(self, event: ProgressEvent) -> None: ...

    def confirm(self, question: str, *, assume_yes: bool) -> bool:
        """The person's yes or no; ``assume_yes`` answers yes without asking."""
        ...


E = TypeVar("E")


class Recorder:
    """A ``Reporter`` that keeps every event and answers every question with ``answer``.

    For tests and for callers that want the events themselves (a bench, another program).
    """

    def __init__(self, *, answer: bool = True, interactive: bool = False) -> None:
        self.events: list[ProgressEvent] = []
        self.questions: list[str] = []
        self._answer = answer
        self._interactive = interactive

    @property
    def interactive(self) -> bool:
        return self._interactive

    def emit(self, event: ProgressEvent) -> None:
        self.events.append(event)

    def confirm(self, question: str, *, assume_yes: bool) -> bool:
        self.questions.append(question)
        return assume_yes or self._answer

    def of_type(self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]
