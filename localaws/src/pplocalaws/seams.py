"""Every place the local AWS touches moto's internals: private attributes and class patches.

moto is extended through its internals: resource models registered in its CloudFormation
parser, response methods added to its response classes, private state of its stacks read
and written. Each such touch lives here, behind a named function, so that a moto upgrade
breaks this module and nothing else, and ``tests/test_seams.py`` names the moto attribute
that changed. No other module of this package reads an underscore attribute of a moto
object or assigns to a moto class.

Sections: CloudFormation stacks and templates; CloudFormation responses; resource models;
Lambda; IAM and STS; others as they are needed. Each seam says which moto attribute it
relies on (the seam tests check exactly those).
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------
# IAM enforcement (branch iam): the key a KMS ciphertext names.
# ---------------------------------------------------------------------------------------


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

from collections.abc import Callable  # noqa: E402 - this section is self-contained
from typing import Any  # noqa: E402 - this section is self-contained

_PATCHED_NOTE = "_pplocalaws_wraps"


def lambda_storage(backend: Any) -> Any:
    """The ``LambdaStorage`` behind a ``LambdaBackend`` (moto: ``LambdaBackend._lambdas``)."""
    return backend._lambdas


def lambda_function_arns(storage: Any) -> Any:
    """A ``LambdaStorage``'s ARN -> function index (moto: ``LambdaStorage._arns``)."""
    return storage._arns


def lambda_layers_data(function: Any, layer_arns: list[str]) -> Any:
    """moto's own parsing of layer version ARNs (``LambdaFunction._get_layers_data``)."""
    return function._get_layers_data(layer_arns)


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
