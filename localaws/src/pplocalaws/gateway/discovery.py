"""What the gateway serves, read from the local AWS through boto3, cached and refreshed.

A :class:`Topology` is one immutable reading of the HTTP APIs (routes, integrations,
stages), the custom domains with their API mappings, and the Lambda functions'
configurations: of ``$LATEST`` as invocations run it (during an update, the previous code
and configuration, see ``INVOKED_QUALIFIER``), and of the versions and aliases the
integrations name. :class:`Catalog` keeps the current one and re-reads it at most once a
second while requests come in (in the background), before use when it has grown old, and
sooner when a request finds no API, route or function (rate limited), so a deploy is
picked up without restarting the gateway and the hot path makes no AWS calls.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from pplocalaws.gateway.routing import Route

log = logging.getLogger(__name__)

FAKE_CREDENTIAL = "testing"
REFRESH_INTERVAL_SECONDS = 1.0
MISS_REFRESH_INTERVAL_SECONDS = 0.25
EXPIRE_AFTER_SECONDS = 3.0
DEFAULT_INTEGRATION_TIMEOUT_SECONDS = 30.0  # an HTTP API's maximum, and its default
# Fail fast: a local AWS that does not answer within these is down, not slow.
_CLIENT_CONFIG = Config(
    connect_timeout=2, read_timeout=10, retries={"mode": "standard", "max_attempts": 2}
)
_FUNCTION_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:(?P<name>[A-Za-z0-9_-]+)"
    r"(?::(?P<qualifier>[A-Za-z0-9$_-]+))?"
)
LATEST = "$LATEST"
# The local AWS's read of what an invocation of $LATEST runs now: during an update, the
# previous code and configuration ("Lambda function states"). It is local only: "." is
# outside Lambda's qualifier pattern. The same constant as
# ``pplocalaws.resources.lambda_updates.INVOKED_QUALIFIER`` (held equal by a test; the
# gateway does not import moto).
INVOKED_QUALIFIER = "$LATEST.invoked"


@dataclass(frozen=True)
class Integration:
    integration_id: str
    integration_type: str
    uri: str
    payload_format: str
    function_name: str | None  # None when the URI names no Lambda function
    timeout_seconds: float = DEFAULT_INTEGRATION_TIMEOUT_SECONDS
    qualifier: str | None = None  # the version or alias the URI names; None: $LATEST


@dataclass(frozen=True)
class HttpApi:
    api_id: str
    name: str
    routes: tuple[Route, ...]
    integrations: Mapping[str, Integration]
    stages: Mapping[str, Mapping[str, str]]  # stage name -> stage variables
    allow_origins: tuple[str, ...] = ()  # CorsConfiguration.AllowOrigins (gateway.front_door)


Revision = tuple[str, str, str, str, int, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    arn: str
    handler: str
    runtime: str
    environment: Mapping[str, str]
    timeout_seconds: int
    memory_mb: int
    code_sha256: str
    last_modified: str
    version: str = LATEST  # "$LATEST" or a published version number
    qualifier: str = INVOKED_QUALIFIER  # what GetFunction takes to fetch exactly this code

    @property
    def key(self) -> str:
        """One (function, version), the unit a worker pool serves: ``name`` or ``name:N``."""
        return self.name if self.version == LATEST else f"{self.name}:{self.version}"

    @property
    def revision(self) -> Revision:
        """Changes whenever code or configuration is deployed (warm workers are replaced).

        More than CodeSha256 and LastModified: moto 5.2.5 leaves LastModified alone on
        UpdateFunctionConfiguration, and a worker's environment is fixed at its start.
        """
        return (
            self.code_sha256,
            self.last_modified,
            self.handler,
            self.runtime,
            self.memory_mb,
            tuple(sorted(self.environment.items())),
        )


@dataclass(frozen=True)
class AliasRoute:
    """An alias: its version, and the other version with the share of traffic it takes."""

    function_version: str
    additional_version: str | None = None
    additional_weight: float = 0.0


@dataclass(frozen=True)
class Topology:
    apis: Mapping[str, HttpApi] = field(default_factory=dict)
    # domain name -> mapping key ("" for (none)) -> (api id, stage)
    domains: Mapping[str, Mapping[str, tuple[str, str]]] = field(default_factory=dict)
    functions: Mapping[str, FunctionConfig] = field(default_factory=dict)  # $LATEST, by name
    # (function name, version number) -> that published version
    versions: Mapping[tuple[str, str], FunctionConfig] = field(default_factory=dict)
    # (function name, alias name) -> where the alias routes
    aliases: Mapping[tuple[str, str], AliasRoute] = field(default_factory=dict)


def function_target_of(integration_uri: str) -> tuple[str, str | None] | None:
    """(function name, qualifier or None) an integration invokes, from its URI.

    ``arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`` or
    ``arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/<that ARN>/invocations``
    (API Gateway HTTP API "Working with AWS Lambda proxy integrations": the integration
    URI is the function's ARN, and a qualified ARN invokes that version or alias).
    """
    found = _FUNCTION_ARN.search(integration_uri or "")
    if found is None:
        return None
    return found.group("name"), found.group("qualifier")


def function_name_of(integration_uri: str) -> str | None:
    """The function an integration invokes (its qualifier left out)."""
    target = function_target_of(integration_uri)
    return target[0] if target else None


class LocalAwsClients:
    """boto3 clients for the local AWS, with fake credentials and fail-fast timeouts."""

    def __init__(self, endpoint: str, region: str) -> None:
        self.endpoint = endpoint
        self.region = region
        session = boto3.session.Session(
            aws_access_key_id=FAKE_CREDENTIAL,
            aws_secret_access_key=FAKE_CREDENTIAL,
            region_name=region,
        )
        self.apigatewayv2: Any = session.client(
            "apigatewayv2", endpoint_url=endpoint, config=_CLIENT_CONFIG
        )
        self.awslambda: Any = session.client("lambda", endpoint_url=endpoint, config=_CLIENT_CONFIG)
        self.s3: Any = session.client("s3", endpoint_url=endpoint, config=_CLIENT_CONFIG)


def _items(call: Callable[..., dict[str, Any]], **arguments: Any) -> Iterator[dict[str, Any]]:
    """Every item of an API Gateway v2 list call (they page with NextToken, no paginators)."""
    token: str | None = None
    while True:
        page = call(**arguments, **({"NextToken": token} if token else {}))
        yield from page.get("Items", [])
        token = page.get("NextToken")
        if not token:
            return


def _read_api(clients: LocalAwsClients, api: dict[str, Any]) -> HttpApi:
    api_id = api["ApiId"]
    gateway = clients.apigatewayv2
    integrations = {}
    for item in _items(gateway.get_integrations, ApiId=api_id):
        name, qualifier = function_target_of(item.get("IntegrationUri", "")) or (None, None)
        integrations[item["IntegrationId"]] = Integration(
            integration_id=item["IntegrationId"],
            integration_type=str(item.get("IntegrationType", "")).upper(),
            uri=item.get("IntegrationUri", ""),
            payload_format=str(item.get("PayloadFormatVersion", "2.0")),
            function_name=name,
            timeout_seconds=int(item.get("TimeoutInMillis") or 30_000) / 1000,
            qualifier=qualifier if qualifier != LATEST else None,
        )
    routes = tuple(
        Route.parse(item["RouteKey"], _integration_id(item.get("Target")))
        for item in _items(gateway.get_routes, ApiId=api_id)
    )
    stages = {
        item["StageName"]: dict(item.get("StageVariables") or {})
        for item in _items(gateway.get_stages, ApiId=api_id)
    }
    cors = api.get("CorsConfiguration") or {}
    allow_origins = tuple(str(o) for o in cors.get("AllowOrigins") or ())
    return HttpApi(api_id, api.get("Name", ""), routes, integrations, stages, allow_origins)


def _integration_id(target: str | None) -> str | None:
    if not target:
        return None
    return target.removeprefix("integrations/")


def function_config_of(item: Mapping[str, Any], version: str, qualifier: str) -> FunctionConfig:
    """A GetFunctionConfiguration answer as the configuration a worker pool runs."""
    return FunctionConfig(
        name=item["FunctionName"],
        arn=item["FunctionArn"],
        handler=item.get("Handler", ""),
        runtime=item.get("Runtime", ""),
        environment=dict((item.get("Environment") or {}).get("Variables") or {}),
        timeout_seconds=int(item.get("Timeout", 3)),
        memory_mb=int(item.get("MemorySize", 128)),
        code_sha256=item.get("CodeSha256", ""),
        last_modified=item.get("LastModified", ""),
        version=version,
        qualifier=qualifier,
    )


def _read_functions(clients: LocalAwsClients) -> dict[str, FunctionConfig]:
    functions: dict[str, FunctionConfig] = {}
    for page in clients.awslambda.get_paginator("list_functions").paginate():
        for listed in page["Functions"]:
            item = listed
            if listed.get("LastUpdateStatus") == "InProgress":  # runs its previous snapshot
                item = _configuration(clients, listed["FunctionName"], INVOKED_QUALIFIER) or listed
            functions[item["FunctionName"]] = function_config_of(item, LATEST, INVOKED_QUALIFIER)
    return functions


def _configuration(clients: LocalAwsClients, name: str, qualifier: str) -> dict[str, Any] | None:
    """GetFunctionConfiguration, or None when the function or qualifier does not exist."""
    try:
        answer: dict[str, Any] = clients.awslambda.get_function_configuration(
            FunctionName=name, Qualifier=qualifier
        )
    except clients.awslambda.exceptions.ResourceNotFoundException:
        return None
    return answer


def _read_qualified(
    clients: LocalAwsClients, targets: set[tuple[str, str]]
) -> tuple[dict[tuple[str, str], FunctionConfig], dict[tuple[str, str], AliasRoute]]:
    """The versions and aliases integrations name (and the versions those aliases route to)."""
    aliases: dict[tuple[str, str], AliasRoute] = {}
    wanted: set[tuple[str, str]] = set()
    for name, qualifier in targets:
        if qualifier.isdigit():
            wanted.add((name, qualifier))
            continue
        try:
            alias = clients.awslambda.get_alias(FunctionName=name, Name=qualifier)
        except clients.awslambda.exceptions.ResourceNotFoundException:
            continue  # the dispatcher says the alias does not exist
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        extra, weight = next(iter(weights.items()), (None, 0.0))
        aliases[(name, qualifier)] = AliasRoute(alias["FunctionVersion"], extra, float(weight))
        wanted.update((name, v) for v in (alias["FunctionVersion"], extra) if v and v != LATEST)
    versions = {}
    for name, number in wanted:
        item = _configuration(clients, name, number)
        if item is not None:
            versions[(name, number)] = function_config_of(item, number, number)
    return versions, aliases


def read_topology(clients: LocalAwsClients) -> Topology:
    """One full reading of what the local AWS has deployed (HTTP APIs only)."""
    gateway = clients.apigatewayv2
    apis = {
        api["ApiId"]: _read_api(clients, api)
        for api in _items(gateway.get_apis)
        if api.get("ProtocolType", "HTTP") == "HTTP"
    }
    domains: dict[str, dict[str, tuple[str, str]]] = {}
    for domain in _items(gateway.get_domain_names):
        name = domain["DomainName"]
        domains[name] = {
            _mapping_key(mapping.get("ApiMappingKey")): (mapping["ApiId"], mapping["Stage"])
            for mapping in _items(gateway.get_api_mappings, DomainName=name)
        }
    targets = {
        (integration.function_name, integration.qualifier)
        for api in apis.values()
        for integration in api.integrations.values()
        if integration.function_name and integration.qualifier
    }
    versions, aliases = _read_qualified(clients, targets)
    return Topology(
        apis=apis,
        domains=domains,
        functions=_read_functions(clients),
        versions=versions,
        aliases=aliases,
    )


def _mapping_key(key: str | None) -> str:
    """API Gateway spells the empty mapping as "", "(none)" or "/" in different places."""
    if not key or key in ("(none)", "/"):
        return ""
    return key.strip("/")


def _start_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="gateway-discovery", daemon=True).start()


class Catalog:
    """The current :class:`Topology`, refreshed lazily (see the module docstring).

    Under steady traffic a reading older than ``refresh_interval`` is refreshed on a
    background thread while requests go on with it, so no request waits on AWS calls; one
    older than ``expire_after`` (the gateway sat idle) is refreshed before it is used, so
    the first request after a quiet deploy already sees it.
    """

    def __init__(
        self,
        read: Callable[[], Topology],
        *,
        refresh_interval: float = REFRESH_INTERVAL_SECONDS,
        expire_after: float = EXPIRE_AFTER_SECONDS,
        miss_refresh_interval: float = MISS_REFRESH_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        in_background: Callable[[Callable[[], None]], None] = _start_thread,
    ) -> None:
        self._read = read
        self._refresh_interval = refresh_interval
        self._expire_after = expire_after
        self._miss_refresh_interval = miss_refresh_interval
        self._clock = clock
        self._in_background = in_background
        self._lock = threading.Lock()  # held while reading: one reading at a time
        self._flag_lock = threading.Lock()
        self._background_running = False
        self._topology: Topology | None = None
        self._read_at = float("-inf")
        self._last_error: str | None = None

    @property
    def last_error(self) -> str | None:
        """Why the last reading failed (None after a good one)."""
        return self._last_error

    def current(self) -> Topology:
        """The topology for a request (see the class docstring for when it is re-read)."""
        topology = self._topology
        age = self._clock() - self._read_at
        if topology is not None and age < self._refresh_interval:
            return topology
        if topology is not None and age < self._expire_after:
            self._refresh_in_background()
            return topology
        return self._fresh(self._refresh_interval)

    def after_miss(self) -> Topology:
        """A request found nothing: re-read now unless a reading is very recent."""
        return self._fresh(self._miss_refresh_interval)

    def _fresh(self, max_age: float) -> Topology:
        with self._lock:  # concurrent callers wait for one reading and share it
            if self._topology is None or self._clock() - self._read_at >= max_age:
                self._reload()
            return self._topology or Topology()

    def _refresh_in_background(self) -> None:
        with self._flag_lock:
            if self._background_running:
                return
            self._background_running = True
        self._in_background(self._background_refresh)

    def _background_refresh(self) -> None:
        try:
            self._fresh(self._refresh_interval)
        finally:
            with self._flag_lock:
                self._background_running = False

    def _reload(self) -> None:
        try:
            topology = self._read()
        except Exception as error:  # any failure keeps the last good reading
            self._last_error = f"{type(error).__name__}: {error}"
            log.warning("cannot read the local AWS, serving the last reading: %s", self._last_error)
        else:
            self._topology = topology
            self._last_error = None
        # A failed reading also waits out the interval: a down local AWS is not hammered.
        self._read_at = self._clock()
