"""Alerts: rules, their evaluation over live samples, the lifecycle, evidence and notifications.

``rules`` reads the rule file (TOML) and holds the defaults; ``matching`` expands a rule's series
and host patterns over a sample's flattened names; ``windows`` keeps the window statistics;
``state`` is the state machine of one alert (pending, firing, resolved, acknowledged);
``quiet`` holds silences and quiet hours; ``evaluator`` runs all of them on each sample;
``evidence`` writes what a message says; ``notify`` sends through Apprise from its own thread;
``service`` wires evaluator, storage and notifier for a process (a bounded queue off the
sampler's path); ``backtest`` replays stored history through a fresh evaluator (``alerts test``).

Imports: the standard library, ``storage`` (events are stored there), ``lifecycle``,
``app.config`` and ``apprise`` (only in ``notify``). Never Flask, Dash or the web rooms: the
runtime and the agent run this room.
"""
