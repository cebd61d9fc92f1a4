"""SNS, EventBridge, CloudWatch, CloudWatch Logs and STS calls in IAM's terms."""

from __future__ import annotations

from pplocalaws.iam import lookups
from pplocalaws.iam.request import Call, KmsUse, Need, Request

# --------------------------------------------------------------------------------------
# SNS (query): "Actions, resources, and condition keys for Amazon SNS"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html)
# --------------------------------------------------------------------------------------
_SNS_TOPIC_OPERATIONS = {
    "Publish", "PublishBatch", "Subscribe", "GetTopicAttributes", "SetTopicAttributes",
    "DeleteTopic", "ListSubscriptionsByTopic", "TagResource", "ListTagsForResource",
}  # fmt: skip
_SNS_ANY_RESOURCE = {"ListTopics", "ListSubscriptions"}


def sns(request: Request, operation: str) -> Call:
    form = request.form()
    action = f"sns:{operation}"
    if operation in _SNS_ANY_RESOURCE:
        return Call("sns", "query", operation, (Need(action, "*"),))
    if operation == "CreateTopic":
        arn = f"arn:aws:sns:{request.region}:{request.account}:{form.get('Name', '')}"
        return Call("sns", "query", operation, (Need(action, arn),))
    if operation in _SNS_TOPIC_OPERATIONS:
        arn = form.get("TopicArn") or form.get("TargetArn") or form.get("ResourceArn") or ""
        if operation == "PublishBatch":
            action = "sns:Publish"  # PublishBatch is authorised as sns:Publish
        if not arn:
            return Call("sns", "query", operation, unmodelled=f"SNS {operation} without a topic")
        return Call(
            "sns",
            "query",
            operation,
            (Need(action, arn),),
            _topic_key_uses(request, operation, arn),
        )
    return Call("sns", "query", operation, unmodelled=f"SNS {operation}")


def _topic_key_uses(request: Request, operation: str, topic_arn: str) -> tuple[KmsUse, ...]:
    # "Encryption at rest" > "Setting up AWS KMS permissions" (SNS Developer Guide,
    # https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html): a publisher to a
    # topic encrypted with a customer managed key needs kms:GenerateDataKey* and
    # kms:Decrypt on that key. Encryption context not documented: none is set.
    if operation not in ("Publish", "PublishBatch"):
        return ()
    key = lookups.topic_key(request.account, request.region, topic_arn)
    if not key:
        return ()
    via = f"sns.{request.region}.amazonaws.com"
    return (KmsUse(key, "kms:GenerateDataKey", via, {}), KmsUse(key, "kms:Decrypt", via, {}))


# --------------------------------------------------------------------------------------
# EventBridge: "Actions, resources, and condition keys for Amazon EventBridge"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html)
# --------------------------------------------------------------------------------------
def _bus_arn(request: Request, bus: str) -> str:
    if bus.startswith("arn:"):
        return bus
    return f"arn:aws:events:{request.region}:{request.account}:event-bus/{bus or 'default'}"


def events(request: Request, operation: str) -> Call:
    body = request.json_body()
    if operation == "PutEvents":
        buses = dict.fromkeys(
            str(e.get("EventBusName") or "default") for e in body.get("Entries") or []
        )
        needs = tuple(Need("events:PutEvents", _bus_arn(request, bus)) for bus in buses)
        return Call("events", "json", operation, needs)
    if operation in ("ListRules", "ListEventBuses"):
        return Call("events", "json", operation, (Need(f"events:{operation}", "*"),))
    if operation in (
        "PutRule",
        "DescribeRule",
        "DeleteRule",
        "PutTargets",
        "RemoveTargets",
        "EnableRule",
        "DisableRule",
    ):
        name = str(body.get("Name") or body.get("Rule") or "")
        bus = str(body.get("EventBusName") or "default")
        prefix = "" if bus == "default" else f"{bus}/"
        arn = f"arn:aws:events:{request.region}:{request.account}:rule/{prefix}{name}"
        return Call("events", "json", operation, (Need(f"events:{operation}", arn),))
    return Call("events", "json", operation, unmodelled=f"EventBridge {operation}")


# --------------------------------------------------------------------------------------
# CloudWatch: "Actions, resources, and condition keys for Amazon CloudWatch"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html):
# metric operations have no resource type ("*"); alarms are resources.
# --------------------------------------------------------------------------------------
_CLOUDWATCH_ANY_RESOURCE = {
    "PutMetricData",
    "GetMetricData",
    "GetMetricStatistics",
    "ListMetrics",
    "DescribeAlarms",
}


def cloudwatch(request: Request, operation: str, protocol: str) -> Call:
    if operation in _CLOUDWATCH_ANY_RESOURCE:
        return Call("cloudwatch", protocol, operation, (Need(f"cloudwatch:{operation}", "*"),))
    return Call("cloudwatch", protocol, operation, unmodelled=f"CloudWatch {operation}")


# --------------------------------------------------------------------------------------
# CloudWatch Logs: "Actions, resources, and condition keys for Amazon CloudWatch Logs"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html)
# --------------------------------------------------------------------------------------
def logs(request: Request, operation: str) -> Call:
    body = request.json_body()
    group = str(body.get("logGroupName", ""))
    stream = str(body.get("logStreamName", ""))
    base = f"arn:aws:logs:{request.region}:{request.account}:log-group:{group}"
    if operation in ("CreateLogStream", "PutLogEvents", "GetLogEvents") and group and stream:
        return Call(
            "logs", "json", operation, (Need(f"logs:{operation}", f"{base}:log-stream:{stream}"),)
        )
    if (
        operation
        in (
            "CreateLogGroup",
            "DescribeLogStreams",
            "DeleteLogGroup",
            "PutRetentionPolicy",
            "FilterLogEvents",
        )
        and group
    ):
        return Call("logs", "json", operation, (Need(f"logs:{operation}", base),))
    if operation == "DescribeLogGroups":
        return Call("logs", "json", operation, (Need("logs:DescribeLogGroups", "*"),))
    return Call("logs", "json", operation, unmodelled=f"CloudWatch Logs {operation}")


# --------------------------------------------------------------------------------------
# STS: GetCallerIdentity needs no permission ("GetCallerIdentity", AWS STS API Reference:
# "No permissions are required to perform this operation").
# --------------------------------------------------------------------------------------
def sts(request: Request, operation: str) -> Call:
    if operation == "GetCallerIdentity":
        return Call("sts", "query", operation, always_allowed=True)
    return Call("sts", "query", operation, unmodelled=f"STS {operation}")
