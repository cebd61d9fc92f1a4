"""The verify journey's front door: which answers pass, where it stops, and what it says
when it has no mailbox (on AWS).

The services and their mail are the in-memory stand-ins of ``fake_services``; each test
breaks one rule of the contract and checks the journey stops at that step, naming it.
"""

from __future__ import annotations

from typing import Any

import pytest

from ppdeploy.workflows import front_door, verify
from ppdeploy.workflows.verify import Response, VerifyFailed, VerifyIncomplete
from tests.unit.fake_services import FakeJourney, FakeMailbox, Services, error, ok


def steps(journey: FakeJourney) -> list[str]:
    return [line.split(":")[0] for line in journey.said]


def test_the_front_door_comes_first_in_the_order_the_contract_gives() -> None:
    services = Services()
    journey = FakeJourney(services)

    verify.run(journey)

    said = steps(journey)
    start = said.index("ok   register (a verification mail is sent)")
    assert said[start : start + 9] == [
        "ok   register (a verification mail is sent)",
        "ok   an unverified account cannot log in",
        "ok   a burst of wrong passwords is stopped (after 3 wrong passwords)",
        "ok   the right password waits too (no hash while delayed)",
        "wait 1 s (Retry-After)",
        "ok   after Retry-After the right password is checked again",
        "ok   the verify mail arrives",
        "ok   follow the verification link",
        "ok   the verification link works only once",
    ]
    assert "ok   the reset mail arrives" in said
    assert said.index("ok   the new password logs in") < said.index("ok   log in a second session")


def test_mailed_links_are_followed_on_the_journey_s_own_account_url() -> None:
    services = Services()
    journey = FakeJourney(services)

    verify.run(journey)

    followed = [path for service, method, path in services.calls if "token=" in path]
    # The links name the stage's public host; the journey calls its own base URL with the
    # path from /auth/ on and the query.
    assert followed == [
        "/auth/verify-email?token=tok0",
        "/auth/verify-email?token=tok0",
        "/auth/password-reset?token=tok1",
    ]


def test_the_mailbox_is_asked_for_mail_sent_since_each_request() -> None:
    services = Services()
    journey = FakeJourney(services)
    mailbox = journey.mailbox
    assert isinstance(mailbox, FakeMailbox)

    verify.run(journey)

    (to, kind, since), (to_again, kind_again, since_again) = mailbox.asked
    assert (kind, kind_again) == ("verify", "reset")
    assert to == to_again == services.email
    assert since < since_again  # the reset mail is looked for after it was asked for


def test_the_journey_uses_a_fresh_mailbox_simulator_address() -> None:
    first, second = front_door.journey_email(), front_door.journey_email()

    assert first != second
    assert first.startswith("success+verify-")
    assert first.endswith("@simulator.amazonses.com")


def test_without_a_mailbox_the_journey_checks_the_front_door_then_skips_the_rest() -> None:
    services = Services()
    journey = FakeJourney(services, mailbox=False)

    verify.run(journey)

    assert not any(line.startswith("FAIL") for line in journey.said)
    skipped = [line for line in journey.said if line.startswith("skip ")]
    assert len(skipped) == len(verify.NEEDS_A_VERIFIED_ACCOUNT)
    assert all(verify.NO_MAILBOX_REASON in line for line in skipped)
    # Nothing past the front door was called (no token was ever issued): health only.
    assert [c for c in services.calls if c[0] != "account"] == [
        ("coaching", "GET", "/health"),
        ("traction", "GET", "/health"),
    ]
    incomplete = journey.outcome().incomplete("prod")
    assert isinstance(incomplete, VerifyIncomplete)
    assert incomplete.exit_code == 7
    assert incomplete.what.startswith("verify: stage prod passed ")
    assert "skipped 7: follow the verification link and log in" in incomplete.what
    assert "invoke verify --local" in incomplete.fix


def test_registration_must_answer_202_whatever_the_address() -> None:
    services = Services()
    services.broken[("POST", "/auth/register")] = Response(
        201, {}, {"userId": "u", "tenantId": "t"}, 1.0
    )
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="'register"):
        verify.run(journey)


def test_a_mail_that_ses_refuses_names_the_identity_and_the_sandbox() -> None:
    services = Services()
    services.broken[("POST", "/auth/register")] = error(503, "email_unavailable")
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="'register") as failed:
        verify.run(journey)

    assert "SES sandbox" in failed.value.cause
    assert "PUBLIC_BASE_URL" in failed.value.cause
    assert "`invoke up` does both" in failed.value.fix


def test_an_unverified_account_that_can_log_in_fails_verify() -> None:
    services = Services()
    services.verified = True  # the service forgot to mark new accounts unverified
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="'an unverified account cannot log in'") as failed:
        verify.run(journey)

    assert failed.value.cause.startswith("expected 403, got 200")


def test_no_delay_after_wrong_passwords_fails_verify_with_the_answers() -> None:
    services = Services()
    services.delay_after = 1_000
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="a burst of wrong passwords is stopped") as failed:
        verify.run(journey)

    assert failed.value.cause.startswith("expected 429, got 401")


def test_a_delay_that_starts_early_fails_verify_naming_the_rule() -> None:
    services = Services()
    services.delay_after = 1
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="a burst of wrong passwords is stopped") as failed:
        verify.run(journey)

    assert journey.said[-1].endswith("answers [401, 429]")
    assert "the first 3 consecutive failures must each be answered 401" in failed.value.cause


def test_a_delay_that_starts_a_little_late_is_taken_as_slow_answers() -> None:
    services = Services()
    services.delay_after = 4  # as if the 4th attempt came after the 1 s delay ended
    journey = FakeJourney(services)

    verify.run(journey)

    assert "ok   a burst of wrong passwords is stopped (after 4 wrong passwords)" in [
        line.split(":")[0] for line in journey.said
    ]


