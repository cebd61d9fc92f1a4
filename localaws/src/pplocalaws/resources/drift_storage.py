"""Drift readers for S3 buckets and bucket policies.

A bucket is compared on its name and versioning; its other configurations (encryption,
public access block, ownership, logging, lifecycle) are kept by moto in the S3 API's
shapes and are not read back into CloudFormation's yet, so they are not compared here
(on AWS they are). A bucket policy is compared as JSON data.
"""

from __future__ import annotations

import json

from pplocalaws.resources.drift_common import Live, Reader


def _bucket(physical_id: str, account_id: str) -> object | None:
    from moto.s3.exceptions import MissingBucket  # noqa: PLC0415 - moto loads on first use
    from moto.s3.models import s3_backends  # noqa: PLC0415 - moto loads on first use

    try:
        return s3_backends[account_id]["aws"].get_bucket(physical_id)
    except MissingBucket:
        return None


# -- AWS::S3::Bucket (physical id: the bucket's name) ---------------------------------------
def read_bucket(physical_id: str, account_id: str, region: str) -> Live | None:
    bucket = _bucket(physical_id, account_id)
    if bucket is None:
        return None
    live: Live = {"BucketName": getattr(bucket, "name", physical_id)}
    status = getattr(bucket, "versioning_status", None)
    if status:
        live["VersioningConfiguration"] = {"Status": status}
    return live


# -- AWS::S3::BucketPolicy (physical id: the bucket's name) ---------------------------------
def read_bucket_policy(physical_id: str, account_id: str, region: str) -> Live | None:
    bucket = _bucket(physical_id, account_id)
    policy = getattr(bucket, "policy", None) if bucket is not None else None
    if not policy:
        return None  # the policy was deleted (or its bucket)
    text = policy.decode() if isinstance(policy, bytes) else str(policy)
    return {"Bucket": physical_id, "PolicyDocument": json.loads(text)}


READERS: dict[str, Reader] = {
    "AWS::S3::Bucket": Reader(read_bucket, frozenset({"BucketName", "VersioningConfiguration"})),
    "AWS::S3::BucketPolicy": Reader(read_bucket_policy, frozenset({"Bucket", "PolicyDocument"})),
}
