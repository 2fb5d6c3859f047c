"""The web server: the ``create_app`` factory and the HTTP routes it attaches.

``factory`` builds the Flask server and the Dash app and attaches every part in its lists;
``api`` serves the latest sample, hosts, health and ``/metrics`` (``prometheus`` renders it);
``history_api`` the history, process snapshots and CSV export; ``host_summaries`` what the
``/hosts`` page shows; ``relayed`` which relayed whole samples are current here;
``compression`` brotli and gzip. The top of the app: may import every
other room.
"""
