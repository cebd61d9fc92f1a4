"""API Gateway v2 route and API mapping selection (the priorities AWS documents)."""

from __future__ import annotations

import pytest

from pplocalaws.gateway.routing import Route, match_mapping, match_route

# The example route table of API Gateway's "Routing API requests" for HTTP APIs, plus ANY.
ROUTES = [
    Route.parse(key, key)
    for key in (
        "GET /pets/dog/1",
        "GET /pets/dog/{id}",
        "GET /pets/{proxy+}",
        "ANY /{proxy+}",
        "POST /pets/{id}/tags/{tag}",
        "ANY /orders",
        "GET /orders",
        "GET /",
        "$default",
    )
]


@pytest.mark.parametrize(
    ("method", "path", "route_key", "parameters"),
    [
        ("GET", "/pets/dog/1", "GET /pets/dog/1", {}),
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}", {"id": "2"}),
        ("GET", "/pets/cat/1", "GET /pets/{proxy+}", {"proxy": "cat/1"}),
        ("POST", "/pets/dog/1", "ANY /{proxy+}", {"proxy": "pets/dog/1"}),
        ("POST", "/pets/7/tags/new", "POST /pets/{id}/tags/{tag}", {"id": "7", "tag": "new"}),
        ("GET", "/orders", "GET /orders", {}),
        ("DELETE", "/orders", "ANY /orders", {}),
        ("GET", "/", "GET /", {}),
        ("POST", "/", "$default", {}),
        ("get", "/pets/dog/a%20b", "GET /pets/dog/{id}", {"id": "a b"}),
    ],
)
def test_the_most_specific_route_wins(
    method: str, path: str, route_key: str, parameters: dict[str, str]
) -> None:
    matched = match_route(ROUTES, method, path)

    assert matched is not None
    assert matched.route.key == route_key
    assert matched.path_parameters == parameters


def test_a_greedy_variable_needs_at_least_one_segment() -> None:
    routes = [Route.parse("GET /files/{proxy+}", "i")]

    assert match_route(routes, "GET", "/files") is None
    assert match_route(routes, "GET", "/files/") is None
    matched = match_route(routes, "GET", "/files/a/b/")
    assert matched is not None
    assert matched.path_parameters == {"proxy": "a/b/"}


def test_without_default_route_an_unmatched_request_has_no_route() -> None:
    routes = [Route.parse("GET /items/{id}", "i")]

    assert match_route(routes, "GET", "/items") is None
    assert match_route(routes, "GET", "/items/1/more") is None
    assert match_route(routes, "POST", "/items/1") is None
    assert match_route(routes, "GET", "/items/") is None  # an empty segment is no id


def test_a_route_without_integration_keeps_its_none_target() -> None:
    assert Route.parse("GET /a", None).target is None


MAPPINGS = {
    "": ("root-api", "$default"),
    "orders": ("orders-api", "$default"),
    "orders/v1/items": ("items-api", "live"),
}


@pytest.mark.parametrize(
    ("path", "key", "api_id", "remaining"),
    [
        ("/orders", "orders", "orders-api", "/"),
        ("/orders/", "orders", "orders-api", "/"),
        ("/orders/7", "orders", "orders-api", "/7"),
        ("/orders/v1/items/123", "orders/v1/items", "items-api", "/123"),
        ("/orders/v2/items", "orders", "orders-api", "/v2/items"),
        ("/ordersx/1", "", "root-api", "/ordersx/1"),
        ("/", "", "root-api", "/"),
    ],
)
def test_the_longest_mapping_key_wins_and_is_stripped(
    path: str, key: str, api_id: str, remaining: str
) -> None:
    matched = match_mapping(MAPPINGS, path)

    assert matched is not None
    assert (matched.key, matched.api_id, matched.remaining_path) == (key, api_id, remaining)


def test_without_empty_mapping_an_unmapped_path_has_no_api() -> None:
    assert match_mapping({"account": ("a", "$default")}, "/coaching/x") is None
    matched = match_mapping({"account": ("a", "dev")}, "/account/me")
    assert matched is not None
    assert matched.stage == "dev"
