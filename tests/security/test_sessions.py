"""Sessions that end: server-side state, a random per-installation key, private files.

Signing out, removing the user or changing their password ends a session at once: the old
cookie, replayed, opens nothing. A cookie built from the users file's contents (the old key
derivation) or signed with the real key but naming no live session is refused. The key is random
per installation, kept 0600 in the data folder (or MONITOR_SECRET_KEY), and a users file or key
that others can read is refused at start with one line saying how to fix it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import sys
from pathlib import Path

import pytest
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import generate_password_hash

from app.config import ConfigError
from app.guard.credentials import KEY_FILE
from tests.live.server import LiveServer, live_config
from tests.security.conftest import (
    FORM,
    PASSWORD,
    TOKEN,
    Serve,
    exits_2_with_one_line,
    login,
    request,
    session_cookie,
    websocket_handshake,
)
from tests.support.servers import GUNICORN, free_port


def signed_in(serve: Serve, users_file: str, **config: object):
    server = serve(users_file=users_file, **config)
    response = login(server, "alice", PASSWORD)
    assert response.status == 302
    cookie = {"Cookie": session_cookie(response)}
    assert request(server, "GET", "/api/v1/hosts", cookie).status == 200
    return server, cookie


def refused(server, cookie: dict[str, str]) -> bool:
    api = request(server, "GET", "/api/v1/hosts", cookie).status
    page = request(server, "GET", "/history", cookie)
    socket = websocket_handshake(server, {"Origin": server.origin, **cookie})
    to_login = page.status == 302 and page.getheader("Location").startswith("/login")
    return api == 401 and to_login and socket == 401


def sign_out(server, cookie: dict[str, str]) -> None:
    page = request(server, "GET", "/logout", cookie)
    assert page.status == 200 and b"Sign out" in page.body
    token = re.search(rb'name="csrf" value="([^"]+)"', page.body)[1].decode()
    answer = request(server, "POST", "/logout", {**FORM, **cookie}, f"csrf={token}")
    assert answer.status == 302 and answer.getheader("Location") == "/login"


def test_logout_ends_the_session(serve: Serve, users_file: str) -> None:
    server, cookie = signed_in(serve, users_file)
    sign_out(server, cookie)
    assert refused(server, cookie)  # the cookie replayed after logout


def test_removing_a_user_ends_their_sessions_at_once(serve: Serve, users_file: str) -> None:
    server, cookie = signed_in(serve, users_file)
    Path(users_file).write_text(f"bob:{generate_password_hash('another one')}\n")
    assert refused(server, cookie)


def test_a_new_password_ends_the_sessions_made_with_the_old_one(
    serve: Serve, users_file: str
) -> None:
    server, cookie = signed_in(serve, users_file)
    Path(users_file).write_text(f"alice:{generate_password_hash('a new password')}\n")
    assert refused(server, cookie)
    assert login(server, "alice", "a new password").status == 302


def test_a_users_file_turned_public_lets_nobody_in_by_name(serve: Serve, users_file: str) -> None:
    server, cookie = signed_in(serve, users_file)
    os.chmod(users_file, 0o644)
    assert refused(server, cookie)
    assert login(server, "alice", PASSWORD).status == 401


def cookie_signed_with(key: str, payload: dict) -> dict[str, str]:
    app_like = type("App", (), {"secret_key": key, "config": {"SECRET_KEY_FALLBACKS": None}})
    serializer = SecureCookieSessionInterface().get_signing_serializer(app_like)  # type: ignore
    return {"Cookie": f"monitor_session={serializer.dumps(payload)}"}


def test_a_cookie_built_from_the_users_file_is_refused(
    serve: Serve, users_file: str, tmp_path: Path
) -> None:
    server = serve(users_file=users_file, auth_token=TOKEN)
    line = Path(users_file).read_text().splitlines()[1]
    material = TOKEN + "\n" + line  # how the key used to be derived from the credentials
    old_key = hmac.new(b"monitor-session-key", material.encode(), hashlib.sha256).hexdigest()
    for payload in ({"user": "alice"}, {"user": "token"}, {"sid": "x" * 43, "user": "alice"}):
        assert refused(server, cookie_signed_with(old_key, payload)), payload
    real_key = (tmp_path / KEY_FILE).read_text().strip()
    for payload in ({"user": "alice"}, {"sid": "A" * 43}, {"sid": ["x"]}, {"sid": "../users"}):
        assert refused(server, cookie_signed_with(real_key, payload)), payload


def test_the_key_is_random_private_and_kept_across_restarts(
    tmp_path: Path, users_file: str
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    keys = []
    for folder in (one, two):
        server = LiveServer(live_config(folder, users_file=users_file, data_dir=str(folder)))
        server.close()
        path = folder / KEY_FILE
        assert path.stat().st_mode & 0o777 == 0o600
        keys.append(path.read_text().strip())
    assert keys[0] != keys[1] and len(keys[0]) == 64  # the same users file, two random keys
    first = LiveServer(live_config(one, users_file=users_file, data_dir=str(one))).start()
    try:
        cookie = {"Cookie": session_cookie(login(first, "alice", PASSWORD))}
    finally:
        first.close()
    restarted = LiveServer(live_config(one, users_file=users_file, data_dir=str(one))).start()
    try:  # a new process would read the same key and sessions from the data folder
        assert request(restarted, "GET", "/api/v1/hosts", cookie).status == 200
        assert (one / KEY_FILE).read_text().strip() == keys[0]
    finally:
        restarted.close()


def test_monitor_secret_key_is_used_instead_when_set(
    serve: Serve, users_file: str, tmp_path: Path
) -> None:
    server = serve(users_file=users_file, secret_key="k" * 48)
    assert login(server, "alice", PASSWORD).status == 302
    assert not (tmp_path / KEY_FILE).exists()


@pytest.mark.parametrize("how", ["python -m app", "gunicorn"])
@pytest.mark.parametrize("which", ["users file", "session key"])
def test_a_file_others_can_read_is_refused_at_start(
    tmp_path: Path, users_file: str, how: str, which: str
) -> None:
    path = Path(users_file) if which == "users file" else tmp_path / KEY_FILE
    if which == "session key":
        path.write_text("0" * 64 + "\n")
    path.chmod(0o644)
    env = {
        "MONITOR_USERS_FILE": users_file,
        "MONITOR_DATA_DIR": str(tmp_path),
        "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
        "MONITOR_PORT": str(free_port()),
    }
    command = (
        [sys.executable, "-m", "app"]
        if how == "python -m app"
        else [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"]
    )
    line = exits_2_with_one_line(command, {**os.environ, **env})
    assert line.startswith("error: ") and f"(mode 0644): run chmod 600 {path}" in line, line
    with pytest.raises(ConfigError, match="chmod 600"):
        LiveServer(live_config(tmp_path, users_file=users_file, data_dir=str(tmp_path)))
