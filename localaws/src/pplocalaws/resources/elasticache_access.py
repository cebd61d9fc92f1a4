"""What ElastiCache accepts as a user's id, passwords and access string (RBAC).

Pure checks, no moto: each raises :class:`ElastiCacheRefusal`, worded as CloudFormation
reports a failed ElastiCache call, naming the property, the rule and the fix. Sources:

- *RBAC*: ElastiCache User Guide, "Role-Based Access Control (RBAC)"
  (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html);
- *CreateUser*: ElastiCache API Reference, CreateUser / ModifyUser;
- *CFN User*: CloudFormation "AWS::ElastiCache::User" (its provider schema too).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence
from typing import Any

from pplocalaws.extensions.failures import LocalFailure
from pplocalaws.resources import redis_commands
from pplocalaws.resources.redis_commands import words


class ElastiCacheRefusal(LocalFailure):
    """ElastiCache refused a call; the text is CloudFormation's resource status reason."""

    def __init__(self, code: str, message: str, handler_code: str = "InvalidRequest") -> None:
        super().__init__(
            f'Resource handler returned message: "{code}: {message} (Service: ElastiCache)" '
            f"(HandlerErrorCode: {handler_code})"
        )
        self.code = code


# CFN User / UserGroup: UserId and UserGroupId match [a-z][a-z0-9\-]* (the schema's pattern;
# CreateUser stores the id lowercased). Like every ElastiCache identifier they may neither
# end with a hyphen nor hold two consecutive hyphens (CreateReplicationGroup's rule; the
# user pages do not repeat it: unsure, so strict).
_IDENTIFIER = re.compile(r"[a-z](?:[a-z0-9]|-(?!-))*")


def check_identifier(property_name: str, value: Any) -> str:
    """``value`` if it is a valid UserId / UserGroupId; else the refusal naming the rule."""
    text = str(value or "")
    if not _IDENTIFIER.fullmatch(text) or text.endswith("-"):
        raise ElastiCacheRefusal(
            "InvalidParameterValue",
            f"{property_name} {text!r} is not valid: it must begin with a lowercase letter, "
            "hold only lowercase letters, digits and hyphens, and neither end with a hyphen "
            "nor contain two consecutive hyphens",
        )
    return text


# RBAC / CreateUser: up to two passwords per user, each 16 to 128 characters. The pages
# name no character set for user passwords; the AUTH token's rule (printable ASCII, none of
# / " @, CreateReplicationGroup AuthToken) is applied to them too (unsure: strict).
MAX_PASSWORDS = 2
_PASSWORD_LENGTH = range(16, 129)
_PASSWORD_FORBIDDEN = frozenset('/"@')
_PASSWORD_ALLOWED = frozenset(string.printable) - frozenset(string.whitespace) - _PASSWORD_FORBIDDEN


def checked_passwords(user_id: str, passwords: Sequence[Any]) -> tuple[str, ...]:
    """The passwords if ElastiCache accepts them; the refusal never echoes a password."""
    texts = tuple(str(password) for password in passwords)
    if not texts:
        raise ElastiCacheRefusal(
            "InvalidParameterValue",
            f"user {user_id}: authentication type password needs at least one password; give "
            "Passwords (or AuthenticationMode.Passwords), or use NoPasswordRequired",
        )
    if len(texts) > MAX_PASSWORDS:
        raise ElastiCacheRefusal(
            "InvalidParameterValue",
            f"user {user_id}: {len(texts)} passwords given, at most {MAX_PASSWORDS} are allowed",
        )
    if len(set(texts)) != len(texts):
        raise ElastiCacheRefusal(
            "InvalidParameterValue", f"user {user_id}: the passwords must be unique"
        )
    for number, text in enumerate(texts, start=1):
        if "{{resolve:" in text:
            cause = "it still holds an unresolved dynamic reference"
        elif len(text) not in _PASSWORD_LENGTH:
            cause = f"it is {len(text)} characters long, not 16 to 128"
        elif not set(text) <= _PASSWORD_ALLOWED:
            cause = 'it holds whitespace, a character outside printable ASCII, or one of / " @'
        else:
            continue
        raise ElastiCacheRefusal(
            "InvalidParameterValue",
            f"user {user_id}: password {number} is invalid: {cause}; generate it with "
            "ExcludePunctuation (or ExcludeCharacters '/\"@') and 16-128 characters",
        )
    return texts


