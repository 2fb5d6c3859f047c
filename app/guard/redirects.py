"""Redirect targets that stay on this site, judged as the browser will read them.

A browser's URL parser (WHATWG URL standard) strips leading and trailing C0 controls and spaces,
removes every tab and newline anywhere, and reads a backslash as a slash in http(s) URLs; so
``/\\t/evil.example``, ``\\\\evil.example`` and `` //evil.example`` all leave the site. The
target is normalised that way first, then must be a path (one leading slash), and what goes into
``Location`` is that normalised form, percent-encoded: the header holds what was checked, never a
control character (which would make the server fail).
"""

from __future__ import annotations

from urllib.parse import quote

_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
# Characters a path-and-query may carry as they are; everything else is percent-encoded ("%"
# stays, so what a client encoded stays encoded).
_URL_SAFE = "/?#[]@!$&'()*+,;=:%~-._"


def browser_view(url: str) -> str:
    """``url`` as a browser's URL parser reads it (the parts that decide where it goes)."""
    url = url.strip(_C0_AND_SPACE)
    for removed in ("\t", "\n", "\r"):
        url = url.replace(removed, "")
    return url.replace("\\", "/")


def same_site_path(target: str | None) -> str | None:
    """``target`` as a percent-encoded path of this site, or None when it would go elsewhere
    (or is not a path at all)."""
    if not target:
        return None
    seen = browser_view(target)
    if not seen.startswith("/") or seen.startswith("//"):
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in seen):
        return None
    return quote(seen, safe=_URL_SAFE, errors="replace")


def safe_next(target: str | None) -> str:
    """A same-site path to return to after login (never another site: no open redirect)."""
    return same_site_path(target) or "/"


def safe_root(script_root: str) -> str:
    """The path prefix to put before our own paths in a redirect (``X-Forwarded-Prefix`` behind
    a trusted proxy, already in ``script_root``): "" unless it is a plain same-site path."""
    root = same_site_path(script_root)
    return root.rstrip("/") if root else ""
