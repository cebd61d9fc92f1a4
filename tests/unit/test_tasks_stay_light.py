"""The command line loads only what a command uses: the speed of a no-op deploy depends on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ppdeploy.tasks import deploy
from ppdeploy.workflows import waves

ROOT = Path(__file__).resolve().parents[2]


def test_the_flag_default_is_the_engine_s() -> None:
    assert deploy.DEFAULT_CONCURRENCY == waves.DEFAULT_CONCURRENCY


def test_loading_the_tasks_loads_no_aws_sdk_no_terminal_library_and_no_local_aws() -> None:
    probe = (
        "import sys, tasks; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'boto3', 'botocore', 'rich', 'pplocalaws', 'moto', 'cfnlint'}))"
    )
    loaded = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert loaded.stdout.strip() == "[]"


def test_the_plain_log_loads_no_terminal_library() -> None:
    probe = (
        "import sys, io; from ppdeploy import ui; "
        "ui.for_output(io.StringIO()).table('t', ('a',), [('b',)]); "
        "print('rich' in sys.modules)"
    )
    loaded = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert loaded.stdout.strip() == "False"


def test_aws_errors_become_exit_code_3_and_others_pass_through() -> None:
    import botocore.exceptions  # noqa: PLC0415 - loaded here, as a deploy would have

    from ppdeploy.tasks.edge import aws_failure  # noqa: PLC0415 - beside the line above

    refused = botocore.exceptions.ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "DescribeStacks"
    )
    failure = aws_failure(refused)

    assert failure is not None
    assert (failure.code, failure.message) == (3, "error: AWS refused a call: not allowed")
    assert aws_failure(ValueError("a bug")) is None
