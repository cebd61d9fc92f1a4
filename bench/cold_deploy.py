"""A cold `deploy --all` of the whole stage: the default concurrency against one at a time.

One local AWS of the bench's own, emptied before every timed run. A first, untimed deploy
builds the function zips, so every timed run reuses them and does the same work; the
services' own tests are skipped in all runs (they are not what is compared). The two
settings alternate, so a slow moment of the machine does not favour one of them.

Beside wall time it reports the CPU seconds of each run: the local AWS server's and the
engine's (the invoke process and its children). Each is one Python process whose work the
GIL makes mostly serial (the server's also the CloudFormation lock), so no concurrency
finishes a deploy in less wall time than the larger of the two: "sequential wall / that"
is the best ratio overlap could reach. The machine's load is printed too: on 2 cores
shared with other work, a CPU-bound deploy waits for a core, and overlap gains little.

    python bench/cold_deploy.py [--repeats N] [--against-sceptre]
"""

from __future__ import annotations

import argparse
import os
import resource
from collections.abc import Sequence
from pathlib import Path

import deploy_harness as harness
import sceptre_peer

from ppdeploy.aws import local_aws
from ppdeploy.workflows import waves

STAGE = "dev"


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """The wall, server CPU and engine CPU seconds of each timed run."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.server: list[float] = []
        self.engine: list[float] = []

    def timed(self, command: Sequence[str], env: dict[str, str]) -> float:
        server_before, engine_before = process_cpu_seconds(self.server_pid), children_cpu_seconds()
        wall = harness.timed(command, env)
        self.server.append(process_cpu_seconds(self.server_pid) - server_before)
        self.engine.append(children_cpu_seconds() - engine_before)
        return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each (median)")
    parser.add_argument(
        "--against-sceptre", action="store_true", help="also time `sceptre launch` (sceptre_peer)"
    )
    options = parser.parse_args()
    base = ("deploy", "--all", "--stage", STAGE, "--local", "--yes", "--skip-tests")
    parallel = harness.invoke(*base)
    sequential = harness.invoke(*base, "--max-concurrency", "1")

    with harness.local_aws() as aws:
        server_pid = local_aws.status().pid
        assert server_pid, "the local AWS did not say its pid"
        parallel_cpu, sequential_cpu = CpuMeter(server_pid), CpuMeter(server_pid)
        warm_up = harness.timed(parallel, aws.env)
        parallel_runs, sequential_runs = [], []
        for _ in range(options.repeats):
            aws.reset()
            parallel_runs.append(parallel_cpu.timed(parallel, aws.env))
            aws.reset()
            sequential_runs.append(sequential_cpu.timed(sequential, aws.env))
        if options.against_sceptre:
            sceptre_peer.print_cold(aws, options.repeats, parallel_runs)

    ratio = harness.median(sequential_runs) / harness.median(parallel_runs)
    server_cpu = harness.median(parallel_cpu.server)
    engine_cpu = harness.median(parallel_cpu.engine)
    bound = harness.median(sequential_runs) / max(server_cpu, engine_cpu)
    harness.print_table(
        f"cold deploy --all of stage {STAGE} (4 stacks, zips reused), wall seconds, "
        f"median of {options.repeats}",
        [
            (
                f"--max-concurrency {waves.DEFAULT_CONCURRENCY} (default)",
                harness.spread(parallel_runs),
            ),
            ("--max-concurrency 1", harness.spread(sequential_runs)),
            ("ratio sequential / default", f"{ratio:.2f}x"),
            (
                "local AWS CPU per run, default / sequential",
                f"{server_cpu:.2f} s / {harness.median(sequential_cpu.server):.2f} s",
            ),
            (
                "engine CPU per run, default / sequential",
                f"{engine_cpu:.2f} s / {harness.median(sequential_cpu.engine):.2f} s",
            ),
            ("bound: sequential wall / max(local AWS CPU, engine CPU)", f"{bound:.2f}x"),
            ("load average (1 min) at the end", f"{os.getloadavg()[0]:.1f}"),
            ("cores on this machine", str(os.cpu_count())),
            ("set-up: first deploy (builds the zips)", f"{warm_up:.2f} s"),
        ],
    )


if __name__ == "__main__":
    main()
