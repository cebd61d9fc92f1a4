"""Redis locally: a real redis-server behind each replication group, or the cache off.

With ``redis-server`` on PATH the stack's exported endpoint reaches a real Redis that
requires the group's AUTH token, through the services' own cache client, and that Redis
goes away with its group or with the local AWS. With ``redis-server`` hidden from PATH the
group keeps a made-up endpoint and the local AWS says once that the cache runs off.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The services' own cache client (ppcommon is installed in the workspace).
from ppcommon.cache import RedisCache
from pplocalaws import redis
from pplocalaws.background import answers
from pplocalaws.extensions.waiting import stack_after_operation
from pplocalaws.gateway.discovery import FunctionConfig
from pplocalaws.gateway.workers import LocalAwsSettings, worker_environment
from tests.integration.support import LocalAws

pytestmark = pytest.mark.integration

needs_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed (.ci/run installs it; apt-get install redis-server)",
)

STACK = "redis-check"
GROUP_ID = "purposepath-redis-check"


def _template(token: dict[str, Any] | str) -> str:
    return json.dumps(
        {
            "Resources": {
                "RedisAuth": {
                    "Type": "AWS::SecretsManager::Secret",
                    "Properties": {
                        "Name": "purposepath/redis-auth/check",
                        "GenerateSecretString": {
                            "SecretStringTemplate": "{}",
                            "GenerateStringKey": "token",
                            "PasswordLength": 40,
                            "ExcludePunctuation": True,
                        },
                    },
                },
                "Redis": {
                    "Type": "AWS::ElastiCache::ReplicationGroup",
                    "Properties": {
                        "ReplicationGroupId": GROUP_ID,
                        "ReplicationGroupDescription": "cache",
                        "Engine": "redis",
                        "CacheNodeType": "cache.t4g.micro",
                        "NumCacheClusters": 1,
                        "AtRestEncryptionEnabled": True,
                        "TransitEncryptionEnabled": True,
                        "AuthToken": token,
                    },
                },
            },
            "Outputs": {
                "Address": {
                    "Value": {"Fn::GetAtt": ["Redis", "PrimaryEndPoint.Address"]},
                    "Export": {"Name": "redis-check-endpoint"},
                },
                "Port": {
                    "Value": {"Fn::GetAtt": ["Redis", "PrimaryEndPoint.Port"]},
                    "Export": {"Name": "redis-check-port"},
                },
                "Secret": {"Value": {"Ref": "RedisAuth"}},
            },
        }
    )


FROM_SECRET = {"Fn::Sub": "{{resolve:secretsmanager:${RedisAuth}:SecretString:token}}"}


def _deploy(aws: LocalAws, template: str, *, update: bool = False) -> dict[str, str]:
    cfn = aws.client("cloudformation")
    if update:
        cfn.update_stack(StackName=STACK, TemplateBody=template)
        stack_after_operation(cfn, STACK, "UPDATE_COMPLETE")
    else:
        cfn.create_stack(StackName=STACK, TemplateBody=template)
        stack_after_operation(cfn, STACK, "CREATE_COMPLETE")
    stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def _exported(aws: LocalAws) -> tuple[str, int]:
    exports = {
        e["Name"]: e["Value"] for e in aws.client("cloudformation").list_exports()["Exports"]
    }
    return exports["redis-check-endpoint"], int(exports["redis-check-port"])


def _token(aws: LocalAws, secret_arn: str) -> str:
    secret = aws.client("secretsmanager").get_secret_value(SecretId=secret_arn)
    return str(json.loads(secret["SecretString"])["token"])


def _redis_pids(port: int) -> list[int]:
    """Live redis-server processes serving ``port`` (redis titles itself ``HOST:PORT``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if "redis-server" in command and f":{port}" in command and state != "Z":
                found.append(int(entry.name))
    return found


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _raw_reply(port: int, command: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
        connection.sendall(command)
        return connection.recv(200)


def _client(host: str, port: int, token: str) -> RedisCache:
    # TLS off: exactly what the local gateway tells the services (REDIS_TLS=false).
    return RedisCache(host, port, tls=False, auth_token=lambda: token)


@needs_redis
def test_the_exported_endpoint_reaches_a_real_redis_that_requires_the_auth_token(
    local_aws: LocalAws,
) -> None:
    outputs = _deploy(local_aws, _template(FROM_SECRET))
    host, port = _exported(local_aws)
    token = _token(local_aws, outputs["Secret"])
    group = local_aws.client("elasticache").describe_replication_groups(
        ReplicationGroupId=GROUP_ID
    )["ReplicationGroups"][0]

    assert (host, port) == ("127.0.0.1", int(outputs["Port"]))
    assert group["NodeGroups"][0]["PrimaryEndpoint"] == {"Address": host, "Port": port}
    assert len(_redis_pids(port)) == 1
    services_client = _client(host, port, token)
    try:
        services_client.set("tenant:t-1", "cached", 30)
        assert services_client.get("tenant:t-1") == "cached"
    finally:
        services_client.close()
    assert _raw_reply(port, b"GET tenant:t-1\r\n").startswith(b"-NOAUTH")
    wrong = _client(host, port, "x" * 40)
    assert wrong.get("tenant:t-1") is None  # refused AUTH: the cache is off, no error
    wrong.close()

    cfn = local_aws.client("cloudformation")
    cfn.delete_stack(StackName=STACK)
    stack_after_operation(cfn, STACK, "DELETE_COMPLETE")

    assert _redis_pids(port) == []
    assert not _listening(port)


@needs_redis
def test_an_auth_token_update_changes_the_password_in_place(local_aws: LocalAws) -> None:
    first, second = "first-token-0123456789", "second-token-0123456789"
    _deploy(local_aws, _template(first))
    host, port = _exported(local_aws)

    _deploy(local_aws, _template(second), update=True)

    assert _exported(local_aws) == (host, port)
    old, new = _client(host, port, first), _client(host, port, second)
    new.set("k", "v", 30)
    assert new.get("k") == "v"
    assert old.get("k") is None
    old.close()
    new.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _own_local_aws(
    tmp_path: Path, path_variable: str
) -> Iterator[tuple[LocalAws, subprocess.Popen[bytes], Path]]:
    """A local AWS of this test's own, with PATH set to ``path_variable``; killed after."""
    port = _free_port()
    log = tmp_path / "localaws.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PATH"] = path_variable
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 - our interpreter and module
            [sys.executable, "-m", "pplocalaws.server", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # bounded: at most about a minute
            if server.poll() is not None or answers(f"{url}/moto-api/", timeout=0.5):
                break
            time.sleep(0.1)
        assert server.poll() is None, log.read_text()
        yield LocalAws(endpoint=url, env=env), server, log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


@needs_redis
@pytest.mark.parametrize("how", ["SIGTERM to the server", "SIGKILL to its process group"])
def test_the_redis_goes_when_the_local_aws_goes(tmp_path: Path, how: str) -> None:
    with _own_local_aws(tmp_path, os.environ["PATH"]) as (aws, server, log):
        _deploy(aws, _template(FROM_SECRET))
        _, port = _exported(aws)
        assert len(_redis_pids(port)) == 1

        if how.startswith("SIGTERM"):
            server.send_signal(signal.SIGTERM)  # the server alone: it must clean up itself
            assert server.wait(timeout=30) == 0, log.read_text()
        else:
            os.killpg(server.pid, signal.SIGKILL)  # no clean-up: the group takes Redis along
            server.wait(timeout=30)

        for _ in range(100):  # bounded: a killed process may take a moment to be reaped
            if not _redis_pids(port):
                break
            time.sleep(0.05)
        assert _redis_pids(port) == []
        assert not _listening(port)


def test_without_redis_server_the_endpoint_is_made_up_and_the_cache_off_said_once(
    tmp_path: Path,
) -> None:
    hidden = tmp_path / "bin"  # a PATH with our interpreter only: no redis-server on it
    hidden.mkdir()
    (hidden / "python").symlink_to(sys.executable)
    with _own_local_aws(tmp_path, str(hidden)) as (aws, _server, log):
        outputs = _deploy(aws, _template(FROM_SECRET))
        second = json.loads(_template(FROM_SECRET))
        second["Resources"]["Redis"]["Properties"]["ReplicationGroupId"] = "another-group"
        second["Resources"]["RedisAuth"]["Properties"]["Name"] = "another/secret"
        second["Outputs"] = {}
        cfn = aws.client("cloudformation")
        cfn.create_stack(StackName="another", TemplateBody=json.dumps(second))
        stack_after_operation(cfn, "another", "CREATE_COMPLETE")
        host, port = _exported(aws)

        assert host.endswith(".cache.amazonaws.com")
        assert port == int(outputs["Port"]) == 6379
        # The services' client against it: a miss, no error (the cache is off).
        assert _client(host, port, "t" * 20).get("k") is None
    said = log.read_text().count("redis-server is not on PATH")
    assert said == 1, log.read_text()


def test_the_gateway_tells_the_workers_that_the_local_redis_has_no_tls() -> None:
    function = FunctionConfig(
        name="fn",
        arn="arn:aws:lambda:us-east-1:123456789012:function:fn",
        handler="app.handler",
        runtime="python3.13",
        environment={"REDIS_ENDPOINT": "127.0.0.1", "REDIS_PORT": "6380"},
        timeout_seconds=3,
        memory_mb=128,
        code_sha256="c2hh",
        last_modified="2025-01-01T00:00:00.000+0000",
    )
    aws = LocalAwsSettings(endpoint="http://127.0.0.1:1", region="us-east-1")

    environment = worker_environment(function, Path("/c"), Path("/r"), aws)

    assert environment["REDIS_TLS"] == "false"
    assert environment["REDIS_ENDPOINT"] == "127.0.0.1"


@needs_redis
def test_a_token_with_backslashes_and_quotes_is_the_password_exactly() -> None:
    token = "back\\slash'quote`tick$dollar-0123"  # printable, none of / " @
    server = redis.start([redis.AclUser.default_with_token(token)])
    assert server is not None
    try:
        client = _client(server.host, server.port, token)
        client.set("k", "v", 30)
        assert client.get("k") == "v"
        client.close()
        assert server.call("GET", "k") == b"$1"  # the runner's own AUTH works too
    finally:
        server.stop()
    assert not server.running


def test_a_redis_server_that_does_not_start_fails_naming_it_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "redis-server"
    broken.write_text("#!/bin/sh\necho 'FATAL: bad config' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(redis.LocalRedisError) as failure:
        redis.start([redis.AclUser.default_with_token("a-token-of-twenty-chars")])

    message = str(failure.value)
    assert "redis-server exited during start-up (code 3)" in message
    assert "redis-server --version" in message
    assert "a-token-of-twenty-chars" not in message
