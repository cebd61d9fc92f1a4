"""Snapshots of the local AWS's state, in process on moto's backends (no server).

The integration tier proves the same against a real server and a deployed stage
(``tests/integration/test_state_snapshots.py``); these pin the copy's rules one by one.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.s3.models import s3_backends
from moto.sqs.models import sqs_backends

from pplocalaws import state_endpoints, state_snapshots
from pplocalaws.extensions import operation_threads

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
REGION = "us-east-1"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _client(service: str, region: str = REGION) -> Any:
    return boto3.client(service, region_name=region)


def _other_account_sqs() -> Any:
    """SQS as another account: moto takes the account of a role session's credentials."""
    credentials = _client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{OTHER_ACCOUNT}:role/probe", RoleSessionName="probe"
    )["Credentials"]
    return boto3.client(
        "sqs",
        region_name=REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def _table(name: str, region: str = REGION) -> None:
    _client("dynamodb", region).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _items(name: str) -> list[dict[str, Any]]:
    return sorted(_client("dynamodb").scan(TableName=name)["Items"], key=repr)


@pytest.mark.usefixtures("aws")
def test_a_restore_undoes_additions_changes_and_deletions() -> None:
    _table("kept")
    _client("dynamodb").put_item(TableName="kept", Item={"k": {"S": "1"}, "v": {"S": "a"}})
    _client("iam").create_role(RoleName="kept-role", AssumeRolePolicyDocument="{}")
    snapshot = state_snapshots.save("one")

    dynamodb = _client("dynamodb")
    dynamodb.put_item(TableName="kept", Item={"k": {"S": "1"}, "v": {"S": "changed"}})
    dynamodb.put_item(TableName="kept", Item={"k": {"S": "2"}})
    _table("added")
    _client("iam").delete_role(RoleName="kept-role")
    state_snapshots.restore(snapshot)

    assert _client("dynamodb").list_tables()["TableNames"] == ["kept"]
    assert _items("kept") == [{"k": {"S": "1"}, "v": {"S": "a"}}]
    assert _client("iam").get_role(RoleName="kept-role")["Role"]["RoleName"] == "kept-role"


@pytest.mark.usefixtures("aws")
def test_each_restore_is_a_fresh_copy_so_a_snapshot_restores_again_and_again() -> None:
    _table("kept")
    snapshot = state_snapshots.save("again")
    for round_ in range(3):
        _client("dynamodb").put_item(TableName="kept", Item={"k": {"S": str(round_)}})
        state_snapshots.restore(snapshot)
        assert _items("kept") == []


@pytest.mark.usefixtures("aws")
def test_regions_and_accounts_first_used_after_the_save_are_empty_again() -> None:
    _table("home")
    snapshot = state_snapshots.save("places")
    _table("elsewhere", region="eu-west-1")
    theirs = _other_account_sqs()
    theirs.create_queue(QueueName="theirs")
    assert OTHER_ACCOUNT in sqs_backends
    assert "QueueUrls" not in _client("sqs").list_queues()  # made in the other account

    state_snapshots.restore(snapshot)

    assert _client("dynamodb", "eu-west-1").list_tables()["TableNames"] == []
    assert "QueueUrls" not in theirs.list_queues()
    assert OTHER_ACCOUNT not in sqs_backends
    assert _client("dynamodb").list_tables()["TableNames"] == ["home"]


@pytest.mark.usefixtures("aws")
def test_a_restore_after_moto_s_own_reset_brings_the_saved_backends_back() -> None:
    _table("kept")
    snapshot = state_snapshots.save("reset")
    backend = sqs_backends[ACCOUNT][REGION]
    backend.reset()

    state_snapshots.restore(snapshot)

    assert _client("dynamodb").list_tables()["TableNames"] == ["kept"]


@pytest.mark.usefixtures("aws")
def test_objects_two_backends_share_stay_one_object() -> None:
    backend = sqs_backends[ACCOUNT][REGION]
    queue = backend.create_queue("shared")
    other = sqs_backends[ACCOUNT]["eu-west-1"]
    vars(other)["_probe_same_queue"] = queue  # as a stack's resource is the service's object
    snapshot = state_snapshots.save("shared")

    state_snapshots.restore(snapshot)

    restored = sqs_backends[ACCOUNT][REGION].queues["shared"]
    assert vars(sqs_backends[ACCOUNT]["eu-west-1"])["_probe_same_queue"] is restored
    assert restored is not queue  # a copy: changing it cannot change the snapshot


@pytest.mark.usefixtures("aws")
def test_locks_are_made_anew_unlocked_and_functions_are_shared() -> None:
    backend = sqs_backends[ACCOUNT][REGION]
    held = threading.Lock()
    held.acquire()

    def callback() -> None: ...

    vars(backend)["_probe_lock"] = held
    vars(backend)["_probe_callback"] = callback
    snapshot = state_snapshots.save("locks")

    state_snapshots.restore(snapshot)

    restored = vars(sqs_backends[ACCOUNT][REGION])
    assert restored["_probe_lock"] is not held
    assert restored["_probe_lock"].acquire(blocking=False)
    assert restored["_probe_callback"] is callback


@pytest.mark.usefixtures("aws")
def test_ssm_parameters_kept_in_moto_s_defaultdict_subclass_come_back() -> None:
    ssm = _client("ssm")
    ssm.put_parameter(Name="/kept", Value="v1", Type="String")
    snapshot = state_snapshots.save("ssm")
    ssm.put_parameter(Name="/kept", Value="v2", Type="String", Overwrite=True)

    state_snapshots.restore(snapshot)

    parameter = _client("ssm").get_parameter(Name="/kept")["Parameter"]
    assert (parameter["Value"], parameter["Version"]) == ("v1", 1)


@pytest.mark.usefixtures("aws")
def test_a_running_stack_operation_refuses_the_save_naming_the_stack(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(operation_threads, "running", lambda: ["arn:stack/busy"])

    with pytest.raises(state_snapshots.SnapshotRefused, match="arn:stack/busy"):
        state_snapshots.save("busy")
    with pytest.raises(state_snapshots.SnapshotRefused, match="still running"):
        state_snapshots.restore(state_snapshots.Snapshot("x", [], [], b"", {}))


@pytest.mark.usefixtures("aws")
def test_the_endpoints_save_restore_and_forget_by_name() -> None:
    prefix = state_endpoints.PREFIX
    _table("kept")

    saved_status, saved = state_endpoints.answer("POST", f"{prefix}stage-1")
    _table("added")
    restored_status, restored = state_endpoints.answer("POST", f"{prefix}stage-1/restore")
    assert restored == {"name": "stage-1"}

    assert saved_status == "200 OK"
    assert saved["name"] == "stage-1"
    assert restored_status == "200 OK"
    assert _client("dynamodb").list_tables()["TableNames"] == ["kept"]
    assert state_endpoints.answer("DELETE", f"{prefix}stage-1")[0] == "200 OK"
    missing_status, missing = state_endpoints.answer("POST", f"{prefix}stage-1/restore")
    assert missing_status == "404 Not Found"
    assert "no snapshot 'stage-1'" in missing["message"]


def test_a_bad_name_or_route_is_refused_naming_it() -> None:
    prefix = state_endpoints.PREFIX
    status, body = state_endpoints.answer("POST", f"{prefix}bad name!")
    assert status == "400 Bad Request"
    assert "'bad name!'" in body["message"]
    status, body = state_endpoints.answer("GET", f"{prefix}fine")
    assert status == "404 Not Found"
    assert "GET" in body["message"]


class _Held:
    """A value a weak reference can point at."""


@pytest.mark.usefixtures("aws")
def test_weak_references_point_at_the_copies() -> None:
    backend = sqs_backends[ACCOUNT][REGION]
    held = _Held()
    index: weakref.WeakValueDictionary[str, _Held] = weakref.WeakValueDictionary({"a": held})
    vars(backend)["_probe_held"] = held
    vars(backend)["_probe_index"] = index
    vars(backend)["_probe_ref"] = weakref.ref(held)
    vars(backend)["_probe_dead"] = weakref.ref(_Held())
    snapshot = state_snapshots.save("weak")

    state_snapshots.restore(snapshot)

    restored = vars(sqs_backends[ACCOUNT][REGION])
    assert restored["_probe_held"] is not held
    assert restored["_probe_index"]["a"] is restored["_probe_held"]
    assert restored["_probe_ref"]() is restored["_probe_held"]
    assert restored["_probe_dead"]() is None


@pytest.mark.usefixtures("aws")
def test_s3_objects_survive_a_restore_that_empties_a_backend_first_used_since() -> None:
    s3 = _client("s3")
    s3.create_bucket(Bucket="snapshot-probe")
    s3.put_object(Bucket="snapshot-probe", Key="template.json", Body=b"{}")
    snapshot = state_snapshots.save("s3")
    for _ in range(2):
        state_snapshots.restore(snapshot)
        # A partition's S3 backend made now is emptied by the next restore; moto's S3 reset
        # disposes of every key its class tracks, which must not include the copy's keys.
        s3_backends[ACCOUNT]["aws-cn"]
        assert s3.get_object(Bucket="snapshot-probe", Key="template.json")["Body"].read() == b"{}"
    assert ACCOUNT in s3_backends.bucket_accounts["snapshot-probe"]  # moto: (partition, account)
