"""``python -m app``: see app/cli.py."""

import sys

from app.cli.main import main

sys.exit(main())
