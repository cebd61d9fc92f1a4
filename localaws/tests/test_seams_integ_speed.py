"""The integ-speed seams into moto still hold (each names the moto attribute if not)."""

from __future__ import annotations

from moto import mock_aws
from moto.sqs.models import SQSBackend, sqs_backends

from pplocalaws import seams

ACCOUNT = "123456789012"
REGION = "us-east-1"


def test_moto_backend_dicts() -> None:
    with mock_aws():
        sqs_backends[ACCOUNT][REGION].create_queue("q")
        in_use = seams.moto_backend_dicts()
        assert any(found is sqs_backends for found in in_use), (
            "moto changed: BackendDict._instances no longer lists the BackendDicts in use, "
            "so a snapshot would miss their state; update seams.moto_backend_dicts"
        )

        assert seams.moto_backend_dicts(replace=[]) == []
        assert seams.moto_backend_dicts() == []  # the list moto walks was changed in place
        assert seams.moto_backend_dicts(replace=in_use) == in_use


def test_moto_tracked_instances() -> None:
    with mock_aws():
        queue = sqs_backends[ACCOUNT][REGION].create_queue("tracked")
        tracked = seams.moto_tracked_instances()
        assert queue in tracked[type(queue)], (
            "moto changed: model classes no longer track their instances "
            "(InstanceTrackerMeta.instances_tracked); update seams.moto_tracked_instances"
        )

        seams.moto_tracked_instances(replace={})
        assert seams.moto_tracked_instances()[type(queue)] == []
        seams.moto_tracked_instances(replace=tracked)
        assert queue in seams.moto_tracked_instances()[type(queue)]


def test_replace_backend_state() -> None:
    backend = SQSBackend(REGION, ACCOUNT)
    empty = dict(vars(SQSBackend(REGION, ACCOUNT)))
    backend.create_queue("replaced")

    seams.replace_backend_state(backend, empty)

    assert vars(backend) is empty
    assert backend.queues == {}, (
        "moto changed: a backend's state is no longer its attributes (BaseBackend.reset "
        "replaces them); update seams.replace_backend_state"
    )
    assert backend.region_name == REGION
    assert backend.account_id == ACCOUNT
