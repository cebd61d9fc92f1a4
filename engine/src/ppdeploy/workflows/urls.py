"""Where each deployed service answers: the one place service URLs are resolved.

On AWS: through the stage's custom domain, else the API's own URL from the service stack's
outputs. On the local AWS: through the local gateway, which serves the custom domain's
mappings (``/account``, ``/coaching``, ``/traction``) on a loopback port, as API Gateway
serves them on the domain.
"""

from __future__ import annotations

from ppdeploy import naming
from ppdeploy.aws import local_aws
from ppdeploy.config import Stage
from ppdeploy.errors import DeployError, TargetError
from ppdeploy.events import Message, Reporter
from ppdeploy.workflows import local_system
from ppdeploy.workflows.service_deploy import service_domain
from ppdeploy.workflows.session import StageSession


def service_urls(session: StageSession, *, start_gateway_on: int | None = None) -> dict[str, str]:
    """Each service's base URL (no trailing slash) on the session's target.

    Locally the gateway must run; with ``start_gateway_on`` a stopped one is started on
    that port (and ``invoke down`` stops it), else it is an error saying to run ``up``.
    """
    if session.target.is_local:
        return local_urls(session.stage, session.reporter, start_gateway_on=start_gateway_on)
    return aws_urls(session)


def aws_urls(session: StageSession) -> dict[str, str]:
    """Through the custom domain, or the API's own URL when the stage has no domain."""
    exports = session.exports()
    urls = {}
    for service in naming.SERVICES:
        domain = service_domain(session, service, exports)
        if domain:
            urls[service] = f"https://{domain}/{naming.MAPPING_KEYS[service]}"
            continue
        state = session.cfn.describe(naming.service_stack(service, session.stage.name))
        if state is None or "ApiUrl" not in state.outputs:
            raise DeployError(
                f"{service} is not deployed on stage {session.stage.name}",
                fix=f"deploy it: `invoke deploy --service {service} --stage {session.stage.name}`",
            )
        urls[service] = state.outputs["ApiUrl"].rstrip("/")
    return urls


def local_urls(
    stage: Stage, reporter: Reporter, *, start_gateway_on: int | None = None
) -> dict[str, str]:
    """Through the local gateway: running, or started when ``start_gateway_on`` says where."""
    served = local_aws.gateway_status()
    if not served.running and start_gateway_on is not None:
        endpoint = local_aws.endpoint()
        if endpoint is None:
            raise TargetError("the local AWS is not running", fix="run `invoke up`")
        reporter.emit(
            Message(f"the local gateway is not running: starting it on port {start_gateway_on}")
        )
        served = local_aws.start_gateway(
            endpoint, port=start_gateway_on, region=stage.region, domain=stage.domain
        )
        local_system.remember(local_system.Started(local_aws=False, gateway=True))
    if not served.running or served.url is None:
        raise TargetError(
            "the local gateway is not running, so the services cannot be reached",
            cause="the services answer locally through the gateway `invoke up` starts",
            fix="run `invoke up` (it deploys the stage and starts the gateway); "
            "nothing was changed",
        )
    return gateway_urls(served.url)


def gateway_urls(gateway_url: str) -> dict[str, str]:
    """Each service's base URL through the local gateway (its domain mapping)."""
    return {service: f"{gateway_url}/{naming.MAPPING_KEYS[service]}" for service in naming.SERVICES}
