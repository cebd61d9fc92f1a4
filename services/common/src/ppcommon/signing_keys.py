"""The access-token verification keys: the key set in SSM, the public keys from KMS.

The shared stack publishes the key set at ``SIGNING_KEYS_PARAMETER`` (an SSM String) as
compact JSON ``{"active": kid, "accepted": [kid, ...], "legacyHs256Until": ISO or ""}``;
each kid is the id of a KMS ``ECC_NIST_P256`` ``SIGN_VERIFY`` key only the account service
may sign with. A container reads the set on first use and fetches each accepted key's
public key with ``kms:GetPublicKey`` the first time a token names it; both are then served
from memory, so a request never calls KMS. The set is read again:

- when a token names a kid the set does not accept (a rotation made a new key active
  after this container started), at most once per ``UNKNOWN_KID_REFRESH`` seconds, so a
  stream of forged kids costs one SSM read per 30 s, not one per request;
- when it is older than ``KEY_SET_MAX_AGE``, so a retired key or a reopened legacy window
  reaches warm containers within minutes.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ppcommon import aws
from ppcommon.clock import parse_instant
from ppcommon.config import ConfigurationError, settings
from ppcommon.es256 import Es256PublicKey, KeyFormatError, load_public_key

UNKNOWN_KID_REFRESH = 30.0
KEY_SET_MAX_AGE = 300.0
# A refresh that fails (SSM throttled or unreachable) keeps the set already held and is
# tried again after this long, instead of on every request.
FAILED_REFRESH_RETRY = 30.0
MAX_KEY_ID_LENGTH = 256

log = logging.getLogger("ppcommon.signing_keys")


class SigningKeysError(ConfigurationError):
    """The key set or a public key is missing or malformed: names the parameter or kid."""


@dataclass(frozen=True)
class KeySet:
    active: str
    accepted: tuple[str, ...]
    # Epoch seconds before which HS256 tokens signed with the JWT secret are accepted.
    legacy_hs256_until: float | None = None

    def legacy_hs256_open(self, now: float) -> bool:
        return self.legacy_hs256_until is not None and now < self.legacy_hs256_until


def _key_id(value: object, *, where: str, source: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_KEY_ID_LENGTH:
        raise SigningKeysError(
            f"signing key set {source}: {where} must be a KMS key id (non-empty string), "
            f"got {type(value).__name__}; rewrite the parameter from the shared stack"
        )
    return value


def parse_key_set(text: str, *, source: str) -> KeySet:
    """Parse and check the key set JSON; ``source`` (the parameter name) goes in errors."""
    try:
        document = json.loads(text)
    except ValueError:
        raise SigningKeysError(
            f"signing key set {source} is not JSON; expected "
            '{"active": kid, "accepted": [kid, ...], "legacyHs256Until": ISO-8601 or ""}'
        ) from None
    if not isinstance(document, dict):
        raise SigningKeysError(f"signing key set {source} is JSON but not an object")
    unknown = sorted(set(document) - {"active", "accepted", "legacyHs256Until"})
    if unknown:
        raise SigningKeysError(f"signing key set {source} has unknown fields {unknown}")
    active = _key_id(document.get("active"), where='"active"', source=source)
    accepted_raw = document.get("accepted")
    if not isinstance(accepted_raw, list) or not accepted_raw:
        raise SigningKeysError(
            f'signing key set {source}: "accepted" must be a non-empty list of key ids'
        )
    accepted = tuple(
        _key_id(kid, where=f'"accepted"[{index}]', source=source)
        for index, kid in enumerate(accepted_raw)
    )
    if len(set(accepted)) != len(accepted):
        raise SigningKeysError(f'signing key set {source}: "accepted" lists a key id twice')
    if active not in accepted:
        raise SigningKeysError(
            f'signing key set {source}: the active key {active} is not in "accepted"; '
            "a key set must accept the key that signs"
        )
    until_raw = document.get("legacyHs256Until", "")
    if not isinstance(until_raw, str):
        raise SigningKeysError(
            f'signing key set {source}: "legacyHs256Until" must be an ISO-8601 UTC string '
            'or "" (closed)'
        )
    until: datetime | None = None
    if until_raw:
        try:
            until = parse_instant(until_raw)
        except ValueError:
            raise SigningKeysError(
                f'signing key set {source}: "legacyHs256Until" {until_raw!r} is not ISO-8601 '
                'with an offset or Z (e.g. "2026-12-01T10:00:00Z")'
            ) from None
    return KeySet(active, accepted, until.timestamp() if until else None)


class VerificationKeys(Protocol):
    """What the verifier asks: a kid's public key, and whether HS256 is still accepted."""

    def public_key(self, kid: str) -> Es256PublicKey | None: ...

    def legacy_hs256_open(self, now: float) -> bool: ...


@dataclass(frozen=True)
class StaticKeys:
    """A fixed set of keys (the contract vectors, tests); never calls AWS."""

    keys: Mapping[str, Es256PublicKey]
    legacy_hs256_until: float | None = None

    def public_key(self, kid: str) -> Es256PublicKey | None:
        return self.keys.get(kid)

    def legacy_hs256_open(self, now: float) -> bool:
        return self.legacy_hs256_until is not None and now < self.legacy_hs256_until


