"""CloudFormation resource models for the local AWS (moto 5.2.5), one module per service.

moto's CloudFormation finds resource models through ``CloudFormationModel.__subclasses__()``
and memoises the list. :func:`register` imports every model module (defining the models
and applying the narrow patches on moto's own models), then clears those memos so moto
sees them. The local AWS server's ``install()`` calls it; tests call it inside
``mock_aws()``.
"""

from __future__ import annotations

import importlib

from pplocalaws.seams import forget_model_lists

MODEL_MODULES = (
    "acm",
    "alarm_actions",
    "apigatewayv2",
    "apigatewayv2_domains",
    "awslambda",
    "cloudwatch",
    "cloudwatch_namespaces",
    "codedeploy",
    "codedeploy_api",
    "dynamodb",
    "ec2",
    "elasticache",
    "elasticache_user_groups",
    "elasticache_users",
    "iam",
    "iam_oidc",
    "kms",
    "kms_key_rules",
    "kms_keys",
    "kms_policies",
    "kms_signing",
    "lambda_account_settings",
    "lambda_async_moto",
    "lambda_concurrency",
    "lambda_event_invoke",
    "logs",
    "names",
    "s3",
    "secretsmanager",
    "ses_email_identity",
    "ses_identities",
    "ses_sending",
    "sns",
    "sns_delivery",
)


def register() -> None:
    """Make every model known to moto's CloudFormation. Safe to call any number of times."""
    for name in MODEL_MODULES:
        importlib.import_module(f"{__name__}.{name}")
    forget_model_lists()


__all__ = ["MODEL_MODULES", "register"]
