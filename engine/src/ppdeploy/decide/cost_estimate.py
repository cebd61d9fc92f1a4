"""A stack's monthly cost from its template, its parameters and the price table.

Each resource is one of: priced by the hour or the month while it exists (a NAT gateway, a
cache node, a key, an alarm); priced by the API requests the stage serves (a function, an
HTTP API: zero when idle); priced only by stored data or messages, which a template cannot
tell (a bucket, a log group, a queue: listed, not estimated); free (a subnet, a role); or
not known here, which is listed as UNPRICED so a new resource type never goes missing
silently.

The assumptions behind the request-driven figures are named in ``Usage`` and printed with
every estimate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ppdeploy.decide.cost_template import Resolved, number, text
from ppdeploy.pricing import PriceTable

# CloudWatch Logs bills ingested data by the GB; counted here as 1024^3 bytes, the larger
# unit, so the estimate does not run high.
BYTES_PER_GB = Decimal(1024**3)


@dataclass(frozen=True)
class Usage:
    """What one API request costs beyond the API itself: the estimate's assumptions."""

    requests_per_api: Decimal = Decimal(0)  # API requests a month reaching each HTTP API
    # Billed duration of one invocation of a function behind an API.
    lambda_ms: int = 100
    # Log bytes per invocation: the START, END and REPORT lines plus one line of the function's.
    lambda_log_bytes: int = 1024
    # One access log line per request of an API with AccessLogSettings.
    access_log_bytes: int = 512
    # DynamoDB request units one API request takes (on-demand tables).
    dynamodb_reads: Decimal = Decimal(2)
    dynamodb_writes: Decimal = Decimal(1)

    def describe(self) -> str:
        return (
            f"each API request: one function invocation of {self.lambda_ms} ms, "
            f"{self.lambda_log_bytes} B of function log, {self.access_log_bytes} B of access "
            f"log, {self.dynamodb_reads} DynamoDB read and {self.dynamodb_writes} write request "
            "units; X-Ray's default sampling (1 request a second, then 5%) on traced functions"
        )


@dataclass(frozen=True)
class Line:
    """One priced item: a resource, what is charged, how much of it a month, what it costs."""

    logical_id: str
    resource_type: str
    item: str
    quantity: Decimal
    unit: str
    usd: Decimal
    by_requests: bool = False  # zero when idle


@dataclass(frozen=True)
class StackCost:
    stack: str
    lines: tuple[Line, ...] = ()
    usage_only: tuple[str, ...] = ()  # "Type LogicalId": charged by data or messages
    unpriced: tuple[str, ...] = ()  # "Type LogicalId": a type this estimate does not know

    @property
    def idle_usd(self) -> Decimal:
        return sum((line.usd for line in self.lines if not line.by_requests), Decimal(0))

    @property
    def usd(self) -> Decimal:
        return sum((line.usd for line in self.lines), Decimal(0))


# No charge for the resource itself ("Amazon VPC pricing": VPCs, subnets, route tables,
# gateways attachments and security groups; IAM has no charge; a public ACM certificate, an
# API mapping, a custom domain, a Lambda version, alias or permission, an ElastiCache user or
# subnet group, a standard SSM parameter, a Route 53 record, CodeDeploy to Lambda
# (https://aws.amazon.com/codedeploy/pricing/) have none).
FREE = frozenset(
    {
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
        "AWS::EC2::InternetGateway",
        "AWS::EC2::VPCGatewayAttachment",
        "AWS::EC2::RouteTable",
        "AWS::EC2::Route",
        "AWS::EC2::SubnetRouteTableAssociation",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::SecurityGroupIngress",
        "AWS::EC2::SecurityGroupEgress",
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",
        "AWS::KMS::Alias",
        "AWS::ElastiCache::User",
        "AWS::ElastiCache::UserGroup",
        "AWS::ElastiCache::SubnetGroup",
        "AWS::S3::BucketPolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::SNS::Subscription",
        "AWS::SQS::QueuePolicy",
        "AWS::ApiGatewayV2::ApiMapping",
        "AWS::ApiGatewayV2::DomainName",
        "AWS::ApiGatewayV2::Stage",
        "AWS::CertificateManager::Certificate",
        "AWS::Route53::RecordSet",
        "AWS::Lambda::Version",
        "AWS::Lambda::Alias",
        "AWS::Lambda::Permission",
        "AWS::CodeDeploy::Application",
        "AWS::CodeDeploy::DeploymentGroup",
    }
)

