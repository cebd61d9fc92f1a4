"""API Gateway v2 (HTTP API) request routing: API mappings of a custom domain, then routes.

Pure functions over plain data, no AWS calls, so every rule here is unit-tested.

Route selection follows API Gateway's documented priority ("Routing API requests" in the
HTTP API developer guide): the most specific path wins, segment by segment from the left
(a literal segment beats ``{param}``, which beats the greedy ``{proxy+}``); for equally
specific paths a route for the request's method beats ``ANY``; ``$default`` catches what
nothing else matches. ``{proxy+}`` only closes a route and takes one or more segments.

API mapping selection follows "Map API stages to a custom domain name for HTTP APIs": the
longest mapping key that is a whole-segment prefix of the path wins, the empty key
``(none)`` takes the rest, and the key is stripped before route selection.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

DEFAULT_ROUTE = "$default"
ANY_METHOD = "ANY"

# Specificity of one route segment; tuples of these compare left to right.
_LITERAL, _PARAMETER, _GREEDY = 2, 1, 0


@dataclass(frozen=True)
class Route:
    """One route of an HTTP API: its key (``GET /pets/{id}``) and what it invokes."""

    key: str
    target: str | None  # integration id, or None when the route has no integration
    method: str
    segments: tuple[str, ...]

    @classmethod
    def parse(cls, key: str, target: str | None) -> Route:
        if key == DEFAULT_ROUTE:
            return cls(key, target, ANY_METHOD, ())
        method, _, path = key.partition(" ")
        return cls(key, target, method.upper(), split_path(path))

    @property
    def is_default(self) -> bool:
        return self.key == DEFAULT_ROUTE


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


@dataclass(frozen=True)
class MappingMatch:
    """The API mapping a path selected, and the path left once its key is stripped."""

    key: str
    api_id: str
    stage: str
    remaining_path: str


def split_path(path: str) -> tuple[str, ...]:
    """``/a/b`` -> ("a", "b"); ``/`` -> (); a trailing slash keeps its empty segment."""
    stripped = path[1:] if path.startswith("/") else path
    return tuple(stripped.split("/")) if stripped else ()


def _parameter_name(segment: str) -> str | None:
    if len(segment) > 2 and segment[0] == "{" and segment[-1] == "}":
        return segment[1:-1]
    return None


def _match_path(
    route_segments: Sequence[str], request_segments: Sequence[str]
) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """(specificity, path parameters) when the route's path matches, else None."""
    greedy = _parameter_name(route_segments[-1]) if route_segments else None
    greedy = greedy[:-1] if greedy and greedy.endswith("+") else None
    fixed = route_segments[:-1] if greedy else route_segments
    rest = request_segments[len(fixed) :]
    if (greedy and not any(rest)) or (not greedy and rest) or len(request_segments) < len(fixed):
        return None
    specificity: list[int] = []
    parameters: dict[str, str] = {}
    for segment, value in zip(fixed, request_segments, strict=False):
        name = _parameter_name(segment)
        if name is None and urllib.parse.unquote(value) == segment:
            specificity.append(_LITERAL)
        elif name is not None and value:
            parameters[name] = urllib.parse.unquote(value)
            specificity.append(_PARAMETER)
        else:
            return None
    if greedy:
        parameters[greedy] = urllib.parse.unquote("/".join(rest))
        specificity.append(_GREEDY)
    return tuple(specificity), parameters


def match_route(routes: Iterable[Route], method: str, path: str) -> RouteMatch | None:
    """The route API Gateway would select for ``method path``, or None (a 404)."""
    request_segments = split_path(path)
    method = method.upper()
    best: tuple[tuple[tuple[int, ...], bool], RouteMatch] | None = None
    default: Route | None = None
    for route in routes:
        if route.is_default:
            default = route
            continue
        if route.method not in (method, ANY_METHOD):
            continue
        matched = _match_path(route.segments, request_segments)
        if matched is None:
            continue
        specificity, parameters = matched
        rank = (specificity, route.method == method)
        if best is None or rank > best[0]:
            best = (rank, RouteMatch(route, parameters))
    if best is not None:
        return best[1]
    return RouteMatch(default, {}) if default is not None else None


def match_mapping(mappings: Mapping[str, tuple[str, str]], path: str) -> MappingMatch | None:
    """Select the API mapping for ``path``: ``mappings`` is key -> (api id, stage).

    The empty key is the ``(none)`` mapping. The selected key is stripped from the path
    (``/account/me`` under key ``account`` leaves ``/me``; ``/account`` leaves ``/``).
    """
    segments = split_path(path)
    for length in range(len(segments), 0, -1):
        key = "/".join(segments[:length])
        if key in mappings:
            api_id, stage = mappings[key]
            remaining = "/" + "/".join(segments[length:])
            return MappingMatch(key, api_id, stage, remaining)
    if "" in mappings:
        api_id, stage = mappings[""]
        return MappingMatch("", api_id, stage, path or "/")
    return None
