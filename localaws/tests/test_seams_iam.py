"""The IAM enforcement's seam into moto still holds (names the moto attribute if not)."""

from __future__ import annotations

from moto.kms import utils as kms_utils

from pplocalaws import seams


def test_kms_ciphertext_blob_names_its_key() -> None:
    assert hasattr(kms_utils, "_deserialize_ciphertext_blob"), (
        "moto.kms.utils._deserialize_ciphertext_blob is gone: update seams.kms_key_id_of_ciphertext"
    )
    ciphertext = kms_utils.Ciphertext(
        key_id="0d0bf1c8-8d3f-4a5f-9a5e-5f1b1f6e2a10", iv=b"i" * 12, ciphertext=b"c", tag=b"t" * 16
    )
    blob = kms_utils._serialize_ciphertext_blob(ciphertext)
    assert seams.kms_key_id_of_ciphertext(blob) == "0d0bf1c8-8d3f-4a5f-9a5e-5f1b1f6e2a10"


def test_a_blob_moto_did_not_write_names_no_key() -> None:
    assert seams.kms_key_id_of_ciphertext(b"short") is None
