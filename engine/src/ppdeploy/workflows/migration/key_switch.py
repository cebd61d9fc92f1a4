"""Step 2d: the shared stack in full, without cutting the legacy API off its data.

The full shared template encrypts the adopted secret (and tables) with the shared
stack's customer managed key. From that moment every read needs ``kms:Decrypt`` on the
key through the service ("Secret encryption and decryption in AWS Secrets Manager",
https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html;
"How Amazon DynamoDB uses AWS KMS",
https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html), which the
legacy function's role does not have, while the legacy API still serves traffic. So, while
a legacy role lacks it: (1) the shared template is deployed with the adopted resources'
key properties held as they are (this creates the key); (2) each legacy role is granted
``kms:Decrypt`` and ``kms:GenerateDataKey`` on that key, only through Secrets Manager and
DynamoDB (``kms:ViaService``), in an inline policy the legacy stack owns (so deleting the
legacy stack removes it); (3) the full template. The key policy delegates to IAM (its
account-root statement), so the role's own policy is enough ("Key policies in AWS KMS":
https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html).
"""

from __future__ import annotations

import copy
from dataclasses import replace

from ppdeploy import naming
from ppdeploy.errors import DeployError
from ppdeploy.events import Message
from ppdeploy.workflows.migration import adoption, legacy, surgery
from ppdeploy.workflows.migration.state import Reader, Reading
from ppdeploy.workflows.session import StageSession

ROLE_TYPE = "AWS::IAM::Role"
KEY_TYPE = "AWS::KMS::Key"
GRANT_POLICY = "ppdeploy-migration-shared-data-key"
KEY_SERVICES = ("secretsmanager", "dynamodb")


def legacy_roles(document: surgery.Document) -> list[str]:
    return sorted(
        logical_id
        for logical_id, resource in (document.get("Resources") or {}).items()
        if resource.get("Type") == ROLE_TYPE
    )


def granted(document: surgery.Document) -> bool:
    """Every legacy role already has the grant (a role-less legacy stack needs none)."""
    resources = document.get("Resources") or {}
    return all(
        any(
            policy.get("PolicyName") == GRANT_POLICY
            for policy in (resources[role].get("Properties") or {}).get("Policies") or []
        )
        for role in legacy_roles(document)
    )


def with_grant(document: surgery.Document, key_arn: str, region: str) -> surgery.Document:
    """``document`` with the grant on every role (a role that has it is left alone)."""
    result = copy.deepcopy(document)
    statement = {
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": key_arn,
        "Condition": {
            "StringEquals": {
                "kms:ViaService": [f"{service}.{region}.amazonaws.com" for service in KEY_SERVICES]
            }
        },
    }
    for role in legacy_roles(result):
        properties = result["Resources"][role].setdefault("Properties", {})
        policies = properties.setdefault("Policies", [])
        if not any(policy.get("PolicyName") == GRANT_POLICY for policy in policies):
            policies.append(
                {
                    "PolicyName": GRANT_POLICY,
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
                }
            )
    return result


def held(full: surgery.Document, adopted: list[str]) -> surgery.Document:
    """``full`` with each adopted resource's properties that name a KMS key of the template
    left out (an import left them out too, so the adopted resources do not change)."""
    result = copy.deepcopy(full)
    keys = {
        logical_id
        for logical_id, resource in result["Resources"].items()
        if resource.get("Type") == KEY_TYPE
    }
    for logical_id in adopted:
        properties = result["Resources"][logical_id].get("Properties") or {}
        for name in [n for n, value in properties.items() if surgery.references(value) & keys]:
            del properties[name]
    return result


def needs_grant(reading: Reading) -> bool:
    adopted = [a for a in reading.adoptions if a.in_shared and not a.moves]
    return bool(
        adopted
        and reading.legacy is not None
        and reading.legacy_template is not None
        and not granted(reading.legacy_template)
    )


def deploy_shared(
    session: StageSession, reader: Reader, *, legacy_until: str | None = None
) -> None:
    """Step 2d, in the order above; a rerun finds the grant made and deploys in full.

    ``legacy_until``: the legacy HS256 window opens in the same update (see
    ``adoption.shared_spec``).
    """
    reading = reader.read()
    full = adoption.shared_spec(session, legacy_until=legacy_until)
    if needs_grant(reading):
        adopted = [a.shared_id for a in reading.adoptions if a.in_shared and not a.moves]
        session.reporter.emit(
            Message(
                f"the legacy API still serves traffic: {', '.join(adopted)} keep their "
                "encryption until its role may use the shared key"
            )
        )
        document = held(full.template.document, adopted)
        session.deploy(
            replace(full, template=legacy.as_template(document, f"<{full.name}, key held>"))
        )
        stage = session.stage.name
        key_arn = session.exports().get(naming.export("data-key-arn", stage))
        if key_arn is None:
            raise DeployError(
                f"{full.name} exports no data key ARN",
                fix="deploy the shared stack once (`invoke deploy-shared`), then migrate again",
            )
        reading = reader.read()
        assert reading.legacy_template is not None  # noqa: S101 - needs_grant checked it
        roles = legacy_roles(reading.legacy_template)
        session.reporter.emit(
            Message(
                f"{reading.legacy_name}: {', '.join(roles)} may decrypt with the shared key "
                f"through {' and '.join(KEY_SERVICES)} (inline policy {GRANT_POLICY})"
            )
        )
        legacy.update(
            session,
            reading,
            with_grant(reading.legacy_template, key_arn, session.stage.region),
        )
    session.deploy(full)
