"""Database URLs read without SQLAlchemy: the standard library only.

gunicorn's master checks the URL and takes the SQLite writer lock before it forks; importing
SQLAlchemy there for that would cost it about 16 MB. ``parse_url`` reads a URL as SQLAlchemy's
``make_url`` does (the same pattern, the same unquoting), so that what the master accepts is
what the workers' engines connect to (``tests/storage/test_urls.py`` compares the two).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

DEFAULT_DATABASE_URL = "sqlite:///data/monitor.db"
SUPPORTED_URLS = "sqlite:///path or postgresql://user@host/db"
# SQLAlchemy driver names of the supported URLs, once normalized (the drivers we ship).
SUPPORTED_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg2")

# SQLAlchemy 2's own pattern (sqlalchemy.engine.url._parse_url).
_PATTERN = re.compile(
    r"""
        (?P<name>[\w\+]+)://
        (?:
            (?P<username>[^:/]*)
            (?::(?P<password>[^@]*))?
        @)?
        (?:
            (?:
                \[(?P<ipv6host>[^/\?]+)\] |
                (?P<ipv4host>[^/:\?]+)
            )?
            (?::(?P<port>[^/\?]*))?
        )?
        (?:/(?P<database>[^\?]*))?
        (?:\?(?P<query>.*))?
        """,
    re.X,
)


@dataclass(frozen=True)
class DatabaseURL:
    """The parts of a database URL that this project reads."""

    drivername: str
    username: str | None
    password: str | None
    host: str | None
    port: int | None
    database: str | None
    query: str | None

    @property
    def backend(self) -> str:
        """``postgresql`` of ``postgresql+psycopg2``; SQLAlchemy's ``get_backend_name``."""
        return self.drivername.split("+", 1)[0]

    def shown(self) -> str:
        """The URL with its password as ``***`` (SQLAlchemy's ``render_as_string``, but for
        the query, which is kept as given)."""
        text = self.drivername + "://"
        if self.username is not None:
            text += quote(self.username, safe=" +")
            if self.password is not None:
                text += ":***"
            text += "@"
        if self.host is not None:
            text += f"[{self.host}]" if ":" in self.host else self.host
        if self.port is not None:
            text += f":{self.port}"
        if self.database is not None:
            text += "/" + quote(self.database, safe=" +/")
        if self.query:
            text += "?" + self.query
        return text


def parse_url(url: str) -> DatabaseURL:
    """The parts of ``url``; ``ValueError`` when it is not a URL (or its port not a number)."""
    match = _PATTERN.match(url)
    if match is None:
        raise ValueError("is not a database URL")
    parts = match.groupdict()
    port = parts["port"]
    if port and not port.isdigit():
        raise ValueError("is not a database URL")

    def unquoted(name: str) -> str | None:
        value = parts[name]
        return None if value is None else unquote(value)

    return DatabaseURL(
        drivername=parts["name"],
        username=unquoted("username"),
        password=unquoted("password"),
        host=parts["ipv4host"] or parts["ipv6host"],
        port=int(port) if port else None,
        database=unquoted("database"),
        query=parts["query"],
    )


def normalize_url(url: str) -> str:
    """Maps ``postgres://`` and ``postgresql://`` to the psycopg2 driver; other URLs unchanged."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a database URL of ours (it does not parse, or names another
    database or driver), or None. Connects to nothing."""
    try:
        parsed = parse_url(normalize_url(url))
    except ValueError:
        return "is not a database URL"
    if parsed.drivername not in SUPPORTED_DRIVERS:
        return f"scheme {parsed.drivername + '://'!r} is not supported"
    return None


def sqlite_file(url: str) -> str | None:
    """The file path of a SQLite URL (as written: not yet expanded); None for PostgreSQL, an
    in-memory database and ``file:`` URIs."""
    parsed = parse_url(url)
    if parsed.backend != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database
