"""The Condition element of a policy statement, decided against a request context.

Operators and their semantics follow "IAM JSON policy elements: Condition operators"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
and set operators follow "Set operators for multivalued context keys"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).

Strict where this module cannot decide: a condition key it does not know (one the local
AWS never puts in a request context, so it cannot tell whether AWS would) or an operator
it does not implement makes the condition *unevaluable*, and the caller denies the
request and logs which key or operator. Never a silent allow.
"""

from __future__ import annotations

import datetime
import fnmatch
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

# The request context: key (lower case, as AWS compares keys case-insensitively) -> values.
# A single-valued key holds one value; kms:EncryptionContextKeys holds several.
Context = Mapping[str, Sequence[str]]

# The keys the local AWS knows how to fill in a request context (each is put there, or
# knowingly left out, by pplocalaws.iam.calls). Any other key is unknown: deny and log.
# "Actions, resources, and condition keys for AWS KMS"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html),
# "AWS global condition context keys"
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html),
# "Actions, resources, and condition keys for Amazon SES"
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonses.html).
KNOWN_KEYS = frozenset(
    {
        "kms:viaservice",
        "kms:callerAccount".lower(),
        "kms:encryptioncontextkeys",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:requestedregion",
        "aws:securetransport",
        "aws:userid",
        "ses:fromaddress",
        # "Actions, resources, and condition keys for Amazon SES": filled on sends by
        # pplocalaws.iam.ses_calls (ses:Recipients is multivalued).
        "ses:fromdisplayname",
        "ses:recipients",
        "ses:apiversion",
        # "AWS global condition context keys": the request's date and time, ISO 8601 and
        # epoch seconds (filled for every role-session request by the authorizer).
        "aws:currenttime",
        "aws:epochtime",
        # "AWS KMS condition keys": kms:SigningAlgorithm and kms:MessageType on Sign and
        # Verify (filled by pplocalaws.iam.data_calls for those two operations).
        "kms:signingalgorithm",
        "kms:messagetype",
    }
)
# kms:EncryptionContext:<context-key>: one key per encryption-context pair.
ENCRYPTION_CONTEXT_PREFIX = "kms:encryptioncontext:"


class Unevaluable(Exception):
    """The condition uses a key or operator the local AWS does not model: deny."""


def is_known_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in KNOWN_KEYS or lowered.startswith(ENCRYPTION_CONTEXT_PREFIX)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    # StringLike/ArnLike: * matches any run of characters, ? exactly one; nothing else is
    # special (so fnmatch's [...] classes are escaped first).
    escaped = re.sub(r"([\[\]])", r"[\1]", pattern)
    if ignore_case:
        return fnmatch.fnmatchcase(value.lower(), escaped.lower())
    return fnmatch.fnmatchcase(value, escaped)