# Charged only by what they store or carry (GB stored, messages, emails), which a template
# does not say: listed with every estimate, never silently dropped.
USAGE_ONLY = frozenset(
    {
        "AWS::S3::Bucket",
        "AWS::Logs::LogGroup",
        "AWS::SNS::Topic",
        "AWS::SQS::Queue",
        "AWS::SES::EmailIdentity",
        "AWS::EC2::FlowLog",
    }
)


@dataclass
class _Pricer:
    prices: PriceTable
    usage: Usage
    lines: list[Line] = field(default_factory=list)

    def add(
        self,
        logical_id: str,
        resource_type: str,
        item: str,
        quantity: Decimal,
        price_key: str,
        *,
        by_requests: bool = False,
    ) -> None:
        price = self.prices.price(price_key)
        self.lines.append(
            Line(
                logical_id,
                resource_type,
                item,
                quantity,
                price.per,
                quantity * price.usd,
                by_requests,
            )
        )

    @property
    def hours(self) -> Decimal:
        return self.prices.hours_per_month


def _nat_gateway(p: _Pricer, logical_id: str, kind: str, props: Mapping[str, Any]) -> None:
    p.add(logical_id, kind, "NAT gateway", p.hours, "nat_gateway_hour")


def _elastic_ip(p: _Pricer, logical_id: str, kind: str, props: Mapping[str, Any]) -> None:
    p.add(logical_id, kind, "public IPv4 address", p.hours, "public_ipv4_hour")


def _vpc_endpoint(p: _Pricer, logical_id: str, kind: str, props: Mapping[str, Any]) -> None:
    # A VPCEndpoint without VpcEndpointType is a gateway endpoint (AWS::EC2::VPCEndpoint,
    # "VpcEndpointType ... Default: Gateway", CloudFormation User Guide).
    if str(props.get("VpcEndpointType", "Gateway")) != "Interface":
        p.lines.append(
            Line(logical_id, kind, "gateway endpoint (no charge)", Decimal(0), "", Decimal(0))
        )
        return
    zones = len(props.get("SubnetIds") or []) or 1
    p.add(
        logical_id,
        kind,
        f"interface endpoint in {zones} AZ",
        p.hours * zones,
        "interface_endpoint_az_hour",
    )


def _cache_nodes(p: _Pricer, logical_id: str, kind: str, props: Mapping[str, Any]) -> None:
    where = f"{kind} {logical_id}"
    engine = text(props, "Engine", where, default="redis").lower()
    node_type = text(props, "CacheNodeType", where)
    if kind == "AWS::ElastiCache::CacheCluster":
        nodes = number(props, "NumCacheNodes", where, 1)
    elif "NumNodeGroups" in props or "ReplicasPerNodeGroup" in props:
        groups = number(props, "NumNodeGroups", where, 1)
        nodes = groups * (number(props, "ReplicasPerNodeGroup", where, 0) + 1)
    else:
        nodes = number(props, "NumCacheClusters", where, 1)
    price = p.prices.cache_node(engine, node_type)
    quantity = p.hours * nodes
    p.lines.append(
        Line(
            logical_id,
            kind,
            f"{nodes} x {node_type} ({engine})",
            quantity,
            price.per,
            quantity * price.usd,
        )
    )


def _table(p: _Pricer, logical_id: str, kind: str, props: Mapping[str, Any]) -> None:
    if str(props.get("BillingMode", "PROVISIONED")) == "PAY_PER_REQUEST":
        p.lines.append(
            Line(logical_id, kind, "on-demand table (per request)", Decimal(0), "", Decimal(0))
        )
        return
    where = f"{kind} {logical_id}"
    throughputs = [props.get("ProvisionedThroughput") or {}] + [
        index.get("ProvisionedThroughput") or {}
        for index in props.get("GlobalSecondaryIndexes") or []
    ]
    reads = sum(number(t, "ReadCapacityUnits", where, 0) for t in throughputs)
    writes = sum(number(t, "WriteCapacityUnits", where, 0) for t in throughputs)
    p.add(logical_id, kind, f"{reads} provisioned RCU", p.hours * reads, "dynamodb_rcu_hour")
    p.add(logical_id, kind, f"{writes} provisioned WCU", p.hours * writes, "dynamodb_wcu_hour")


