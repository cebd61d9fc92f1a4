"""moto's threaded server with the IAM enforcer in front of its WSGI application.

The same pieces moto's ThreadedMotoServer assembles (DomainDispatcherApplication over
create_backend_app, served by werkzeug with MotoRequestHandler), with one layer added.
"""

from __future__ import annotations

import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from pplocalaws.iam.enforcement import IamEnforcer


class EnforcingServer:
    """start() / stop() like moto's ThreadedMotoServer; ``enforce`` switches IAM."""

    def __init__(self, host: str, port: int, *, enforce: bool = True) -> None:
        self.app = IamEnforcer(DomainDispatcherApplication(create_backend_app), enabled=enforce)
        self._server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
