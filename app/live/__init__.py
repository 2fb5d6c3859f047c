"""The live WebSocket ``/ws/metrics``: route, per-connection stream, transport, shared frames.

``route`` checks a request and upgrades it; ``stream`` sends one connection its backlog and every
new sample; ``transport`` makes the socket's writes whole and non-blocking for the publisher;
``frames`` builds each sample's frame bytes once for every connection; ``writers`` picks how a
connection writes them; ``connections`` tracks the open ones. May import ``app.hub``,
``app.runtime``, ``app.guard`` (the origin rule), ``app.http_errors`` and ``app.paths``.
"""
