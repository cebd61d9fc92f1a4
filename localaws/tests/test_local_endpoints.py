"""The server's local-only /_localaws/ endpoints: routing, refusals, pass-through."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any

from pplocalaws.local_endpoints import LocalEndpoints
from pplocalaws.resources.lambda_async_moto import queue


def _call(method: str, path: str, body: dict[str, Any] | None = None) -> tuple[str, Any]:
    raw = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }
    answered: list[str] = []

    def moto(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [])
        return [b"moto"]

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answered.append(status)

    payload = b"".join(LocalEndpoints(moto)(environ, start_response))
    return answered[0], (payload if payload == b"moto" else json.loads(payload or b"null"))


def test_other_paths_go_to_moto() -> None:
    assert _call("POST", "/") == ("200 OK", b"moto")


def test_an_unknown_local_path_is_refused_naming_it() -> None:
    status, body = _call("GET", "/_localaws/nothing")
    assert status == "404 Not Found"
    assert body["message"] == "no local endpoint GET /_localaws/nothing"


def test_a_report_with_an_unknown_outcome_is_refused() -> None:
    status, body = _call("POST", "/_localaws/lambda/async/report", {"outcome": "maybe"})
    assert status == "400 Bad Request"
    assert "succeeded, functionError or throttled" in body["message"]


def test_a_report_for_an_unknown_lease_is_refused() -> None:
    status, _ = _call(
        "POST", "/_localaws/lambda/async/report", {"leaseId": "nope", "outcome": "succeeded"}
    )
    assert status == "404 Not Found"


def test_an_empty_claim_answers_204_and_the_status_is_idle() -> None:
    queue().reset()  # what other tests in this process queued
    assert _call("POST", "/_localaws/lambda/async/claim", {"wait": 0}) == ("204 No Content", None)
    status, body = _call("GET", "/_localaws/lambda/async")
    assert status == "200 OK"
    assert body["idle"] is True


def test_state_snapshot_requests_are_routed_to_the_state_endpoints() -> None:
    status, body = _call("POST", "/_localaws/state/snapshots/bad name!")
    assert status.startswith("400")
    assert "snapshot name" in body["message"]

    status, body = _call("POST", "/_localaws/state/snapshots/never-saved/restore")
    assert status.startswith("404")
    assert "never-saved" in body["message"]
