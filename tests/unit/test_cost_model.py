"""How each resource is priced, from small templates: conditions, counts, units, and refusals."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ppdeploy import config, pricing, project, templates
from ppdeploy.decide import cost_estimate as cost
from ppdeploy.errors import InputError

PRICES = pricing.load("us-east-1")


def estimate(body: str, parameters: dict[str, str] | None = None, **usage: Any) -> cost.StackCost:
    document = templates.parse(body, Path("t.yaml"))
    return cost.estimate("s", document, parameters or {}, PRICES, cost.Usage(**usage))


def usd(stack: cost.StackCost, logical_id: str) -> Decimal:
    return sum((line.usd for line in stack.lines if line.logical_id == logical_id), Decimal(0))


NAT = """
Parameters:
  Egress: {Type: String, Default: single-nat}
Conditions:
  PerAz: !Equals [!Ref Egress, nat-per-az]
  Endpoints: !Not [!Or [!Equals [!Ref Egress, single-nat], !Condition PerAz]]
Resources:
  NatA: {Type: AWS::EC2::NatGateway, Properties: {}}
  NatB: {Type: AWS::EC2::NatGateway, Condition: PerAz, Properties: {}}
  Secrets:
    Type: AWS::EC2::VPCEndpoint
    Condition: Endpoints
    Properties: {VpcEndpointType: Interface, SubnetIds: [a, b, c]}
  Dynamo: {Type: AWS::EC2::VPCEndpoint, Properties: {}}
"""


def test_a_resource_whose_condition_fails_costs_nothing_and_one_that_holds_is_counted() -> None:
    single = estimate(NAT)
    per_az = estimate(NAT, {"Egress": "nat-per-az"})
    endpoints = estimate(NAT, {"Egress": "endpoints"})

    assert single.idle_usd == Decimal("32.85")  # 730 h x $0.045
    assert per_az.idle_usd == Decimal("65.70")
    # An interface endpoint is charged per AZ it has a subnet in: 3 x 730 h x $0.01.
    assert usd(endpoints, "Secrets") == Decimal("21.90")
    # A VPCEndpoint without a type is a gateway endpoint: no charge, but listed.
    assert [line.item for line in single.lines if line.logical_id == "Dynamo"] == [
        "gateway endpoint (no charge)"
    ]


def test_cache_nodes_follow_the_node_type_parameter_and_the_node_count() -> None:
    body = """
Parameters:
  Node: {Type: String, Default: cache.t4g.micro}
  Stage: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Group:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties:
      Engine: redis
      CacheNodeType: !Ref Node
      NumCacheClusters: !If [IsProd, 3, 1]
  Sharded:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties: {CacheNodeType: cache.t4g.small, NumNodeGroups: 2, ReplicasPerNodeGroup: 1}
"""
    small = estimate(body, {"Stage": "dev"})
    large = estimate(body, {"Stage": "prod", "Node": "cache.r7g.large"})

    assert usd(small, "Group") == Decimal("11.680")  # 1 x 730 x 0.016
    assert usd(large, "Group") == Decimal("479.610")  # 3 x 730 x 0.219
    assert usd(small, "Sharded") == Decimal("93.440")  # 2 shards x 2 nodes x 730 x 0.032


def test_a_node_type_missing_from_the_price_table_is_refused_with_where_to_add_it() -> None:
    body = (
        "Resources:\n"
        "  G: {Type: AWS::ElastiCache::CacheCluster, Properties: {CacheNodeType: cache.x9.huge}}\n"
    )

    with pytest.raises(InputError) as refused:
        estimate(body)

    assert "cache.x9.huge" in str(refused.value)
    assert "[regions.us-east-1.cache_nodes.redis]" in str(refused.value)


def test_a_value_the_estimate_cannot_resolve_is_refused_by_resource_and_property() -> None:
    body = """
Resources:
  G:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties: {CacheNodeType: !ImportValue node-type}
"""
    with pytest.raises(InputError, match="ReplicationGroup G: property CacheNodeType"):
        estimate(body)


def test_provisioned_tables_pay_for_capacity_and_on_demand_tables_only_per_request() -> None:
    body = """
Resources:
  OnDemand: {Type: AWS::DynamoDB::Table, Properties: {BillingMode: PAY_PER_REQUEST}}
  Provisioned:
    Type: AWS::DynamoDB::Table
    Properties:
      ProvisionedThroughput: {ReadCapacityUnits: 10, WriteCapacityUnits: 5}
      GlobalSecondaryIndexes:
        - ProvisionedThroughput: {ReadCapacityUnits: 5, WriteCapacityUnits: 5}
