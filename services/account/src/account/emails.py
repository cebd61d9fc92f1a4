"""The canonical email address (FORMATS.md, "Email address"): one form, both runtimes.

The users table keys a person by this form (``EMAIL#<canonical>``), so two runtimes that
disagreed on one character could merge two people or lock one out. The rules are
therefore few and exact, and every input they refuse is refused with a reason:

* trim U+0020 at both ends only (no Unicode "whitespace" folding, which differs by runtime);
* every remaining character printable 7-bit ASCII (``0x21..0x7E``). Amazon SES sends only
  such addresses: "the local part of a destination email address ... may only contain
  7-bit ASCII characters" and "If the domain part of an address contains non-ASCII
  characters, they must be encoded using Punycode" (SES API v2 reference, ``Destination``,
  ``ToAddresses``). So invisible and format characters (U+200B, U+2060, U+FEFF), controls
  and look-alikes (U+0130, fullwidth ``@``) cannot make a second account for one mailbox;
* lower-case A-Z only (no Unicode case mapping: U+0130 lower-cases to two characters);
* exactly one ``@``; local part a dot-atom of 1..64 characters; domain 1..253 characters of
  at least two labels, each 1..63 of ``a-z0-9-`` not starting or ending with ``-``, the
  last not all digits; the whole address at most 254 characters (RFC 5321 section 4.5.3.1).

No other folding: ``a.b+tag@gmail.com`` and ``ab@gmail.com`` are different mailboxes to SES.
"""

from __future__ import annotations

import re
import unicodedata

from ppcommon.errors import BadRequest

MAX_LOCAL_CHARS = 64
MAX_DOMAIN_CHARS = 253
MAX_LABEL_CHARS = 63
MAX_EMAIL_CHARS = 254
FIELD = "email"

# RFC 5322 atext: the characters a dot-atom may hold besides the dots between atoms.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_ALL_DIGITS = re.compile(r"[0-9]+")


def canonical_email(raw: object) -> str:
    """The canonical form of ``raw``; ``BadRequest`` naming field 'email', the cause and the fix."""
    if not isinstance(raw, str):
        raise BadRequest(f"field {FIELD!r} must be a string")
    text = raw.strip(" ")
    _require_printable_ascii(text)
    email = text.translate(_ASCII_LOWER)
    if email.count("@") != 1:
        raise BadRequest(
            f"field {FIELD!r} must contain exactly one '@' (found {email.count('@')}); "
            "send one address as name@example.com"
        )
    local, domain = email.split("@")
    _require_local_part(local)
    _require_domain(domain)
    if len(email) > MAX_EMAIL_CHARS:
        raise BadRequest(
            f"field {FIELD!r} has {len(email)} characters; an address may have at most "
            f"{MAX_EMAIL_CHARS} (RFC 5321)"
        )
    return email


def canonical_or_none(raw: object) -> str | None:
    """The canonical form, or None when ``raw`` is not a usable address.

    For login and password reset: an unusable address is treated as an unknown one, so
    the answer never says which rule an input broke (or that an account exists).
    """
    try:
        return canonical_email(raw)
    except BadRequest:
        return None


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _require_printable_ascii(text: str) -> None:
    if not text:
        raise BadRequest(f"field {FIELD!r} is empty; send an address such as name@example.com")
    for position, char in enumerate(text):
        if "\x21" <= char <= "\x7e":
            continue
        at = text.rfind("@")
        # A letter, mark or digit in the domain is an internationalised domain name; an
        # invisible or control character there is just to be removed.
        idn = unicodedata.category(char)[0] in "LMN"
        if not char.isascii() and idn and 0 <= at < position:
            raise BadRequest(
                f"the domain of field {FIELD!r} contains {_describe(char)}; Amazon SES "
                "needs an internationalised domain in its ASCII (Punycode) form: send the "
                "domain's xn-- form"
            )
        raise BadRequest(
            f"field {FIELD!r} contains {_describe(char)} at position {position}; an address "
            "may hold only printable ASCII characters (Amazon SES sends no others): "
            "remove it or retype the address"
        )


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if char == " ":
        return f"a space ({code})"
    name = unicodedata.name(char, "")
    category = unicodedata.category(char)
    if category == "Cc":
        return f"the control character {code}"
    if category == "Cf":
        return f"the invisible format character {code}{f' {name}' if name else ''}"
    if category.startswith("Z"):
        return f"the space character {code}{f' {name}' if name else ''}"
    return f"the non-ASCII character {code}{f' {name}' if name else ''}"


def _require_local_part(local: str) -> None:
    if not 1 <= len(local) <= MAX_LOCAL_CHARS:
        raise BadRequest(
            f"the part of field {FIELD!r} before '@' has {len(local)} characters; it must "
            f"have 1 to {MAX_LOCAL_CHARS}"
        )
    if not _DOT_ATOM.fullmatch(local):
        raise BadRequest(
            f"the part of field {FIELD!r} before '@' is not a plain address name: use "
            "letters, digits and !#$%&'*+/=?^_`{|}~- with single dots between them (no "
            "quotes, no leading, trailing or double dot)"
        )


def _require_domain(domain: str) -> None:
    if not 1 <= len(domain) <= MAX_DOMAIN_CHARS:
        raise BadRequest(
            f"the domain of field {FIELD!r} has {len(domain)} characters; it must have 1 "
            f"to {MAX_DOMAIN_CHARS}"
        )
    labels = domain.split(".")
    if len(labels) < 2:
        raise BadRequest(
            f"the domain of field {FIELD!r} must have at least two labels, as in example.com"
        )
    for label in labels:
        if not (1 <= len(label) <= MAX_LABEL_CHARS and _LABEL.fullmatch(label)):
            raise BadRequest(
                f"the domain of field {FIELD!r} has a label {label[:MAX_LABEL_CHARS]!r} "
                f"that is not 1 to {MAX_LABEL_CHARS} of a-z, 0-9 and '-' (not first or "
                "last); remove empty labels and a trailing dot"
            )
    if _ALL_DIGITS.fullmatch(labels[-1]):
        raise BadRequest(
            f"the domain of field {FIELD!r} ends in the all-digit label {labels[-1]!r}; "
            "send a domain name, not an IP address"
        )
