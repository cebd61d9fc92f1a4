"""Password hashing and refresh-token formats beyond the fixed vectors."""

from __future__ import annotations

import base64
import importlib.util
import unicodedata

import pytest

from account import passwords, refresh_tokens


def _fields(encoded: str) -> list[str]:
    return encoded.split("$")


def test_production_cost_is_600000_iterations() -> None:
    # The autouse fixture lowers the module constant; load a pristine copy to see the default.
    assert passwords.__file__ is not None
    spec = importlib.util.spec_from_file_location("pristine_passwords", passwords.__file__)
    assert spec is not None
    assert spec.loader is not None
    pristine = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pristine)
    assert pristine.ITERATIONS == 600_000


def test_hash_string_shape_and_fresh_salt() -> None:
    first, second = (
        passwords.hash_password("a password of length"),
        passwords.hash_password("a password of length"),
    )
    scheme, count, salt, key = _fields(first)
    assert (scheme, int(count)) == ("pbkdf2_sha256", passwords.ITERATIONS)
    assert len(base64.b64decode(salt, validate=True)) == 16
    assert len(base64.b64decode(key, validate=True)) == 32
    assert salt.endswith("==")
    assert key.endswith("=")
    assert first != second  # a fresh random salt every time


def test_verification_reads_the_count_from_the_string(monkeypatch: pytest.MonkeyPatch) -> None:
    old = passwords.hash_password("raise the cost later", iterations=1_500)
    monkeypatch.setattr(passwords, "ITERATIONS", 3_000)
    assert passwords.verify_password("raise the cost later", old)
    assert passwords.needs_rehash(old)
    assert not passwords.needs_rehash(passwords.hash_password("raise the cost later"))


def test_passwords_are_nfc_normalised() -> None:
    composed = "caf\u00e9-au-lait-please"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert passwords.verify_password(decomposed, passwords.hash_password(composed))


def test_absurd_iteration_counts_are_refused_not_run() -> None:
    encoded = passwords.hash_password("bounded cost", iterations=1_000)
    _, _, salt, key = _fields(encoded)
    assert not passwords.verify_password("bounded cost", f"pbkdf2_sha256$99999999$${salt}${key}")
    assert not passwords.verify_password("bounded cost", f"pbkdf2_sha256$0{1000}${salt}${key}")


def test_unknown_email_timing_burns_one_kdf_at_the_current_cost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counts: list[int] = []
    real = passwords._derive

    def counting(password: str, salt: bytes, iterations: int) -> bytes:
        counts.append(iterations)
        return real(password, salt, iterations)

    passwords.burn_equivalent_time("warm the dummy hash")  # its one-off creation is not counted
    monkeypatch.setattr(passwords, "_derive", counting)
    passwords.burn_equivalent_time("anything at all")
    assert counts == [passwords.ITERATIONS]


def test_refresh_tokens_are_43_char_base64url_and_unique() -> None:
    tokens = {refresh_tokens.new_refresh_token() for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(token) == 43
        assert refresh_tokens.is_well_formed(token)
        assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert not refresh_tokens.is_well_formed("x" * 42)
    assert not refresh_tokens.is_well_formed("+" * 43)  # standard, not url-safe, alphabet
    assert len(refresh_tokens.token_hash("abc")) == 64