def _kms_key(p: _Pricer, logical_id: str, kind: str, props: Mapping[str, Any]) -> None:
    p.add(
        logical_id,
        kind,
        f"{props.get('KeySpec', 'SYMMETRIC_DEFAULT')} key",
        Decimal(1),
        "kms_key_month",
    )


def _secret(p: _Pricer, logical_id: str, kind: str, props: Mapping[str, Any]) -> None:
    p.add(logical_id, kind, "secret", Decimal(1), "secret_month")


def _alarm(p: _Pricer, logical_id: str, kind: str, props: Mapping[str, Any]) -> None:
    # CloudWatch charges an alarm per metric it evaluates ("Amazon CloudWatch pricing",
    # Alarms): one for a single-metric alarm; for a metric math alarm, each metric it reads;
    # a Metrics Insights query is counted as one (see the price table's note).
    where = f"{kind} {logical_id}"
    if "Metrics" in props:
        queries = [query for query in props.get("Metrics") or [] if isinstance(query, dict)]
        metrics = sum(
            1
            for query in queries
            if "MetricStat" in query
            or str(query.get("Expression", "")).lstrip().upper().startswith("SELECT")
        )
        periods = [
            number(query, "Period", where, 60)
            if "Period" in query
            else number(query.get("MetricStat") or {}, "Period", where, 60)
            for query in queries
        ]
    else:
        metrics = 1
        periods = [number(props, "Period", where, 60)]
    high = any(period < 60 for period in periods)  # under a minute is high resolution
    key = "alarm_high_resolution_metric_month" if high else "alarm_metric_month"
    p.add(logical_id, kind, f"alarm on {metrics} metric(s)", Decimal(metrics), key)


def _composite_alarm(p: _Pricer, logical_id: str, kind: str, props: Mapping[str, Any]) -> None:
    p.add(logical_id, kind, "composite alarm", Decimal(1), "composite_alarm_month")


def _dashboard(p: _Pricer, logical_id: str, kind: str, props: Mapping[str, Any]) -> None:
    p.add(logical_id, kind, "dashboard", Decimal(1), "dashboard_month")


def _hosted_zone(p: _Pricer, logical_id: str, kind: str, props: Mapping[str, Any]) -> None:
    p.add(logical_id, kind, "hosted zone", Decimal(1), "hosted_zone_month")


def _parameter(p: _Pricer, logical_id: str, kind: str, props: Mapping[str, Any]) -> None:
    if str(props.get("Tier", "Standard")) == "Advanced":
        p.add(logical_id, kind, "advanced parameter", Decimal(1), "ssm_advanced_parameter_month")


def _serves_api(props: Mapping[str, Any]) -> bool:
    events = props.get("Events") or {}
    return any(
        isinstance(event, dict) and str(event.get("Type")) == "HttpApi" for event in events.values()
    )


