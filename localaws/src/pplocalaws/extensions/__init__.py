"""Make moto 5.2.5's CloudFormation behave like AWS CloudFormation for the deploy engine.

Each module fixes one thing and says in its docstring what moto does and what
CloudFormation does; ``install()`` applies them all (and registers the project's resource
models) in the process that serves or mocks AWS, before the first CloudFormation call:

- ``errors``      AWS error responses instead of HTML 500 pages; calls are serialised
- ``failures``    a type moto cannot create fails the deploy instead of being skipped
- ``stacks``      CreateStack/UpdateStack/DeleteStack with events, rollback, transforms,
                  GetTemplate stages, ValidateTemplate, UpdateTerminationProtection
- ``changesets``  CREATE/UPDATE change sets, empty change sets, AWS-shaped Changes
- ``exports``     live export registry, ListImports, exports in use
- ``policies``    bucket policies: a Condition that does not hold makes a statement not
                  apply, and loopback requests count as secure transport
- ``stack_policies``     stack policies enforced on updates; Set/GetStackPolicy checked
- ``rollback_recovery``  ContinueUpdateRollback (with ResourcesToSkip)
- ``imports``            IMPORT change sets (resource import), called by ``changesets``
- ``apigatewayv2_actions``  UpdateApiMapping, which moto's API Gateway v2 lacks
- ``template_urls``      a TemplateURL on a loopback address is read path-style

``limits`` (CloudFormation's template quotas) is called by ``stacks``, ``changesets``,
``submission`` and ``template_urls``.

``faults`` is test-only: fault Metadata that makes a rollback fail, off unless enabled.
"""

from __future__ import annotations

import importlib.util
import threading

_install_lock = threading.Lock()
_installed = False


def install() -> None:
    """Apply every extension once per process; later calls do nothing."""
    global _installed  # noqa: PLW0603 - one process-wide switch, guarded by the lock
    with _install_lock:
        if _installed:
            return
        # moto imports every service's models on this import (~1 s): keep it out of
        # module import time, so importing this package stays cheap.
        from pplocalaws.extensions import (  # noqa: PLC0415
            apigatewayv2_actions,
            changesets,
            errors,
            exports,
            failures,
            policies,
            rollback_recovery,
            stack_policies,
            stacks,
            template_urls,
        )

        for extension in (
            errors,
            failures,
            stacks,
            changesets,
            exports,
            policies,
            stack_policies,
            rollback_recovery,
            apigatewayv2_actions,
            template_urls,
        ):
            extension.apply()
        _register_resource_models()
        _installed = True


def _register_resource_models() -> None:
    """Register the CloudFormation models of ``pplocalaws.resources``.

    That package is written separately; while it does not exist there is nothing to
    register. If it exists but fails to import, the error is real and propagates.
    """
    if importlib.util.find_spec("pplocalaws.resources") is None:
        return
    from pplocalaws import resources  # noqa: PLC0415

    register = getattr(resources, "register", None)
    if register is None:
        raise ImportError(
            "pplocalaws.resources has no register(): the local AWS cannot add the "
            "project's CloudFormation resource models. Define register() in "
            "localaws/src/pplocalaws/resources/__init__.py."
        )
    register()
