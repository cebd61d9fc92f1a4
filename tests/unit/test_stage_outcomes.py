"""How a stage deploy ends: the exit code the README promises and a fix said once.

| failures of the stage                 | exit code | fix line                  |
|---------------------------------------|-----------|---------------------------|
| none                                  | (no error)|                           |
| a guard refused (RefusedError)        | 5         | the refusal's, once       |
| CloudFormation failed (DeployError)   | 4         | the failure's, once       |
| a refusal and a CloudFormation failure| 4         | the CloudFormation one's  |
"""

from __future__ import annotations

from ppdeploy.errors import DeployError, RefusedError
from ppdeploy.model import DeployResult
from ppdeploy.workflows.stage_deploy import stage_failure
from ppdeploy.workflows.waves import Outcome

GUARD_FIX = "add --allow-replace UsersTable if you mean it"
CFN_FIX = "correct the cause and deploy again; the stack's real state is picked up"


def refused(stack: str) -> Outcome:
    error = RefusedError(
        f"refusing to replace UsersTable in {stack}", cause="data loss", fix=GUARD_FIX
    )
    return Outcome(stack, "failed", 1.0, error.what, error=error)


def cfn_failed(stack: str) -> Outcome:
    error = DeployError(f"{stack} ended in UPDATE_ROLLBACK_COMPLETE", cause="X failed", fix=CFN_FIX)
    return Outcome(stack, "failed", 1.0, error.what, error=error)


def deployed(stack: str) -> Outcome:
    return Outcome(stack, "updated", 1.0, result=DeployResult(stack, "updated", 1.0, {}))


def test_a_stage_with_no_failure_ends_without_error() -> None:
    assert stage_failure([deployed("a"), deployed("b")]) is None


def test_a_guard_refusal_exits_5_and_says_its_fix_once() -> None:
    error = stage_failure([deployed("shared"), refused("svc")])

    assert error is not None
    assert error.exit_code == 5
    assert str(error).count(GUARD_FIX) == 1
    assert "refusing to replace UsersTable in svc" in str(error)
    assert str(error).count("fix:") == 1


def test_a_cloudformation_failure_exits_4_and_says_its_fix_once() -> None:
    error = stage_failure([cfn_failed("svc"), Outcome("other", "skipped", reason="not started")])

    assert error is not None
    assert error.exit_code == 4
    assert str(error).count(CFN_FIX) == 1
    assert str(error).count("fix:") == 1
    assert error.what == "1 stack(s) failed: svc"


def test_a_cloudformation_failure_decides_over_a_refusal_in_the_same_wave() -> None:
    error = stage_failure([refused("a"), cfn_failed("b")])

    assert error is not None
    assert error.exit_code == 4  # something changed and failed: not "nothing was changed"
    assert error.fix == CFN_FIX
    assert error.what == "2 stack(s) failed: a, b"
