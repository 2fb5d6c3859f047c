"""Masking secrets in process command lines before they are sent or stored.

Command lines often carry credentials (``--password=…``, ``token=…``, ``--client-secret x``,
``postgres://user:pw@host``, ``PGPASSWORD=…``). Values of arguments whose name looks secret are
replaced by ``***``, as is the password part of URLs; the argument names stay, so a reader still
sees what ran.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MASK = "***"
_SECRET_WORDS = (
    r"pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|auth|credentials?"
    r"|private[_-]?key|session[_-]?key|signature"
)
# name=value or name:value where the name contains a secret word (also inside query strings).
_ASSIGNMENT = re.compile(
    rf"(?i)((?:^|[\s?&;,])-{{0,2}}[\w.-]*(?:{_SECRET_WORDS})[\w.-]*\s*[=:])([^\s&;,]+)"
)
# A flag naming a secret whose value is the next argument: --password hunter2
_SECRET_FLAG = re.compile(rf"(?i)^-{{1,2}}[\w.-]*(?:{_SECRET_WORDS})[\w.-]*$")
# scheme://user:password@host
_URL_CREDENTIALS = re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^/\s:@]*:)([^/\s@]+)(@)")


def mask_argument(argument: str) -> str:
    """``argument`` with secret values replaced by ``***``."""
    argument = _URL_CREDENTIALS.sub(rf"\g<1>{MASK}\g<3>", argument)
    return _ASSIGNMENT.sub(rf"\g<1>{MASK}", argument)


def mask_arguments(arguments: Sequence[str]) -> list[str]:
    """Every argument masked; the argument after a bare secret flag is masked whole."""
    masked: list[str] = []
    hide_next = False
    for argument in arguments:
        if hide_next:
            masked.append(MASK)
            hide_next = False
            continue
        masked.append(mask_argument(argument))
        hide_next = bool(_SECRET_FLAG.match(argument))
    return masked
