"""The engine refuses a reservation the account's Lambda quota cannot give, before any deploy,
and a sender its hosted zone cannot hold; a fake Lambda client answers GetAccountSettings."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from ppdeploy.config import Stage
from ppdeploy.decide import preflight
from ppdeploy.errors import InputError

STAGING = Stage(
    name="staging",
    region="us-east-1",
    account_id="123456789012",
    domain="api.staging.purposepath.app",
    account_reserved_concurrency=20,
)


class FakeLambda:
    """GetAccountSettings and GetFunctionConcurrency as Lambda answers them."""

    def __init__(self, quota: int, unreserved: int, held: int | None = None) -> None:
        self.quota, self.unreserved, self.held = quota, unreserved, held
        self.calls: list[str] = []

    def get_account_settings(self) -> dict[str, Any]:
        self.calls.append("GetAccountSettings")
        return {
            "AccountLimit": {
                "ConcurrentExecutions": self.quota,
                "UnreservedConcurrentExecutions": self.unreserved,
            },
            "AccountUsage": {"FunctionCount": 3},
        }

    def get_function_concurrency(self, FunctionName: str) -> dict[str, Any]:
        self.calls.append(f"GetFunctionConcurrency {FunctionName}")
        if self.held is None:
            raise ClientError(
                {"Error": {"Code": "ResourceNotFoundException", "Message": "no function"}},
                "GetFunctionConcurrency",
            )
        return {"ReservedConcurrentExecutions": self.held} if self.held else {}


def test_a_standard_account_can_reserve_what_leaves_100() -> None:
    fake = FakeLambda(quota=1000, unreserved=1000)
    preflight.check_reserved_concurrency(STAGING.with_overrides(), fake)
    assert fake.calls == [
        "GetAccountSettings",
        "GetFunctionConcurrency purposepath-account-api-staging",
    ]
    preflight.check_reserved_concurrency(
        Stage(**{**STAGING.__dict__, "account_reserved_concurrency": 900}), fake
    )


def test_a_new_account_with_a_quota_of_10_is_refused_with_what_cause_and_fix() -> None:
    with pytest.raises(InputError) as refused:
        preflight.check_reserved_concurrency(STAGING, FakeLambda(quota=10, unreserved=10))
    error = refused.value
    assert "reserves 20 concurrent executions for purposepath-account-api-staging" in str(error)
    assert "at most 0" in str(error)
    assert "quota is 10" in (error.cause or "")
    assert "keeps 100 unreserved" in (error.cause or "")
    assert "Service Quotas" in (error.fix or "")
    assert "account_reserved_concurrency for [stages.staging]" in (error.fix or "")


def test_one_unit_past_the_limit_is_refused() -> None:
    with pytest.raises(InputError, match="at most 19"):
        preflight.check_reserved_concurrency(STAGING, FakeLambda(quota=1000, unreserved=119))
    preflight.check_reserved_concurrency(STAGING, FakeLambda(quota=1000, unreserved=120))


def test_the_functions_own_reservation_counts_as_available_on_a_redeploy() -> None:
    # 20 already held by the function: the account shows 100 unreserved, and setting 20
    # again gives those 20 back before taking them.
    preflight.check_reserved_concurrency(STAGING, FakeLambda(quota=1000, unreserved=100, held=20))
    with pytest.raises(InputError):
        preflight.check_reserved_concurrency(
            STAGING, FakeLambda(quota=1000, unreserved=100, held=0)
        )


def test_a_stage_that_reserves_nothing_asks_nothing() -> None:
    fake = FakeLambda(quota=10, unreserved=10)
    preflight.check_reserved_concurrency(
        Stage(**{**STAGING.__dict__, "account_reserved_concurrency": 0}), fake
    )
    assert fake.calls == []


def test_other_lambda_errors_are_not_swallowed() -> None:
    class Denied(FakeLambda):
        def get_function_concurrency(self, FunctionName: str) -> dict[str, Any]:
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "denied"}},
                "GetFunctionConcurrency",
            )

    with pytest.raises(ClientError):
        preflight.check_reserved_concurrency(STAGING, Denied(quota=1000, unreserved=1000))


@pytest.mark.parametrize("value", [-1, True, "20", 2.5])
def test_a_reservation_that_is_not_a_whole_number_is_refused(value: object) -> None:
    with pytest.raises(InputError, match="account_reserved_concurrency") as refused:
        Stage(**{**STAGING.__dict__, "account_reserved_concurrency": value})
    assert "stages.toml" in (refused.value.fix or "")


# --- the sender and the hosted zone ------------------------------------------------------------


def test_the_sender_defaults_to_no_reply_at_the_domains_zone() -> None:
    assert STAGING.email_from == "no-reply@staging.purposepath.app"
    given = Stage(**{**STAGING.__dict__, "email_from": "mail@example.com"})
    assert given.email_from == "mail@example.com"


@pytest.mark.parametrize(
    "sender", ["no-reply@staging.purposepath.app", "no-reply@mail.staging.purposepath.app"]
)
def test_a_sender_in_the_zone_passes(sender: str) -> None:
    stage = STAGING.with_overrides(hosted_zone_id="Z0123456789ABCDEFGHIJ", email_from=sender)
    preflight.check_sender_in_zone(stage)


@pytest.mark.parametrize(
    "sender", ["no-reply@purposepath.app", "no-reply@xstaging.purposepath.app"]
)
def test_a_sender_outside_the_zone_is_refused_with_a_hosted_zone(sender: str) -> None:
    stage = STAGING.with_overrides(hosted_zone_id="Z0123456789ABCDEFGHIJ", email_from=sender)
    with pytest.raises(InputError) as refused:
        preflight.check_sender_in_zone(stage)
    assert "outside the zone 'staging.purposepath.app'" in str(refused.value)
    assert "no-reply@staging.purposepath.app" in (refused.value.fix or "")
    # Without a zone the address itself is the identity: any sender will do.
    preflight.check_sender_in_zone(STAGING.with_overrides(email_from=sender))


# --- where the deploy asks ------------------------------------------------------------------


class FakeTarget:
    def __init__(self, lambda_client: FakeLambda, *, is_local: bool) -> None:
        self.lambda_client, self.is_local = lambda_client, is_local

    def client(self, service: str) -> FakeLambda:
        assert service == "lambda", f"only Lambda is read before the upload, not {service}"
        return self.lambda_client


class FakeSession:
    def __init__(self, stage: Stage, target: FakeTarget) -> None:
        self.stage, self.target = stage, target

    def exports(self) -> dict[str, str]:
        return {
            "purposepath-artifacts-bucket-staging": "bucket",
            "purposepath-api-domain-name-staging": "api.staging.purposepath.app",
        }


def prepared(service: str) -> Any:
    from pathlib import Path  # noqa: PLC0415 - only these tests build an artifact

    from ppdeploy import build, catalog  # noqa: PLC0415 - same
    from ppdeploy.workflows.service_deploy import PreparedService  # noqa: PLC0415 - same

    source = catalog.service(service)
    artifact = build.Artifact(service, source.runtime, Path("a.zip"), "0" * 64, 1, reused=True)
    return PreparedService(source, artifact)


def test_a_deploy_to_aws_is_refused_before_its_artifact_is_uploaded() -> None:
    from ppdeploy.workflows import service_deploy  # noqa: PLC0415 - imports the workflows

    fake = FakeLambda(quota=10, unreserved=10)
    session: Any = FakeSession(STAGING, FakeTarget(fake, is_local=False))
    with pytest.raises(InputError, match="can reserve at most 0"):
        service_deploy.service_spec(session, prepared("account"), upload=False)
    assert fake.calls[0] == "GetAccountSettings"


def test_the_local_aws_is_asked_too_and_other_services_never() -> None:
    from ppdeploy.workflows import service_deploy  # noqa: PLC0415 - imports the workflows

    fake = FakeLambda(quota=10, unreserved=10)
    local: Any = FakeSession(STAGING, FakeTarget(fake, is_local=True))
    with pytest.raises(InputError, match="can reserve at most 0"):
        service_deploy.service_spec(local, prepared("account"), upload=False)
    roomy = FakeLambda(quota=1000, unreserved=1000)
    spec = service_deploy.service_spec(
        FakeSession(STAGING, FakeTarget(roomy, is_local=True)),  # type: ignore[arg-type]
        prepared("account"),
        upload=False,
    )
    assert spec.parameters["AccountReservedConcurrency"] == "20"
    untouched = FakeLambda(quota=10, unreserved=10)
    on_aws: Any = FakeSession(STAGING, FakeTarget(untouched, is_local=False))
    service_deploy.service_spec(on_aws, prepared("coaching"), upload=False)
    assert untouched.calls == []
