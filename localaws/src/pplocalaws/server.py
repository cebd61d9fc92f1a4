"""The local AWS server: moto's threaded server with the project's CloudFormation fixes.

``python -m pplocalaws.server --port 4566`` (or the ``pplocalaws`` console script) applies
``extensions.install()``, serves on loopback only, prints one line
``local AWS ready on http://127.0.0.1:PORT`` once a CloudFormation call answers, and runs
until SIGTERM or SIGINT, then stops cleanly (exit status 0). State lives as long as the
process does.
"""

from __future__ import annotations

import argparse
import ipaddress
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from types import FrameType

from pplocalaws.problems import BadOption, LocalAwsProblem, Unavailable


def enabled_by_default() -> bool:
    """IAM enforcement unless PPLOCALAWS_IAM says off (no heavy import for --help)."""
    from pplocalaws.iam.enforcement import enabled_by_default as from_env  # noqa: PLC0415

    return from_env()


DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
READY_TIMEOUT_SECONDS = 30.0
# A CloudFormation call that needs no state: answering it proves the service is loaded.
_PROBE_BODY = b"Action=ListExports&Version=2010-05-15"
_PROBE_AUTH = (
    "AWS4-HMAC-SHA256 Credential=probe/20250101/us-east-1/cloudformation/aws4_request, "
    "SignedHeaders=host, Signature=probe"
)


def loopback_host(host: str) -> str:
    """``host`` when it is a loopback address; the server never listens beyond the machine."""
    if host == "localhost":
        return DEFAULT_HOST
    try:
        is_loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        is_loopback = False
    if not is_loopback:
        raise BadOption(
            f"host {host!r} is not a loopback address",
            cause="the local AWS has no authentication, so it only listens on this machine",
            fix="use --host 127.0.0.1 (the default)",
        )
    return host


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def wait_until_answering(url: str, timeout: float = READY_TIMEOUT_SECONDS) -> None:
    """Block until a CloudFormation call to ``url`` answers, or raise Unavailable."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(  # noqa: S310 - fixed http URL built from a loopback host
        url + "/",
        data=_PROBE_BODY,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": _PROBE_AUTH,
        },
    )
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - see above
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise Unavailable(
                f"the local AWS at {url} did not answer within {timeout:.0f} s",
                cause="the server thread started but CloudFormation calls do not succeed",
                fix="run `python -m pplocalaws.server` in a terminal to see its log",
            )
        time.sleep(0.05)


def _check_port_free(host: str, port: int) -> None:
    """Fail early: ThreadedMotoServer.start() waits forever when its thread cannot bind."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise Unavailable(
                f"the local AWS cannot listen on {host}:{port}",
                cause=str(error),
                fix="choose a free port with --port, or stop what uses this one",
            ) from error


def serve(host: str, port: int, *, enforce_iam: bool = True) -> int:
    """Run the server until SIGTERM/SIGINT; the exit status.

    ``enforce_iam``: authorise role-session calls (pplocalaws.iam.enforcement).
    """
    from pplocalaws.extensions import install  # noqa: PLC0415 - heavy import, after arg checks
    from pplocalaws.iam.serving import EnforcingServer  # noqa: PLC0415 - same
    from pplocalaws.local_endpoints import install as add_local_endpoints  # noqa: PLC0415 - same
    from pplocalaws.resources.ses_identities import set_link_base  # noqa: PLC0415 - same

    install()
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    _check_port_free(host, port)
    server = EnforcingServer(host, port, enforce=enforce_iam)
    add_local_endpoints(server)  # /_localaws/: async invocations, SES, metrics, state snapshots
    server.start()
    try:
        url = _url(host, port)
        set_link_base(url)  # SES verification links point at this server
        wait_until_answering(url)
        print(f"local AWS ready on {url}", flush=True)
        stop.wait()
    finally:
        server.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="pplocalaws",
        description="Run the embedded local AWS (moto with the project's CloudFormation fixes).",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port to listen on")
    parser.add_argument(
        "--iam",
        choices=("on", "off"),
        default=None,
        help="authorise functions' role-session calls (default: $PPLOCALAWS_IAM, else on)",
    )
    arguments = parser.parse_args(argv)
    try:
        enforce = enabled_by_default() if arguments.iam is None else arguments.iam == "on"
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        return serve(loopback_host(arguments.host), arguments.port, enforce_iam=enforce)
    except LocalAwsProblem as error:
        print(f"error: {error}", file=sys.stderr)
        return 2 if isinstance(error, BadOption) else 3


if __name__ == "__main__":
    sys.exit(main())
