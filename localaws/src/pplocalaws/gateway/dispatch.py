"""From an HTTP request to API Gateway's answer: resolve the API and route, run the function.

Two ways in, as on AWS:
- the custom domain: ``/{mappingKey}/...`` selects the API mapping (longest key wins, the
  empty key takes the rest) and the key is stripped for route selection. The domain is
  the one the Host header names, else the one given with ``--domain``, else each domain
  in name order (on a machine with one stage deployed, there is one);
- each API on its own, like its execute-api URL: ``/_api/{apiId}/...`` (the ``$default``
  stage) or ``/_api/{apiId}/{stage}/...`` (a named stage; its segment stays in rawPath).

Before any of that, ``front_door`` refuses a Host the gateway does not serve (421) and a
browser's Origin the API does not allow (403). Answers follow API Gateway: no API,
mapping or route -> 404 ``{"message":"Not Found"}``;
the handler raised or returned something unusable -> 502 ``{"message":"Internal Server
Error"}``; the function's timeout (capped by the integration's) passed -> 503
``{"message":"Service Unavailable"}``. A function the gateway cannot run (a runtime other
than Python, code it cannot fetch) -> 502 whose message says why, so the cause is visible.

An integration runs exactly what its URI names (API Gateway HTTP API "Working with AWS
Lambda proxy integrations"; Lambda "Lambda function versions", "Lambda function
aliases"): the unqualified function or ``$LATEST`` as invocations of it run now, a
published version, or an alias. A weighted alias picks its additional version for the
share of invocations its weight says, independently per invocation ("Weighted aliases":
"Lambda routes the specified percentage of traffic to the additional version"), with
:attr:`Gateway.chooser` (seedable, for tests).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from dataclasses import dataclass

from pplocalaws.gateway import events, front_door
from pplocalaws.gateway.discovery import (
    LATEST,
    Catalog,
    FunctionConfig,
    HttpApi,
    Integration,
    Topology,
)
from pplocalaws.gateway.events import HttpResponse, IncomingRequest, RouteContext
from pplocalaws.gateway.routing import match_mapping, match_route, split_path
from pplocalaws.gateway.telemetry import Telemetry
from pplocalaws.gateway.workers import (
    Busy,
    Crashed,
    Failed,
    Outcome,
    Returned,
    TimedOut,
    Unavailable,
    WorkerRegistry,
)

log = logging.getLogger(__name__)

API_PREFIX = "/_api/"
DEFAULT_STAGE = "$default"


@dataclass(frozen=True)
class Target:
    """Where a request goes: the route context for its event and the function to run."""

    context: RouteContext
    function: FunctionConfig | None
    problem: str | None  # why the route cannot reach a function, else None
    timeout_seconds: float
    integration: Integration | None = None  # set when the function is still to be chosen
    invoked_as: str | None = None  # the qualifier the integration invokes (metrics' Resource)


def _host_name(request: IncomingRequest) -> str:
    for name, value in request.headers:
        if name.lower() == "host":
            return value.rsplit(":", 1)[0] if not value.endswith("]") else value
    return ""


class Gateway:
    """Turns requests into API Gateway responses; safe to call from many threads."""

    def __init__(
        self,
        catalog: Catalog,
        workers: WorkerRegistry,
        *,
        region: str,
        default_domain: str | None = None,
        chooser: random.Random | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self._telemetry = telemetry  # API Gateway's metrics of every answered request
        self._catalog = catalog
        self._workers = workers
        self._region = region
        self._default_domain = default_domain
        self.chooser = chooser or random.Random()  # noqa: S311 - traffic split, not security

    def served_host(self, request: IncomingRequest) -> HttpResponse | None:
        """421 for a Host the gateway does not serve (``front_door``), else None."""
        host = front_door.header(request.headers, "host")
        if front_door.host_allowed(host, self._served_domains(self._catalog.current())):
            return None
        # a domain deployed since the last reading is served at once
        if front_door.host_allowed(host, self._served_domains(self._catalog.after_miss())):
            return None
        return front_door.misdirected(host)

    def _served_domains(self, topology: Topology) -> list[str]:
        return [*topology.domains, *([self._default_domain] if self._default_domain else [])]

    def handle(self, request: IncomingRequest) -> HttpResponse:
        began = time.monotonic()
        target, response, integration_ms = self._handle(request)
        if self._telemetry is not None and target is not None:
            latency_ms = (time.monotonic() - began) * 1000
            self._telemetry.api_request(
                target.context.api_id,
                target.context.stage,
                response.status,
                latency_ms,
                integration_ms,
            )
        return response

    def _handle(self, request: IncomingRequest) -> tuple[Target | None, HttpResponse, float | None]:
        """The answer, the API route it came through (if any) and the integration's time."""
        refusal = self.served_host(request)
        if refusal is not None:
            return None, refusal, None
        target = self._resolve(self._catalog.current(), request)
        if target is None or target.function is None:  # maybe deployed since the last reading
            target = self._resolve(self._catalog.after_miss(), request)
        origin = front_door.header(request.headers, "origin")
        if origin is not None:
            api = self._catalog.current().apis.get(target.context.api_id) if target else None
            host = front_door.header(request.headers, "host")
            if not front_door.origin_allowed(origin, host, api.allow_origins if api else ()):
                return target, front_door.forbidden_origin(origin), None
        if target is None:
            return None, events.NOT_FOUND, None
        if target.function is None:
            log.error("%s: %s", target.context.route_key, target.problem)
            problem = events.error_response(502, target.problem or "Internal Server Error")
            return target, problem, None
        request_id = uuid.uuid4().hex
        event = events.build_event(request, target.context, request_id=request_id)
        timeout = min(float(target.function.timeout_seconds), target.timeout_seconds)
        called = time.monotonic()
        outcome = self._workers.invoke(
            target.function, event, request_id, timeout, invoked_as=target.invoked_as
        )
        integration_ms = (time.monotonic() - called) * 1000
        return target, self._answer(target.function, outcome), integration_ms

    @staticmethod
    def _answer(function: FunctionConfig, outcome: Outcome) -> HttpResponse:
        response = events.INTERNAL_SERVER_ERROR
        match outcome:
            case Returned(result=result):
                try:
                    response = events.function_response(result)
                except events.MalformedResponse as error:
                    log.error("%s: malformed Lambda proxy response: %s", function.name, error)
            case Failed(error_type=kind, message=message):
                log.error("%s: the handler raised %s: %s", function.name, kind, message)
            case TimedOut(seconds=seconds):
                log.error("%s: task timed out after %.2f seconds", function.name, seconds)
                response = events.SERVICE_UNAVAILABLE
            case Crashed(reason=reason):
                log.error("%s: %s", function.name, reason)
            case Unavailable(reason=reason):
                response = events.error_response(502, reason)
            case Busy():
                log.error("%s: every worker stayed busy; request dropped", function.name)
                response = events.SERVICE_UNAVAILABLE
        return response

    def _resolve(self, topology: Topology, request: IncomingRequest) -> Target | None:
        target = self._route(topology, request)
        if target is None or target.function is not None or target.integration is None:
            return target
        function, problem = self._function_for(topology, target.integration)
        invoked_as = target.integration.qualifier
        return Target(target.context, function, problem, target.timeout_seconds, None, invoked_as)

    def _function_for(
        self, topology: Topology, integration: Integration
    ) -> tuple[FunctionConfig | None, str | None]:
        """What one invocation through ``integration`` runs, or why nothing can."""
        name = integration.function_name or ""
        qualifier = integration.qualifier
        if qualifier is None or qualifier == LATEST:
            return self._latest(topology, name)
        version = qualifier
        if not qualifier.isdigit():
            alias = topology.aliases.get((name, qualifier))
            if alias is None:
                return None, f"alias {qualifier} of function {name} does not exist in the local AWS"
            version = alias.function_version
            if alias.additional_version and self.chooser.random() < alias.additional_weight:
                version = alias.additional_version
            if version == LATEST:
                return self._latest(topology, name)
        function = topology.versions.get((name, version))
        if function is None:
            return None, f"version {version} of function {name} does not exist in the local AWS"
        return function, None

    @staticmethod
    def _latest(topology: Topology, name: str) -> tuple[FunctionConfig | None, str | None]:
        function = topology.functions.get(name)
        if function is None:
            return None, f"function {name} does not exist in the local AWS"
        return function, None

    def _route(self, topology: Topology, request: IncomingRequest) -> Target | None:
        if request.raw_path.startswith(API_PREFIX):
            return self._resolve_direct(topology, request)
        host = _host_name(request)
        if host in topology.domains:
            domains = [host]
        elif self._default_domain in topology.domains:
            domains = [str(self._default_domain)]
        else:
            domains = sorted(topology.domains)
        for domain in domains:
            mapping = match_mapping(topology.domains[domain], request.raw_path)
            if mapping is None:
                continue
            api = topology.apis.get(mapping.api_id)
            if api is None:
                return None
            return self._target(
                topology, api, mapping.stage, request.method, mapping.remaining_path, domain
            )
        return None

    def _resolve_direct(self, topology: Topology, request: IncomingRequest) -> Target | None:
        api_id, _, rest = request.raw_path[len(API_PREFIX) :].partition("/")
        api = topology.apis.get(api_id)
        if api is None:
            return None
        rest = "/" + rest
        segments = split_path(rest)
        domain = f"{api_id}.execute-api.{self._region}.amazonaws.com"
        if segments and segments[0] != DEFAULT_STAGE and segments[0] in api.stages:
            remaining = "/" + "/".join(segments[1:])
            return self._target(
                topology, api, segments[0], request.method, remaining, domain, raw_path=rest
            )
        if DEFAULT_STAGE not in api.stages:
            return None
        return self._target(
            topology, api, DEFAULT_STAGE, request.method, rest, domain, raw_path=rest
        )

    @staticmethod
    def _target(
        topology: Topology,
        api: HttpApi,
        stage: str,
        method: str,
        path: str,
        domain: str,
        *,
        raw_path: str | None = None,
    ) -> Target | None:
        matched = match_route(api.routes, method, path)
        if matched is None or matched.route.target is None:
            return None
        context = RouteContext(
            api_id=api.api_id,
            stage=stage,
            route_key=matched.route.key,
            domain_name=domain,
            path_parameters=matched.path_parameters,
            stage_variables=api.stages.get(stage, {}),
            raw_path=raw_path,
        )
        integration = api.integrations.get(matched.route.target)
        if integration is None:
            return Target(context, None, f"route {matched.route.key} has no integration", 0)
        problem = None
        if integration.integration_type != "AWS_PROXY" or integration.function_name is None:
            problem = (
                f"integration {integration.integration_id} ({integration.integration_type} "
                f"{integration.uri}) is not a Lambda proxy integration; the local gateway "
                "runs Lambda proxy integrations only"
            )
        elif integration.payload_format != "2.0":
            problem = (
                f"integration {integration.integration_id} uses payload format "
                f"{integration.payload_format}; the local gateway sends format 2.0 only"
            )
        chosen_later = integration if problem is None else None
        return Target(context, None, problem, integration.timeout_seconds, chosen_later)
