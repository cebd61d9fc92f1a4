"""The dated AWS price table kept in the repository (``prices-YYYY-MM.toml``), read offline.

The newest file wins. Every figure carries its unit and the AWS pricing page it comes from,
so a person refreshing the table knows where to look, and an estimate can say how old its
prices are.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ppdeploy.errors import InputError

FOLDER = Path(__file__).parent
PATTERN = "prices-*.toml"


@dataclass(frozen=True)
class Price:
    usd: Decimal
    per: str
    source: str


@dataclass(frozen=True)
class PriceTable:
    """The prices of one region, as of the day the table was compiled."""

    path: Path
    compiled: str
    region: str
    hours_per_month: Decimal
    prices: dict[str, Price]
    cache_nodes: dict[str, dict[str, Price]]  # engine -> node type -> price

    def price(self, key: str) -> Price:
        try:
            return self.prices[key]
        except KeyError:
            raise InputError(
                f"the price table {self.path.name} has no price {key!r} for {self.region}",
                fix=f"add {key} under [regions.{self.region}.prices] from its AWS pricing page",
            ) from None

    def cache_node(self, engine: str, node_type: str) -> Price:
        found = self.cache_nodes.get(engine, {}).get(node_type)
        if found is None:
            raise InputError(
                f"the price table {self.path.name} has no {engine} node {node_type!r} "
                f"for {self.region}",
                cause="the ElastiCache node type is not in the table",
                fix=f'add "{node_type}" under [regions.{self.region}.cache_nodes.{engine}] '
                "from https://aws.amazon.com/elasticache/pricing/",
            )
        return found


def newest(folder: Path = FOLDER) -> Path:
    found = sorted(folder.glob(PATTERN))
    if not found:
        raise InputError(
            f"no price table ({PATTERN}) in {folder}",
            fix="restore engine/src/ppdeploy/pricing/ from the repository",
        )
    return found[-1]


def _price(entry: Any, where: str, path: Path) -> Price:
    if not isinstance(entry, dict) or set(entry) != {"usd", "per", "source"}:
        raise InputError(
            f"price {where} in {path.name} is not {{usd, per, source}}",
            fix='write it as { usd = "0.01", per = "unit", source = "https://..." }',
        )
    try:
        usd = Decimal(str(entry["usd"]))
    except InvalidOperation:
        raise InputError(
            f"price {where} in {path.name} has usd {entry['usd']!r}",
            cause="it is not a number",
            fix='write the dollar figure as a quoted decimal, e.g. "0.045"',
        ) from None
    if not str(entry["source"]).startswith("https://"):
        raise InputError(
            f"price {where} in {path.name} names no pricing page",
            fix="set source to the https:// AWS pricing page the figure comes from",
        )
    return Price(usd, str(entry["per"]), str(entry["source"]))


def load(region: str, path: Path | None = None) -> PriceTable:
    """The prices of ``region`` from ``path`` (default: the newest table in the repository)."""
    path = path or newest()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InputError(
            f"cannot read the price table {path}",
            cause=str(error),
            fix="correct the file (TOML) or restore it from the repository",
        ) from None
    regions = document.get("regions", {})
    if region not in regions:
        raise InputError(
            f"the price table {path.name} has no prices for region {region!r}",
            cause=f"it covers: {', '.join(sorted(regions)) or 'no region'}",
            fix=f"add a [regions.{region}] table copied from the AWS pricing pages it names",
        )
    table = regions[region]
    prices = {
        key: _price(entry, f"{region}.{key}", path)
        for key, entry in table.get("prices", {}).items()
    }
    nodes = {
        engine: {
            node: _price(entry, f"{region}.cache_nodes.{engine}.{node}", path)
            for node, entry in types.items()
        }
        for engine, types in table.get("cache_nodes", {}).items()
    }
    return PriceTable(
        path=path,
        compiled=str(document.get("compiled", "")),
        region=region,
        hours_per_month=Decimal(str(document.get("hours_per_month", 730))),
        prices=prices,
        cache_nodes=nodes,
    )
