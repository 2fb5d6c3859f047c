"""The rules that say which parts of a command line are secrets (applied by ``privacy``).

Three kinds, all tables:

- names: a flag, variable, header or JSON key is secret when one of its words (split at ``-``,
  ``_``, ``.`` and camelCase) is in ``SECRET_WORDS`` or its letters contain one of
  ``SECRET_PARTS``, unless it is a negation (``--no-password``) or names a file, a length,
  a URL, ... (``NOT_SECRET_LAST_WORDS``: ``--key-file``, ``--max-tokens``);
- shapes found inside any argument (``PATTERNS``): URL user-info, JSON string values of secret
  keys, SQL password literals, ``name=value`` pairs with a secret name, token formats that are
  secrets whatever flag carries them (GitHub, GitLab, Slack, JWTs, private key blocks);
- tools (``TOOLS``): flags whose value is a secret although their name does not say so
  (``mysql -pX``, ``sshpass -p X``, ``redis-cli -a X``, ``docker login -p X``,
  ``openssl -k X``, ``ssh-keygen -N X``) and positional secrets (``htpasswd -b f user PW``,
  ``vault login TOKEN``, ``mc alias set n url KEY SECRET``, ``sqlplus user/PW@db``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

MASK = "***"


def _names(text: str) -> list[str]:
    """The names of a whitespace-separated list (the tables read better that way)."""
    return text.split()


SECRET_WORDS = frozenset(
    _names(
        "pass passin passout pw pwd passwd password passphrase secret token key apikey auth bearer "
        "creds credential credentials cookie sig signature sas requirepass masterauth otp"
    )
)
SECRET_PARTS = (
    "password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey", "privatekey",
    "credential", "cookie", "signature", "authkey", "sessionkey",
)  # fmt: skip
NOT_SECRET_LAST_WORDS = frozenset(
    _names(
        "file path dir directory folder server ring store length len size bits type url uri env "
        "stdin prompt format mode method tokens tokenizer count limit timeout expiry ttl name "
        "algorithm algo cmd command helper"
    )
)
NEGATIONS = frozenset(_names("no without skip disable ignore"))
NOT_SECRET_VARIABLES = frozenset({"pwd", "oldpwd"})  # the shell's working directories

_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")


def name_words(name: str) -> list[str]:
    return [w for w in _WORD_SPLIT.split(_CAMEL.sub(r"\1_\2", name).lower()) if w]


@lru_cache(maxsize=4096)
def secret_name(name: str) -> bool:
    """Whether a flag, variable, header or key called ``name`` holds a secret."""
    words = name_words(name)
    if not words or words[0] in NEGATIONS:
        return False
    if words[-1] in NOT_SECRET_LAST_WORDS:
        return False
    letters = "".join(words)
    return any(w in SECRET_WORDS for w in words) or any(p in letters for p in SECRET_PARTS)


# -- shapes inside an argument ---------------------------------------------------------------

# scheme://user:password@host; the password runs to the last "@" of the word (it may hold "@"
# or "/" unencoded), except when it is a port followed by a path (https://h:80/x?m=a@b).
URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/?#@:'\"]*:)([^\s'\"]*)(@)")
PORT_THEN_PATH = re.compile(r"^\d+(?:[/?#]|$)")
# "key": "value" (or 'key': 'value', or a number) in JSON or a Python literal.
JSON_PAIR = re.compile(
    r"""(["'])([^"'\\\s]{1,100})\1(\s*:\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?\d[\w.+-]*)"""
)
# SQL: IDENTIFIED BY 'pw', IDENTIFIED WITH plugin BY 'pw', PASSWORD 'pw'.
SQL_LITERAL = re.compile(
    r"(?i)\b(identified\s+(?:with\s+\S+\s+)?by|password)(\s+)('(?:[^']|'')*'|\"[^\"]*\")"
)
# name=value or name: value anywhere (query strings, conninfo, mount options, YAML-ish).
ASSIGNMENT = re.compile(r"""(?<![\w.\-])([A-Za-z_][\w.\-]*)(=|:\s*)("[^"]*"|'[^']*'|[^\s&;,"']+)""")
# Secrets recognisable by their own shape.
TOKEN_SHAPES = re.compile(
    r"(?<![\w-])(?:(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{16,}"
    r"|xox[abprs]-[\w-]{10,}|(?:sk|rk)_live_\w{10,}|sk-[\w-]{20,}|hvs\.[\w-]{20,}|npm_\w{20,}"
    r"|pypi-[\w-]{20,}|SG\.[\w-]{16,}\.[\w-]{16,}|eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+)"
)
PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*KEY-----|$)", re.S
)
# An argument that is an HTTP header (curl -H, wget --header=, git -c http.extraHeader=).
HEADER = re.compile(
    r"(?i)^(\s*(?:[\w.-]+=)?\s*)([\w-]+)(\s*:\s*)"
    r"((?:bearer|basic|token|digest|negotiate|ntlm|apikey|key|sso-key|splunk)\s+)?(.+)$"
)
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


