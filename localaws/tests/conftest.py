"""Every localaws test process waits for stack operations the way a CloudFormation client does.

Stack operations run in the background (``pplocalaws.extensions.operation_threads``); the tests
here, written as "call, then check the result", read the finished stack because each
operation-starting call joins the operation first (``waiting.join_after_stack_operations``),
as a waiter would. Tests that watch an operation in progress opt out per client.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator

import boto3
import botocore.loaders
import botocore.session
import pytest

from pplocalaws.extensions.waiting import join_after_stack_operations

# moto builds each EC2 backend (one per account and region, again after every mock_aws()
# reset) with its ~1300 default public AMIs, each with a volume and a snapshot: about a
# second per test that touches EC2. Nothing in this repository reads an AMI (no template
# has an ImageId, no code lists images, volumes or snapshots), so these tests, and the
# servers they start (which inherit the environment), skip them. moto's documented switch
# (moto's "Configuration > Environment Variables": MOTO_EC2_LOAD_DEFAULT_AMIS).
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


@pytest.fixture(scope="session", autouse=True)
def _one_botocore_loader_per_data_path() -> Iterator[None]:
    """Every botocore session of a test process shares one data loader per data path.

    A test makes a fresh boto3 session (and moto's reset makes its clients anew), and each
    new session's loader parses botocore's JSON again (endpoints, partitions, the service
    models): a third of a resource test's time. A loader keeps what it parsed
    (``instance_cache``), and sessions of one process already share it between their
    clients; sharing it between sessions changes what is parsed once, not what is read.
    """
    shared = functools.cache(botocore.loaders.create_loader)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", shared)
        yield


@pytest.fixture(scope="session", autouse=True)
def _stack_operations_joined() -> Iterator[None]:
    boto3.DEFAULT_SESSION = None  # a session made before the handler would lack it
    with join_after_stack_operations():
        yield
