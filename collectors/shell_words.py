"""A command held in one argument, split into words as a POSIX shell would, with their spans
(so that a masked word can be put back where it was)."""

from __future__ import annotations

from dataclasses import dataclass

OPERATORS = ";|&()<>"


@dataclass(frozen=True)
class Word:
    """A shell word of a command held in one argument: where it is and what it says."""

    start: int
    end: int
    value: str
    quote: str  # the quote character around the whole word, if it is quoted as a whole


def shell_words(text: str) -> list[Word]:
    """``text`` split as a POSIX shell would (quotes, backslashes, operators), with spans."""
    words: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        if text[i] in OPERATORS:
            while i < n and text[i] in OPERATORS:
                i += 1
            words.append(Word(start, i, text[start:i], ""))
            continue
        parts: list[str] = []
        while i < n and not text[i].isspace() and text[i] not in OPERATORS:
            part, i = _shell_part(text, i)
            parts.append(part)
        raw = text[start:i]
        whole = len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0] and len(parts) == 1
        words.append(Word(start, i, "".join(parts), raw[0] if whole else ""))
    return words


def _shell_part(text: str, i: int) -> tuple[str, int]:
    """One quoted string, escaped character or plain character at ``i``: (its value, next i)."""
    char = text[i]
    if char == "'":
        close = text.find("'", i + 1)
        close = len(text) if close < 0 else close
        return text[i + 1 : close], close + 1
    if char == '"':
        value, j = [], i + 1
        while j < len(text) and text[j] != '"':
            if text[j] == "\\" and j + 1 < len(text) and text[j + 1] in '"\\$`':
                j += 1
            value.append(text[j])
            j += 1
        return "".join(value), j + 1
    if char == "\\" and i + 1 < len(text):
        return text[i + 1], i + 2
    return char, i + 1
