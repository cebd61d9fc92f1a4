"""The three services' suites as `invoke up` runs them: CPU seconds, ours against a baseline.

On a machine of two cores the suites' CPU is what `invoke up` waits for (they run side by
side), and CPU is what a busy machine inflates least, so this reports CPU seconds (user +
system of the suite's pytest process) first, wall seconds second. Each clone runs its
own ``ppdeploy.servicetests`` command and environment (``command`` and ``_environment``
as that revision defines them), one suite at a time, alternating baseline then ours per
round so a busy moment does not favour one of them.

The clones are bench/up.py's (``installed_clone`` under ``--work``); both run with this
interpreter and their own source folders first on ``PYTHONPATH`` (the workspace's
``dev-mode-dirs``), as ``up.py --this-environment`` does.

    python bench/suites.py [--repeats 1] [--baseline main] [--work /tmp/ppdeploy-bench-up]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import deploy_harness as harness
from up import git, installed_clone, source_folders

SERVICES = ("account", "coaching", "traction")
# Run inside a clone: its own servicetests' command and environment for each service.
_DESCRIBE = """
import json, sys
from ppdeploy import catalog, servicetests
out = {}
for name in sys.argv[1:]:
    source = catalog.service(name)
    out[name] = {"argv": servicetests.command(source), "env": servicetests._environment(source)}
print(json.dumps(out))
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def suite_commands(clone: Path) -> dict[str, dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(source_folders(clone))}
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", _DESCRIBE, *SERVICES],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    described: dict[str, dict[str, object]] = json.loads(result.stdout)
    return described


def timed_suite(clone: Path, argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one suite; a failing suite stops the bench."""
    git("clean", "-xdfq", "-e", ".venv", "-e", ".installed", cwd=clone)
    before = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(argv, cwd=clone, env=env, capture_output=True, check=False)  # noqa: S603
    wall = time.perf_counter() - started
    if result.returncode != 0:
        print(result.stdout.decode(errors="replace")[-3000:], file=sys.stderr)
        raise SystemExit(f"bench: {' '.join(argv[-1:])} failed in {clone}")
    return _children_cpu() - before, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="rounds (median)")
    parser.add_argument("--baseline", default="main", help="the revision to compare with")
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "ppdeploy-bench-up",
        help="where the clones are kept (shared with bench/up.py)",
    )
    options = parser.parse_args()
    options.work.mkdir(parents=True, exist_ok=True)
    clones = {
        "baseline": installed_clone(options.work, "baseline", options.baseline, install=False),
        "ours": installed_clone(options.work, "ours", "HEAD", install=False),
    }
    ours_commit = git("rev-parse", "--short", "HEAD", cwd=clones["ours"])
    commands = {label: suite_commands(clone) for label, clone in clones.items()}
    cpu: dict[tuple[str, str], list[float]] = {}
    wall: dict[tuple[str, str], list[float]] = {}
    for _ in range(options.repeats):
        for service in SERVICES:
            for label, clone in clones.items():
                described = commands[label][service]
                argv = [sys.executable, *list(described["argv"])[1:]]  # type: ignore[call-overload]
                seconds = timed_suite(clone, argv, dict(described["env"]))  # type: ignore[call-overload]
                cpu.setdefault((label, service), []).append(seconds[0])
                wall.setdefault((label, service), []).append(seconds[1])
    rows = []
    totals = {label: 0.0 for label in clones}
    for service in SERVICES:
        for label in clones:
            median = harness.median(cpu[(label, service)])
            totals[label] += median
            rows.append((f"{service}, {label}: CPU s", harness.spread(cpu[(label, service)])))
            rows.append((f"{service}, {label}: wall s", harness.spread(wall[(label, service)])))
    for label, total in totals.items():
        rows.append((f"three suites, {label}: CPU s (sum of medians)", f"{total:.1f}"))
    rows.append(("ratio baseline / ours (CPU)", f"{totals['baseline'] / totals['ours']:.2f}x"))
    harness.print_table(
        f"the services' suites as invoke up runs them: {options.baseline} against "
        f"{ours_commit}, median of {options.repeats}",
        rows,
    )


if __name__ == "__main__":
    main()
