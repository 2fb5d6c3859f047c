"""Masking secrets in process command lines before they are sent or stored.

Command lines often carry credentials (``--password=…``, ``-pX``, ``-u user:pw``,
``Authorization:`` headers, ``postgres://user:pw@host``, ``PGPASSWORD=…``, JSON). Secret values
are replaced by ``***`` and everything else stays, so a reader still sees what ran. The rules
are tables in ``masking_rules``; this module applies them to every argument, to the argument
that follows a secret flag, to a tool's positional secrets, and, recursively, inside arguments
that hold a command of their own (``sh -c "mysql --password x"``). The collector masks before
anything is sent or stored; docs/security.md lists what is deliberately not masked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from collectors import masking_rules as rules
from collectors.masking_rules import MASK, secret_name
from collectors.shell_words import OPERATORS, shell_words

MAX_DEPTH = 3  # commands inside commands inside commands
VALUE = "value"  # name=SECRET (a flag or variable whose name says secret)
_VARIABLE = re.compile(r"^[A-Za-z_][\w.\-]*$")
_HOST_AFTER_AT = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[\w.%-]+)(?::\d*)?(?:[/?#]|$)")
_SCHEME = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://")
_SPACE = re.compile(r"\s")

Secret = tuple[str, str]  # (mode, the prefix kept before the mask)


def mask_arguments(arguments: Sequence[str]) -> list[str]:
    """Every argument masked, as the command's own arguments."""
    return _mask_argv([str(a) for a in arguments], 0)


def mask_argument(argument: str) -> str:
    """One argument masked on its own (no knowledge of the arguments around it)."""
    return mask_text(argument, 0)


def _mask_argv(arguments: list[str], depth: int) -> list[str]:
    masked = [mask_text(argument, depth) for argument in arguments]
    for index, (mode, prefix) in argv_secrets(arguments).items():
        masked[index] = hide(arguments[index], masked[index], mode, prefix)
    return masked


def hide(original: str, masked: str, mode: str, prefix: str) -> str:
    """``original`` with its secret part (as ``mode`` says) replaced by the mask."""
    value = original[len(prefix) :]
    separators = {rules.USERINFO: ":", rules.PERCENT: "%", rules.COMMA: ",", rules.AFTER_COLON: ":"}
    if mode in separators:
        head, sep, _ = value.partition(separators[mode])
        url = "://" in value  # a URL's user-info is masked as a URL's
        return f"{prefix}{head}{sep}{MASK}" if sep and not url else masked
    if mode == rules.ORACLE:
        return rules.ORACLE_LOGIN.sub(rf"\g<1>{MASK}\g<3>", original)
    return prefix + MASK  # WHOLE, VALUE, ATTACHED


# -- shapes inside one argument ---------------------------------------------------------------


def mask_text(text: str, depth: int = 0) -> str:
    """The secret shapes in ``text`` masked, and the command it holds, if any."""
    text = rules.PRIVATE_KEY.sub(MASK, text)
    header = rules.HEADER.match(text)
    if header and (header[2].lower() in rules.SECRET_HEADERS or secret_name(header[2])):
        return f"{header[1]}{header[2]}{header[3]}{header[4] or ''}{MASK}"
    text = _mask_urls(text)
    text = rules.JSON_PAIR.sub(_json_pair, text)
    text = rules.SQL_LITERAL.sub(lambda m: f"{m[1]}{m[2]}{m[3][0]}{MASK}{m[3][0]}", text)
    text = rules.ASSIGNMENT.sub(_assignment, text)
    text = rules.TOKEN_SHAPES.sub(MASK, text)
    if depth < MAX_DEPTH and _SPACE.search(text):
        text = _mask_embedded(text, depth)
    return text


def _mask_urls(text: str) -> str:
    """scheme://user:SECRET@host; the password may hold '@' and '/': the user-info ends at the
    last '@' before any '?' or '#' that is followed by something shaped like a host."""
    for scheme in reversed(list(_SCHEME.finditer(text))):
        start = scheme.end()
        end = next(
            (i for i in range(start, len(text)) if text[i].isspace() or text[i] in "'\""), len(text)
        )
        word = text[start:end]
        authority = re.split(r"[?#]", word, maxsplit=1)[0]
        ats = [
            i for i, c in enumerate(authority) if c == "@" and _HOST_AFTER_AT.match(word[i + 1 :])
        ]
        if not ats:
            continue
        user, sep, password = word[: ats[-1]].partition(":")
        if not sep or not password or "/" in user or rules.PORT_THEN_PATH.match(password):
            continue
        if password != MASK:
            text = f"{text[:start]}{user}:{MASK}{text[start + ats[-1] :]}"
    return text


def _json_pair(match: re.Match[str]) -> str:
    if not secret_name(match[2]):
        return match[0]
    value = match[4]
    masked = f"{value[0]}{MASK}{value[0]}" if value[0] in "'\"" else f'"{MASK}"'
    return f"{match[1]}{match[2]}{match[1]}{match[3]}{masked}"


def _assignment(match: re.Match[str]) -> str:
    name, value = match[1], match[3]
    start = match.start()
    if match.string[max(0, start - 2) : start] == "//":  # user:password@ of a URL: see above
        return match[0]
    if name.lower() in rules.NOT_SECRET_VARIABLES or not secret_name(name):
        return match[0]
    quote = value[0] if value[0] in "'\"" else ""
    return f"{name}{match[2]}{quote}{MASK}{quote}"


