"""The runtime: what ``serve`` and ``agent`` share, without Flask or Dash.

``Monitor`` wires collectors, the ``Sampler`` thread, the live hub and the storage writer (and,
on PostgreSQL, the cluster's election and relay) and starts and stops them. May import
``collectors``, ``storage``, ``app.config``, ``app.hub`` and ``app.cluster``; never Flask, Dash
or the web rooms.
"""
