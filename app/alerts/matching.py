"""Which series and hosts a rule watches: glob patterns over flattened series names.

``disks.usage[*].percent`` matches every mount separately; ``*`` inside brackets matches any
entity name (even one holding dots or slashes), elsewhere any run of characters. The expansion
is cached per set of names, so a host whose series do not change costs one lookup per tick.
``sections_of`` and ``prune`` cut a sample down to the sections the patterns can match
before it is flattened (flattening is most of an evaluation's cost); ``Cut`` goes further and
flattens only those sections, and of per-entity lists (disks, interfaces, sensors) only the
fields named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

from storage.series import ENTITY_KEYS, NOT_SERIES, SNAPSHOT_KEYS, flatten, flatten_part


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


_FIELD = re.compile(r"\[[^\]]*\]\.([^.\[\]*?]+)\Z")  # "[*].percent" -> "percent"


def fields_of(patterns: Iterable[str]) -> dict[str, frozenset[str] | None]:
    """Per-entity list path ("disks.usage") -> the fields patterns name after the entity
    ("percent"); None when some pattern there may match any field."""
    fields: dict[str, set[str] | None] = {}
    for pattern in patterns:
        for path in ENTITY_KEYS:
            if pattern.startswith(path + "["):
                match = _FIELD.match(pattern, len(path))
                if match is None or fields.get(path, set()) is None:
                    fields[path] = None
                elif match.group(1) != ENTITY_KEYS[path]:  # the entity's name is no series
                    fields.setdefault(path, set()).add(match.group(1))  # type: ignore[union-attr]
    return {k: None if v is None else frozenset(v) for k, v in fields.items()}


class Cut:
    """Flattens only what ``patterns`` can match: the same names and values as
    ``flatten(sample)`` for every series a pattern matches, at a fraction of the cost."""

    def __init__(self, patterns: Iterable[str]) -> None:
        patterns = tuple(patterns)
        self.sections = sections_of(patterns)
        self.fields = fields_of(patterns)

    def flatten(self, sample: dict[str, Any]) -> dict[str, float]:
        if self.sections is None:
            return flatten(sample)
        out: dict[str, float] = {}
        for head, seconds in self.sections.items():
            value = sample.get(head)
            if value is None or head in NOT_SERIES:
                continue
            if seconds is None or not isinstance(value, dict) or head in ("processes", "health"):
                flatten_part(head, value, out)  # whole, as flatten names it (counts included)
                continue
            for second in seconds:
                inner = value.get(second)
                if inner is not None and second not in SNAPSHOT_KEYS:
                    self._flatten_second(f"{head}.{second}", inner, out)
        return out

    def _flatten_second(self, path: str, value: Any, out: dict[str, float]) -> None:
        fields = self.fields.get(path)
        if not fields or not isinstance(value, list):
            flatten_part(path, value, out)
            return
        entity_key = ENTITY_KEYS[path]
        for position, item in enumerate(value):
            if isinstance(item, dict):
                prefix = f"{path}[{item.get(entity_key, position)}]."
                for field in fields:
                    inner = item.get(field)
                    if type(inner) is float:  # the usual case, as flatten keeps it
                        if inner == inner:
                            out[prefix + field] = inner
                    elif inner is not None:
                        flatten_part(prefix + field, inner, out)
            else:
                flatten_part(f"{path}[{position}]", item, out)
