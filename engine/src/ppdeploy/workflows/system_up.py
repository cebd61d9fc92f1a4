"""``invoke up``: the whole system on this machine, from nothing to a verified stage.

The local AWS starts (or is reused), the stage gets a local Route53 zone so the shared
stack creates its custom domain, every stack deploys wave by wave, the local gateway
starts in front of the APIs, the local SES is made to send as an operator makes SES send on
AWS (sender verified, out of the sandbox), and verify walks its journey through the gateway,
reading its mail from the local outbox. What ``up`` started is written down, so ``down``
stops exactly that.

The services' own suites run side by side before the stacks deploy; a suite that passed on
the same sources and environment before on this machine is not run again
(``servicetests``).
"""

from __future__ import annotations

from ppdeploy.aws import local_aws
from ppdeploy.aws import target as targets
from ppdeploy.config import Stage
from ppdeploy.events import Message, Reporter
from ppdeploy.workflows import local_system, mailbox, urls, verify
from ppdeploy.workflows.session import StageSession
from ppdeploy.workflows.stage_deploy import deploy_whole_stage


def bring_up(
    stage: Stage, reporter: Reporter, *, port: int, aws_port: int, skip_tests: bool
) -> dict[str, str]:
    """Start, deploy, serve and verify the stage here; each service's local base URL."""
    was_running = local_aws.status().running
    current = local_aws.start(aws_port)
    local_system.remember(local_system.Started(local_aws=not was_running, gateway=False))
    reporter.emit(Message(f"local AWS: {current.url}"))
    # The zone first: opening the session then resolves the stage with it, exactly as
    # every later task's session will (workflows.session.resolve_stage).
    local_system.ensure_zone(targets.for_stage(stage, use_local=True).client("route53"), stage)
    session = StageSession.open(stage, reporter, use_local=True, assume_yes=True, force=False)
    deploy_whole_stage(session, skip_tests=skip_tests)
    assert current.url is not None  # noqa: S101 - a running local AWS has its URL
    mail = mailbox.for_session(session)  # the local SES made to send, as on AWS
    served = local_aws.start_gateway(
        current.url, port=port, region=stage.region, domain=stage.domain
    )
    local_system.remember(local_system.Started(local_aws=False, gateway=True))
    assert served.url is not None  # noqa: S101 - a running gateway has its URL
    found = urls.gateway_urls(served.url)
    journey = verify.Journey(
        urls=found,
        report=session.say,
        purge_probe=verify.TableProbe.for_stage(session.target.client("dynamodb"), stage.name),
        mailbox=mail,
    )
    verify.run(journey)
    incomplete = journey.outcome().incomplete(stage.name)
    if incomplete is not None:
        raise incomplete
    return found
