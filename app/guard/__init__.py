"""Who may get in: the Host check, the Origin rule, authentication, exposure, request guards.

``hosts`` refuses foreign Host headers (forwarded ones too); ``origin`` decides which pages may
open the WebSocket; ``csrf`` refuses cross-site POSTs and checks the forms' tokens; ``auth``
asks for a token or a login, with server-side ``sessions``, the ``credentials`` files (users,
session key), the failure ``throttle``, the ``login_page`` forms and same-site ``redirects``;
``headers`` adds the CSP and framing headers; ``dash_requests`` answers malformed Dash callback
requests with 400; ``exposure`` is the rule against listening beyond loopback without
authentication, which ``startup`` applies in gunicorn's master (to what gunicorn binds);
``slow_clients`` is the gunicorn worker that bounds how long a client may take to send a
request (its ``request_reading``, imported in the worker only). ``exposure``, ``startup``,
``credentials``, ``sessions``, ``throttle`` and ``slow_clients`` are imported by gunicorn's
master, so they (and this file) import neither Flask nor Dash. May import ``app.config`` and
``app.http_errors``; never the web, live or page rooms.
"""
