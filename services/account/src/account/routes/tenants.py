"""``/tenants/*``: the caller's tenant, chosen by the verified token, never by the path."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from account import users
from ppcommon.errors import NotFound
from ppcommon.http import bearer_claims

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


@router.get("/tenants/current")
def current_tenant() -> dict[str, str]:
    tenant = users.find_tenant(bearer_claims(router).tenant_id)
    if tenant is None:
        raise NotFound("the token's tenant no longer exists")
    return {"tenantId": tenant.tenant_id, "name": tenant.name}
