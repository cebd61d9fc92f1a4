"""AWS::S3::Bucket settings moto's model ignores, and AWS::S3::BucketPolicy (no model).

moto's bucket model applies only BucketEncryption (dropping BucketKeyEnabled) and Tags. The
wrapper here also applies VersioningConfiguration, PublicAccessBlockConfiguration,
LoggingConfiguration, LifecycleConfiguration and OwnershipControls, on create and on
update (moto's update handles the name change and encryption; this runs after it).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.core.common_models import CloudFormationModel
from moto.s3.exceptions import MissingBucket
from moto.s3.models import FakeBucket, S3Backend, s3_backends
from moto.utilities.utils import get_partition

from pplocalaws.resources.common import LocalModel, Properties, as_bool, require
from pplocalaws.resources.patching import extend_create, extend_update

BUCKET_POLICY_TYPE = "AWS::S3::BucketPolicy"


def _backend(account_id: str, region_name: str) -> S3Backend:
    return s3_backends[account_id][get_partition(region_name)]


def lifecycle_rule_for_api(rule: Properties) -> dict[str, Any]:
    """One CloudFormation lifecycle rule in the S3 API's (XML-parsed) shape moto stores."""
    api_rule: dict[str, Any] = {
        "ID": rule.get("Id", ""),
        "Status": rule.get("Status", "Enabled"),
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    if "ExpirationInDays" in rule:
        api_rule["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    elif "ExpirationDate" in rule:
        api_rule["Expiration"] = {"Date": rule["ExpirationDate"]}
    elif "ExpiredObjectDeleteMarker" in rule:
        api_rule["Expiration"] = {
            "ExpiredObjectDeleteMarker": str(as_bool(rule["ExpiredObjectDeleteMarker"])).lower()
        }
    noncurrent = rule.get("NoncurrentVersionExpiration") or (
        {"NoncurrentDays": rule["NoncurrentVersionExpirationInDays"]}
        if "NoncurrentVersionExpirationInDays" in rule
        else None
    )
    if noncurrent:
        api_rule["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(noncurrent["NoncurrentDays"])
        }
    transitions = list(rule.get("Transitions", []))
    if "Transition" in rule:
        transitions.append(rule["Transition"])
    if transitions:
        api_rule["Transition"] = [
            {
                "Days": t.get("TransitionInDays"),
                "Date": t.get("TransitionDate"),
                "StorageClass": t["StorageClass"],
            }
            for t in transitions
        ]
    noncurrent_transitions = rule.get("NoncurrentVersionTransitions", [])
    if noncurrent_transitions:
        api_rule["NoncurrentVersionTransition"] = [
            {
                "NoncurrentDays": t["TransitionInDays"],
                "StorageClass": t["StorageClass"],
                "NewerNoncurrentVersions": t.get("NewerNoncurrentVersions"),
            }
            for t in noncurrent_transitions
        ]
    if "AbortIncompleteMultipartUpload" in rule:
        api_rule["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(
                rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
            )
        }
    return api_rule


def _apply_bucket_settings(
    bucket: FakeBucket, properties: Properties, account_id: str, region: str
) -> None:
    backend = _backend(account_id, region)
    name = bucket.name

    versioning = properties.get("VersioningConfiguration")
    if versioning:
        backend.put_bucket_versioning(name, versioning["Status"])
    elif bucket.versioning_status == "Enabled":
        # S3 cannot turn versioning off, only suspend it.
        backend.put_bucket_versioning(name, "Suspended")

    block = properties.get("PublicAccessBlockConfiguration")
    if block:
        backend.put_public_access_block(name, {key: as_bool(value) for key, value in block.items()})
    else:
        backend.delete_public_access_block(name)

    encryption = properties.get("BucketEncryption")
    if encryption and bucket.encryption:
        rules = encryption["ServerSideEncryptionConfiguration"]
        bucket.encryption["Rule"]["BucketKeyEnabled"] = as_bool(rules[0].get("BucketKeyEnabled"))

    _apply_logging(bucket, properties.get("LoggingConfiguration"), backend)

    lifecycle = properties.get("LifecycleConfiguration")
    if lifecycle and lifecycle.get("Rules"):
        backend.put_bucket_lifecycle(name, [lifecycle_rule_for_api(r) for r in lifecycle["Rules"]])
    else:
        backend.delete_bucket_lifecycle(name)

    ownership = properties.get("OwnershipControls")
    if ownership and ownership.get("Rules"):
        backend.put_bucket_ownership_controls(name, ownership["Rules"][0]["ObjectOwnership"])
    else:
        backend.delete_bucket_ownership_controls(name)


def _apply_logging(bucket: FakeBucket, logging: Properties | None, backend: S3Backend) -> None:
    if not logging:
        bucket.logging = {}
        return
    target = logging.get("DestinationBucketName") or bucket.name
    if target not in backend.buckets:
        raise ValidationError(
            message=f"AWS::S3::Bucket {bucket.name}: LoggingConfiguration names bucket "
            f"{target!r}, which does not exist; create the logs bucket first (Ref it)"
        )
    # Stored directly: moto's PutBucketLogging also demands the target's log-delivery
    # grant or policy, which a template may create after this bucket. S3 checks the
    # grant when it delivers logs, not here.
    bucket.logging = {"TargetBucket": target, "TargetPrefix": logging.get("LogFilePrefix", "")}


extend_create(FakeBucket, _apply_bucket_settings)
extend_update(FakeBucket, _apply_bucket_settings)


class LocalBucketPolicy(LocalModel, CloudFormationModel):
    """The policy of one bucket. Ref returns the bucket name."""

    RESOURCE_TYPE = BUCKET_POLICY_TYPE
    REF_ATTRIBUTE = "bucket_name"

    def __init__(self, bucket_name: str, properties: Properties) -> None:
        self.bucket_name = bucket_name
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalBucketPolicy:
        bucket = str(require(properties, "Bucket", BUCKET_POLICY_TYPE))
        _put_policy(
            bucket,
            require(properties, "PolicyDocument", BUCKET_POLICY_TYPE),
            account_id,
            region_name,
        )
        return cls(bucket, properties)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        _put_policy(self.bucket_name, new["PolicyDocument"], account_id, region_name)

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        # A bucket already deleted took its policy with it.
        with contextlib.suppress(MissingBucket):
            _backend(account_id, region_name).delete_bucket_policy(physical_id)


def _put_policy(bucket: str, document: Any, account_id: str, region_name: str) -> None:
    text = document if isinstance(document, str) else json.dumps(document)
    _backend(account_id, region_name).put_bucket_policy(bucket, text.encode())
