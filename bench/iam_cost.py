"""The cost of IAM enforcement per call: the same calls with enforcement on and off.

One process runs two local AWS servers over the same moto state (so both answer from the
same tables, secrets and keys): one with IAM enforcement on (the default), one with it off
(``PPLOCALAWS_IAM=off`` / ``pplocalaws --iam off`` do the same for a real server). A role
session with a service-like policy (table actions, a secret, kms:Decrypt via DynamoDB and
Secrets Manager) makes the same calls against each, alternating call by call, so a slow
moment of the machine does not favour one side. Each call reads a table or a secret
encrypted with a customer managed key, so the KMS via-service check is included.

Printed: the median wall time per call on each server, the difference (the evaluation's
cost seen by a client), the ratio, and the median of the evaluation alone (describing the
request and deciding it, in this process, without HTTP).

    python bench/iam_cost.py [--calls 300]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3

from pplocalaws.iam import authorizer, calls, lookups
from pplocalaws.iam.serving import EnforcingServer

REGION = "us-east-1"
ACCOUNT = "123456789012"
ADMIN = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _client(endpoint: str, service: str, keys: dict[str, str]) -> Any:
    return boto3.session.Session(region_name=REGION, **keys).client(service, endpoint_url=endpoint)


def _prepare(endpoint: str) -> tuple[dict[str, str], str, str]:
    """A CMK-encrypted table and secret, a role allowed to use them; its session's keys."""
    suffix = uuid.uuid4().hex[:8]
    key_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    key = _client(endpoint, "kms", ADMIN).create_key(Policy=json.dumps(key_policy))["KeyMetadata"][
        "Arn"
    ]
    table = f"bench-{suffix}"
    dynamodb = _client(endpoint, "dynamodb", ADMIN)
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key},
    )
    dynamodb.put_item(TableName=table, Item={"id": {"S": "1"}, "v": {"S": "x"}})
    secret = _client(endpoint, "secretsmanager", ADMIN).create_secret(
        Name=f"bench-{suffix}", SecretString="{}", KmsKeyId=key
    )["ARN"]
    table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Table",
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                "Resource": [table_arn, f"{table_arn}/index/*"],
            },
            {
                "Sid": "Secret",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secret,
            },
            {
                "Sid": "Key",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key,
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": [
                            f"dynamodb.{REGION}.amazonaws.com",
                            f"secretsmanager.{REGION}.amazonaws.com",
                        ]
                    }
                },
            },
        ],
    }
    iam = _client(endpoint, "iam", ADMIN)
    iam.create_role(RoleName=f"bench-{suffix}", AssumeRolePolicyDocument="{}")
    iam.put_role_policy(
        RoleName=f"bench-{suffix}", PolicyName="p", PolicyDocument=json.dumps(document)
    )
    credentials = _client(endpoint, "sts", ADMIN).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/bench-{suffix}", RoleSessionName="bench"
    )["Credentials"]
    keys = {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }
    return keys, table, secret


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _evaluation_alone(keys: dict[str, str], table: str, repeats: int) -> list[float]:
    session = lookups.session(keys["aws_access_key_id"])
    assert session is not None
    body = json.dumps({"TableName": table, "Key": {"id": {"S": "1"}}}).encode()
    request = calls.Request(
        "POST",
        "/",
        {},
        {"x-amz-target": "DynamoDB_20120810.GetItem"},
        body,
        "dynamodb",
        REGION,
        ACCOUNT,
    )
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        decision = authorizer.authorize(session, calls.describe(request), REGION)
        samples.append(time.perf_counter() - started)
        assert decision is None
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="calls of each kind per server")
    options = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access line per call
    on = EnforcingServer("127.0.0.1", 0, enforce=True)
    off = EnforcingServer("127.0.0.1", 0, enforce=False)
    on.start()
    off.start()
    try:
        keys, table, secret = _prepare(f"http://127.0.0.1:{on.port}")
        clients = {
            name: (
                _client(f"http://127.0.0.1:{server.port}", "dynamodb", keys),
                _client(f"http://127.0.0.1:{server.port}", "secretsmanager", keys),
            )
            for name, server in (("on", on), ("off", off))
        }
        samples: dict[str, list[float]] = {"on": [], "off": []}
        for name in ("on", "off"):  # warm both: connections, botocore's loaders
            dynamodb, secrets = clients[name]
            dynamodb.get_item(TableName=table, Key={"id": {"S": "1"}})
            secrets.get_secret_value(SecretId=secret)
        for index in range(options.calls):
            order = ("on", "off") if index % 2 == 0 else ("off", "on")
            for name in order:
                dynamodb, secrets = clients[name]
                samples[name].append(
                    _timed(lambda d=dynamodb: d.get_item(TableName=table, Key={"id": {"S": "1"}}))
                )
                samples[name].append(_timed(lambda s=secrets: s.get_secret_value(SecretId=secret)))
        alone = _evaluation_alone(keys, table, options.calls)
    finally:
        on.stop()
        off.stop()
    median_on = statistics.median(samples["on"]) * 1000
    median_off = statistics.median(samples["off"]) * 1000
    print(
        f"calls per server: {len(samples['on'])} "
        "(DynamoDB GetItem and Secrets Manager GetSecretValue, CMK-encrypted)"
    )
    print(f"{'':<34}{'median ms':>10}")
    print(f"{'enforcement off':<34}{median_off:>10.3f}")
    print(f"{'enforcement on':<34}{median_on:>10.3f}")
    print(f"{'IAM cost per call (on - off)':<34}{median_on - median_off:>10.3f}")
    print(f"{'evaluation alone (in process)':<34}{statistics.median(alone) * 1000:>10.3f}")
    print(f"ratio on/off: {median_on / median_off:.3f}")


if __name__ == "__main__":
    main()
