"""`invoke up` from a fresh clone (after the install), alternating with a baseline revision.

Two clones: this checkout's commit ("ours") and ``--baseline`` (default ``main``), each
with its own virtualenv and ``pip install -e '.[test]'`` made once (the install is not
timed; it is kept under ``--work`` for the next run). Before every timed run the clone is
made fresh again (``git clean -xdf`` except its virtualenv: no state folder, no build
cache, no bytecode), then ``invoke up`` runs on free loopback ports and ``invoke down``
after. The runs alternate, baseline then ours, so a busy moment of the machine does not
favour one of them.

Ours runs twice per round: with an empty test cache (``PPDEPLOY_CACHE_DIR`` a new empty
folder: this machine never tested these sources) and with the cache the previous run
left (a fresh clone of sources this machine has tested: the suites are not rerun). The
baseline keeps its passes in the clone, so a fresh clone always runs its suites.

Every line ``up`` prints is stamped on arrival, so each run also reports when its
milestones came: the local AWS up, the last artifact, the last suite, the services' wave,
the stage deployed, verify done.

``--this-environment`` skips the installs: both clones run with this interpreter, their own
source folders first on ``PYTHONPATH`` (the workspace's ``dev-mode-dirs``). Same figures
when the two revisions declare the same dependencies, minutes sooner on a busy machine.

    python bench/up.py [--repeats 1] [--baseline main] [--work /tmp/ppdeploy-bench-up]
                       [--this-environment]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import deploy_harness as harness

TARGET_SECONDS = 45.0
# (label, the text of the line that marks it; the last such line counts)
MILESTONES = (
    ("local AWS up", "local AWS: "),
    ("last artifact", ": artifact "),
    ("last suite passed", ": tests passed"),
    ("services' wave", "wave 2:"),
    ("stage deployed", "ses: sender"),
    ("verify done", "up: every verify step passed"),
)


def git(*args: str, cwd: Path = harness.ROOT) -> str:
    result = subprocess.run(  # noqa: S603 - git with fixed arguments
        ["git", *args],  # noqa: S607 - git from the PATH, as a developer runs it
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def _install_key(clone: Path) -> str:
    """What the install depends on: every pyproject.toml of the clone (the dependencies)."""
    digest = hashlib.sha256()
    for path in sorted(clone.glob("**/pyproject.toml")):
        if ".venv" not in path.parts:
            digest.update(path.read_bytes())
    return digest.hexdigest()


def source_folders(clone: Path) -> list[str]:
    """The clone's own source folders, as its editable install would put them on the path."""
    with (clone / "pyproject.toml").open("rb") as stream:
        declared = tomllib.load(stream)
    return [str(clone / folder) for folder in declared["tool"]["hatch"]["build"]["dev-mode-dirs"]]


def installed_clone(work: Path, label: str, revision: str, *, install: bool = True) -> Path:
    """A clone at ``revision`` with its own installed virtualenv.

    The clone (``work/label``) and its editable install are kept: a later run checks the
    new commit out in it and installs again only when a pyproject.toml changed.
    """
    commit = git("rev-parse", revision)
    clone = work / label
    if not clone.exists():
        git("clone", "--quiet", "--shared", str(harness.ROOT), str(clone))
    git("fetch", "--quiet", str(harness.ROOT), commit, cwd=clone)
    git("checkout", "--quiet", "--force", "--detach", commit, cwd=clone)
    marker = clone / ".installed"
    key = _install_key(clone)
    if not install or (marker.exists() and marker.read_text() == key):
        return clone
    print(f"bench: installing {revision} ({commit[:12]}) into {clone}", file=sys.stderr)
    python = clone / ".venv" / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", str(clone / ".venv")], check=True)  # noqa: S603
    pip = [str(python), "-m", "pip", "install", "-q", "-e", f"{clone}[test]"]
    subprocess.run(pip, check=True, cwd=clone)  # noqa: S603 - pip from the venv just made
    marker.write_text(key)
    return clone