# -- tools -----------------------------------------------------------------------------------

NEXT = "next"  # the following argument is the secret
ATTACHED = "attached"  # only attached: -pSECRET
ATTACHED_OR_NEXT = "attached-or-next"  # -pSECRET or -p SECRET
USERINFO = "userinfo"  # user:SECRET
PERCENT = "percent"  # user%SECRET (smbclient)
COMMA = "comma"  # user,SECRET (lftp)
AFTER_COLON = "after-colon"  # certificate:SECRET (curl -E)


@dataclass(frozen=True)
class Tool:
    flags: dict[str, str] = field(default_factory=dict)
    # flags that apply only after one of these subcommands: {"login": {"-p": ...}}
    subcommands: dict[str, dict[str, str]] = field(default_factory=dict)
    positional: str | None = None  # a rule of ``POSITIONAL_RULES``
    # "password X" as two arguments, after one of these subcommands (aws configure set ...)
    names_after: tuple[str, ...] = ()
    uid_user: bool = False  # -u/--user is uid:gid, not user:password
    wraps: bool = False  # its first positional argument starts the program it runs (sshpass)


_MYSQL = Tool({"-p": ATTACHED_OR_NEXT})
_MONGO = Tool({"-p": ATTACHED_OR_NEXT})
_MSSQL = Tool({"-P": ATTACHED_OR_NEXT})
_LDAP = Tool({"-w": ATTACHED_OR_NEXT})
_LOGIN = {"login": {"-p": ATTACHED_OR_NEXT}}
_CONTAINERS = Tool(subcommands=_LOGIN, uid_user=True)  # docker run -u 1000:1000
_REGISTRY = Tool(subcommands=_LOGIN)
_ORACLE = Tool(positional="oracle")

