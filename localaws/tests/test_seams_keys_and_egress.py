"""The alarm-actions seam into moto still holds (names the moto attribute if not)."""

from __future__ import annotations

import inspect
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend

from pplocalaws import seams


def test_set_alarm_state_keeps_the_signature_the_seam_wraps() -> None:
    target = getattr(CloudWatchBackend.set_alarm_state, "__wrapped__", None)
    target = target or CloudWatchBackend.set_alarm_state
    parameters = list(inspect.signature(target).parameters)
    assert parameters == ["self", "alarm_name", "reason", "reason_data", "state_value"], (
        "moto.cloudwatch.models.CloudWatchBackend.set_alarm_state changed: "
        "update seams.after_alarm_state_change"
    )


def test_after_alarm_state_change() -> None:
    seen: list[tuple[str, str, str]] = []

    def hook(backend: Any, alarm: Any, before: str) -> None:
        seen.append((alarm.name, before, alarm.state_value))

    original = CloudWatchBackend.set_alarm_state
    try:
        seams.after_alarm_state_change(hook)
        seams.after_alarm_state_change(hook)  # idempotent: one wrapper, one call
        backend = CloudWatchBackend("us-east-1", "123456789012")
        backend.put_metric_alarm(
            name="a",
            namespace="N",
            metric_name="M",
            comparison_operator="GreaterThanThreshold",
            evaluation_periods=1,
            period=60,
            threshold=1.0,
            statistic="Sum",
            description="",
            dimensions=[],
            alarm_actions=[],
        )
        assert hasattr(backend, "alarms"), "CloudWatchBackend.alarms is gone"
        backend.set_alarm_state("a", "r", None, "ALARM")  # type: ignore[arg-type]  # moto accepts None
        assert seen == [("a", "OK", "ALARM")]
    finally:
        CloudWatchBackend.set_alarm_state = original  # type: ignore[method-assign]  # restore