"""
    stack = estimate(body)

    assert usd(stack, "OnDemand") == 0
    # 15 RCU x 730 h x $0.00013 + 10 WCU x 730 h x $0.00065
    assert usd(stack, "Provisioned") == Decimal("1.4235") + Decimal("4.745")


def test_alarms_are_charged_per_metric_and_high_resolution_costs_more() -> None:
    body = """
Resources:
  One: {Type: AWS::CloudWatch::Alarm, Properties: {MetricName: Errors, Period: 60}}
  Fast: {Type: AWS::CloudWatch::Alarm, Properties: {MetricName: Errors, Period: 10}}
  Math:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Metrics:
        - {Id: a, MetricStat: {Period: 60}}
        - {Id: b, MetricStat: {Period: 60}}
        - {Id: sum, Expression: a + b}
  Query:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Metrics: [{Id: q, Expression: "SELECT SUM(x) FROM ns", Period: 300}]
"""
    stack = estimate(body)

    assert [usd(stack, name) for name in ("One", "Fast", "Math", "Query")] == [
        Decimal("0.10"),
        Decimal("0.30"),
        Decimal("0.20"),
        Decimal("0.10"),
    ]


FUNCTION = """
Resources:
  Api: {Type: AWS::Serverless::HttpApi, Properties: {}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: 1024
      Tracing: Active
      Events: {Get: {Type: HttpApi, Properties: {ApiId: !Ref Api}}}
  Purge:
    Type: AWS::Serverless::Function
    Properties: {Events: {Topic: {Type: SNS}}}
"""


def test_a_function_behind_an_api_costs_by_request_and_one_invoked_by_events_is_noted() -> None:
    stack = estimate(FUNCTION, requests_per_api=Decimal(2_000_000), lambda_ms=200)
    lines = {line.item: line for line in stack.lines if line.logical_id == "Fn"}

    assert stack.idle_usd == 0
    assert usd(stack, "Api") == Decimal("2.00")  # no AccessLogSettings: no access log line
    assert lines["invocations"].usd == Decimal("0.40")
    # x86_64 (no Architectures): 2M x 0.2 s x 1 GB = 400,000 GB-s x $0.0000166667
    assert lines["1024 MB x 200 ms (x86_64)"].usd == Decimal("6.66668")
    assert [line.item for line in stack.lines if line.logical_id == "Purge"] == [
        "invoked by events, not by an API (not estimated)"
    ]


def test_x_ray_samples_one_request_a_second_then_five_percent() -> None:
    stack = estimate(FUNCTION, requests_per_api=Decimal(10_000_000))
    traces = [line for line in stack.lines if line.item == "X-Ray traces recorded"]

    # 730 h x 3600 s = 2,628,000 seconds, one trace each; 5% of the other 7,372,000.
    assert traces[0].quantity == Decimal(2_628_000) + Decimal(368_600)


def test_an_unknown_type_is_listed_as_unpriced_and_usage_priced_types_as_not_estimated() -> None:
    body = (
        "Resources:\n  Db: {Type: AWS::RDS::DBInstance}\n"
        "  B: {Type: AWS::S3::Bucket}\n  R: {Type: AWS::IAM::Role}\n"
    )

    stack = estimate(body)

    assert stack.unpriced == ("AWS::RDS::DBInstance Db",)
    assert stack.usage_only == ("AWS::S3::Bucket B",)
    assert stack.lines == ()


def test_the_price_table_covers_every_region_and_redis_node_type_the_repository_uses() -> None:
    document = tomllib.loads(pricing.newest().read_text(encoding="utf-8"))
    shared = templates.load(project.shared_template()).document
    node_types = shared["Parameters"]["RedisNodeType"]["AllowedValues"]

    for name in config.known_stages():
        table = pricing.load(config.stage(name).region)
        assert all(table.cache_node("redis", node) for node in node_types)
    for region in document["regions"].values():
        for entry in region["prices"].values():
            assert entry["source"].startswith("https://aws.amazon.com/")
    assert document["compiled"] >= "2026-12-01"


def test_a_region_without_prices_is_refused_with_the_regions_the_table_has() -> None:
    with pytest.raises(InputError) as refused:
        pricing.load("ap-south-2")

    assert "no prices for region 'ap-south-2'" in str(refused.value)
    assert "us-east-1" in str(refused.value)


def test_a_price_without_its_source_page_is_refused(tmp_path: Path) -> None:
    table = tmp_path / "prices-2099-01.toml"
    table.write_text(
        'compiled = "2099-01-01"\n[regions.r.prices]\n'
        'nat_gateway_hour = { usd = "1", per = "hour", source = "somewhere" }\n'
    )

    with pytest.raises(InputError, match="names no pricing page"):
        pricing.load("r", table)
    assert pricing.newest(tmp_path) == table
