"""Reserved concurrency as Lambda allows it: never below 100 units left unreserved.

"Configuring reserved concurrency for a function" (Lambda Developer Guide,
https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html): a function
can reserve up to the account's unreserved concurrency minus 100, which Lambda keeps for
the functions that reserve none; PutFunctionConcurrency otherwise answers
InvalidParameterValueException "Specified ReservedConcurrentExecutions for function
decreases account's UnreservedConcurrentExecution below its minimum value of [100]."
The account's quota ("Lambda quotas", Concurrent executions) is 1,000 by default, and the
same page notes new accounts may have less; the local account's quota is the setting
``PPLOCALAWS_LAMBDA_CONCURRENCY_LIMIT`` (default 1000; 10 emulates a new account, which
can then reserve nothing).

Three ways in, one rule:

- PutFunctionConcurrency: moto applies this very rule (and message) when its documented
  switch ``MOTO_LAMBDA_CONCURRENCY_QUOTA`` is set; :func:`apply` sets it to the quota.
- A CloudFormation create with ReservedConcurrentExecutions: checked before moto creates
  the function (moto's model would reserve anything).
- A CloudFormation update: ``awslambda``'s update calls :func:`update`, which checks and
  then sets or clears the reservation (moto's UpdateFunctionConfiguration ignores it).
  CloudFormation calls PutFunctionConcurrency / DeleteFunctionConcurrency for it.

A function's own reservation never counts against itself: an update gives it back first.
"""

from __future__ import annotations

import os
from typing import Any

from moto.awslambda.models import LambdaBackend, LambdaFunction, lambda_backends

from pplocalaws.extensions.failures import LocalFailure
from pplocalaws.resources.common import Properties
from pplocalaws.resources.patching import check_before_create

LIMIT_SETTING = "PPLOCALAWS_LAMBDA_CONCURRENCY_LIMIT"
DEFAULT_LIMIT = 1000
UNRESERVED_MINIMUM = 100
MOTO_QUOTA_SWITCH = "MOTO_LAMBDA_CONCURRENCY_QUOTA"
BELOW_MINIMUM = (
    "Specified ReservedConcurrentExecutions for function decreases account's "
    f"UnreservedConcurrentExecution below its minimum value of [{UNRESERVED_MINIMUM}]."
)


class ConcurrencyRefused(LocalFailure):
    """Lambda refused a reservation; the text is CloudFormation's resource status reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(
            f'Resource handler returned message: "{code}: {message} (Service: Lambda)" '
            "(HandlerErrorCode: InvalidRequest)"
        )
        self.code = code


def account_limit() -> int:
    """The local account's concurrency quota (``PPLOCALAWS_LAMBDA_CONCURRENCY_LIMIT``)."""
    raw = os.environ.get(LIMIT_SETTING, "").strip()
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdigit():
        raise ValueError(
            f"{LIMIT_SETTING}={raw!r} is not a whole number: set it to the local account's "
            "Lambda concurrency quota (1000 like a standard account, 10 like a new one)"
        )
    return int(raw)


def apply() -> None:
    """Make moto's PutFunctionConcurrency enforce the quota (its documented switch)."""
    os.environ[MOTO_QUOTA_SWITCH] = str(account_limit())


def reserved_by_others(backend: LambdaBackend, function_name: str) -> int:
    return sum(
        int(function.reserved_concurrency)
        for function in backend.list_functions()
        if function.reserved_concurrency and function.function_name != function_name
    )


def check(backend: LambdaBackend, function_name: str, wanted: Any) -> int | None:
    """The reservation ``wanted`` as a number (None: none), or the refusal Lambda gives."""
    if wanted is None:
        return None
    try:
        reserved = int(wanted)
    except (TypeError, ValueError):
        reserved = -1
    if reserved < 0 or str(wanted).strip() != str(reserved):
        # API Concurrency: ReservedConcurrentExecutions is an integer, minimum 0.
        raise ConcurrencyRefused(
            "InvalidParameterValueException",
            f"ReservedConcurrentExecutions {wanted!r} of {function_name} is not a whole "
            "number of 0 or more",
        )
    left = account_limit() - reserved_by_others(backend, function_name) - reserved
    if left < UNRESERVED_MINIMUM:
        raise ConcurrencyRefused("InvalidParameterValueException", BELOW_MINIMUM)
    return reserved


def _before_create(name: str, properties: Properties, account_id: str, region: str) -> None:
    function_name = str(properties.get("FunctionName") or name)
    check(
        lambda_backends[account_id][region],
        function_name,
        properties.get("ReservedConcurrentExecutions"),
    )


def update(function: LambdaFunction, new: Properties, account_id: str, region: str) -> None:
    """Set the reservation the updated template asks for, or clear it; refused past the quota."""
    backend = lambda_backends[account_id][region]
    wanted = check(backend, function.function_name, new.get("ReservedConcurrentExecutions"))
    function.reserved_concurrency = wanted


apply()
check_before_create(LambdaFunction, _before_create, hook="reserved-concurrency")