def test_a_429_without_retry_after_fails_verify() -> None:
    services = Services()
    original = services.login

    def no_header(body: Any) -> Response:
        answer = original(body)
        return Response(answer.status, {}, answer.body, 1.0) if answer.status == 429 else answer

    services.login = no_header  # type: ignore[method-assign]
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="a burst of wrong passwords is stopped") as failed:
        verify.run(journey)

    assert "Retry-After" in failed.value.cause


def test_a_per_ip_limit_is_not_taken_for_the_account_s_lockout() -> None:
    services = Services()
    original = services.login

    def ip_limited(body: Any) -> Response:
        answer = original(body)
        if answer.status != 429:
            return answer
        return error(429, "too_many_requests", "too many requests", {"Retry-After": "3"})

    services.login = ip_limited  # type: ignore[method-assign]
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="a burst of wrong passwords is stopped"):
        verify.run(journey)


def ip_limited_once(services: Services, path: str, retry_after: str) -> None:
    """The per-IP bucket of ``path`` is empty for the first request only."""
    original = services.front_door
    spent = []

    def limited(method: str, route: str, body: Any) -> Response | None:
        if route == path and not spent:
            spent.append(services.clock)
            return error(429, "too_many_requests", "slow down", {"Retry-After": retry_after})
        return original(method, route, body)

    services.front_door = limited  # type: ignore[method-assign]


def test_a_per_client_limit_is_waited_out_once_as_a_client_would() -> None:
    services = Services()
    ip_limited_once(services, "/auth/register", "3")
    journey = FakeJourney(services)

    verify.run(journey)

    assert journey.said[3] == "wait 3 s (Retry-After: this client's per-address limit)"
    assert journey.said[4].startswith("ok   register")


def test_a_per_client_limit_met_by_the_right_password_is_named_not_waited_out() -> None:
    services = Services()
    original = services.login

    def spent_bucket(body: Any) -> Response:
        if body["password"] == services.password and services.failures >= 3:
            return error(429, "too_many_requests", "slow down", {"Retry-After": "3"})
        return original(body)

    services.login = spent_bucket  # type: ignore[method-assign]
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="'the right password waits too") as failed:
        verify.run(journey)

    assert "per-address limit" in journey.said[-1]
    assert "run verify again in a minute" in failed.value.fix


def test_a_per_client_limit_longer_than_a_minute_fails_the_step() -> None:
    services = Services()
    ip_limited_once(services, "/auth/login", "900")
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="'an unverified account cannot log in'") as failed:
        verify.run(journey)

    assert failed.value.cause.startswith("expected 403, got 429")


def test_the_right_password_during_the_delay_must_wait_too() -> None:
    services = Services()
    original = services.login

    def hashes_anyway(body: Any) -> Response:
        if body["password"] == services.password:
            services.failures = 0
            return error(403, "email_not_verified")
        return original(body)

    services.login = hashes_anyway  # type: ignore[method-assign]
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="'the right password waits too"):
        verify.run(journey)


def test_a_delay_longer_than_the_contract_s_cap_fails_verify() -> None:
    services = Services()
    original = services.login

    def locked_at_once(body: Any) -> Response:
        answer = original(body)
        if answer.status == 429:
            return Response(429, {"Retry-After": "900"}, answer.body, 1.0)
        return answer

    services.login = locked_at_once  # type: ignore[method-assign]
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="'the delay after 3 failures'"):
        verify.run(journey)


def test_a_verification_link_that_works_twice_fails_verify() -> None:
    services = Services()
    original = services.use

    def reusable(query: str, kind: str, *, consume: bool) -> bool:
        return original(query, kind, consume=False)

    services.use = reusable  # type: ignore[method-assign]
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="'the verification link works only once'"):
        verify.run(journey)


def test_mail_that_never_arrives_fails_verify_with_where_to_look() -> None:
    services = Services()
    original = services.send

    def lost(kind: Any) -> None:
        original(kind)
        services.mail.clear()

    services.send = lost  # type: ignore[method-assign]
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="'the verify mail arrives'") as failed:
        verify.run(journey)

    assert failed.value.fix == "send one"
    assert not any(c[1] == "DELETE" for c in services.calls)  # nothing to clean up yet


def test_a_reset_that_leaves_the_old_sessions_fails_verify() -> None:
    services = Services()
    original = services.revoked

    def resets_forgotten(service: str, token: str) -> bool:
        services.reset_at = None
        return original(service, token)

    services.revoked = resets_forgotten  # type: ignore[method-assign]
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="the token is refused after the password reset'"):
        verify.run(journey)

    # The clean-up still ran, with the password and token the account has now.
    assert journey.said[-1].startswith("ok   clean-up: remove the user and tenant")


def test_an_old_password_that_still_works_after_the_reset_fails_verify() -> None:
    services = Services()
    original = services.front_door

    def keeps_password(method: str, path: str, body: Any) -> Response | None:
        if path == "/auth/password-reset/confirm":
            old = services.password
            answer = original(method, path, body)
            services.password = old
            return answer
        return original(method, path, body)

    services.front_door = keeps_password  # type: ignore[method-assign]
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="'the old password is refused'"):
        verify.run(journey)


def test_error_codes_are_read_from_the_shared_error_shape() -> None:
    assert front_door.error_code({"error": {"code": "x", "message": "m"}}) == "x"
    assert front_door.error_code({"error": "flat"}) is None
    assert front_door.error_code("text") is None
    assert front_door.error_code(ok({}).body) is None
