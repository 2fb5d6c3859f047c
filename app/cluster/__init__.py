"""Several processes and hosts on one PostgreSQL: the election, the relay and their helpers.

``election`` picks one sampler per host with an advisory lock; ``relay`` sends every sample with
``NOTIFY`` (whole on its host's channel, its summary on the deployment's summary channel);
``listener`` hears every summary and the whole samples of the hosts watched here, and publishes
them into the local hub; ``codec`` splits and reassembles samples under PostgreSQL's payload
limit; ``pg`` holds the connection, naming and key helpers.
May import ``app.hub``, psycopg2 and SQLAlchemy; never Flask, Dash or the runtime.
"""