TOOLS: dict[str, Tool] = {
    **dict.fromkeys(
        _names(
            "mysql mysqldump mysqladmin mysqlimport mysqlcheck mysqlshow mysqlbinlog mysqlpump "
            "mysqlsh mysqlslap mariadb mariadb-dump mariadb-admin mariadb-import mariadb-check "
            "mycli"
        ),
        _MYSQL,
    ),
    **dict.fromkeys(
        _names("mongo mongosh mongodump mongorestore mongoexport mongoimport mongostat mongotop"),
        _MONGO,
    ),
    **dict.fromkeys(_names("sqlcmd bcp osql isql ipmitool"), _MSSQL),
    **dict.fromkeys(
        _names("ldapsearch ldapmodify ldapadd ldapdelete ldapwhoami ldappasswd"), _LDAP
    ),
    **dict.fromkeys(_names("docker podman nerdctl buildah"), _CONTAINERS),
    **dict.fromkeys(_names("skopeo helm oras crane oc regctl"), _REGISTRY),
    **dict.fromkeys(_names("sqlplus rman expdp impdp exp imp sqlldr"), _ORACLE),
    "redis-cli": Tool(
        {"-a": ATTACHED_OR_NEXT}, positional="redis", names_after=("CONFIG", "config")
    ),
    "sshpass": Tool({"-p": ATTACHED_OR_NEXT}, wraps=True),
    "ssh-keygen": Tool({"-N": NEXT, "-P": NEXT}),
    "openssl": Tool({"-k": NEXT, "-K": NEXT}),
    "htpasswd": Tool(positional="htpasswd"),
    "smbclient": Tool({"-U": PERCENT, "--user": PERCENT}),
    "lftp": Tool({"-u": COMMA}),
    "curl": Tool({"-b": NEXT, "-E": AFTER_COLON, "--cert": AFTER_COLON}),
    "az": Tool({"-p": ATTACHED_OR_NEXT}),
    "influx": Tool({"-t": NEXT}),
    "vault": Tool(positional="vault"),
    "mc": Tool(positional="mc"),
    "aws": Tool(names_after=("configure",)),
    "rclone": Tool(names_after=("config",)),
    "nmcli": Tool(names_after=("connect", "modify", "add")),
    "wpa_passphrase": Tool(positional="last"),
    "7z": Tool({"-p": ATTACHED}),
    "7za": Tool({"-p": ATTACHED}),
    "zip": Tool({"-P": NEXT}),
    "unzip": Tool({"-P": NEXT}),
    "rdesktop": Tool({"-p": NEXT}),
    "xfreerdp": Tool({"/p:": ATTACHED}),
    "mosquitto_pub": Tool({"-P": NEXT}),
    "mosquitto_sub": Tool({"-P": NEXT}),
    "snmpwalk": Tool({"-c": NEXT, "-A": NEXT, "-X": NEXT}),
    "snmpget": Tool({"-c": NEXT, "-A": NEXT, "-X": NEXT}),
    "kubectl": Tool(uid_user=True),
    "runc": Tool(uid_user=True),
    "crictl": Tool(uid_user=True),
}
# Flags whose value is user:password in every tool but those with ``uid_user``.
USERINFO_FLAGS = frozenset({"-u", "--user", "-U", "--proxy-user", "--creds", "--basic-auth"})


WHOLE = "whole"  # the whole argument
ORACLE = "oracle"  # user/SECRET@database


def positional_secrets(rule: str, positionals: list[str], flags: list[str]) -> dict[int, str]:
    """Which of a tool's positional arguments (by position among them) are secrets, and how."""
    count = len(positionals)
    if rule == "htpasswd":  # htpasswd -b[c] FILE USER PASSWORD, htpasswd -nb USER PASSWORD
        batch = any(f.startswith("-") and not f.startswith("--") and "b" in f for f in flags)
        return {count - 1: WHOLE} if batch and count >= 2 else {}
    if rule == "vault":  # vault login TOKEN (not "vault login -method=userpass ...")
        if positionals[:1] == ["login"] and count > 1 and "=" not in positionals[1]:
            return {1: WHOLE}
        return {}
    if rule == "mc":  # mc alias set NAME URL ACCESSKEY SECRETKEY (and config host add)
        if positionals[:2] in (["alias", "set"], ["config", "host"]) and count >= 5:
            return {count - 2: WHOLE, count - 1: WHOLE}
        return {}
    if rule == "redis":  # redis-cli AUTH [user] PASSWORD
        if positionals and positionals[0].lower() == "auth":
            return dict.fromkeys(range(1, count), WHOLE)
        return {}
    if rule == "last":
        return {count - 1: WHOLE} if count >= 2 else {}
    if rule == "oracle":  # sqlplus user/password@database
        return {0: ORACLE} if positionals and ORACLE_LOGIN.match(positionals[0]) else {}
    return {}


ORACLE_LOGIN = re.compile(r"^([^/@\s]+/)([^@\s]+)(@.*)?$")
