"""The runtime-agnostic contract suite, run in-process against the Python handler, and
over real HTTP through the suite's own ``http_transport`` to prove that path works too."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pptesting.account_contract import (
    CHECKS,
    Check,
    ContractFailure,
    http_transport,
    main,
    outbox_mailbox,
    run_check,
)

CHECKS_BY_NAME = {item.name: item for item in CHECKS}


@pytest.mark.parametrize("item", CHECKS, ids=[item.name for item in CHECKS])
def test_contract_in_process(item: Check, transport, jwt_secret: str, signer, mailbox) -> None:
    run_check(item, transport, jwt_secret, signer, mailbox)


def test_the_suite_fails_a_service_that_breaks_the_contract(transport, mailbox) -> None:
    # A service that forgets to rotate: it hands back the presented refresh token.
    def no_rotation(method: str, path: str, headers: Mapping[str, str], body: bytes | None):
        status, got, content = transport(method, path, headers, body)
        if path == "/auth/refresh" and status == 200 and body is not None:
            pair = json.loads(content)
            pair["refreshToken"] = json.loads(body)["refreshToken"]
            content = json.dumps(pair).encode()
        return status, got, content

    with pytest.raises(ContractFailure, match="rotate"):
        run_check(
            CHECKS_BY_NAME["refresh_rotates_and_reuse_revokes_the_session"],
            no_rotation,
            mailbox=mailbox,
        )


def test_the_suite_fails_a_service_that_accepts_forged_tokens(
    transport, jwt_secret, mailbox
) -> None:
    def accepts_everything(method: str, path: str, headers: Mapping[str, str], body: bytes | None):
        if path == "/auth/me" and method == "GET":
            return 200, {"content-type": "application/json"}, b"{}"
        return transport(method, path, headers, body)

    with pytest.raises(ContractFailure, match="401"):
        run_check(
            CHECKS_BY_NAME["forged_and_malformed_access_tokens_are_refused"],
            accepts_everything,
            mailbox=mailbox,
        )


@pytest.fixture
def local_http_base_url(transport) -> Iterator[str]:
    """The in-process handler behind a loopback HTTP server on a free port."""

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            path = self.path.removeprefix("/account")
            status, headers, content = transport(self.command, path, dict(self.headers), body)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/account"
    finally:
        server.shutdown()
        server.server_close()


def test_the_suite_runs_over_http(
    local_http_base_url: str, jwt_secret: str, signer, mailbox
) -> None:
    transport = http_transport(local_http_base_url)
    for name in (
        "health_answers",
        "register_and_login_issue_a_token_pair",
        "password_reset_by_link_ends_every_session",
        "logout_ends_the_session",
        "tokens_signed_with_the_real_key_are_still_checked",
        "legacy_hs256_tokens_are_refused",
    ):
        run_check(CHECKS_BY_NAME[name], transport, jwt_secret, signer, mailbox)


def test_the_command_line_reports_and_skips_secret_checks(
    local_http_base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            local_http_base_url,
            "--only",
            "health_answers",
            "--only",
            "legacy_hs256_tokens_are_refused",
            "--only",
            "tokens_signed_with_the_real_key_are_still_checked",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "ok   health_answers" in out
    assert "SKIP legacy_hs256_tokens_are_refused" in out
    assert "SKIP tokens_signed_with_the_real_key_are_still_checked" in out


def test_http_transport_refuses_other_schemes() -> None:
    with pytest.raises(ValueError, match="https://"):
        http_transport("file:///etc/passwd")


def test_the_outbox_mailbox_reads_the_local_outbox_newest_last() -> None:
    """``--outbox``: the local AWS outbox answers newest first; the mailbox gives the
    links oldest first and asks only for the one address."""
    asked: list[str] = []

    class Outbox(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = json.dumps(
                {
                    "messages": [
                        {"subject": "newer", "links": ["https://x.test/auth/verify-email?token=b"]},
                        {"subject": "older", "links": ["https://x.test/auth/verify-email?token=a"]},
                    ]
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Outbox)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/_localaws/ses/outbox"
        links = outbox_mailbox(url)("a+b@example.com")
    finally:
        server.shutdown()
        server.server_close()
    assert links == [
        "https://x.test/auth/verify-email?token=a",
        "https://x.test/auth/verify-email?token=b",
    ]
    assert asked == ["/_localaws/ses/outbox?to=a%2Bb%40example.com&limit=50"]
    with pytest.raises(ValueError, match="https://"):
        outbox_mailbox("file:///tmp/outbox")
