"""Issue 11 item 5: a legacy stage with no custom domain migrates and verifies.

Its services end with no mapping, so verify reaches each at its API's own URL (the local
gateway's ``/_api/{apiId}``); before, migrate finished the data move and then failed its
verify with 404 on the mapping paths (exit 6). The legacy tables are keyed as the
original's, so this also shows the copied users readable through the account service.
"""

from __future__ import annotations

import pytest

from ppdeploy import naming
from ppdeploy.aws import local_aws as embedded
from tests.fixtures.legacy import seed, stack
from tests.integration.support import LocalAws, dump, free_port
from tests.integration.test_migrate import STAGE, call

pytestmark = pytest.mark.integration


def test_a_stage_without_a_domain_verifies_through_each_apis_own_url(
    local_aws: LocalAws,
) -> None:
    stack.create_legacy_stack(local_aws.client, STAGE, "")
    users = seed.seed_users(local_aws.client("dynamodb"), STAGE, 2)
    served = embedded.start_gateway(local_aws.endpoint, port=free_port(), domain=None)
    try:
        result = local_aws.invoke("migrate", "--stage", STAGE, "--local", "--skip-tests", "--yes")

        assert result.returncode == 0, dump(result)
        assert "verify passed" in result.stdout
        cfn = local_aws.client("cloudformation")
        account = cfn.describe_stacks(StackName=naming.service_stack("account", STAGE))
        api_id = next(
            o["OutputValue"] for o in account["Stacks"][0]["Outputs"] if o["OutputKey"] == "ApiId"
        )
        for user in users:
            status, body = call(
                f"{served.url}/_api/{api_id}/auth/login",
                "POST",
                {"email": user.email, "password": user.password},
            )
            assert status == 200, body
    finally:
        embedded.stop_gateway()
