"""A no-op ``deploy --all`` loads nothing it does not use: no linter, no SAM translator, no
terminal library off a terminal, no boto3 (the engine's clients are botocore's).

The probe runs the real stage deploy twice in a fresh interpreter against the fake
adapter (tests/unit/test_noop_stage_deploy.py): the first creates the stacks (unlinted),
the second is the no-op, with the real session's lint as its precheck, and its summary
goes through the plain log as ``invoke deploy`` off a terminal prints it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEVER_ON_THE_NO_OP_PATH = {"cfnlint", "samtranslator", "rich", "boto3", "moto", "pplocalaws"}

PROBE = """
import io, sys
from ppdeploy import ui
from ppdeploy.workflows import stage_deploy
from ppdeploy.workflows.session import StageSession
from tests.unit import test_noop_stage_deploy as fixtures

current = {service: service + "-1" for service in fixtures.naming.SERVICES}
def prepare(sources, _reporter, **_flags):
    return [
        fixtures.service_deploy.PreparedService(
            source, fixtures.artifact(source, current[source.service])
        )
        for source in sources
    ]
stage_deploy.prepare_services = prepare
cfn = fixtures.LoggedCloudFormation()
stage_deploy.deploy_all(fixtures.stage_session(cfn), max_concurrency=1, skip_tests=True)
before = set(sys.modules)
unlinted = fixtures.stage_session(cfn)
session = StageSession(unlinted.stage, unlinted.target, cfn, ui.for_output(io.StringIO()), True)
outcomes = stage_deploy.deploy_whole_stage(session)
assert [o.status for o in outcomes] == ["unchanged"] * 4, outcomes
print(" ".join(sorted({name.split(".")[0] for name in set(sys.modules) - before})))
"""


def test_a_no_op_stage_deploy_loads_no_linter_no_translator_and_no_terminal_library() -> None:
    loaded = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert loaded.returncode == 0, loaded.stderr[-3000:]
    newly = set(loaded.stdout.split())
    assert newly & NEVER_ON_THE_NO_OP_PATH == set(), newly
