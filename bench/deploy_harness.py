"""What the deploy benchmarks share: a private local AWS, timed commands, the `sam` baseline.

Every figure is the wall time of a whole command as a person runs it (interpreter start,
imports and all), measured in this process, so a ratio compares like with like.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
SAM_VENV = Path(os.environ.get("SAM_VENV", "/tmp/sam-venv"))  # noqa: S108 - a cache, any user's
SAM_CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class LocalAws:
    """A local AWS started for one benchmark, and the environment its commands run with."""

    endpoint: str
    env: dict[str, str]

    def client(self, service: str) -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]
            region_name=REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - the local AWS's placeholder
        )

    def reset(self) -> None:
        """Empty it: every stack and resource goes (the build cache stays)."""
        url = f"{self.endpoint}/moto-api/reset"
        request = urllib.request.Request(url, method="POST")  # noqa: S310 - http on loopback
        with urllib.request.urlopen(request, timeout=30):  # noqa: S310 - loopback, built here
            pass


@contextmanager
def local_aws() -> Iterator[LocalAws]:
    """A local AWS of the benchmark's own, on a free port, with its own state folder."""
    from ppdeploy.aws import local_aws as process  # noqa: PLC0415 - after PPDEPLOY_STATE_DIR is set

    with tempfile.TemporaryDirectory(prefix="ppdeploy-bench-") as state:
        previous = os.environ.get("PPDEPLOY_STATE_DIR")
        os.environ["PPDEPLOY_STATE_DIR"] = state
        try:
            status = process.start(free_port())
            assert status.url, "the local AWS did not say where it listens"
            env = {
                key: value
                for key, value in os.environ.items()
                if not key.startswith("AWS_") and key != "PPDEPLOY_LOCAL_ENDPOINT"
            }
            yield LocalAws(status.url, env)
        finally:
            process.stop()
            if previous is None:
                os.environ.pop("PPDEPLOY_STATE_DIR", None)
            else:
                os.environ["PPDEPLOY_STATE_DIR"] = previous


def timed(command: Sequence[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    """Run ``command`` to completion; its wall time in seconds. A failure stops the bench."""
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - the bench's own fixed commands
        list(command), cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"bench: {' '.join(command[:4])}... failed ({result.returncode})")
    return seconds


def invoke(*args: str) -> list[str]:
    return [sys.executable, "-m", "invoke", *args]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float]) -> str:
    """``median (min, max)`` of timed runs, in seconds."""
    return f"{median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f})"


def sam_executable() -> Path:
    """`sam` from its own virtualenv (aws-sam-cli pins its own boto3); made on first use."""
    configured = os.environ.get("SAM_CLI")
    if configured:
        return Path(configured)
    sam = SAM_VENV / "bin" / "sam"
    if not sam.exists():
        print(f"bench: installing aws-sam-cli into {SAM_VENV} (once)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(SAM_VENV)], check=True)  # noqa: S603
        pip = [str(SAM_VENV / "bin" / "python"), "-m", "pip", "install", "-q", "aws-sam-cli"]
        subprocess.run(pip, check=True)  # noqa: S603 - pip from the venv just made
    return sam


def sam_version(sam: Path) -> str:
    result = subprocess.run(  # noqa: S603 - the sam found above
        [str(sam), "--version"], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


@dataclass(frozen=True)
class DeployedStack:
    """A deployed stack as `sam deploy` must be told it: the same template, values and tags."""

    name: str
    template: Path
    parameters: dict[str, str]
    tags: dict[str, str]


def deployed_stack(aws: LocalAws, name: str, template: Path) -> DeployedStack:
    raw = aws.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return DeployedStack(
        name=name,
        template=template,
        parameters={p["ParameterKey"]: p["ParameterValue"] for p in raw.get("Parameters", [])},
        tags={t["Key"]: t["Value"] for t in raw.get("Tags", [])},
    )


def sam_deploy_command(sam: Path, stack: DeployedStack, bucket: str) -> list[str]:
    overrides = [f'{key}="{value}"' for key, value in sorted(stack.parameters.items())]
    tags = [f"{key}={value}" for key, value in sorted(stack.tags.items())]
    return [
        str(sam),
        "deploy",
        "--template-file",
        str(stack.template),
        "--stack-name",
        stack.name,
        "--s3-bucket",
        bucket,
        "--region",
        REGION,
        "--capabilities",
        *SAM_CAPABILITIES,
        "--no-confirm-changeset",
        "--no-fail-on-empty-changeset",
        "--parameter-overrides",
        *overrides,
        "--tags",
        *tags,
    ]


def sam_workdir() -> Path:
    """An empty folder for `sam` to run in, so it writes nothing into the repository."""
    folder = Path(tempfile.gettempdir()) / "ppdeploy-bench-sam"
    folder.mkdir(exist_ok=True)
    return folder


def sam_env(aws: LocalAws) -> dict[str, str]:
    """`sam` pointed at the local AWS, with fake keys, no telemetry and fast polling.

    The endpoint is spelled ``localhost``: `sam deploy` uploads the template and passes a
    path-style TemplateURL on the endpoint, and the local AWS reads the bucket from the
    path only when the URL says ``localhost`` (with ``127.0.0.1`` it answers NoSuchBucket,
    a local AWS defect reported with the bench).
    """
    return {
        **aws.env,
        "AWS_ENDPOINT_URL": aws.endpoint.replace("127.0.0.1", "localhost"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "SAM_CLI_TELEMETRY": "0",
        "SAM_CLI_POLL_DELAY": "0.2",
    }


def print_table(title: str, rows: Sequence[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    print(f"\n{title}")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
