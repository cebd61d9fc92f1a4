"""A cold `deploy --all` of the whole stage: the default concurrency against one at a time.

One local AWS of the bench's own, emptied before every timed run. A first, untimed deploy
builds the function zips, so every timed run reuses them and does the same work; the
services' own tests are skipped in all runs (they are not what is compared). The two
settings alternate, so a slow moment of the machine does not favour one of them.

    python bench/cold_deploy.py [--repeats N] [--against-sceptre]
"""

from __future__ import annotations

import argparse

import deploy_harness as harness
import sceptre_peer

from ppdeploy.workflows import waves

STAGE = "dev"


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
        warm_up = harness.timed(parallel, aws.env)
        parallel_runs, sequential_runs = [], []
        for _ in range(options.repeats):
            aws.reset()
            parallel_runs.append(harness.timed(parallel, aws.env))
            aws.reset()
            sequential_runs.append(harness.timed(sequential, aws.env))
        if options.against_sceptre:
            sceptre_peer.print_cold(aws, options.repeats, parallel_runs)

    ratio = harness.median(sequential_runs) / harness.median(parallel_runs)
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
            ("set-up: first deploy (builds the zips)", f"{warm_up:.2f} s"),
        ],
    )


if __name__ == "__main__":
    main()
