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
