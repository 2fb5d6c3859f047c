"""Which series and hosts a rule watches: glob patterns over flattened series names.

``disks.usage[*].percent`` matches every mount separately; ``*`` inside brackets matches any
entity name (even one holding dots or slashes), elsewhere any run of characters. The expansion
is cached per set of names, so a host whose series do not change costs one lookup per tick.
``sections_of`` and ``prune`` cut a sample down to the sections the patterns can match
before it is flattened (flattening is most of an evaluation's cost).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from functools import lru_cache


@lru_cache(maxsize=1024)
def series_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled regular expression of a series glob (``*`` and ``?``)."""
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts) + r"\Z")


def host_matches(pattern: str, host: str) -> bool:
    """Whether ``host`` matches a host glob ("*", "web-*", "db-1")."""
    return pattern == "*" or fnmatchcase(host, pattern)


class SeriesMatcher:
    """Expands patterns over a host's series names, cached while the names stay the same."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(dict.fromkeys(patterns))
        self._cache: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]]]] = {}

    def expand(self, host: str, names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        """Pattern -> the names it matches (in order), for this host's current names."""
        cached = self._cache.get(host)
        if cached is not None and cached[0] == names:
            return cached[1]
        expanded = {}
        for pattern in self.patterns:
            if not any(c in pattern for c in "*?"):
                expanded[pattern] = (pattern,) if pattern in names else ()
                continue
            regex = series_pattern(pattern)
            expanded[pattern] = tuple(n for n in names if regex.match(n))
        self._cache[host] = (names, expanded)
        return expanded


Sections = dict[str, frozenset[str] | None]  # top-level key -> the second-level keys (None: all)


def sections_of(patterns: Iterable[str]) -> Sections | None:
    """The parts of a sample that series patterns can match: each pattern's literal first key
    and, when literal too, its second; None when some pattern starts with a wildcard."""
    wanted: dict[str, set[str] | None] = {}
    for pattern in patterns:
        literal = re.split(r"[*?]", pattern, maxsplit=1)[0]
        head = re.split(r"[.\[]", literal, maxsplit=1)[0]
        if not head or (head == literal and head != pattern):
            return None
        rest = pattern[len(head) :]
        second = re.match(r"\.([^.\[*?]+)(?=[.\[]|\Z)", rest)
        if second is None or wanted.get(head, set()) is None:
            wanted[head] = None
        elif second is not None:
            wanted.setdefault(head, set()).add(second.group(1))  # type: ignore[union-attr]
    return {k: None if v is None else frozenset(v) for k, v in wanted.items()}


def prune(sample: dict, sections: Sections | None) -> dict:
    """Only the parts of ``sample`` named by ``sections`` (all of it when None), so that
    flattening skips what no rule reads (per-core CPU, disk I/O, interfaces...)."""
    if sections is None:
        return sample
    out = {}
    for key, keys in sections.items():
        value = sample.get(key)
        if value is None:
            continue
        if keys is None or not isinstance(value, dict):
            out[key] = value
        else:
            out[key] = {k: value[k] for k in keys if k in value}
    return out
