"""Systems Manager Parameter Store calls in IAM's terms (with the KMS use of SecureString).

"Actions, resources, and condition keys for AWS Systems Manager"
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html):
parameter operations are authorised on ``arn:aws:ssm:REGION:ACCOUNT:parameter/NAME``, the
name without its leading slash; a name may be given as that ARN, and a version or label
selector (``NAME:3``, ``NAME:label``) is not part of the resource. GetParameters and
DeleteParameters need their action on every parameter named; GetParametersByPath on the
path itself; DescribeParameters has no resource type (``*``).

A SecureString parameter encrypted with a customer managed key also uses that key ("How
AWS Systems Manager Parameter Store uses AWS KMS", AWS KMS Developer Guide,
https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html):
reading it with decryption needs ``kms:Decrypt`` and writing it ``kms:Encrypt``, via
``ssm.REGION.amazonaws.com``, with the encryption context ``PARAMETER_ARN``. String
parameters, and SecureStrings under the AWS managed key ``alias/aws/ssm``, need no more.
"""

from __future__ import annotations

from typing import Any

from pplocalaws.iam import lookups
from pplocalaws.iam.request import Call, KmsUse, Need, Request

_ONE_PARAMETER = {
    "GetParameter", "GetParameterHistory", "PutParameter", "DeleteParameter",
    "LabelParameterVersion", "UnlabelParameterVersion",
}  # fmt: skip
_EACH_PARAMETER = {"GetParameters": "Names", "DeleteParameters": "Names"}
_READS_WITH_DECRYPTION = {"GetParameter", "GetParameters", "GetParametersByPath"}


def parameter_arn(request: Request, name: str) -> str:
    """The ARN IAM authorises for a parameter name (or ARN), without its selector."""
    if name.startswith("arn:"):
        head, _, resource = name.partition(":parameter/")
        return f"{head}:parameter/{resource.split(':', 1)[0]}"
    bare = name.split(":", 1)[0].lstrip("/")
    return f"arn:aws:ssm:{request.region}:{request.account}:parameter/{bare}"


def _key_use(
    request: Request, operation: str, name: str, arn: str, body: dict[str, Any]
) -> KmsUse | None:
    via = f"ssm.{request.region}.amazonaws.com"
    if operation == "PutParameter":
        if body.get("Type") != "SecureString":
            return None
        key_id = str(body.get("KeyId") or "")
        if not key_id:
            found = lookups.parameter(request.account, request.region, name)
            key_id = found.key_id if found else ""
        key = lookups.customer_key_arn(request.account, request.region, key_id) if key_id else None
        return KmsUse(key, "kms:Encrypt", via, {"PARAMETER_ARN": arn}) if key else None
    if operation in _READS_WITH_DECRYPTION and body.get("WithDecryption"):
        found = lookups.parameter(request.account, request.region, name)
        if found is None or found.type != "SecureString" or not found.key_id:
            return None
        key = lookups.customer_key_arn(request.account, request.region, found.key_id)
        return KmsUse(key, "kms:Decrypt", via, {"PARAMETER_ARN": arn}) if key else None
    return None


def ssm(request: Request, operation: str) -> Call:
    body = request.json_body()
    action = f"ssm:{operation}"
    if operation == "DescribeParameters":
        return Call("ssm", "json", operation, (Need(action, "*"),))
    if operation in _ONE_PARAMETER and body.get("Name"):
        names = [str(body["Name"])]
    elif operation in _EACH_PARAMETER and body.get(_EACH_PARAMETER[operation]):
        names = [str(n) for n in body[_EACH_PARAMETER[operation]]]
    elif operation == "GetParametersByPath" and body.get("Path"):
        # The path is the resource; the parameters under it are not authorised one by one,
        # and decrypting them is not modelled (strict: denied below when asked).
        if body.get("WithDecryption"):
            return Call("ssm", "json", operation, unmodelled="GetParametersByPath WithDecryption")
        path = str(body["Path"]).rstrip("/") or "/"
        return Call("ssm", "json", operation, (Need(action, parameter_arn(request, path)),))
    else:
        return Call("ssm", "json", operation, unmodelled=f"Systems Manager {operation}")
    needs = []
    uses = []
    for name in names:
        arn = parameter_arn(request, name)
        needs.append(Need(action, arn))
        use = _key_use(request, operation, name, arn, body)
        if use:
            uses.append(use)
    return Call("ssm", "json", operation, tuple(needs), tuple(uses))
