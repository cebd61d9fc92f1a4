"""The whole verify journey over real HTTP, with its mailbox read from an outbox route.

One loopback server plays the three services (the in-memory stand-ins of the unit tests,
on the wall clock) under ``/account``, ``/coaching`` and ``/traction``, and the local AWS's
SES outbox under ``/_localaws/ses/outbox``. The journey, its HTTP calls (statuses, headers
such as ``Retry-After``, query strings of the followed links) and ``OutboxMailbox`` over
``LocalOutbox`` run unchanged: what the unit tests cannot show is that the pieces speak HTTP
to each other as the real services and local AWS will.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ppdeploy.aws.outbox import LocalOutbox
from ppdeploy.workflows import verify
from ppdeploy.workflows.mailbox import SUBJECTS, OutboxMailbox
from tests.unit.fake_services import Services


class WallClockServices(Services):
    """The stand-in services on the wall clock, so the journey's real waits count."""

    def answer(
        self, service: str, method: str, path: str, token: str | None, body: Any = None
    ) -> Any:
        self.clock = time.time()
        return super().answer(service, method, path, token, body)

    def leftovers(self, created: verify.Created) -> list[str]:
        self.clock = time.time()
        return super().leftovers(created)

    def outbox(self, query: str) -> dict[str, Any]:
        asked = urllib.parse.parse_qs(query)
        limit = int(asked["limit"][0])
        mail = [m for m in reversed(self.mail) if m.to in asked.get("to", [m.to])][:limit]
        return {
            "messages": [
                {
                    "messageId": f"m{i}",
                    "from": "no-reply@purposepath.app",
                    "to": [m.to],
                    "subject": SUBJECTS[m.kind],
                    "text": f"Hello,\n\n{m.link}\n",
                    "links": [m.link],
                    "sentAt": datetime.fromtimestamp(m.at, UTC).isoformat(),
                }
                for i, m in enumerate(mail)
            ]
        }


def handler_for(services: WallClockServices) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:  # quiet: pytest shows failures
            pass

        def handle_one(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path, _, query = self.path.partition("?")
            with lock:
                if path == "/_localaws/ses/outbox":
                    status, headers, body = 200, {}, services.outbox(query)
                else:
                    service, _, rest = path.lstrip("/").partition("/")
                    auth = self.headers.get("Authorization", "")
                    token = auth.removeprefix("Bearer ") if auth else None
                    answer = services.answer(
                        service,
                        self.command,
                        f"/{rest}" + (f"?{query}" if query else ""),
                        token,
                        json.loads(raw) if raw else None,
                    )
                    status, headers, body = answer.status, answer.headers, answer.body
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = handle_one

    return Handler


@pytest.fixture
def served() -> Iterator[tuple[str, WallClockServices]]:
    services = WallClockServices()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(services))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", services
    finally:
        server.shutdown()
        server.server_close()


def test_the_journey_passes_over_http_reading_its_mail_from_the_outbox(
    served: tuple[str, WallClockServices],
) -> None:
    url, services = served
    said: list[str] = []
    journey = verify.Journey(
        urls={s: f"{url}/{s}" for s in ("account", "coaching", "traction")},
        report=said.append,
        settle_seconds=0.0,
        purge_probe=services.leftovers,
        mailbox=OutboxMailbox(LocalOutbox(url), timeout=5.0),
    )

    verify.run(journey)

    assert journey.outcome().skipped == ()
    assert not [line for line in said if line.startswith(("FAIL", "skip"))], said
    assert "wait 1 s (Retry-After)" in said  # the header came through HTTP
    assert "ok   the verify mail arrives: /auth/verify-email" in said
    assert "ok   the reset mail arrives: /auth/password-reset" in said
    assert said[-1].startswith("ok   the deleted account's coaching and traction data is purged")


def test_without_a_mailbox_the_journey_over_http_ends_incomplete(
    served: tuple[str, WallClockServices],
) -> None:
    url, services = served
    said: list[str] = []
    journey = verify.Journey(
        urls={s: f"{url}/{s}" for s in ("account", "coaching", "traction")},
        report=said.append,
        settle_seconds=0.0,
        purge_probe=services.leftovers,
    )

    verify.run(journey)

    incomplete = journey.outcome().incomplete("prod")
    assert incomplete is not None
    assert incomplete.exit_code == 7
    assert said[-1].startswith("skip account deletion and purge: no mailbox")
