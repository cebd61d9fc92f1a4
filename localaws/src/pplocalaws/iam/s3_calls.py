"""S3 REST calls in IAM's terms: the action from method, path and subresource."""

from __future__ import annotations

import re
import urllib.parse

from pplocalaws.iam.request import Call, Need, Request

# --------------------------------------------------------------------------------------
# S3 (REST): "Actions, resources, and condition keys for Amazon S3"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html)
# and "Required permissions for Amazon S3 API operations"
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html).
# --------------------------------------------------------------------------------------
_S3_OBJECT = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject", "DELETE": "DeleteObject"}
_S3_OBJECT_SUBRESOURCES = {
    ("GET", "tagging"): "GetObjectTagging",
    ("PUT", "tagging"): "PutObjectTagging",
    ("GET", "acl"): "GetObjectAcl",
    ("PUT", "acl"): "PutObjectAcl",
    ("POST", "uploads"): "PutObject",
    ("POST", "uploadId"): "PutObject",
    ("PUT", "uploadId"): "PutObject",
    ("DELETE", "uploadId"): "AbortMultipartUpload",
    ("GET", "uploadId"): "ListMultipartUploadParts",
}
_S3_BUCKET = {
    "GET": "ListBucket",
    "HEAD": "ListBucket",
    "PUT": "CreateBucket",
    "DELETE": "DeleteBucket",
}
_S3_BUCKET_SUBRESOURCES = {
    ("GET", "versions"): "ListBucketVersions",
    ("GET", "location"): "GetBucketLocation",
    ("GET", "policy"): "GetBucketPolicy",
    ("PUT", "policy"): "PutBucketPolicy",
    ("GET", "tagging"): "GetBucketTagging",
    ("PUT", "tagging"): "PutBucketTagging",
    ("GET", "versioning"): "GetBucketVersioning",
    ("PUT", "versioning"): "PutBucketVersioning",
    ("GET", "encryption"): "GetEncryptionConfiguration",
    ("PUT", "encryption"): "PutEncryptionConfiguration",
    ("GET", "uploads"): "ListBucketMultipartUploads",
}


def s3(request: Request) -> Call:  # noqa: PLR0911 - one return per route shape
    parts = request.path.lstrip("/").split("/", 1)
    bucket = urllib.parse.unquote(parts[0])
    key = urllib.parse.unquote(parts[1]) if len(parts) > 1 else ""
    method = request.method.upper()
    if not bucket:
        if method == "GET":
            return Call("s3", "rest-xml", "ListBuckets", (Need("s3:ListAllMyBuckets", "*"),))
        return Call("s3", "rest-xml", method, unmodelled=f"S3 {method} /")
    if key:
        arn = f"arn:aws:s3:::{bucket}/{key}"
        subresource = next(
            (s for (m, s) in _S3_OBJECT_SUBRESOURCES if m == method and s in request.query), None
        )
        operation = (
            _S3_OBJECT_SUBRESOURCES[(method, subresource)]
            if subresource
            else _S3_OBJECT.get(method)
        )
        if not operation:
            return Call("s3", "rest-xml", method, unmodelled=f"S3 {method} on an object")
        needs = [Need(f"s3:{operation}", arn)]
        source = request.headers.get("x-amz-copy-source")
        if method == "PUT" and source:
            source_path = urllib.parse.unquote(source.lstrip("/").split("?", 1)[0])
            needs.append(Need("s3:GetObject", f"arn:aws:s3:::{source_path}"))
        return Call("s3", "rest-xml", operation, tuple(needs))
    arn = f"arn:aws:s3:::{bucket}"
    if method == "POST" and "delete" in request.query:
        # DeleteObjects: s3:DeleteObject on each key named in the body.
        keys = re.findall(rb"<Key>(.*?)</Key>", request.body or b"")
        deletes = tuple(Need("s3:DeleteObject", f"{arn}/{k.decode()}") for k in keys)
        return Call("s3", "rest-xml", "DeleteObjects", deletes)
    subresource = next(
        (s for (m, s) in _S3_BUCKET_SUBRESOURCES if m == method and s in request.query), None
    )
    if subresource:
        operation = _S3_BUCKET_SUBRESOURCES[(method, subresource)]
    elif any(
        q
        for q in request.query
        if q
        not in (
            "prefix",
            "delimiter",
            "max-keys",
            "marker",
            "list-type",
            "continuation-token",
            "start-after",
            "encoding-type",
            "fetch-owner",
        )
    ):
        return Call("s3", "rest-xml", method, unmodelled=f"S3 {method} ?{'&'.join(request.query)}")
    else:
        operation = _S3_BUCKET.get(method, "")
    if not operation:
        return Call("s3", "rest-xml", method, unmodelled=f"S3 {method} on a bucket")
    return Call("s3", "rest-xml", operation, (Need(f"s3:{operation}", arn),))