def _read_parameter(name: str) -> str:
    response = aws.client("ssm").get_parameter(Name=name)
    value = response.get("Parameter", {}).get("Value")
    if not isinstance(value, str):
        raise SigningKeysError(f"signing key set {name} has no string value")
    return value


def _fetch_public_key(kid: str) -> Es256PublicKey:
    response = aws.client("kms").get_public_key(KeyId=kid)
    # KeySpec; CustomerMasterKeySpec is its deprecated twin, which some emulators only send.
    spec = response.get("KeySpec") or response.get("CustomerMasterKeySpec")
    usage = response.get("KeyUsage")
    if spec != "ECC_NIST_P256" or usage != "SIGN_VERIFY":
        raise SigningKeysError(
            f"signing key {kid} is {spec}/{usage}; access tokens need an ECC_NIST_P256 "
            "SIGN_VERIFY key: fix the key set parameter or the key"
        )
    if "ECDSA_SHA_256" not in response.get("SigningAlgorithms", []):
        raise SigningKeysError(f"signing key {kid} does not offer ECDSA_SHA_256")
    try:
        return load_public_key(bytes(response["PublicKey"]))
    except KeyFormatError as error:
        raise SigningKeysError(f"signing key {kid}: {error}") from None


class ParameterKeys:
    """The deployed verifier's keys: the SSM key set and KMS public keys, cached."""

    def __init__(
        self,
        parameter: str,
        *,
        read_parameter: Callable[[str], str] = _read_parameter,
        fetch_public_key: Callable[[str], Es256PublicKey] = _fetch_public_key,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.parameter = parameter
        self._read_parameter = read_parameter
        self._fetch_public_key = fetch_public_key
        self._clock = clock
        self._lock = threading.Lock()
        self._key_set: KeySet | None = None
        self._loaded_at = 0.0
        self._next_unknown_refresh = 0.0
        self._next_refresh_after_failure = 0.0
        self._public_keys: dict[str, Es256PublicKey] = {}

    def key_set(self) -> KeySet:
        with self._lock:
            return self._current_locked()

    def public_key(self, kid: str) -> Es256PublicKey | None:
        with self._lock:
            key_set = self._current_locked()
            if kid not in key_set.accepted:
                now = self._clock()
                if now < self._next_unknown_refresh:
                    return None
                self._next_unknown_refresh = now + UNKNOWN_KID_REFRESH
                key_set = self._load_locked()
                if kid not in key_set.accepted:
                    return None
            key = self._public_keys.get(kid)
            if key is None:
                # A kid's public key never changes: fetched once per container.
                key = self._public_keys[kid] = self._fetch_public_key(kid)
            return key

    def legacy_hs256_open(self, now: float) -> bool:
        return self.key_set().legacy_hs256_open(now)

    def _current_locked(self) -> KeySet:
        if self._key_set is None:
            return self._load_locked()
        now = self._clock()
        stale = now - self._loaded_at >= KEY_SET_MAX_AGE
        if stale and now >= self._next_refresh_after_failure:
            try:
                return self._load_locked()
            except Exception as error:  # a stale set beats no set: keep serving it
                self._next_refresh_after_failure = now + FAILED_REFRESH_RETRY
                log.warning(
                    "signing key set %s could not be refreshed (%s); keeping the one read "
                    "%.0f s ago",
                    self.parameter,
                    type(error).__name__,
                    now - self._loaded_at,
                )
        return self._key_set

    def _load_locked(self) -> KeySet:
        key_set = parse_key_set(self._read_parameter(self.parameter), source=self.parameter)
        self._key_set, self._loaded_at = key_set, self._clock()
        return key_set


_lock = threading.Lock()
_default: VerificationKeys | None = None


def default_keys() -> VerificationKeys:
    """The container's verification keys, from ``SIGNING_KEYS_PARAMETER``."""
    global _default  # noqa: PLW0603 - one key cache per container is the point
    with _lock:
        if _default is None:
            parameter = settings().signing_keys_parameter
            if not parameter:
                raise ConfigurationError(
                    "signing keys are not configured: environment variable "
                    "SIGNING_KEYS_PARAMETER is unset; set it in the service template to "
                    "/purposepath/<stage>/signing-keys"
                )
            _default = ParameterKeys(parameter)
        return _default


def active_key_id() -> str:
    """The key id the issuer signs with now (the account service only)."""
    keys = default_keys()
    if not isinstance(keys, ParameterKeys):
        raise ConfigurationError(
            f"no active signing key: the installed keys ({type(keys).__name__}) only verify"
        )
    return keys.key_set().active


def install(keys: VerificationKeys | None) -> None:
    """Replace the container's keys (tests: ``pptesting.tokens``); None forgets them."""
    global _default  # noqa: PLW0603 - see default_keys
    with _lock:
        _default = keys


def reset() -> None:
    install(None)
