"""Start a new dated price table for `invoke cost`: a checklist of pages, then a copy to edit.

    python tools/refresh_prices.py            # every figure, grouped by the page to check
    python tools/refresh_prices.py --new      # copy the newest table to prices-YYYY-MM.toml
                                              # (this month) with today's `compiled` date

Nothing here goes to the network: the figures are copied by a person from the AWS pricing
pages the table names, into the new file, then `pytest tests/unit/test_cost_estimate.py`
names the totals that moved (update its hand computation with them).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from ppdeploy import pricing


def checklist(path: Path) -> str:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    by_page: dict[str, list[str]] = defaultdict(list)
    for region, table in document.get("regions", {}).items():
        for key, entry in table.get("prices", {}).items():
            by_page[entry["source"]].append(f"{region} {key} = ${entry['usd']} per {entry['per']}")
        for engine, nodes in table.get("cache_nodes", {}).items():
            for node, entry in nodes.items():
                by_page[entry["source"]].append(
                    f"{region} {engine} {node} = ${entry['usd']} per {entry['per']}"
                )
    lines = [f"{path.name}, compiled {document.get('compiled', '?')}:"]
    for page, figures in sorted(by_page.items()):
        lines.append(f"\n{page}")
        lines.extend(f"  [ ] {figure}" for figure in figures)
    return "\n".join(lines)


def start_new(path: Path, today: datetime) -> Path:
    target = path.with_name(f"prices-{today:%Y-%m}.toml")
    if target.exists():
        raise SystemExit(f"{target} exists already: edit it, or remove it to start again")
    text = path.read_text(encoding="utf-8")
    text, replaced = re.subn(
        r'^compiled = ".*"$', f'compiled = "{today:%Y-%m-%d}"', text, count=1, flags=re.M
    )
    if not replaced:
        raise SystemExit(f'{path} has no `compiled = "..."` line to date')
    target.write_text(text, encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new", action="store_true", help="start this month's table")
    options = parser.parse_args(argv)
    newest = pricing.newest()
    if options.new:
        target = start_new(newest, datetime.now(UTC))
        print(f"{target}: now copy each figure from its page (python tools/refresh_prices.py)")
        return 0
    print(checklist(newest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
