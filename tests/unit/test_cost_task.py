"""`invoke cost`: its plain output, its JSON, its refusals, and that it never reaches AWS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from invoke.context import Context
from invoke.exceptions import Exit

from ppdeploy.tasks import cost

ROOT = Path(__file__).resolve().parents[2]


def test_json_gives_every_line_and_the_totals(capsys: pytest.CaptureFixture[str]) -> None:
    cost.cost(Context(), stage="prod", requests=1_000_000, json_=True)

    found = json.loads(capsys.readouterr().out)
    assert (found["stage"], found["region"], found["requests"]) == ("prod", "us-east-1", 1_000_000)
    assert (found["idle_usd"], found["usd"]) == (424.94, 433.4)
    assert found["prices"] == {"table": "prices-2026-12.toml", "compiled": "2026-12-03"}
    shared = found["stacks"][0]
    assert {"resource": "NatGateway", "usd": 32.85}.items() <= {
        key: value
        for line in shared["lines"]
        if line["resource"] == "NatGateway"
        for key, value in line.items()
    }.items()
    assert all(stack["unpriced"] == [] for stack in found["stacks"])


def test_the_plain_output_itemises_totals_and_says_what_it_assumed_and_left_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cost.cost(Context(), stage="dev", requests=1000)

    out = capsys.readouterr().out
    assert "monthly cost of stage dev: us-east-1 list prices of 2026-12-03" in out
    assert "1 x cache.t4g.micro (redis)" in out
    assert "at 1,000 API requests a month" in out
    assert "$58.28" in out  # the idle total
    assert "assumed: each API request: one function invocation of 100 ms" in out
    assert "not estimated, charged by the data or messages they hold: " in out
    assert "not included: free tier" in out


def test_idle_output_has_no_request_column_and_no_request_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cost.cost(Context(), stage="dev")

    out = capsys.readouterr().out
    assert "API requests a month" not in out
    assert "invocations" not in out


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        ({"stage": "nope"}, "unknown stage 'nope'"),
        ({"stage": "dev", "requests": -1}, "--requests -1 is negative"),
    ],
)
def test_bad_input_exits_2_naming_it(flags: dict[str, object], says: str) -> None:
    with pytest.raises(Exit) as refused:
        cost.cost(Context(), **flags)  # type: ignore[arg-type]

    assert refused.value.code == 2
    assert says in str(refused.value.message)


def test_an_estimate_opens_no_connection_and_loads_no_linter_or_local_aws() -> None:
    # Offline: any socket connection fails the probe. (botocore's exceptions module loads
    # through the deploy engine's shared modules, but no client is made.)
    probe = (
        "import sys, io, contextlib, socket\n"
        "def refuse(*args): raise SystemExit('connection attempted: %r' % (args,))\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from invoke.context import Context\n"
        "from ppdeploy.tasks import cost\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    cost.cost(Context(), stage='prod', requests=5, json_=True)\n"
        "sys.stderr.write(str(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'boto3', 'rich', 'pplocalaws', 'moto', 'cfnlint', 'samtranslator'})))\n"
    )
    loaded = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert loaded.stderr.strip() == "[]"
