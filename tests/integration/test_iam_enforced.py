"""IAM is enforced on the deployed functions: the real journey needs every statement.

The whole dev stage is deployed into a real local AWS and served by the gateway; the
journey passes. Then one statement (CoachingTable) is removed from the coaching service's
managed policy, by a new default policy version as an operator's edit would make: the
journey fails at the coaching step, and the refusal names the action and the table's ARN.
Restoring the policy's previous version makes the journey pass again.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from ppdeploy import config
from ppdeploy.aws.outbox import LocalOutbox
from ppdeploy.ui.plain_log import PlainLog
from ppdeploy.workflows import local_system, urls, verify
from ppdeploy.workflows.mailbox import OutboxMailbox
from ppdeploy.workflows.session import StageSession
from ppdeploy.workflows.stage_deploy import deploy_whole_stage
from tests.integration.support import LocalAws, exports, serving_gateway

pytestmark = pytest.mark.integration
STAGE = "dev"
REMOVED_SID = "CoachingTable"


def _deploy_stage(aws: LocalAws) -> config.Stage:
    settings = config.stage(STAGE)
    reporter = PlainLog(io.StringIO())
    session = StageSession.open(settings, reporter, use_local=True, assume_yes=True, force=False)
    zone = local_system.ensure_zone(session.target.client("route53"), settings)
    session.stage = settings.with_overrides(hosted_zone_id=zone)
    deploy_whole_stage(session, skip_tests=True)
    return settings


def _journey(aws: LocalAws, gateway_url: str) -> list[str]:
    """The whole journey: the local SES made to send (as `invoke up` does), its mail read
    from the local outbox."""
    steps: list[str] = []
    outbox = LocalOutbox(aws.endpoint)
    settings = config.stage(STAGE)
    ses = aws.client("sesv2")
    local_system.prepare_ses(outbox, ses, exports(aws), settings, steps.append)
    mailbox = OutboxMailbox(outbox)
    verify.run(
        verify.Journey(urls=urls.gateway_urls(gateway_url), report=steps.append, mailbox=mailbox)
    )
    return steps


def _policy_document(aws: LocalAws, arn: str, version: str) -> dict[str, object]:
    found = aws.client("iam").get_policy_version(PolicyArn=arn, VersionId=version)
    document = found["PolicyVersion"]["Document"]
    return document if isinstance(document, dict) else json.loads(document)


def test_the_journey_needs_the_coaching_table_statement(local_aws: LocalAws) -> None:
    settings = _deploy_stage(local_aws)
    iam = local_aws.client("iam")
    names = exports(local_aws)
    policy_arn = names[f"purposepath-coaching-policy-arn-{STAGE}"]
    table = names[f"purposepath-coaching-table-{STAGE}"]
    table_arn = f"arn:aws:dynamodb:{settings.region}:123456789012:table/{table}"
    original = iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
    document = _policy_document(local_aws, policy_arn, original)
    statements = document["Statement"]
    assert isinstance(statements, list)

    with serving_gateway(local_aws, settings.domain) as gateway:
        _journey(local_aws, gateway)  # every statement in place: the whole journey passes

        without = {**document, "Statement": [s for s in statements if s.get("Sid") != REMOVED_SID]}
        assert len(without["Statement"]) == len(statements) - 1
        iam.create_policy_version(
            PolicyArn=policy_arn, PolicyDocument=json.dumps(without), SetAsDefault=True
        )
        with pytest.raises(verify.VerifyFailed) as failed:
            _journey(local_aws, gateway)
        assert "coaching" in str(failed.value)
        refusal = re.compile(
            r"is not authorized to perform: dynamodb:\w+ on resource: "
            + re.escape(table_arn)
            + r" because no identity-based policy allows the dynamodb:\w+ action"
        )
        log = (Path(local_aws.env["PPDEPLOY_STATE_DIR"]) / "localaws.log").read_text()
        assert refusal.search(log), "the local AWS's log names no refused coaching-table call"
        gateway_log = (Path(local_aws.env["PPDEPLOY_STATE_DIR"]) / "gateway.log").read_text()
        assert refusal.search(gateway_log), "the handler's error does not name action and table"

        iam.set_default_policy_version(PolicyArn=policy_arn, VersionId=original)
        _journey(local_aws, gateway)  # restored: passes again
