"""Step 5's URLs: each service through its domain mapping, or its API's own URL.

A legacy stage with no custom domain migrates to service stacks with no mapping, so the
mapping paths (``/account`` ...) are served by nothing: each such service is reached at
its API's own URL instead, as API Gateway serves it at
``https://{api-id}.execute-api.{region}.amazonaws.com`` ("Invoking a REST API in API
Gateway" / for HTTP APIs "Working with HTTP APIs: default endpoint",
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-disable-default-endpoint.html).
The local gateway serves that URL at ``/_api/{api-id}`` (pplocalaws.gateway.dispatch).
"""

from __future__ import annotations

from ppdeploy import naming
from ppdeploy.aws import local_aws
from ppdeploy.errors import DeployError
from ppdeploy.workflows import urls
from ppdeploy.workflows.service_deploy import service_domain
from ppdeploy.workflows.session import StageSession

LOCAL_API_PREFIX = "/_api/"  # the local gateway's stand-in for an execute-api host


def journey_urls(session: StageSession, *, start_gateway_on: int | None) -> dict[str, str]:
    """Each service's base URL for verify on the session's target."""
    if not session.target.is_local:
        return urls.aws_urls(session)  # the domain, else the stack's ApiUrl output
    mapped = urls.local_urls(session.stage, session.reporter, start_gateway_on=start_gateway_on)
    gateway = local_aws.gateway_status().url
    exports = session.exports()
    found = {}
    for service in naming.SERVICES:
        if service_domain(session, service, exports):
            found[service] = mapped[service]
            continue
        state = session.cfn.describe(naming.service_stack(service, session.stage.name))
        if state is None or "ApiId" not in state.outputs:
            raise DeployError(
                f"{service} is not deployed on stage {session.stage.name}",
                fix="run the migration again: step 3 deploys the service stacks",
            )
        found[service] = f"{gateway}{LOCAL_API_PREFIX}{state.outputs['ApiId']}"
    return found
