"""PutMetricData refuses the namespaces AWS services publish in.

"You cannot specify a namespace that begins with 'AWS/'. Namespaces that begin with 'AWS/'
are reserved for use by Amazon Web Services products." (CloudWatch API Reference,
PutMetricData, request parameter ``Namespace``;
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html).
moto 5.2.5 accepts any namespace. The local gateway records Lambda's and API Gateway's own
metrics through a local-only door instead (``cloudwatch_endpoints.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterValue
from moto.cloudwatch.responses import CloudWatchResponse

from pplocalaws import seams

RESERVED_PREFIX = "AWS/"


def _refusing_reserved(original: Callable[..., Any]) -> Callable[..., Any]:
    def put_metric_data(self: CloudWatchResponse) -> Any:
        namespace = str(seams.request_param(self, "Namespace") or "")
        if namespace.startswith(RESERVED_PREFIX):
            raise InvalidParameterValue(
                f"The value {namespace} for parameter Namespace is invalid: namespaces "
                f"beginning with '{RESERVED_PREFIX}' are reserved for AWS services."
            )
        return original(self)

    return put_metric_data


seams.patch_method(CloudWatchResponse, "put_metric_data", _refusing_reserved)
