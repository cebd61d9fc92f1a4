"""Each service's OpenAPI document describes exactly the routes its code serves.

The document (``services/<svc>/contract/openapi.yaml``) is what the fuzz session feeds
schemathesis and what clients read; a route the code serves that the document lacks is
never fuzzed, and a documented route the code lacks is a promise nobody keeps. The route
table is read from the Powertools resolver as ``ppcommon.errors._allowed_methods`` reads
it (405 answers depend on the same lists).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("account", "coaching", "traction")
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
ERROR_SCHEMA = "#/components/schemas/Error"


def _document(service: str) -> dict[str, Any]:
    path = ROOT / "services" / service / "contract" / "openapi.yaml"
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def _shape(path: str) -> str:
    """The path with every parameter unnamed: ``/goals/{}`` for ``/goals/<goal_id>``."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def _code_routes(service: str) -> set[str]:
    app = importlib.import_module(f"{service}.app").app
    # Powertools exposes no public route table (see ppcommon.errors._allowed_methods).
    routes = [*getattr(app, "_static_routes", []), *getattr(app, "_dynamic_routes", [])]
    assert routes, (
        f"{service}.app has no routes in _static_routes/_dynamic_routes: Powertools renamed "
        "its route lists; read them where ppcommon.errors._allowed_methods does"
    )
    return {f"{route.method.upper()} {_shape(route.path)}" for route in routes}


def _documented_routes(document: dict[str, Any]) -> set[str]:
    return {
        f"{method.upper()} {_shape(path)}"
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_the_document_has_exactly_the_routes_of_the_code(service: str) -> None:
    code, documented = _code_routes(service), _documented_routes(_document(service))

    only_in_code = sorted(code - documented)
    only_in_document = sorted(documented - code)

    assert (only_in_code, only_in_document) == ([], []), (
        f"services/{service}/contract/openapi.yaml and {service}.app disagree "
        "(parameters shown as {}):\n"
        f"  served by the code, missing from the document: {only_in_code}\n"
        f"  in the document, not served by the code: {only_in_document}\n"
        "fix: document the route (parameters, bodies, every status) or remove it"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_the_document_is_valid_openapi_3_1(service: str) -> None:
    path = ROOT / "services" / service / "contract" / "openapi.yaml"
    schema = schemathesis.openapi.from_path(path)

    schema.validate()  # the OpenAPI 3.1 meta-schema; raises naming the offending node
    assert _document(service)["openapi"] == "3.1.0"
    labels = [result.ok().label for result in schema.get_all_operations()]
    assert len(labels) == len(_operations(_document(service)))


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_documents_the_answers_it_can_give(service: str) -> None:
    document = _document(service)
    secured_by_default = bool(document.get("security"))
    missing = []
    for label, operation in _operations(document):
        statuses = set(operation["responses"])
        if operation.get("security", document.get("security")) and secured_by_default:
            missing += [f"{label}: 401"] if "401" not in statuses else []
        if "requestBody" in operation:
            missing += [f"{label}: {s}" for s in ("413", "415") if s not in statuses]
            if not statuses & {"400", "401"}:  # DELETE /auth/me answers bad input with 401
                missing.append(f"{label}: 400")
        if "{" in label:
            missing += [f"{label}: 404"] if "404" not in statuses else []

    assert missing == [], f"services/{service}/contract/openapi.yaml lacks answers: {missing}"


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@pytest.mark.parametrize("service", SERVICES)
def test_every_error_answer_has_the_shared_error_shape(service: str) -> None:
    document = _document(service)
    wrong = []
    for label, operation in _operations(document):
        for status, reference in operation["responses"].items():
            if int(status) < 400:
                continue
            response = _resolve(document, reference)
            schema = response["content"]["application/json"]["schema"]
            choices = [schema, *schema.get("anyOf", [])]
            if not any(choice.get("$ref") == ERROR_SCHEMA for choice in choices):
                wrong.append(f"{label} {status}")
            if status == "429" and not response.get("headers", {}).get("Retry-After"):
                wrong.append(f"{label} 429 without Retry-After")

    assert wrong == [], f"answers without {ERROR_SCHEMA} in {service}: {wrong}"


def test_the_shared_parts_are_the_same_in_every_document() -> None:
    documents = {service: _document(service) for service in SERVICES}
    shared = [
        ("schemas", "Error"),
        ("schemas", "GatewayNotFound"),
        ("securitySchemes", "bearer"),
        ("responses", "BadRequest"),
        ("responses", "PayloadTooLarge"),
        ("responses", "UnsupportedMediaType"),
        ("responses", "SessionStoreUnavailable"),
        ("responses", "NotFound"),
    ]
    for section, name in shared:
        versions = {
            service: yaml.safe_dump(document["components"][section][name], sort_keys=True)
            for service, document in documents.items()
        }
        assert len(set(versions.values())) == 1, f"components/{section}/{name} differs: {versions}"
    paged = ("coaching", "traction")
    for name in ("Limit", "Cursor"):
        versions = {yaml.safe_dump(documents[s]["components"]["parameters"][name]) for s in paged}
        assert len(versions) == 1, f"components/parameters/{name} differs: {versions}"


def test_the_route_comparison_names_each_difference() -> None:
    # The comparison itself: parameter names do not matter, methods and segments do.
    assert _shape("/goals/<goal_id>/kpis") == _shape("/goals/{goalId}/kpis") == "/goals/{}/kpis"
    document = {"paths": {"/a/{x}": {"get": {}, "parameters": []}, "/b": {"post": {}}}}
    assert _documented_routes(document) == {"GET /a/{}", "POST /b"}
