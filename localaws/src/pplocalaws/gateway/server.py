"""The local gateway's HTTP server: ``python -m pplocalaws.gateway --port 4567
--endpoint http://127.0.0.1:4566 --region us-east-1`` (``--domain`` picks the custom domain
when the Host header does not name one).

A ``ThreadingHTTPServer`` on 127.0.0.1 only (HTTP/1.1, keep-alive), answering only
loopback and served-domain Host headers and same-origin or CORS-allowed Origins
(``front_door``). Every path is API Gateway's (see ``dispatch``) except
``/_gateway/status``, which answers what the gateway sees (APIs, domains, warm workers)
as JSON. Prints ``local gateway ready on URL`` once
listening; SIGTERM or SIGINT stops it, its workers and its unpacked code.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

from pplocalaws.gateway import events
from pplocalaws.gateway.artifacts import ArtifactStore
from pplocalaws.gateway.async_runner import AsyncRunner, FunctionResolver
from pplocalaws.gateway.discovery import (
    FAKE_CREDENTIAL,
    Catalog,
    LocalAwsClients,
    read_topology,
)
from pplocalaws.gateway.dispatch import Gateway
from pplocalaws.gateway.events import HttpResponse, IncomingRequest
from pplocalaws.gateway.log_delivery import LogShipper, RoleLogClients
from pplocalaws.gateway.metrics import MetricsPublisher, ServiceMetricsDoor
from pplocalaws.gateway.runtimes import provide_runtime_packages
from pplocalaws.gateway.settings import (
    DEFAULT_ENDPOINT,
    DEFAULT_PORT,
    DEFAULT_REGION,
    HOST,
    STATUS_PATH,
)
from pplocalaws.gateway.telemetry import Telemetry
from pplocalaws.gateway.workers import (
    DEFAULT_MAX_WORKERS,
    LocalAwsSettings,
    WorkerRegistry,
)

log = logging.getLogger("pplocalaws.gateway")

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit for HTTP APIs
_NO_BODY_STATUSES = frozenset({204, 304})


class GatewayHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # 8+ clients connecting at once must not be refused

    def __init__(
        self,
        port: int,
        gateway: Gateway,
        registry: WorkerRegistry,
        catalog: Catalog,
        async_runner: AsyncRunner | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.telemetry = telemetry  # started with serve_forever, flushed and stopped at close
        self.gateway = gateway
        self.registry = registry
        self.catalog = catalog
        self.async_runner = async_runner  # started with serve_forever, stopped at close
        super().__init__((HOST, port), _RequestHandler)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        if self.telemetry is not None:
            self.telemetry.start()
        if self.async_runner is not None:
            self.async_runner.start()
        super().serve_forever(poll_interval)

    def server_close(self) -> None:
        if self.async_runner is not None:
            self.async_runner.stop()
        super().server_close()
        if self.telemetry is not None:
            self.telemetry.stop()


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ppdeploy-local-gateway"
    disable_nagle_algorithm = True  # headers and body are separate writes; no 40 ms stalls
    server: GatewayHttpServer

    def version_string(self) -> str:
        return self.server_version

    def _read_body(self) -> bytes | None:
        """The request body, or None when it is too large or its framing is broken."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if length < 0 or length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024)
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                return None
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass  # trailers carry nothing the event needs
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                return None
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF closing the chunk

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            self.close_connection = True
            self._send(events.error_response(413, "Request Entity Too Large"))
            return
        path, _, query = self.path.partition("?")
        request = IncomingRequest(
            method=self.command,
            raw_path=path,
            raw_query=query,
            headers=tuple(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        if path == STATUS_PATH:
            self._send(self.server.gateway.served_host(request) or self._status())
            return
        try:
            response = self.server.gateway.handle(request)
        except Exception:  # a gateway bug must still answer, as API Gateway would
            log.exception("the gateway failed on %s %s", self.command, path)
            response = events.error_response(500, "Internal Server Error")
        self._send(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def _status(self) -> HttpResponse:
        topology = self.server.catalog.current()
        status: dict[str, Any] = {
            "apis": {api.api_id: api.name for api in topology.apis.values()},
            "domains": {name: dict(keys) for name, keys in topology.domains.items()},
            "workers": self.server.registry.pool_sizes(),
            "lastError": self.server.catalog.last_error,
        }
        if self.server.telemetry is not None:  # lines written, and lost (per group)
            shipped = self.server.telemetry.shipper.stats
            status["logs"] = {"delivered": shipped.delivered, "dropped": dict(shipped.dropped)}
        return HttpResponse(
            200, (("Content-Type", "application/json"),), json.dumps(status).encode()
        )

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        send_body = self.command != "HEAD" and response.status not in _NO_BODY_STATUSES
        self.send_header("Content-Length", str(len(response.body) if send_body else 0))
        self.end_headers()
        if send_body and response.body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:  # the base class's names
        log.debug("%s " + format, self.client_address[0], *args)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pplocalaws.gateway",
        description="Serve the local AWS's HTTP APIs and custom domains on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--endpoint",
        default=os.environ.get("PPDEPLOY_LOCAL_ENDPOINT", DEFAULT_ENDPOINT),
        help="the local AWS endpoint (default: $PPDEPLOY_LOCAL_ENDPOINT or %(default)s)",
    )
    parser.add_argument("--region", default=DEFAULT_REGION)
    parser.add_argument("--domain", help="custom domain served when the Host header names none")
    parser.add_argument("--max-workers", type=int, default=DEFAULT_MAX_WORKERS)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def build_server(
    port: int,
    endpoint: str,
    region: str,
    work_folder: Path,
    *,
    domain: str | None = None,
    max_workers: int = DEFAULT_MAX_WORKERS,
) -> GatewayHttpServer:
    """A ready-to-serve gateway keeping its unpacked code in ``work_folder``."""
    clients = LocalAwsClients(endpoint, region)
    catalog = Catalog(lambda: read_topology(clients))
    # Every invocation's log lines and metrics, as Lambda and API Gateway record them.
    service_metrics = ServiceMetricsDoor(endpoint, region)
    telemetry = Telemetry(
        LogShipper(RoleLogClients(endpoint, region, FAKE_CREDENTIAL)),
        MetricsPublisher(lambda: service_metrics),
    )
    registry = WorkerRegistry(
        LocalAwsSettings(endpoint, region, role_sessions=True),
        ArtifactStore(clients, work_folder / "code"),
        provide_runtime_packages(work_folder / "runtime"),
        max_workers=max_workers,
        telemetry=telemetry,
    )
    gateway = Gateway(catalog, registry, region=region, default_domain=domain, telemetry=telemetry)
    # Lambda's asynchronous invocations (SNS deliveries, Invoke Event) run on the same workers.
    runner = AsyncRunner(endpoint, FunctionResolver(catalog, clients), registry)
    return GatewayHttpServer(port, gateway, registry, catalog, runner, telemetry)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _arguments(argv)
    logging.basicConfig(
        level=logging.DEBUG if arguments.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("botocore").setLevel(logging.WARNING)
    work_folder = Path(tempfile.mkdtemp(prefix="ppdeploy-gateway-"))  # private: mode 0700
    try:
        server = build_server(
            arguments.port,
            arguments.endpoint,
            arguments.region,
            work_folder,
            domain=arguments.domain,
            max_workers=arguments.max_workers,
        )
    except OSError as error:
        shutil.rmtree(work_folder, ignore_errors=True)
        print(f"cannot listen on {HOST}:{arguments.port}: {error}", file=sys.stderr)
        return 1

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return, so it must run on another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"local gateway ready on http://{HOST}:{arguments.port} "
        f"(local AWS {arguments.endpoint}, region {arguments.region})",
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
        server.registry.close()
        shutil.rmtree(work_folder, ignore_errors=True)
    return 0
