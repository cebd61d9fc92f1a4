"""Every place the local AWS touches moto's internals: private attributes and class patches.

moto is extended through its internals: resource models registered in its CloudFormation
parser, response methods added to its response classes, private state of its stacks read
and written. Each such touch lives here, behind a named function, so that a moto upgrade
breaks this module and nothing else, and ``tests/test_seams*.py`` names the moto attribute
that changed. No other module of this package reads an underscore attribute of a moto
object or assigns to a moto class.

Each seam is declared with :func:`seam`, naming the moto attribute(s) it relies on;
``SEAMS`` lists them (its length is the number of seams), and every seam has a test named
``test_<seam function>`` in a ``tests/test_seams*.py`` file.

Sections: CloudFormation resource maps; requests and responses; CloudFormation parsing;
resource model patches; bucket policies; services. Other areas add a headed section at
the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from moto.cloudformation import parsing
from moto.cloudformation.parsing import ResourceMap
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import BaseResponse

Function = TypeVar("Function", bound=Callable[..., Any])

SEAMS: dict[str, tuple[str, ...]] = {}
"""Seam function name -> the moto attributes it relies on ("Class.attribute")."""


def seam(*moto_attributes: str) -> Callable[[Function], Function]:
    """Declare a function as a seam relying on ``moto_attributes``."""

    def declare(function: Function) -> Function:
        SEAMS[function.__name__] = moto_attributes
        return function

    return declare


class MotoChanged(RuntimeError):
    """moto no longer has an attribute a seam relies on."""

    def __init__(self, attribute: str) -> None:
        super().__init__(
            f"moto changed: {attribute} is gone; update pplocalaws.seams for this moto "
            "version (or pin the moto version this package was written for)"
        )


def _moto_attribute(owner: Any, name: str, shown: str) -> Any:
    """``owner.name``, or MotoChanged naming ``shown`` ("Class.attribute")."""
    try:
        return getattr(owner, name)
    except AttributeError:
        raise MotoChanged(shown) from None


def _replace(owner: type, name: str, replacement: Any) -> Any:
    """Put ``replacement`` on a moto class; return what was there (moto's own, first time).

    The original is kept on the replacement's ``__wrapped__`` chain by the callers that
    wrap; here it is only checked to exist, so a renamed moto method fails loudly instead
    of the patch silently adding an attribute moto never calls.
    """
    original = _moto_attribute(owner, name, f"{owner.__name__}.{name}")
    setattr(owner, name, replacement)
    return original


# -- CloudFormation resource maps ------------------------------------------------------
@seam("ResourceMap._parsed_resources")
def parsed_resources(resource_map: ResourceMap) -> dict[str, Any]:
    """The map's live dict of logical id -> created resource (and parameters, pseudo ids).

    The dict itself, not a copy: writes go to the map, which is how a stack operation
    keeps, moves and forgets resources between the old and the new map.
    """
    found: dict[str, Any] = _moto_attribute(
        resource_map, "_parsed_resources", "ResourceMap._parsed_resources"
    )
    return found


@seam("ResourceMap._resource_json_map")
def resource_bodies(resource_map: ResourceMap) -> dict[str, Any]:
    """The map's template Resources: logical id -> resource JSON (Type, Properties, ...)."""
    found: dict[str, Any] = _moto_attribute(
        resource_map, "_resource_json_map", "ResourceMap._resource_json_map"
    )
    return found


@seam("ResourceMap._delete_resource")
def delete_resource(resource_map: ResourceMap, resource: Any, body: dict[str, Any]) -> None:
    """Delete one resource the way moto's stack delete does (its ``delete``, or the fallback)."""
    _moto_attribute(resource_map, "_delete_resource", "ResourceMap._delete_resource")(
        resource, body
    )


# -- requests and responses ------------------------------------------------------------
@seam("BaseResponse._get_param")
def request_param(response: BaseResponse, name: str, default: Any = None) -> Any:
    """A request parameter (lists and structures parsed), or ``default`` when absent."""
    return _moto_attribute(response, "_get_param", "BaseResponse._get_param")(name, default)


@seam("BaseResponse._get_bool_param")
def request_flag(response: BaseResponse, name: str, default: bool = False) -> bool:
    """A boolean request parameter ("true"/"false"), or ``default`` when absent."""
    read = _moto_attribute(response, "_get_bool_param", "BaseResponse._get_bool_param")
    return bool(read(name, default))


@seam("BaseResponse._get_action")
def request_action(response: BaseResponse) -> str:
    """The request's action name (CreateStack, ...), "" when it has none."""
    return str(_moto_attribute(response, "_get_action", "BaseResponse._get_action")() or "")


@seam("CloudFormationResponse._get_stack_from_s3_url")
def read_template_url(response: CloudFormationResponse, url: str) -> str:
    """The template a TemplateURL names (through the reader installed by template_urls)."""
    read = _moto_attribute(
        response, "_get_stack_from_s3_url", "CloudFormationResponse._get_stack_from_s3_url"
    )
    return str(read(url))


_moto_template_reader: list[Callable[[CloudFormationResponse, str], str]] = []


@seam("CloudFormationResponse._get_stack_from_s3_url")
def replace_template_url_reader(
    reader: Callable[[CloudFormationResponse, str], str],
) -> Callable[[CloudFormationResponse, str], str]:
    """Make ``reader`` read every TemplateURL; returns moto's own reader (for other hosts)."""
    if not _moto_template_reader:
        _moto_template_reader.append(
            _moto_attribute(
                CloudFormationResponse,
                "_get_stack_from_s3_url",
                "CloudFormationResponse._get_stack_from_s3_url",
            )
        )
    _replace(CloudFormationResponse, "_get_stack_from_s3_url", reader)
    return _moto_template_reader[0]


@seam("BaseResponse.call_action")
def wrap_call_action(
    response_class: type[BaseResponse],
    wrap: Callable[[Callable[..., Any]], Callable[..., Any]],
) -> None:
    """Route every call of ``response_class`` through ``wrap(moto's call_action)``, once."""
    current = _moto_attribute(response_class, "call_action", "BaseResponse.call_action")
    if getattr(current, "__wrapped__", None) is not None:
        return  # already wrapped: never a wrapper on a wrapper
    wrapped = wrap(current)
    wrapped.__wrapped__ = current  # type: ignore[attr-defined]  # marks it wrapped
    _replace(response_class, "call_action", wrapped)


@seam("BaseResponse.call_action (dispatch by snake_case method name)")
def add_actions(response_class: type[BaseResponse], *actions: Callable[..., Any]) -> None:
    """Serve each action by its function, named as moto names it (create_stack, ...).

    moto dispatches a request to the response method named after the action in
    snake_case; a new or replaced method there is how an action is added or fixed.
    """
    _moto_attribute(response_class, "call_action", "BaseResponse.call_action")
    for action in actions:
        setattr(response_class, action.__name__, action)


# -- CloudFormation parsing -------------------------------------------------------------
_moto_class_lookup: list[Callable[[str], Any]] = []


@seam("parsing.resource_class_from_type")
def replace_resource_class_lookup(lookup: Callable[[str], Any]) -> Callable[[str], Any]:
    """Make moto's parser find resource models through ``lookup``; returns moto's own.

    parse_resource and validate_outputs look the function up as a module global.
    """
    if not _moto_class_lookup:
        _moto_class_lookup.append(
            _moto_attribute(parsing, "resource_class_from_type", "parsing.resource_class_from_type")
        )
    parsing.resource_class_from_type = lookup  # type: ignore[assignment]  # patching moto's parser
    return _moto_class_lookup[0]


@seam("parsing.get_model_list.cache_clear", "parsing.get_model_map.cache_clear")
def forget_model_lists() -> None:
    """Clear moto's memoised model lists, so models defined since are found."""
    for name in ("get_model_list", "get_model_map", "get_name_type_map"):
        memoised = _moto_attribute(parsing, name, f"parsing.{name}")
        _moto_attribute(memoised, "cache_clear", f"parsing.{name}.cache_clear")()


# -- resource model patches --------------------------------------------------------------
@seam("CloudFormationModel.create_from_cloudformation_json")
def set_model_create(model: type, create: Callable[..., Any]) -> Callable[..., Any]:
    """Give a moto model a new create classmethod; returns the bound one it had."""
    current: Callable[..., Any] = _moto_attribute(
        model,
        "create_from_cloudformation_json",
        f"{model.__name__}.create_from_cloudformation_json",
    )
    model.create_from_cloudformation_json = classmethod(create)  # type: ignore[attr-defined]  # patching moto's model
    return current


@seam("CloudFormationModel.update_from_cloudformation_json")
def set_model_update(model: type, update: Callable[..., Any]) -> Callable[..., Any]:
    """Give a moto model a new update classmethod; returns the bound one it had.

    Every moto model has one (CloudFormationModel declares it abstract); a model without
    a real handler has the abstract one, which ``lifecycle`` recognises.
    """
    current: Callable[..., Any] = _moto_attribute(
        model,
        "update_from_cloudformation_json",
        f"{model.__name__}.update_from_cloudformation_json",
    )
    model.update_from_cloudformation_json = classmethod(update)  # type: ignore[attr-defined]  # patching moto's model
    return current


@seam("ResourceMap._delete_resource (calls resource.delete(account_id, region) first)")
def set_model_delete(model: type, delete: Callable[[Any, str, str], None]) -> None:
    """Give a moto model the ``delete(account_id, region)`` moto's stack delete calls first."""
    model.delete = delete  # type: ignore[attr-defined]  # patching moto's model


# -- bucket policies (moto's IAM policy classes) ------------------------------------------
@seam("IAMPolicyStatement._statement")
def statement_document(statement: Any) -> dict[str, Any]:
    """The JSON of one statement of a moto ``IAMPolicyStatement``."""
    found: dict[str, Any] = _moto_attribute(
        statement, "_statement", "IAMPolicyStatement._statement"
    )
    return found


@seam("IAMPolicyStatement._check_conditions")
def set_statement_condition_check(check: Callable[[Any, dict[str, str] | None], bool]) -> None:
    """Make moto evaluate a statement's Condition with ``check(statement, request values)``."""
    from moto.iam.access_control import IAMPolicyStatement  # noqa: PLC0415 - moto's IAM, once

    _replace(IAMPolicyStatement, "_check_conditions", check)


@seam("IAMPolicyStatement.is_action_permitted")
def wrap_statement_permission(
    wrap: Callable[[Callable[..., Any]], Callable[..., Any]],
) -> None:
    """Route every statement's ``is_action_permitted`` through ``wrap(moto's)``, once."""
    from moto.iam.access_control import IAMPolicyStatement  # noqa: PLC0415 - moto's IAM, once

    current = _moto_attribute(
        IAMPolicyStatement, "is_action_permitted", "IAMPolicyStatement.is_action_permitted"
    )
    if getattr(current, "__wrapped__", None) is not None:
        return
    wrapped = wrap(current)
    wrapped.__wrapped__ = current  # type: ignore[attr-defined]  # marks it wrapped
    _replace(IAMPolicyStatement, "is_action_permitted", wrapped)


@seam("FakeBucket.get_permission")
def set_bucket_permission(permission: Callable[[Any, str, str], Any]) -> None:
    """Make S3 decide a request against a bucket's policy with ``permission``."""
    from moto.s3.models import FakeBucket  # noqa: PLC0415 - moto's S3, once

    _replace(FakeBucket, "get_permission", permission)


# -- services ----------------------------------------------------------------------------
@seam("Topic._create_default_topic_policy", "Topic._policy_json")
def reset_topic_policy(topic: Any, region_name: str, account_id: str) -> None:
    """Give an SNS topic back SNS's default access policy (moto's own default)."""
    default = _moto_attribute(
        topic, "_create_default_topic_policy", "Topic._create_default_topic_policy"
    )(region_name, account_id, topic.name)
    _moto_attribute(topic, "_policy_json", "Topic._policy_json")
    topic._policy_json = default


@seam("NatGateway._eni")
def nat_gateway_interface(nat: Any) -> Any:
    """The network interface moto made for a NAT gateway (it keeps it private)."""
    return _moto_attribute(nat, "_eni", "NatGateway._eni")


@seam("Table._get_default_encryption_key")
def table_default_kms_key(table: Any, account_id: str, region_name: str) -> str:
    """The KMS key id DynamoDB uses for a table's SSE when the template names none."""
    read = _moto_attribute(
        table, "_get_default_encryption_key", "Table._get_default_encryption_key"
    )
    return str(read(account_id, region_name))


@seam("LambdaFunction._get_layers_data")
def lambda_layers(function: Any, layer_arns: list[str]) -> Any:
    """moto's own parse of a function's Layers (ARNs) into its stored layer records."""
    read = _moto_attribute(function, "_get_layers_data", "LambdaFunction._get_layers_data")
    return read(layer_arns)


# ---------------------------------------------------------------------------------------
# IAM enforcement (branch iam): the key a KMS ciphertext names.
# ---------------------------------------------------------------------------------------


@seam("kms.utils._deserialize_ciphertext_blob")
def kms_key_id_of_ciphertext(blob: bytes) -> str | None:
    """The key id moto wrote into a ciphertext blob (KMS Decrypt may omit KeyId).

    Relies on ``moto.kms.utils._deserialize_ciphertext_blob`` (moto's own blob format).
    """
    from moto.kms import utils as kms_utils  # noqa: PLC0415 - moto loads lazily here

    try:
        return str(kms_utils._deserialize_ciphertext_blob(blob).key_id)
    except Exception:
        return None


# ---------------------------------------------------------------------------------------
# Lambda: functions, versions and aliases (branch lambda-versions)
#
# moto's Lambda backend keeps its functions in ``LambdaBackend._lambdas`` (a
# ``LambdaStorage``, which indexes them by ARN in ``_arns``), parses layer ARNs with
# ``LambdaFunction._get_layers_data``, and is extended by wrapping a few of its methods
# (``patch_method``). Tests: ``tests/test_seams_lambda_versions.py``.
# ---------------------------------------------------------------------------------------


_PATCHED_NOTE = "_pplocalaws_wraps"


@seam("LambdaBackend._lambdas")
def lambda_storage(backend: Any) -> Any:
    """The ``LambdaStorage`` behind a ``LambdaBackend`` (moto: ``LambdaBackend._lambdas``)."""
    return _moto_attribute(backend, "_lambdas", "LambdaBackend._lambdas")


@seam("LambdaStorage._arns")
def lambda_function_arns(storage: Any) -> Any:
    """A ``LambdaStorage``'s ARN -> function index (moto: ``LambdaStorage._arns``)."""
    return _moto_attribute(storage, "_arns", "LambdaStorage._arns")


@seam(
    "LambdaBackend.update_function_code",
    "LambdaBackend.update_function_configuration",
    "LambdaBackend.get_function",
    "LambdaBackend.publish_version",
    "LambdaBackend.create_alias",
    "LambdaBackend.update_alias",
    "LambdaBackend.delete_function",
    "LambdaFunction.get_configuration",
    "LambdaResponse.publish_version",
    "LambdaResponse.update_alias",
)
def patch_method(
    moto_class: type, name: str, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> None:
    """Replace ``moto_class.name`` by ``wrap(original)``, once (a second call does nothing).

    The wrapper is marked, so importing the patching module twice never stacks a wrapper
    on a wrapper. ``name`` must exist on the class: a moto upgrade that renames it fails
    here, naming it, instead of silently adding a method nobody calls.
    """
    original = moto_class.__dict__.get(name)
    if original is None:
        raise AttributeError(f"moto's {moto_class.__name__} has no method {name!r} to extend")
    if getattr(original, _PATCHED_NOTE, None) is not None:
        return
    wrapped = wrap(original)
    setattr(wrapped, _PATCHED_NOTE, original)
    setattr(moto_class, name, wrapped)


# ---------------------------------------------------------------------------------------
# Alarm actions (branch keys-and-egress): moto's SetAlarmState changes the state only.
# ---------------------------------------------------------------------------------------

AlarmStateChanged = Callable[[Any, Any, str], None]
"""Called with (moto CloudWatch backend, the alarm, its state before the change)."""

_ALARM_STATE_HOOK = "_pplocalaws_alarm_state_hook"


@seam("CloudWatchBackend.set_alarm_state")
def after_alarm_state_change(hook: AlarmStateChanged) -> None:
    """Run ``hook`` after every ``SetAlarmState`` that moto accepts. Idempotent.

    Relies on ``moto.cloudwatch.models.CloudWatchBackend.set_alarm_state(alarm_name,
    reason, reason_data, state_value)`` and the backend's public ``alarms`` mapping of
    name to alarm (with ``state_value``).
    """
    from moto.cloudwatch.models import CloudWatchBackend  # noqa: PLC0415 - moto loads lazily

    original = CloudWatchBackend.set_alarm_state
    if getattr(original, _ALARM_STATE_HOOK, None) is hook:
        return
    original = getattr(original, "__wrapped__", original)

    def set_alarm_state(
        self: Any, alarm_name: str, reason: str, reason_data: str, state_value: str
    ) -> None:
        alarm = self.alarms.get(alarm_name)
        before = alarm.state_value if alarm is not None else ""
        original(self, alarm_name, reason, reason_data, state_value)
        hook(self, self.alarms[alarm_name], before)

    set_alarm_state.__wrapped__ = original  # type: ignore[attr-defined]  # unwrap on re-patch
    setattr(set_alarm_state, _ALARM_STATE_HOOK, hook)
    CloudWatchBackend.set_alarm_state = set_alarm_state  # type: ignore[method-assign]  # the seam's patch


# ---------------------------------------------------------------------------------------
# --- h-redis ---
# ElastiCache RBAC user groups (branch h-redis): moto 5.2.5 models ElastiCache users but no
# user groups, so the local AWS keeps its user groups on the backend instance, in a dict of
# its own in the instance's ``__dict__``. ``BaseBackend.reset`` replaces that ``__dict__``
# and runs ``__init__`` again, so moto's reset drops the groups together with the users
# they name. Tests: ``tests/test_seams_h_redis.py``.
# ---------------------------------------------------------------------------------------
@seam("BaseBackend.reset")
def backend_local_state(backend: Any, name: str) -> dict[str, Any]:
    """The local AWS's own state ``name`` kept on a moto ``backend``; reset empties it."""
    _moto_attribute(type(backend), "reset", "BaseBackend.reset")
    state: dict[str, Any] = vars(backend).setdefault(f"_pplocalaws_{name}", {})
    return state


# ---------------------------------------------------------------------------------------
# --- h-events ---
# SNS delivery to Lambda subscriptions and Lambda's asynchronous invocation (branch
# h-events). moto delivers a ``lambda`` subscription's message from
# ``Subscription.publish`` (after the filter policy and MessageStructure) by calling
# ``LambdaBackend.send_sns_message``, which runs the function in Docker at once; and runs
# ``Invoke`` with InvocationType=Event at once through ``LambdaBackend.invoke``. These
# seams route both to the local asynchronous queue instead. Tests:
# ``tests/test_seams_h_events.py``.
# ---------------------------------------------------------------------------------------

SnsToLambda = Callable[[Any, str, str, "str | None", "dict[str, Any] | None"], None]
"""Called with (the moto ``Subscription``, message id, the message as that subscription
receives it, subject, message attributes as moto parsed them)."""

EventInvocation = Callable[[Any, str, "str | None", Any], str]
"""Called with (the moto ``LambdaBackend``, function name or ARN, qualifier, request body);
returns the queued invocation's request id."""


@seam("Subscription.publish", "LambdaBackend.send_sns_message")
def deliver_sns_to_lambda_with(hook: SnsToLambda) -> None:
    """Give every ``lambda`` subscription's delivery to ``hook`` instead of moto. Idempotent.

    ``Subscription.publish`` is wrapped to note which subscription and message is being
    delivered; moto's lambda branch then calls ``send_sns_message(function_name, message,
    subject=, qualifier=)``, replaced here to call ``hook`` with that note. moto keeps
    doing the filter policy and the message structure.
    """
    import contextvars  # noqa: PLC0415 - this section's own imports, to keep merges trivial
    import inspect  # noqa: PLC0415 - same

    from moto.awslambda.models import LambdaBackend  # noqa: PLC0415 - moto loads lazily
    from moto.sns.models import Subscription  # noqa: PLC0415 - same

    publishing: contextvars.ContextVar[tuple[Any, str, Any] | None] = contextvars.ContextVar(
        "pplocalaws_sns_publishing", default=None
    )
    publish = _moto_attribute(Subscription, "publish", "Subscription.publish")
    _moto_attribute(LambdaBackend, "send_sns_message", "LambdaBackend.send_sns_message")
    original = getattr(publish, "__wrapped__", publish)
    signature = inspect.signature(original)

    def noting_publish(self: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        note = (self, bound.arguments["message_id"], bound.arguments.get("message_attributes"))
        token = publishing.set(note)
        try:
            return original(self, *args, **kwargs)
        finally:
            publishing.reset(token)

    def send_sns_message(
        self: Any,
        function_name: str,
        message: str,
        subject: str | None = None,
        qualifier: str | None = None,
    ) -> None:
        note = publishing.get()
        if note is None:
            raise MotoChanged("LambdaBackend.send_sns_message (called outside publish)")
        subscription, message_id, attributes = note
        hook(subscription, message_id, message, subject, attributes)

    noting_publish.__wrapped__ = original  # type: ignore[attr-defined]  # unwrap on re-patch
    Subscription.publish = noting_publish  # type: ignore[method-assign]  # the seam's patch
    LambdaBackend.send_sns_message = send_sns_message  # type: ignore[method-assign]  # same


@seam("LambdaBackend.invoke", "LambdaResponse.invoke (a non-None payload with Event -> 202)")
def queue_event_invocations_with(hook: EventInvocation) -> None:
    """``Invoke`` with InvocationType=Event goes to ``hook``; moto then answers 202. Idempotent.

    moto's ``LambdaResponse.invoke`` answers 202 for an Event invocation whenever the
    backend's ``invoke(function_name, qualifier, body, headers, response_headers)``
    returns a payload that is not None; the replacement returns an empty one.
    """
    from moto.awslambda.models import LambdaBackend  # noqa: PLC0415 - moto loads lazily

    current = _moto_attribute(LambdaBackend, "invoke", "LambdaBackend.invoke")
    original = getattr(current, "__wrapped__", current)

    def invoke(
        self: Any,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> Any:
        if str(headers.get("X-Amz-Invocation-Type") or "") == "Event":
            hook(self, function_name, qualifier, body)  # moto sets its own x-amzn-RequestId
            return b""
        return original(self, function_name, qualifier, body, headers, response_headers)

    invoke.__wrapped__ = original  # type: ignore[attr-defined]  # unwrap on re-patch
    LambdaBackend.invoke = invoke  # type: ignore[method-assign]  # the seam's patch


# --- h-kms ---
# ---------------------------------------------------------------------------------------
# KMS signing keys (branch h-kms): moto's KMS backend methods extended in place.
# Tests: ``tests/test_seams_h_kms.py``.
# ---------------------------------------------------------------------------------------

_KMS_WRAPS = "_pplocalaws_kms_wraps"
_kms_wraps_applied: set[tuple[str, str]] = set()


@seam("KmsBackend.enable_key_rotation", "KmsBackend.create_key", "KmsBackend.put_key_policy")
def wrap_kms_backend_method(
    name: str, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> None:
    """Replace ``KmsBackend.name`` by ``wrap(current)``; the same wrap twice does nothing.

    Several modules may wrap one method (each wrap sees the previous one as ``current``).
    Relies on the method existing on ``moto.kms.models.KmsBackend`` (by name, with moto's
    signature); a rename fails here with MotoChanged instead of patching a method nobody
    calls.
    """
    from moto.kms.models import KmsBackend  # noqa: PLC0415 - moto loads lazily here

    current = _moto_attribute(KmsBackend, name, f"KmsBackend.{name}")
    applied = (name, f"{wrap.__module__}.{wrap.__qualname__}")
    if applied in _kms_wraps_applied:
        return
    wrapped = wrap(current)
    setattr(wrapped, _KMS_WRAPS, current)
    setattr(KmsBackend, name, wrapped)
    _kms_wraps_applied.add(applied)


# --- front-infra ---
# ---------------------------------------------------------------------------------------
# Lambda account settings (branch front-infra): a Lambda API path moto does not route.
# Tests: ``tests/test_seams_front_infra.py``.
# ---------------------------------------------------------------------------------------


@seam("moto.awslambda.urls.url_paths", "LambdaResponse.dispatch")
def add_lambda_path(path_pattern: str) -> None:
    """Route ``path_pattern`` (``{0}`` = the Lambda endpoint) to moto's Lambda responses.

    moto builds its URL map from ``moto.awslambda.urls.url_paths`` (its backends read it
    each time they build their routes); a path added before the first request is served
    like moto's own, the action found from the request's method and URI.
    """
    from moto.awslambda import urls  # noqa: PLC0415 - moto loads lazily here
    from moto.awslambda.responses import LambdaResponse  # noqa: PLC0415 - same

    paths = _moto_attribute(urls, "url_paths", "moto.awslambda.urls.url_paths")
    dispatch = _moto_attribute(LambdaResponse, "dispatch", "LambdaResponse.dispatch")
    paths.setdefault(path_pattern, dispatch)


# ---------------------------------------------------------------------------------------
# --- front-ses ---
# SES identities, sending and the account's sandbox (branch front-ses): moto's SES v1 and
# v2 backend methods wrapped in place, and SES v2 actions moto lacks added to its response
# class. Tests: ``tests/test_seams_front_ses.py``.
# ---------------------------------------------------------------------------------------

_SES_WRAPS = "_pplocalaws_ses_wraps"


@seam(
    "SESBackend.create_email_identity_v2",
    "SESBackend.verify_email_identity",
    "SESBackend.verify_email_address",
    "SESBackend.get_identity_verification_attributes",
    "SESBackend._is_verified_address",
    "SESBackend.send_email",
    "SESBackend.send_raw_email",
    "SESBackend.send_templated_email",
    "SESBackend.send_bulk_templated_email",
    "SESV2Backend.create_email_identity",
    "SESV2Backend.get_email_identity",
    "SESV2Backend.list_email_identities",
)
def wrap_ses_method(
    moto_class: type, name: str, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> None:
    """Replace ``moto_class.name`` (an SES v1 or v2 backend method) by ``wrap(current)``.

    The same wrap twice does nothing (a module imported again never stacks a wrapper on a
    wrapper); different wraps of one method chain. ``name`` must exist on the class: a moto
    upgrade that renames it fails here with MotoChanged naming it.
    """
    current = _moto_attribute(moto_class, name, f"{moto_class.__name__}.{name}")
    applied = f"{wrap.__module__}.{wrap.__qualname__}"
    seen: set[str] = set()
    layer = current
    while layer is not None:
        seen.add(getattr(layer, "_pplocalaws_ses_wrap_name", ""))
        layer = getattr(layer, _SES_WRAPS, None)
    if applied in seen:
        return
    wrapped = wrap(current)
    setattr(wrapped, _SES_WRAPS, current)
    setattr(wrapped, "_pplocalaws_ses_wrap_name", applied)  # noqa: B010 - a marker attribute
    setattr(moto_class, name, wrapped)


@seam(
    "SESV2Response (dispatch by snake_case method name)",
    "SESV2Response.sesv2_backend",
    "moto.sesv2.urls.url_paths",
)
def add_sesv2_actions(*actions: Callable[..., Any], url_paths: tuple[str, ...] = ()) -> None:
    """Serve SES v2 actions moto 5.2.5 lacks (get_account) with ``actions``, by name.

    moto's server routes a request only when a pattern of ``moto.sesv2.urls.url_paths``
    matches its path (its catch-all ``/v2/.*`` does not survive the conversion to the
    server's URL rules), so each new action's path (``{0}/v2/email/account$``) is added
    there too; the server reads the patterns when it first serves SES v2.
    """
    from moto.sesv2 import urls  # noqa: PLC0415 - moto loads lazily
    from moto.sesv2.responses import SESV2Response  # noqa: PLC0415 - same

    _moto_attribute(SESV2Response, "sesv2_backend", "SESV2Response.sesv2_backend")
    paths: dict[str, Any] = _moto_attribute(urls, "url_paths", "moto.sesv2.urls.url_paths")
    add_actions(SESV2Response, *actions)
    for path in url_paths:
        paths.setdefault(path, SESV2Response.dispatch)


# ---------------------------------------------------------------------------------------
# --- codedeploy ---
# CodeDeploy (branch codedeploy): moto's GetDeployment/BatchGetDeployments and
# GetDeploymentGroup answer through the module functions ``_deployment_info`` and
# ``_deployment_group_info`` of ``moto.codedeploy.responses``, which leave errorInformation,
# rollbackInfo and alarmConfiguration empty. Tests: ``tests/test_seams_codedeploy.py``.
# ---------------------------------------------------------------------------------------

CODEDEPLOY_DESCRIPTIONS = ("_deployment_info", "_deployment_group_info")


@seam("codedeploy.responses._deployment_info", "codedeploy.responses._deployment_group_info")
def wrap_codedeploy_description(
    name: str, wrap: Callable[[Callable[[Any], dict[str, Any]]], Callable[[Any], dict[str, Any]]]
) -> None:
    """Replace moto's ``codedeploy.responses.<name>`` by ``wrap(original)``, once."""
    from moto.codedeploy import responses  # noqa: PLC0415 - moto loads lazily

    if name not in CODEDEPLOY_DESCRIPTIONS:
        raise ValueError(f"{name!r} is not one of {CODEDEPLOY_DESCRIPTIONS}")
    current = _moto_attribute(responses, name, f"codedeploy.responses.{name}")
    if getattr(current, _PATCHED_NOTE, None) is not None:
        return
    wrapped = wrap(current)
    setattr(wrapped, _PATCHED_NOTE, current)
    setattr(responses, name, wrapped)


# ---------------------------------------------------------------------------------------
# --- integ-speed ---
# Snapshots of the whole state (``pplocalaws.state_snapshots``): which BackendDicts moto has
# in use (``BackendDict._instances``, the list moto's own reset walks), the instances moto
# tracks per model class for its dashboard (``model_data`` and each class's
# ``instances_tracked``, which moto's reset empties; the gateway reads inline function code
# from that dashboard), and a backend's attributes replaced wholesale, as
# ``BaseBackend.reset`` replaces them. Tests: ``tests/test_seams_integ_speed.py``.
# ---------------------------------------------------------------------------------------
@seam("BackendDict._instances")
def moto_backend_dicts(replace: list[Any] | None = None) -> list[Any]:
    """moto's BackendDicts in use (a copy of the list its reset walks); ``replace``: make
    that list these (kept in place), and answer them."""
    from moto.core.base_backend import BackendDict  # noqa: PLC0415 - this section's own

    in_use: list[Any] = _moto_attribute(BackendDict, "_instances", "BackendDict._instances")
    if replace is not None:
        in_use[:] = replace
    return list(in_use)


@seam("model_data", "InstanceTrackerMeta.instances_tracked")
def moto_tracked_instances(replace: dict[type, list[Any]] | None = None) -> dict[type, list[Any]]:
    """Each moto model class -> the instances moto tracks for it (copies of the lists);
    ``replace``: track these instead (a class it leaves out tracks none)."""
    from moto.core.model_instances import model_data  # noqa: PLC0415 - this section's own

    # moto annotates the classes it registers as ``object``: each is a model class.
    models: list[Any] = [m for per_service in model_data.values() for m in per_service.values()]
    if replace is not None:
        for model in models:
            _moto_attribute(model, "instances_tracked", "InstanceTrackerMeta.instances_tracked")
            model.instances_tracked = list(replace.get(model, []))
    return {
        model: list(
            _moto_attribute(model, "instances_tracked", "InstanceTrackerMeta.instances_tracked")
        )
        for model in models
    }


@seam("BaseBackend.reset")
def replace_backend_state(backend: Any, attributes: dict[str, Any]) -> None:
    """Give ``backend`` exactly ``attributes``, as ``BaseBackend.reset`` replaces them."""
    _moto_attribute(type(backend), "reset", "BaseBackend.reset")
    backend.__dict__ = attributes
