"""tools/refresh_prices.py: the checklist names every figure under its page; --new dates a copy."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from ppdeploy import pricing

ROOT = Path(__file__).resolve().parents[2]


def _load_tool() -> ModuleType:
    # tools/ holds scripts, not a package: load the script as a person runs it.
    spec = importlib.util.spec_from_file_location(
        "refresh_prices", ROOT / "tools" / "refresh_prices.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


refresh_prices = _load_tool()


def test_the_checklist_lists_each_figure_under_the_page_it_comes_from() -> None:
    text = refresh_prices.checklist(pricing.newest())

    page = text.index("\nhttps://aws.amazon.com/elasticache/pricing/\n")
    assert text.index("[ ] us-east-1 redis cache.r7g.large = $0.219 per node-hour") > page
    assert "[ ] us-east-1 nat_gateway_hour = $0.045 per NAT gateway-hour" in text


def test_new_copies_the_table_under_this_month_with_today_as_compiled(tmp_path: Path) -> None:
    source = tmp_path / "prices-2026-12.toml"
    source.write_text(pricing.newest().read_text(encoding="utf-8"), encoding="utf-8")

    made = refresh_prices.start_new(source, datetime(2027, 3, 9, tzinfo=UTC))

    assert made.name == "prices-2027-03.toml"
    assert pricing.newest(tmp_path) == made
    assert pricing.load("us-east-1", made).compiled == "2027-03-09"
    with pytest.raises(SystemExit, match="exists already"):
        refresh_prices.start_new(source, datetime(2027, 3, 10, tzinfo=UTC))
