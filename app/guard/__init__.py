"""Who may get in: the Host check, the Origin rule, authentication, exposure, request guards.

``hosts`` refuses foreign Host headers; ``origin`` decides which pages may open the WebSocket;
``auth`` asks for a token or a login; ``headers`` adds the CSP and framing headers;
``dash_requests`` answers malformed Dash callback requests with 400; ``exposure`` refuses to
listen beyond loopback without authentication. ``exposure`` is imported by gunicorn's master, so
it (and this file) import neither Flask nor Dash. May import ``app.config`` and
``app.http_errors``; never the web, live or page rooms.
"""
