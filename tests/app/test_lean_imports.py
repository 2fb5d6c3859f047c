"""What only the history page or an export needs is imported when first used, not at start."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SERVE_THE_LIVE_PAGE = textwrap.dedent(
    """
    import sys
    from app import create_app
    from app.config import Config
    from app.guard.dash_requests import LAYOUTS_KEY

    config = Config(database_url="sqlite:///" + sys.argv[1])
    server = create_app(config).server
    server.extensions[LAYOUTS_KEY]()  # every page's layout, as the first callback builds them
    client = server.test_client()
    for path in ("/", "/_dash-layout", "/_dash-dependencies", "/api/v1/hosts"):
        assert client.get(path).status_code < 500, path
    print(" ".join(sorted(m for m in ("pandas", "plotly.express") if m in sys.modules)))
    """
)


def test_serving_the_live_page_loads_no_pandas(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SERVE_THE_LIVE_PAGE, str(tmp_path / "lean.db")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
