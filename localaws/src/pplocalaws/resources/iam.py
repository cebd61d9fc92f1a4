"""AWS::IAM::Role and AWS::IAM::ManagedPolicy: what moto's models leave out.

moto's Role ignores ``ManagedPolicyArns`` (SAM puts the Lambda execution policies there),
updates only the description, and cannot delete a role with policies attached. Its
ManagedPolicy has neither update nor delete. Patched here:

- Role: attaches ``ManagedPolicyArns`` on create, applies changes to them, to the trust
  policy and to inline ``Policies`` on update, detaches and deletes them on delete.
- ManagedPolicy: an update writes a new default version (or replaces on a create-only
  change) and re-points Roles/Users/Groups; delete detaches it everywhere, then deletes.

AWS-managed policies (``arn:aws:iam::aws:policy/...``) are loaded from moto's bundled copy
on first use, since moto loads none unless told to.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, IAMBackend, ManagedPolicy, Role, iam_backends
from moto.utilities.utils import get_partition

from pplocalaws.resources.common import Properties, requires_replacement
from pplocalaws.resources.patching import (
    extend_create,
    extend_update,
    recorded_properties,
    recording,
    set_delete,
    set_update_in_place,
)

MANAGED_POLICY_TYPE = "AWS::IAM::ManagedPolicy"
_AWS_POLICY_PREFIX = ":iam::aws:policy/"
_MAX_POLICY_VERSIONS = 5


def _backend(account_id: str, region_name: str) -> IAMBackend:
    return iam_backends[account_id][get_partition(region_name)]


def _document(policy: Any) -> str:
    return policy if isinstance(policy, str) else json.dumps(policy)


def ensure_aws_managed_policy(backend: IAMBackend, arn: str) -> None:
    """Load an AWS-managed policy into moto's IAM from its bundled copy, once."""
    if arn in backend.managed_policies or _AWS_POLICY_PREFIX not in arn:
        return
    name = arn.rsplit("/", 1)[-1]
    known = json.loads(aws_managed_policies_data)
    if name not in known:
        raise ValidationError(
            message=f"IAM managed policy {arn} does not exist (not in moto's copy of the "
            "AWS-managed policies); check the name, or create a customer-managed policy"
        )
    policy = AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, known[name])
    backend.managed_policies[policy.arn] = policy


# --- Role -------------------------------------------------------------------------------


def _attach(backend: IAMBackend, role_name: str, arns: Iterable[str]) -> None:
    for arn in arns:
        ensure_aws_managed_policy(backend, arn)
        backend.attach_role_policy(policy_arn=arn, role_name=role_name)


def _attach_managed(role: Role, properties: Properties, account_id: str, region: str) -> None:
    _attach(_backend(account_id, region), role.name, properties.get("ManagedPolicyArns", []))


def _after_role_update(role: Role, properties: Properties, account_id: str, region: str) -> None:
    backend = _backend(account_id, region)
    old = recorded_properties(role)
    before = set(old.get("ManagedPolicyArns", []))
    after = list(properties.get("ManagedPolicyArns", []))
    for arn in before - set(after):
        backend.detach_role_policy(policy_arn=arn, role_name=role.name)
    _attach(backend, role.name, [arn for arn in after if arn not in before])

    trust = properties.get("AssumeRolePolicyDocument")
    if trust is not None and trust != old.get("AssumeRolePolicyDocument"):
        backend.update_assume_role_policy(role.name, _document(trust))

    inline = {p["PolicyName"]: p["PolicyDocument"] for p in properties.get("Policies", [])}
    for name in set(role.policies) - set(inline):
        role.delete_policy(name)
    for name, document in inline.items():
        role.put_policy(name, _document(document))


def _delete_role(role: Role, account_id: str, region: str) -> None:
    backend = _backend(account_id, region)
    if role.id not in backend.roles:
        return
    # IAM refuses to delete a role with policies; CloudFormation removes them first.
    for arn in list(role.managed_policies):
        backend.detach_role_policy(policy_arn=arn, role_name=role.name)
    Role.delete_from_cloudformation_json(role.name, {}, account_id, region)


extend_create(Role, recording(_attach_managed))
extend_update(Role, recording(_after_role_update))
set_delete(Role, _delete_role)


# --- ManagedPolicy ----------------------------------------------------------------------


def _attachment_names(properties: Properties) -> dict[str, set[str]]:
    return {kind: set(properties.get(kind, [])) for kind in ("Roles", "Users", "Groups")}


def _repoint(backend: IAMBackend, policy_arn: str, old: Properties, new: Properties) -> None:
    before, after = _attachment_names(old), _attachment_names(new)
    for kind, noun in (("Roles", "role"), ("Users", "user"), ("Groups", "group")):
        for name in before[kind] - after[kind]:
            getattr(backend, f"detach_{noun}_policy")(
                policy_arn=policy_arn, **{f"{noun}_name": name}
            )
        for name in after[kind] - before[kind]:
            getattr(backend, f"attach_{noun}_policy")(
                policy_arn=policy_arn, **{f"{noun}_name": name}
            )


def _update_policy(
    policy: ManagedPolicy, old: Properties, new: Properties, account_id: str, region: str
) -> None:
    backend = _backend(account_id, region)
    arn = policy.arn
    if new.get("PolicyDocument") != old.get("PolicyDocument"):
        non_default = [v for v in policy.versions if not v.is_default]
        if len(policy.versions) >= _MAX_POLICY_VERSIONS and non_default:
            # IAM keeps five versions; CloudFormation drops the oldest to make room.
            backend.delete_policy_version(arn, non_default[0].version_id)
        backend.create_policy_version(arn, _document(new["PolicyDocument"]), set_as_default=True)
    _repoint(backend, arn, old, new)


def _delete_policy(policy: ManagedPolicy, account_id: str, region: str) -> None:
    backend = _backend(account_id, region)
    if policy.arn not in backend.managed_policies:
        return
    for holders in (backend.roles.values(), backend.users.values(), backend.groups.values()):
        for holder in holders:
            if policy.arn in holder.managed_policies:
                policy.detach_from(holder)
    backend.delete_policy(policy.arn)


# A replaced policy goes through ``delete``, which is _delete_policy.
set_update_in_place(
    ManagedPolicy,
    replaces=functools.partial(requires_replacement, MANAGED_POLICY_TYPE),
    update_in_place=_update_policy,
)
set_delete(ManagedPolicy, _delete_policy)
