"""verify's decisions: which answers pass a step, where the journey stops, what it cleans up.

The services are a small in-memory stand-in that answers as the contract says
(``fake_services``); each test breaks one answer and checks the journey stops there, names
it, and still cleans up. The front door's own decisions: ``test_verify_journey.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from ppdeploy.workflows import verify
from ppdeploy.workflows.verify import Created, Response, VerifyFailed
from tests.unit.fake_services import URLS, FakeJourney, Services, error, ok


def test_the_whole_journey_passes_on_services_that_keep_the_contract() -> None:
    services = Services()
    journey = FakeJourney(services)

    verify.run(journey)

    outcome = journey.outcome()
    assert outcome.skipped == ()
    assert outcome.incomplete("dev") is None
    assert all(line.startswith(("ok  ", "wait ")) for line in journey.said), journey.said
    steps = [line[4:].split(":")[0].strip() for line in journey.said]
    assert steps[:3] == ["account health", "coaching health", "traction health"]
    # A tampered token and no token are both refused by every service.
    assert sum("token is refused:" in line for line in journey.said) == 6
    # A logged-out session's token and the deleted account's are refused everywhere.
    for after in ("after the password reset", "after logout", "after the deletion"):
        assert sum(f"the token is refused {after}" in line for line in journey.said) == 3
    assert "ok   the first session still works: 200 in 1 ms" in journey.said
    # The journey's data went with the account (the purge), so no clean-up call is left.
    assert [c for c in services.calls if c[1] == "DELETE"] == [
        ("account", "DELETE", "/auth/me"),  # without the password: refused
        ("account", "DELETE", "/auth/me"),
    ]
    assert journey.said[-1] == (
        "ok   the deleted account's coaching and traction data is purged: after 2.0 s"
    )


def test_health_must_report_the_runtime_asked_for() -> None:
    journey = FakeJourney(Services(), expected_runtime="dotnet")

    with pytest.raises(VerifyFailed, match="'account health'") as failed:
        verify.run(journey)

    assert '"runtime": "python"' in failed.value.cause


def test_a_wrong_answer_stops_the_journey_there_and_still_cleans_up() -> None:
    services = Services()
    services.broken[("POST", "/goals")] = error(500, "internal", "boom")
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="'traction: create a goal'") as failed:
        verify.run(journey)

    assert failed.value.cause.startswith("expected 201, got 500")
    assert journey.said[-1].startswith("ok   clean-up: remove the user and tenant")
    assert ("traction", "POST", "/auth/refresh") not in services.calls


def test_a_service_that_accepts_a_tampered_token_fails_verify() -> None:
    services = Services()
    journey = FakeJourney(services)
    original = services.answer

    def lenient(
        service: str, method: str, path: str, token: str | None, body: Any = None
    ) -> Response:
        if service == "coaching" and path == "/sessions" and method == "GET":
            return ok({"items": []})
        return original(service, method, path, token, body)

    services.answer = lenient  # type: ignore[method-assign]

    with pytest.raises(VerifyFailed, match="coaching: no token is refused"):
        verify.run(journey)


def test_a_step_passes_only_on_the_status_and_the_body_the_contract_names() -> None:
    journey = FakeJourney(Services())

    assert journey.step("fine", ok({"a": 1}), 200, lambda body: body["a"] == 1) == {"a": 1}
    with pytest.raises(VerifyFailed):
        journey.step("wrong body", ok({"a": 2}), 200, lambda body: body["a"] == 1)
    with pytest.raises(VerifyFailed, match="expected 201, got 200"):
        journey.step("wrong status", ok({}), 201)
    assert journey.said[-1].startswith("FAIL wrong status")


def test_a_tampered_token_differs_only_in_its_signature() -> None:
    head, payload, signature = verify._tamper("h.p.Asig").split(".")

    assert (head, payload) == ("h", "p")
    assert signature != "Asig"
    assert signature[1:] == "sig"


# Sessions end everywhere


def test_a_service_that_ignores_revocations_fails_verify_naming_it() -> None:
    services = Services()
    services.ignores_revocation = {"traction"}
    journey = FakeJourney(services)

    with pytest.raises(
        VerifyFailed, match="'traction: the token is refused after the password reset'"
    ) as e:
        verify.run(journey)

    assert "got 200, not 401; none was refused in 3 s; the limit is 1 s" in e.value.cause
    assert journey.said[-1].startswith("ok   clean-up: remove the user and tenant")


def test_a_refusal_later_than_one_second_fails_and_says_when_it_came() -> None:
    services = Services()
    services.revocation_delay = 1.5
    journey = FakeJourney(services)

    with pytest.raises(
        VerifyFailed, match="'account: the token is refused after the password reset'"
    ) as e:
        verify.run(journey)

    assert "the first refusal came to a request sent 1.5" in e.value.cause


def test_a_refusal_just_inside_one_second_passes() -> None:
    services = Services()
    services.revocation_delay = 0.9
    journey = FakeJourney(services)

    verify.run(journey)

    assert any("refused after logout (within 0.9" in line for line in journey.said)
    assert any("refused after the password reset (within 0.9" in line for line in journey.said)


def test_deleting_the_account_without_its_password_must_be_refused() -> None:
    services = Services()
    services.broken[("DELETE", "/auth/me")] = Response(204, {}, None, 1.0)
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="'deleting the account without its password"):
        verify.run(journey)


def test_a_deleted_account_that_can_still_log_in_fails_verify() -> None:
    services = Services()
    journey = FakeJourney(services)
    original = services.login

    def forgetful(body: Any) -> Response:
        if services.deleted_at is not None:
            return ok({"tokenType": "Bearer", "accessToken": "a.z.good", "refreshToken": "rz"})
        return original(body)

    services.login = forgetful  # type: ignore[method-assign]

    with pytest.raises(VerifyFailed, match="'the deleted account cannot log in'"):
        verify.run(journey)


def test_data_left_after_the_purge_time_fails_and_names_it() -> None:
    services = Services()
    services.purge_delay = verify.PURGE_SECONDS + 5
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="data is purged'") as failed:
        verify.run(journey)

    assert failed.value.cause == "still present: s and k under t"
    assert "dead-letter queues" in failed.value.fix
    # Nothing is "cleaned up" over the purge's head: the token is revoked anyway.
    assert not any(c[1] == "DELETE" and c[2] != "/auth/me" for c in services.calls)


def test_without_table_access_the_purge_check_is_skipped_and_said_so() -> None:
    journey = FakeJourney(Services(), purge_probe=None)

    verify.run(journey)

    outcome = journey.outcome()
    assert journey.said[-1].startswith("skip the deleted account's coaching and traction data")
    assert [s.label for s in outcome.skipped] == [
        "the deleted account's coaching and traction data is purged"
    ]


def test_tables_that_cannot_be_read_fail_with_the_permission_to_grant() -> None:
    def denied(_created: Created) -> list[str]:
        raise RuntimeError("AccessDeniedException: not authorized to perform dynamodb:Query")

    journey = FakeJourney(Services(), purge_probe=denied)

    with pytest.raises(VerifyFailed, match="data is purged'") as failed:
        verify.run(journey)

    assert "AccessDeniedException" in failed.value.cause
    assert "dynamodb:Query" in failed.value.fix


def test_an_account_only_journey_checks_the_account_and_skips_the_purge() -> None:
    services = Services()
    journey = FakeJourney(services)
    journey.urls = {"account": URLS["account"]}

    verify.run(journey)

    assert {c[0] for c in services.calls} == {"account"}
    assert not any("purged" in line for line in journey.said)


class CountingDynamoDB:
    """A DynamoDB client that holds ``counts`` items per (table, partition key)."""

    def __init__(self, counts: dict[tuple[str, str], int]) -> None:
        self.counts = counts
        self.queries: list[dict[str, Any]] = []

    def query(self, **arguments: Any) -> dict[str, Any]:
        self.queries.append(arguments)
        pk = arguments["ExpressionAttributeValues"][":pk"]["S"]
        return {"Count": self.counts.get((arguments["TableName"], pk), 0)}


def test_the_table_probe_reads_the_journeys_partitions_in_the_services_key_design() -> None:
    client = CountingDynamoDB({("purposepath-traction-dev", "TENANT#t#KPI#k"): 2})
    probe = verify.TableProbe.for_stage(client, "dev")

    left = probe(Created("u", "t", session_id="s", kpi_id="k"))

    assert left == ["2 item(s) in purposepath-traction-dev under TENANT#t#KPI#k"]
    assert [
        (q["TableName"], q["ExpressionAttributeValues"][":pk"]["S"]) for q in client.queries
    ] == [
        ("purposepath-coaching-dev", "TENANT#t#USER#u"),
        ("purposepath-coaching-dev", "TENANT#t#USER#u#SESSION#s"),
        ("purposepath-traction-dev", "TENANT#t"),
        ("purposepath-traction-dev", "TENANT#t#KPI#k"),
    ]
    assert all(q["ConsistentRead"] and q["Select"] == "COUNT" for q in client.queries)


def test_the_table_probe_finds_nothing_once_the_partitions_are_empty() -> None:
    probe = verify.TableProbe.for_stage(CountingDynamoDB({}), "dev")

    assert probe(Created("u", "t", session_id="s", kpi_id="k")) == []
