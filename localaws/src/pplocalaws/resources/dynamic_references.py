"""CloudFormation dynamic references resolved against the local AWS's own backends.

CloudFormation replaces ``{{resolve:secretsmanager:...}}`` and ``{{resolve:ssm:...}}`` in
property values before a resource handler sees them; moto passes them through verbatim.
Models that receive values a template may build this way (the Redis AuthToken) call
:func:`resolve`. The syntax follows the CloudFormation user guide:

- ``{{resolve:secretsmanager:secret-id:SecretString:json-key:version-stage:version-id}}``
  where every part after ``secret-id`` is optional (``secret-id`` is a name or a full ARN);
- ``{{resolve:ssm:parameter-name:version}}`` (``version`` optional).
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.secretsmanager.models import secretsmanager_backends
from moto.ssm.models import ssm_backends

_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm|ssm-secure):([^{}]+?)\}\}")
_ARN_PREFIX = "arn:"
# An ARN "arn:aws:secretsmanager:region:account:secret:name" has 7 ':'-separated fields.
_SECRET_ARN_FIELDS = 7


def resolve(value: Any, account_id: str, region_name: str) -> Any:
    """``value`` with every dynamic reference replaced; non-strings pass through unchanged."""
    if not isinstance(value, str) or "{{resolve:" not in value:
        return value
    return _REFERENCE.sub(
        lambda match: _resolve_one(match.group(1), match.group(2), account_id, region_name),
        value,
    )


def _resolve_one(service: str, reference: str, account_id: str, region_name: str) -> str:
    if service == "secretsmanager":
        return _secret(reference, account_id, region_name)
    return _parameter(reference, account_id, region_name)


def _split_secret_reference(reference: str) -> tuple[str, list[str]]:
    """The secret id (a name, or an ARN that itself contains ':') and the optional parts."""
    parts = reference.split(":")
    if reference.startswith(_ARN_PREFIX):
        return ":".join(parts[:_SECRET_ARN_FIELDS]), parts[_SECRET_ARN_FIELDS:]
    return parts[0], parts[1:]


def _secret(reference: str, account_id: str, region_name: str) -> str:
    secret_id, rest = _split_secret_reference(reference)
    rest += [""] * (4 - len(rest))
    field, json_key, version_stage, version_id = rest[:4]
    if field not in ("", "SecretString"):
        raise _unresolvable(
            f"secretsmanager:{secret_id}",
            f"field {field!r} is not SecretString",
            "reference SecretString (the only field CloudFormation resolves)",
        )
    backend = secretsmanager_backends[account_id][region_name]
    try:
        secret = backend.get_secret_value(
            secret_id=secret_id,
            version_id=version_id or None,  # type: ignore[arg-type]  # moto treats None as "unset"
            version_stage=version_stage or None,  # type: ignore[arg-type]  # moto treats None as "unset"
        )
    except Exception as error:  # moto raises one class per cause; all mean "cannot read"
        raise _unresolvable(
            f"secretsmanager:{secret_id}",
            f"the secret cannot be read ({error})",
            "create the secret first (or in the same template, referenced so it is created "
            "before this resource) and check the name or ARN",
        ) from error
    text = str(secret.get("SecretString") or "")
    if not json_key:
        return text
    try:
        return str(json.loads(text)[json_key])
    except (ValueError, KeyError, TypeError) as error:
        raise _unresolvable(
            f"secretsmanager:{secret_id}",
            f"its SecretString has no JSON key {json_key!r}",
            "store the value as a JSON object with that key, or fix the key in the reference",
        ) from error


def _parameter(reference: str, account_id: str, region_name: str) -> str:
    name, _, version = reference.partition(":")
    backend = ssm_backends[account_id][region_name]
    selector = f"{name}:{version}" if version else name
    fix = "create the parameter before the stack and check its name and version"
    try:
        parameter = backend.get_parameter(selector)
    except Exception as error:  # moto raises one class per cause; all mean "cannot read"
        raise _unresolvable(f"ssm:{selector}", f"it cannot be read ({error})", fix) from error
    if parameter is None:
        raise _unresolvable(f"ssm:{selector}", "no such parameter", fix)
    return str(parameter.value)


def _unresolvable(reference: str, cause: str, fix: str) -> ValidationError:
    return ValidationError(
        message=f"dynamic reference {{{{resolve:{reference}}}}} cannot be resolved: "
        f"{cause}; fix: {fix}"
    )