# -- arguments that hold a command --------------------------------------------------------------


def _mask_embedded(text: str, depth: int) -> str:
    words = shell_words(text)
    if len(words) < 2:
        return text
    masked = _mask_argv([w.value for w in words], depth + 1)
    for word, new in reversed(list(zip(words, masked, strict=True))):
        if new != word.value:
            text = f"{text[: word.start]}{word.quote}{new}{word.quote}{text[word.end :]}"
    return text


# -- secrets given by position: after a flag, or where a tool expects one -----------------------


@dataclass
class Segment:
    """The arguments of one program in a command line (a wrapper's, then the wrapped one's)."""

    tool: rules.Tool | None = None
    subcommands: set[str] = field(default_factory=set)
    flags: list[str] = field(default_factory=list)
    positionals: list[int] = field(default_factory=list)


def argv_secrets(arguments: list[str]) -> dict[int, Secret]:
    """Which arguments are (or contain) secrets because of where they stand, and how."""
    secrets: dict[int, Secret] = {}
    segment = Segment()
    pending: Secret | None = None
    expect_program = True  # at the start, and after ; && | (in a command held in an argument)
    for index, argument in enumerate(arguments):
        if pending is not None:
            secrets[index], pending = pending, None
            continue
        if argument and not argument.strip(OPERATORS):
            expect_program = True
            continue
        name, equals, value = argument.partition("=")
        if equals and _VARIABLE.match(name):  # NAME=value: an environment-style pair
            if _secret_variable(name, value):
                secrets[index] = (VALUE, name + "=")
            if not expect_program:
                segment.positionals.append(index)
            continue
        program = os.path.basename(argument).lower()
        wrapped = segment.tool is not None and segment.tool.wraps and not argument.startswith("-")
        if expect_program or wrapped or program in rules.TOOLS:
            _positional_secrets(segment, arguments, secrets)
            segment, expect_program = Segment(rules.TOOLS.get(program)), False
            continue
        found, pending = _flag_secret(argument, segment)
        if found is not None:
            secrets[index] = found
        elif argument.startswith("-") and len(argument) > 1:
            segment.flags.append(argument)
        elif pending is None:
            pending = _positional(argument, segment)
            segment.positionals.append(index)
    _positional_secrets(segment, arguments, secrets)
    return secrets


def _secret_variable(name: str, value: str) -> bool:
    """A NAME=value pair whose whole value is a secret (a value with spaces is rather a command
    or text: the shapes inside it are masked instead)."""
    if name.lower() in rules.NOT_SECRET_VARIABLES or not secret_name(name):
        return False
    return not _SPACE.search(value)


def _tool_flags(segment: Segment) -> dict[str, str]:
    flags = dict(segment.tool.flags) if segment.tool else {}
    for name in segment.subcommands:
        flags.update(segment.tool.subcommands.get(name, {}) if segment.tool else {})
    return flags


def _flag_secret(argument: str, segment: Segment) -> tuple[Secret | None, Secret | None]:
    """(how ``argument`` itself is a secret, how the next one is) for a flag-like argument."""
    for flag, mode in _tool_flags(segment).items():
        if argument == flag:
            if mode in (rules.NEXT, rules.ATTACHED_OR_NEXT):
                return None, (rules.WHOLE, "")
            return None, (None if mode == rules.ATTACHED else (mode, ""))
        attached = mode in (rules.ATTACHED, rules.ATTACHED_OR_NEXT)
        if attached and argument.startswith(flag) and not argument.startswith("--"):
            return (rules.ATTACHED, flag), None
    if not argument.startswith("-") or len(argument) < 2:
        return None, None
    userinfo = not (segment.tool and segment.tool.uid_user)
    name, equals, _ = argument.partition("=")
    if equals:
        if secret_name(name.lstrip("-")):
            return (VALUE, name + "="), None
        if userinfo and name in rules.USERINFO_FLAGS:
            return (rules.USERINFO, name + "="), None
        return None, None
    if userinfo and argument in rules.USERINFO_FLAGS:
        return None, (rules.USERINFO, "")
    if secret_name(argument.lstrip("-")):
        return None, (rules.WHOLE, "")
    return None, None


def _positional(argument: str, segment: Segment) -> Secret | None:
    """Notes a tool's subcommand; says when the next argument is the value of a secret name
    given as its own argument (``nmcli ... password VALUE``)."""
    tool = segment.tool
    if tool is None:
        return None
    if argument in tool.subcommands or argument in tool.names_after:
        segment.subcommands.add(argument)
    elif segment.subcommands.intersection(tool.names_after) and secret_name(argument):
        return (rules.WHOLE, "")
    return None


def _positional_secrets(segment: Segment, arguments: list[str], into: dict[int, Secret]) -> None:
    if segment.tool is None or segment.tool.positional is None:
        return
    values = [arguments[i] for i in segment.positionals]
    for position, mode in rules.positional_secrets(
        segment.tool.positional, values, segment.flags
    ).items():
        into.setdefault(segment.positionals[position], (mode, ""))