def _arn_like(pattern: str, value: str) -> bool:
    # "ARN condition operators": ArnLike matches each of the six colon-delimited
    # components separately; each may hold wildcards.
    pattern_parts = pattern.split(":", 5)
    value_parts = value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return False
    return all(glob_match(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


def _numeric(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _ordered_number(value: str) -> float:
    # Numeric less/greater: a value that is not a number cannot be ordered. AWS refuses
    # such a policy when it is written; the local AWS denies rather than guess.
    number = _numeric(value)
    if number is None:
        raise Unevaluable(f"numeric condition value {value!r} is not a number")
    return number


_EPOCH = re.compile(r"^-?\d+(\.\d+)?$")


def instant(value: str) -> float:
    """A date condition value as epoch seconds.

    "Date condition operators" (condition operators page): values are one of the W3C
    implementations of ISO 8601 (``2026-12-03``, ``2026-12-03T14:00:00Z``, with or without
    fractions and offsets) or epoch (UNIX) seconds. A time without an offset is read as
    UTC. Anything else cannot be compared: Unevaluable (the request is denied and logged).
    """
    text = value.strip()
    if _EPOCH.match(text):
        return float(text)
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise Unevaluable(f"date condition value {value!r} is not ISO 8601 or epoch time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.timestamp()


def _bool_equals(expected: str, value: str) -> bool:
    return expected.lower() == value.lower()


# operator -> (matches(policy value, context value), negated)
_MATCHERS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "stringequals": (lambda p, v: p == v, False),
    "stringnotequals": (lambda p, v: p == v, True),
    "stringequalsignorecase": (lambda p, v: p.lower() == v.lower(), False),
    "stringnotequalsignorecase": (lambda p, v: p.lower() == v.lower(), True),
    "stringlike": (glob_match, False),
    "stringnotlike": (glob_match, True),
    "arnequals": (_arn_like, False),  # ArnEquals behaves as ArnLike (same page)
    "arnlike": (_arn_like, False),
    "arnnotequals": (_arn_like, True),
    "arnnotlike": (_arn_like, True),
    "bool": (_bool_equals, False),
    "numericequals": (lambda p, v: _numeric(p) is not None and _numeric(p) == _numeric(v), False),
    "numericnotequals": (
        lambda p, v: _numeric(p) is not None and _numeric(p) == _numeric(v),
        True,
    ),
    # Numeric and date ordering: the request's value (v) against the policy's (p), as
    # "Numeric condition operators" and "Date condition operators" define them.
    "numericlessthan": (lambda p, v: _ordered_number(v) < _ordered_number(p), False),
    "numericlessthanequals": (lambda p, v: _ordered_number(v) <= _ordered_number(p), False),
    "numericgreaterthan": (lambda p, v: _ordered_number(v) > _ordered_number(p), False),
    "numericgreaterthanequals": (lambda p, v: _ordered_number(v) >= _ordered_number(p), False),
    "dateequals": (lambda p, v: instant(v) == instant(p), False),
    "datenotequals": (lambda p, v: instant(v) == instant(p), True),
    "datelessthan": (lambda p, v: instant(v) < instant(p), False),
    "datelessthanequals": (lambda p, v: instant(v) <= instant(p), False),
    "dategreaterthan": (lambda p, v: instant(v) > instant(p), False),
    "dategreaterthanequals": (lambda p, v: instant(v) >= instant(p), False),
}


@dataclass(frozen=True)
class _Operator:
    name: str  # lower case, without qualifier or IfExists
    set_operator: str | None  # "foranyvalue" | "forallvalues" | None
    if_exists: bool


def _parse_operator(raw: str) -> _Operator:
    lowered = raw.lower()
    set_operator = None
    for prefix in ("foranyvalue:", "forallvalues:"):
        if lowered.startswith(prefix):
            set_operator = prefix[:-1]
            lowered = lowered[len(prefix) :]
    if_exists = lowered.endswith("ifexists")
    if if_exists:
        lowered = lowered[: -len("ifexists")]
    if lowered not in _MATCHERS and lowered != "null":
        raise Unevaluable(f"condition operator {raw!r} is not modelled by the local AWS")
    return _Operator(lowered, set_operator, if_exists)


def _as_list(value: object) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in values]


def _one_key(operator: _Operator, policy_values: list[str], present: Sequence[str] | None) -> bool:  # noqa: PLR0911 - one return per documented case
    if operator.name == "null":
        # "Condition operator to check existence of condition keys": true means absent.
        return all(_bool_equals(v, "true") == (present is None) for v in policy_values)
    matches, negated = _MATCHERS[operator.name]
    if present is None:
        # Absent key: false, or true for a negated operator; ...IfExists: true
        # (the "Important" note of the condition operators page).
        if operator.if_exists:
            return True
        if operator.set_operator == "forallvalues":
            return True  # ForAllValues over an empty set is true (set operators page)
        if operator.set_operator == "foranyvalue":
            return False  # ForAnyValue over an empty set is false, negated or not
        return negated

    def value_matches(context_value: str) -> bool:
        hit = any(matches(p, context_value) for p in policy_values)
        return not hit if negated else hit

    if operator.set_operator == "forallvalues":
        return all(value_matches(v) for v in present)
    # single-valued key, or ForAnyValue: at least one context value matches
    return any(value_matches(v) for v in present)


def evaluate(condition: Mapping[str, Mapping[str, object]], context: Context) -> bool:
    """True when every operator's every key matches (AND), any of its values (OR).

    Raises Unevaluable for a key or operator the local AWS does not model.
    """
    for raw_operator, keys in condition.items():
        operator = _parse_operator(raw_operator)
        if not isinstance(keys, Mapping):
            raise Unevaluable(f"condition operator {raw_operator!r} does not hold a map of keys")
        for key, raw_values in keys.items():
            if not is_known_key(key):
                raise Unevaluable(f"condition key {key!r} is not modelled by the local AWS")
            present = context.get(key.lower())
            if not _one_key(operator, _as_list(raw_values), present):
                return False
    return True