def _function(p: _Pricer, logical_id: str, kind: str, props: Mapping[str, Any]) -> None:
    """A function behind an API costs per request; one invoked by events is not estimated."""
    if not _serves_api(props):
        note = "invoked by events, not by an API (not estimated)"
        p.lines.append(Line(logical_id, kind, note, Decimal(0), "", Decimal(0)))
        return
    requests = p.usage.requests_per_api
    where = f"{kind} {logical_id}"
    memory_gb = Decimal(number(props, "MemorySize", where, 128)) / 1024
    architectures = props.get("Architectures") or ["x86_64"]
    arch = str(architectures[0])
    seconds = Decimal(p.usage.lambda_ms) / 1000
    p.add(logical_id, kind, "invocations", requests, "lambda_request", by_requests=True)
    p.add(
        logical_id,
        kind,
        f"{memory_gb * 1024:.0f} MB x {p.usage.lambda_ms} ms ({arch})",
        requests * seconds * memory_gb,
        f"lambda_gb_second_{arch}",
        by_requests=True,
    )
    gigabytes = requests * p.usage.lambda_log_bytes / BYTES_PER_GB
    p.add(
        logical_id, kind, "function logs ingested", gigabytes, "logs_ingested_gb", by_requests=True
    )
    if str(props.get("Tracing", "")) == "Active":
        # Lambda's sampling with active tracing: "1 request per second and 5 percent of
        # additional requests", not configurable (Lambda Developer Guide, "Visualize Lambda
        # function invocations using AWS X-Ray",
        # https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html). Counted per
        # function with requests spread evenly over the month: an upper bound if the one
        # request a second is shared by the account's functions.
        first = min(requests, p.hours * 3600)
        traces = first + (requests - first) * Decimal("0.05")
        p.add(
            logical_id,
            kind,
            "X-Ray traces recorded",
            traces,
            "xray_trace_recorded",
            by_requests=True,
        )
    p.add(
        logical_id,
        kind,
        "DynamoDB on-demand reads it makes",
        requests * p.usage.dynamodb_reads,
        "dynamodb_read_request",
        by_requests=True,
    )
    p.add(
        logical_id,
        kind,
        "DynamoDB on-demand writes it makes",
        requests * p.usage.dynamodb_writes,
        "dynamodb_write_request",
        by_requests=True,
    )


def _http_api(p: _Pricer, logical_id: str, kind: str, props: Mapping[str, Any]) -> None:
    if kind == "AWS::ApiGatewayV2::Api" and str(props.get("ProtocolType", "")) != "HTTP":
        p.lines.append(
            Line(logical_id, kind, "WebSocket API (not estimated)", Decimal(0), "", Decimal(0))
        )
        return
    requests = p.usage.requests_per_api
    p.add(logical_id, kind, "HTTP API requests", requests, "http_api_request", by_requests=True)
    if props.get("AccessLogSettings"):
        gigabytes = requests * p.usage.access_log_bytes / BYTES_PER_GB
        p.add(
            logical_id,
            kind,
            "access logs ingested",
            gigabytes,
            "logs_ingested_gb",
            by_requests=True,
        )


PRICED: dict[str, Callable[[_Pricer, str, str, Mapping[str, Any]], None]] = {
    "AWS::EC2::NatGateway": _nat_gateway,
    "AWS::EC2::EIP": _elastic_ip,
    "AWS::EC2::VPCEndpoint": _vpc_endpoint,
    "AWS::ElastiCache::ReplicationGroup": _cache_nodes,
    "AWS::ElastiCache::CacheCluster": _cache_nodes,
    "AWS::DynamoDB::Table": _table,
    "AWS::KMS::Key": _kms_key,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::CloudWatch::CompositeAlarm": _composite_alarm,
    "AWS::CloudWatch::Dashboard": _dashboard,
    "AWS::Route53::HostedZone": _hosted_zone,
    "AWS::SSM::Parameter": _parameter,
    "AWS::Serverless::Function": _function,
    "AWS::Lambda::Function": _function,
    "AWS::Serverless::HttpApi": _http_api,
    "AWS::ApiGatewayV2::Api": _http_api,
}


def http_apis(document: Mapping[str, Any], parameters: Mapping[str, str]) -> int:
    """How many HTTP APIs the stack would hold (the stage's requests are shared among them)."""
    return sum(
        1
        for resource in Resolved(document, parameters).resources().values()
        if resource["Type"] in ("AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api")
    )


def estimate(
    stack: str,
    document: Mapping[str, Any],
    parameters: Mapping[str, str],
    prices: PriceTable,
    usage: Usage | None = None,
) -> StackCost:
    """The monthly cost of ``stack`` deployed from ``document`` with ``parameters``."""
    pricer = _Pricer(prices, usage or Usage())
    usage_only, unpriced = [], []
    for logical_id, resource in sorted(Resolved(document, parameters).resources().items()):
        kind = resource["Type"]
        if kind in PRICED:
            PRICED[kind](pricer, logical_id, kind, resource["Properties"])
        elif kind in USAGE_ONLY:
            usage_only.append(f"{kind} {logical_id}")
        elif kind not in FREE:
            unpriced.append(f"{kind} {logical_id}")
    return StackCost(stack, tuple(pricer.lines), tuple(usage_only), tuple(unpriced))
