"""A journey on the local gateway sends from a loopback address of its own."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from ppdeploy.workflows import local_client


@pytest.fixture
def peers() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that records each request's TCP peer address."""
    seen: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.client_address[0])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("0.0.0.0", 0), Recorder)  # noqa: S104 - loopback block
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_local_urls_get_a_fresh_loopback_address_other_than_127_0_0_1() -> None:
    first = local_client.client_address(["http://127.0.0.1:4567/account"])
    if first is None:
        pytest.skip("this machine routes only 127.0.0.1 (the journey then sends as usual)")
    second = local_client.client_address(["http://localhost:4567"])
    assert first.startswith("127.")
    assert first != "127.0.0.1"
    assert second is not None
    assert second != first


@pytest.mark.parametrize(
    "url",
    ["https://api.dev.purposepath.app/account", "http://10.0.0.5:4567", "https://127.0.0.1:1"],
)
def test_anything_but_local_plain_http_sends_as_usual(url: str) -> None:
    assert local_client.client_address(["http://127.0.0.1:4567", url]) is None


def test_the_server_sees_the_bound_address_as_the_peer(peers: tuple[str, list[str]]) -> None:
    url, seen = peers
    address = local_client.client_address([url])
    if address is None:
        pytest.skip("this machine routes only 127.0.0.1")
    with local_client.opener(address).open(url, timeout=5) as answer:
        assert answer.status == 204
    with local_client.opener(None).open(url, timeout=5):
        pass
    assert seen == [address, "127.0.0.1"]
