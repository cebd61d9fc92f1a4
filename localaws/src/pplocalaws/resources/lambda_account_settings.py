"""Lambda's GetAccountSettings, which moto lacks: the local account's quota and its use.

``GET /2016-08-19/account-settings`` (Lambda API Reference, GetAccountSettings) answers
``AccountLimit`` (ConcurrentExecutions: the account's quota; UnreservedConcurrentExecutions:
the quota less every function's reserved concurrency; code size limits) and
``AccountUsage`` (TotalCodeSize, FunctionCount). The quota is the local account's
(``lambda_concurrency.account_limit``), so the engine's preflight reads here what the
local CloudFormation enforces. Code size limits are Lambda's documented defaults ("Lambda
quotas": 75 GB of storage; 50 MB zipped and 250 MB unzipped deployment packages).
"""

from __future__ import annotations

import json

from moto.awslambda.models import lambda_backends
from moto.awslambda.responses import LambdaResponse
from moto.core.common_types import TYPE_RESPONSE

from pplocalaws.resources import lambda_concurrency
from pplocalaws.seams import add_actions, add_lambda_path

PATH = r"{0}/(?P<api_version>[^/]+)/account-settings/?$"
TOTAL_CODE_SIZE = 80_530_636_800
CODE_SIZE_ZIPPED = 52_428_800
CODE_SIZE_UNZIPPED = 262_144_000


def get_account_settings(self: LambdaResponse) -> TYPE_RESPONSE:
    backend = lambda_backends[self.current_account][self.region]
    functions = list(backend.list_functions())
    quota = lambda_concurrency.account_limit()
    reserved = lambda_concurrency.reserved_by_others(backend, "")
    body = {
        "AccountLimit": {
            "TotalCodeSize": TOTAL_CODE_SIZE,
            "CodeSizeUnzipped": CODE_SIZE_UNZIPPED,
            "CodeSizeZipped": CODE_SIZE_ZIPPED,
            "ConcurrentExecutions": quota,
            "UnreservedConcurrentExecutions": quota - reserved,
        },
        "AccountUsage": {
            "TotalCodeSize": sum(int(getattr(f, "code_size", 0) or 0) for f in functions),
            "FunctionCount": len(functions),
        },
    }
    return 200, {}, json.dumps(body)


add_lambda_path(PATH)
add_actions(LambdaResponse, get_account_settings)
