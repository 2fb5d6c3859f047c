"""The sign-in and sign-out pages: small self-contained forms, no scripts (they work under the
strict CSP), each carrying the session's CSRF token."""

from __future__ import annotations

import html

from flask import Response

from app.guard.csrf import TOKEN_FIELD

_STYLE = """<style>
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { display: grid; place-items: center; min-height: 100vh; margin: 0; }
form { display: grid; gap: 12px; width: min(320px, 90vw); }
input, button { font: inherit; padding: 8px; width: 100%; box-sizing: border-box; }
.error { color: #c0392b; }
</style>"""


def _page(title: str, form: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · System monitor</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{_STYLE}</head>
<body>{form}</body></html>"""


def login_page(with_users: bool, target: str, token: str, error: str | None) -> Response:
    """The sign-in form; ``target`` is where to go afterwards (already a same-site path)."""
    user_field = (
        '<label>Name <input name="username" autocomplete="username"></label>' if with_users else ""
    )
    secret_label = "Password or token" if with_users else "Access token"
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    form = f"""<form method="post" action="login">
<h1>System monitor</h1>{message}
{user_field}
<label>{secret_label} <input name="password" type="password"
 autocomplete="current-password" required autofocus></label>
<input type="hidden" name="next" value="{html.escape(target)}">
<input type="hidden" name="{TOKEN_FIELD}" value="{html.escape(token)}">
<button type="submit">Sign in</button>
</form>"""
    return Response(_page("Sign in", form), mimetype="text/html")


def logout_page(user: str, token: str) -> Response:
    """A one-button form that signs out (a link can point here; the POST ends the session)."""
    form = f"""<form method="post" action="logout">
<h1>System monitor</h1>
<p>Signed in as {html.escape(user)}.</p>
<input type="hidden" name="{TOKEN_FIELD}" value="{html.escape(token)}">
<button type="submit">Sign out</button>
</form>"""
    return Response(_page("Sign out", form), mimetype="text/html")
