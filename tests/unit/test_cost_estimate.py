"""`invoke cost`'s totals for dev and prod, held to figures computed by hand below.

The hand computation reads the repository's templates and stages.toml as a person would,
with the prices of engine/src/ppdeploy/pricing/prices-2026-12.toml (us-east-1, 730 hours a
month, list prices, no free tier). When a template or the price table changes a total, this
test names it: update the computation here, line by line, with the change.

dev idle (egress single-nat, cache.t4g.micro, one Redis node):
    NAT gateway             730 h x $0.045                         = $32.85
    its public IPv4         730 h x $0.005                         =  $3.65
    Redis                   1 node x 730 h x $0.016                = $11.68
    KMS keys                DataKey, SigningKeyA: 2 x $1.00        =  $2.00
    secrets                 RedisAuth, 3 Redis users, Jwt: 5 x $0.40 = $2.00
    alarm metrics           shared: 3 errors + 2 DLQ + 3 revocation + 2 Redis primary
                            = 10, 6 table throttles x 2 metrics = 12; account service:
                            3 Metrics Insights = 3; each service's 2 rollback alarms
                            (live version errors, API 5xx) x 3 = 6; 31 x $0.10 =  $3.10
    dashboard               1 x $3.00                              =  $3.00
                                                           total   = $58.28

prod idle (egress endpoints, cache.r7g.large, two Redis nodes; the NAT stays):
    NAT gateway + IPv4      $32.85 + $3.65                         = $36.50
    Redis                   2 nodes x 730 h x $0.219               = $319.74
    interface endpoints     secretsmanager, ssm, kms, sns:
                            4 x 2 AZ x 730 h x $0.01               = $58.40
    KMS keys, secrets       $2.00 + $2.00                          =  $4.00
    alarm metrics           dev's 31 + 2 Redis replica = 33 x $0.10 = $3.30
    dashboard                                                      =  $3.00
                                                           total   = $424.94
    (Redis is $319.74 / $424.94 = 75% of prod.)

1,000,000 API requests a month (the same for every stage: three python functions of
512 MB on arm64 behind three HTTP APIs with access logs, traced):
    HTTP API                1M x $1.00/M                           = $1.00
    Lambda requests         1M x $0.20/M                           = $0.20
    Lambda duration         1M x 0.1 s x 0.5 GB = 50,000 GB-s x $0.0000133334 = $0.66667
    logs ingested           1M x (1024 + 512) B = 1.430511 GiB x $0.50 = $0.715256
    X-Ray traces            1M (under one a second: all sampled) x $5.00/M = $5.00
    DynamoDB                2M reads x $0.125/M + 1M writes x $0.625/M = $0.875
                                                           total   = $8.456926
    dev:  $58.28 + $8.456926 = $66.74      prod: $424.94 + $8.456926 = $433.40
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from ppdeploy import config
from ppdeploy.workflows.stage_cost import StageCost, estimate_stage


def cents(usd: Decimal) -> Decimal:
    return usd.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def dev() -> StageCost:
    return estimate_stage(config.stage("dev"), requests=1_000_000)


@pytest.fixture(scope="module")
def prod() -> StageCost:
    return estimate_stage(config.stage("prod"), requests=1_000_000)


def test_dev_idle_is_the_hand_computed_total(dev: StageCost) -> None:
    hand = (
        Decimal("32.85")
        + Decimal("3.65")
        + Decimal("11.68")
        + Decimal("2.00")
        + Decimal("2.00")
        + Decimal("3.10")
        + Decimal("3.00")
    )
    assert hand == Decimal("58.28")
    assert cents(dev.idle_usd) == hand


def test_prod_idle_is_the_hand_computed_total(prod: StageCost) -> None:
    hand = (
        Decimal("36.50")
        + Decimal("319.74")
        + Decimal("58.40")
        + Decimal("4.00")
        + Decimal("3.30")
        + Decimal("3.00")
    )
    assert hand == Decimal("424.94")
    assert cents(prod.idle_usd) == hand


def test_a_million_requests_add_the_hand_computed_figure(dev: StageCost, prod: StageCost) -> None:
    per_million = (
        Decimal("1.00")
        + Decimal("0.20")
        + Decimal(50_000) * Decimal("0.0000133334")
        + Decimal(1_000_000 * 1536) / Decimal(1024**3) * Decimal("0.50")
        + Decimal("5.00")
        + Decimal("0.875")
    )
    assert cents(per_million) == Decimal("8.46")
    assert cents(dev.usd) == cents(Decimal("58.28") + per_million) == Decimal("66.74")
    assert cents(prod.usd) == cents(Decimal("424.94") + per_million) == Decimal("433.40")


def test_redis_is_three_quarters_of_prod_and_its_line_names_the_nodes(prod: StageCost) -> None:
    shared = prod.stacks[0]
    redis = [line for line in shared.lines if line.logical_id == "RedisReplicationGroup"]

    assert [(line.item, line.usd) for line in redis] == [
        ("2 x cache.r7g.large (redis)", Decimal("319.740"))
    ]
    assert round(redis[0].usd / prod.idle_usd * 100) == 75


def test_every_resource_of_every_stage_is_priced_or_named_as_not_estimated() -> None:
    for name in config.known_stages():
        estimate = estimate_stage(config.stage(name))
        assert [item for stack in estimate.stacks for item in stack.unpriced] == [], name


def test_an_idle_stage_pays_nothing_by_request(dev: StageCost) -> None:
    idle = estimate_stage(config.stage("dev"))

    assert idle.usd == idle.idle_usd == dev.idle_usd
    assert all(line.usd == 0 for stack in idle.stacks for line in stack.lines if line.by_requests)
