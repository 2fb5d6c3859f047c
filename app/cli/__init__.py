"""The command line: ``python -m app [serve|agent|export|hash-password]``.

``main`` parses arguments and runs a subcommand; ``serve`` runs gunicorn with
``gunicorn.conf.py``; ``export`` streams stored history as CSV. Bad input prints one line and
exits 2. May import every room; imports the heavy ones only inside the subcommand that needs
them, so ``--help`` and ``export`` stay fast.
"""
