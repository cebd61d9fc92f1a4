"""Issue 11 item 5, shown: the predecessor's layout with a separate domain stack.

The legacy stack ``purposepath-api-dev`` (tables keyed as the original's: ``id``, ``jti``,
``tenant_id``) and ``purposepath-api-domain-dev`` holding the custom domain and the
/account mapping onto the legacy API. ``invoke migrate`` with the zero-downtime prober
calling /account/health through the domain: 0 non-2xx, every user and tenant and the
JWT secret's value kept, the domain stack left holding exactly the domain (its template
true to what is live: no drift), and ``verify`` passing afterwards.

Before: the plan said the mapping was "held by no stack", migrate re-pointed it behind
the domain stack's back and then failed importing it (exit 4).
"""

from __future__ import annotations

import pytest

from ppdeploy import naming
from tests.fixtures.legacy import seed, stack
from tests.integration.support import LocalAws, dump, serving_gateway
from tests.integration.test_migrate import (
    DOMAIN,
    STAGE,
    call,
    item_keys,
    mappings,
    secret_value,
    stack_resources,
)
from tests.integration.test_zero_downtime import Prober, wait_until_served

pytestmark = pytest.mark.integration
DOMAIN_STACK = f"purposepath-api-domain-{STAGE}"


def test_migrate_with_a_separate_domain_stack_keeps_serving_and_leaves_no_drift(
    local_aws: LocalAws,
) -> None:
    stack.create_legacy_stack(local_aws.client, STAGE, "")
    stack.create_domain_stack(local_aws.client, STAGE, DOMAIN)
    users = seed.seed_users(local_aws.client("dynamodb"), STAGE, 3)
    secret = secret_value(local_aws)
    (mapping,) = mappings(local_aws)
    cfn = local_aws.client("cloudformation")
    with serving_gateway(local_aws, DOMAIN) as gateway:
        wait_until_served(f"{gateway}/account/health")
        planned = local_aws.invoke("migrate", "--stage", STAGE, "--local", "--skip-tests")
        assert planned.returncode == 5, dump(planned)
        assert f"held by {DOMAIN_STACK} AccountMapping" in planned.stdout, dump(planned)

        with Prober(f"{gateway}/account/health") as prober:
            result = local_aws.invoke(
                "migrate", "--stage", STAGE, "--local", "--skip-tests", "--yes"
            )

        assert result.returncode == 0, dump(result)
        assert "verify passed" in result.stdout
        prober.assert_all_2xx()
        assert prober.runtimes == ["legacy", "python"]

        # The domain stack holds the domain and nothing else; the mapping, the same one,
        # is the account service stack's and points at its API.
        assert stack_resources(local_aws, DOMAIN_STACK).keys() == {"ApiDomain"}
        template = cfn.get_template(StackName=DOMAIN_STACK)["TemplateBody"]
        assert "AccountMapping" not in str(template)
        assert cfn.describe_stacks(StackName=DOMAIN_STACK)["Stacks"][0]["StackStatus"] == (
            "UPDATE_COMPLETE"
        )
        account = naming.service_stack("account", STAGE)
        assert stack_resources(local_aws, account)["ServiceApiMapping"] == mapping["ApiMappingId"]
        outputs = cfn.describe_stacks(StackName=account)["Stacks"][0]["Outputs"]
        api_id = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "ApiId")
        assert {m["ApiMappingKey"]: m["ApiId"] for m in mappings(local_aws)}["account"] == api_id

        # Every user, tenant and the secret's value kept; every user logs in.
        assert secret_value(local_aws) == secret
        assert {u.user_id for u in users} <= item_keys(local_aws, "purposepath-users-dev", "userId")
        assert {u.tenant_id for u in users} <= item_keys(
            local_aws, "purposepath-tenants-dev", "tenantId"
        )
        for user in users:
            status, body = call(
                f"{gateway}/account/auth/login",
                "POST",
                {"email": user.email, "password": user.password},
            )
            assert status == 200, body

        verified = local_aws.invoke("verify", "--stage", STAGE, "--local")
        assert verified.returncode == 0, dump(verified)
