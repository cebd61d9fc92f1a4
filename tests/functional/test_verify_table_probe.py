"""verify's purge probe against the services' own stores on moto: it must see exactly what
the coaching and traction code writes for a journey, and nothing once their purges ran.

The probe mirrors the services' key design (it can only read the tables); this is the test
that fails when one side's keys change without the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ppdeploy.workflows.verify import Created, TableProbe
from pptesting import reset_ppcommon
from pptesting.aws import FAKE_AWS_ENVIRONMENT, create_tables

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> Iterator[TableProbe]:
    from moto import mock_aws  # noqa: PLC0415 - test-only dependency

    for name, value in FAKE_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        names = create_tables("coaching", "traction", stage="dev")
        for logical, table in names.items():
            monkeypatch.setenv(f"{logical.upper()}_TABLE", table)
        reset_ppcommon()
        from ppcommon import aws  # noqa: PLC0415 - after the environment is set

        yield TableProbe.for_stage(aws.client("dynamodb"), "dev")
    reset_ppcommon()


def journey_data(tenant_id: str, user_id: str) -> Created:
    """What verify's journey writes, through the services' own code."""
    from coaching import store as coaching  # noqa: PLC0415 - service code, test-only here
    from traction import store as traction  # noqa: PLC0415 - same

    owner = coaching.Owner(tenant_id, user_id)
    session = coaching.create_session(owner, "verify", NOW)
    coaching.add_exchange(owner, session["sessionId"], [("user", "q"), ("coach", "a")], NOW)
    goal = traction.create_goal(tenant_id, {"title": "verify"}, NOW)
    kpi = traction.create_kpi(tenant_id, goal["goalId"], "deploys", "count", Decimal(10), NOW)
    traction.add_reading(tenant_id, kpi["kpiId"], Decimal(3), NOW)
    return Created(user_id, tenant_id, session_id=session["sessionId"], kpi_id=kpi["kpiId"])


def test_the_probe_sees_every_partition_the_journey_wrote(tables: TableProbe) -> None:
    created = journey_data("tenant-1", "user-1")

    left = tables(created)

    assert len(left) == 4
    assert left[0] == "1 item(s) in purposepath-coaching-dev under TENANT#tenant-1#USER#user-1"
    assert left[2] == "3 item(s) in purposepath-traction-dev under TENANT#tenant-1"


def test_the_probe_sees_nothing_after_the_services_purged(tables: TableProbe) -> None:
    from coaching import store as coaching  # noqa: PLC0415 - service code, test-only here
    from traction import store as traction  # noqa: PLC0415 - same

    created = journey_data("tenant-1", "user-1")
    other = journey_data("tenant-2", "user-2")

    coaching.purge_user("tenant-1", "user-1")
    traction.purge_tenant("tenant-1")

    assert tables(created) == []
    assert len(tables(other)) == 4
