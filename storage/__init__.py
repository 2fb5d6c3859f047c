"""The database: engine, schema, the batched writer, history reads, rollups, retention, export.

SQLAlchemy 2 Core over SQLite (the default, a file) or PostgreSQL (production). ``store`` writes
and reads packed samples, ``writer`` is the thread between the sampler and the store, ``history``
answers ranges at a screen's resolution from the raw, 1-minute and 1-hour tiers (``tiers``,
``rollups``, ``retention``, ``maintenance``), ``export`` streams CSV, ``params`` and
``timeparse`` validate what users ask, and ``blocks`` encodes many samples in one compressed
blob (not used by the store yet). May import ``lifecycle``, SQLAlchemy, pandas and numpy;
never the app, the collectors, Flask or Dash.
"""