# RBAC: "You can't specify passwords in an access string" and "You can't use the reset
# command as a part of the access string" (ElastiCache manages passwords): Redis's password
# rules are refused. "You can't use forbidden and renamed commands": ElastiCache's
# restricted commands ("Restricted Valkey and Redis OSS commands") are refused in a rule,
# whether + or - (unsure whether "-" is refused: strict).
_PASSWORD_RULES = ("nopass", "resetpass", "reset")
_PASSWORD_PREFIXES = (">", "<", "#", "!")
RESTRICTED_COMMANDS = words(
    "bgrewriteaof bgsave config debug migrate psync replicaof save slaveof shutdown sync"
)
_FLAG_RULES = words(
    "on off allkeys resetkeys allchannels resetchannels allcommands nocommands "
    "sanitize-payload skip-sanitize-payload"
)
# Redis ACL key and channel rules: ~pattern, %R~ / %W~ / %RW~pattern, &pattern.
_KEY_RULE = re.compile(r"(?:%(?:R|W|RW|WR))?~.*", re.IGNORECASE)


def _refuse_rule(rule: str, cause: str) -> ElastiCacheRefusal:
    return ElastiCacheRefusal(
        "InvalidParameterValue",
        f"AccessString rule {rule!r} is invalid: {cause}; see the Redis ACL rules and "
        "ElastiCache's RBAC limits",
    )


def _check_command_rule(rule: str) -> None:
    name = rule[1:].lower()
    if name.startswith("@"):
        if name[1:] not in redis_commands.CATEGORIES:
            raise _refuse_rule(rule, f"Redis has no command category {name[1:]!r}")
        return
    command, bar, argument = name.partition("|")
    if command not in redis_commands.COMMANDS:
        raise _refuse_rule(rule, f"Redis has no command {command!r}")
    if command in RESTRICTED_COMMANDS:
        raise _refuse_rule(rule, f"{command} is a restricted command on ElastiCache")
    if not bar:
        return
    subcommands = redis_commands.SUBCOMMANDS.get(command)
    if not argument or "|" in argument:
        raise _refuse_rule(rule, "a command may name one subcommand or first argument")
    if subcommands is not None and argument not in subcommands:
        raise _refuse_rule(rule, f"{command} has no subcommand {argument!r}")
    if subcommands is None and rule.startswith("-"):
        # Redis: a first-argument rule can only allow ("+cmd|arg"), never block.
        raise _refuse_rule(rule, f"{command} has no subcommands to block")


def _check_rule(rule: str) -> None:
    lowered = rule.lower()
    if lowered in _FLAG_RULES:
        return
    if lowered in _PASSWORD_RULES or rule.startswith(_PASSWORD_PREFIXES):
        raise _refuse_rule(
            "(a password rule)" if rule.startswith(_PASSWORD_PREFIXES) else rule,
            "passwords are set with Passwords or AuthenticationMode, never in the access "
            "string, and reset is not allowed",
        )
    if rule.startswith("(") or lowered == "clearselectors":
        raise _refuse_rule(rule, "ACL selectors are not modelled by the local AWS (strict)")
    if rule.startswith("&") or _KEY_RULE.fullmatch(rule):
        return
    if rule.startswith(("+", "-")):
        _check_command_rule(rule)
        return
    raise _refuse_rule(rule, "it is not a Redis ACL rule")


def parsed_access_string(value: Any) -> tuple[str, ...]:
    """The access string's rules, each one Redis's ``ACL SETUSER`` would accept.

    CreateUser requires AccessString (pattern ``.*\\S.*``); CloudFormation's schema leaves
    it optional, but the create call would then be refused: strict, it is required here.
    """
    text = "" if value is None else str(value)
    rules = tuple(text.split())
    if not rules:
        raise ElastiCacheRefusal(
            "InvalidParameterValue",
            "AccessString is missing or blank; give the user's Redis ACL rules, for example "
            "'on ~app:* +@read'",
        )
    for rule in rules:
        _check_rule(rule)
    return rules


def is_enabled(rules: Iterable[str]) -> bool:
    """RBAC: a user is on only when its access string says so; the last of on/off wins."""
    state = False
    for rule in rules:
        if rule.lower() in ("on", "off"):
            state = rule.lower() == "on"
    return state