@dataclass
class Run:
    seconds: float
    # CPU seconds (user + system) of `up` and the processes it waited for (the suites,
    # pip): a figure a busy machine inflates far less than wall time. The local AWS and
    # the gateway run detached, so their CPU is not in it.
    cpu: float = 0.0
    marks: dict[str, float] = field(default_factory=dict)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_up(clone: Path, cache: Path | None, *, this_environment: bool = False) -> Run:
    """One fresh-clone ``invoke up`` (and ``invoke down`` after), its lines stamped."""
    git("clean", "-xdfq", "-e", ".venv", "-e", ".installed", cwd=clone)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PPDEPLOY_"))}
    env["NO_COLOR"] = "1"
    if cache is not None:
        env["PPDEPLOY_CACHE_DIR"] = str(cache)
    python = str(clone / ".venv" / "bin" / "python")
    if this_environment:
        python = sys.executable
        env["PYTHONPATH"] = os.pathsep.join(source_folders(clone))
    ports = ["--port", str(harness.free_port()), "--aws-port", str(harness.free_port())]
    marks: dict[str, float] = {}
    lines: list[str] = []
    cpu_before = _children_cpu()
    started = time.perf_counter()
    with subprocess.Popen(  # noqa: S603 - the clone's interpreter, fixed arguments
        [python, "-m", "invoke", "up", *ports],
        cwd=clone,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            for label, text in MILESTONES:
                if text in line:
                    marks[label] = time.perf_counter() - started
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    down = subprocess.run(  # noqa: S603 - same interpreter, fixed arguments
        [python, "-m", "invoke", "down"], cwd=clone, env=env, capture_output=True, check=False
    )
    if process.returncode != 0 or down.returncode != 0:
        print("".join(lines[-60:]), file=sys.stderr)
        raise SystemExit(f"bench: invoke up in {clone} failed ({process.returncode})")
    return Run(seconds, cpu, marks)


def breakdown(run: Run) -> str:
    return ", ".join(f"{label} {at:.0f}" for label, at in run.marks.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="rounds (median)")
    parser.add_argument("--baseline", default="main", help="the revision to compare with")
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "ppdeploy-bench-up",
        help="where the clones and their virtualenvs are kept",
    )
    parser.add_argument(
        "--this-environment",
        action="store_true",
        help="no install: run both clones with this interpreter, their sources on PYTHONPATH",
    )
    options = parser.parse_args()
    options.work.mkdir(parents=True, exist_ok=True)
    install = not options.this_environment
    baseline = installed_clone(options.work, "baseline", options.baseline, install=install)
    ours = installed_clone(options.work, "ours", "HEAD", install=install)
    mode = {"this_environment": options.this_environment}
    runs: dict[str, list[Run]] = {"baseline": [], "ours, cache empty": [], "ours, tested": []}
    with tempfile.TemporaryDirectory(prefix="ppdeploy-bench-up-cache-") as caches:
        for round_ in range(options.repeats):
            runs["baseline"].append(timed_up(baseline, Path(caches) / f"base-{round_}", **mode))
            empty = Path(caches) / f"round-{round_}"
            runs["ours, cache empty"].append(timed_up(ours, empty, **mode))
            runs["ours, tested"].append(timed_up(ours, empty, **mode))  # what the run before left
    rows = []
    for label, timed in runs.items():
        rows.append((f"{label}: invoke up", harness.spread([r.seconds for r in timed])))
        rows.append(
            (f"  {label}: CPU s of up and its children", harness.spread([r.cpu for r in timed]))
        )
        rows.append((f"  {label}: milestones (s)", breakdown(timed[-1])))
    base = harness.median([r.seconds for r in runs["baseline"]])
    for label in ("ours, cache empty", "ours, tested"):
        median = harness.median([r.seconds for r in runs[label]])
        rows.append((f"ratio baseline / {label}", f"{base / median:.2f}x"))
        rows.append((f"target: {label} <= {TARGET_SECONDS:.0f} s", _verdict(median)))
    harness.print_table(
        f"invoke up from a fresh clone: {options.baseline} against "
        f"{git('rev-parse', '--short', 'HEAD')}"
        f", wall seconds, median of {options.repeats}",
        rows,
    )


def _verdict(seconds: float) -> str:
    return "met" if seconds <= TARGET_SECONDS else "NOT met"


if __name__ == "__main__":
    main()
