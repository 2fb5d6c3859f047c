"""Memory of the processes ``bench.overhead`` measures, and two things it runs beside them.

- ``memory_mb``: a process's RSS and PSS (``/proc/PID/smaps_rollup``) in MiB, the unit of
  ``ps`` and of the figures in docs/benchmarks.md (written "MB" there, as the issues do).
- ``bare_gunicorn``: gunicorn itself, a gthread master and one worker serving a three-line WSGI
  app with no config file: the floor under any gunicorn master's memory, in the same run.
- ``live_tab``: one headless Chromium tab on the dashboard's live page, left open (the "one live
  tab" of the lean-process figures); ``frames`` counts the frames its sockets received.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import free_port, get_json

BARE_APP = textwrap.dedent(
    """
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    """
)


@dataclass(frozen=True)
class Memory:
    """One process's resident memory, in MiB."""

    rss: float
    pss: float


def memory_mb(pid: int) -> Memory:
    """RSS and PSS of ``pid``; zeros when it is gone."""
    fields = {"Rss:": 0.0, "Pss:": 0.0}
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return Memory(0.0, 0.0)
    for line in lines:
        name, _, rest = line.partition(" ")
        if name in fields:
            fields[name] = int(rest.split()[0]) / 1024
    return Memory(fields["Rss:"], fields["Pss:"])


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (a gunicorn master's workers)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@contextmanager
def bare_gunicorn(folder: Path) -> Iterator[int]:
    """gunicorn 27 with gthread and one worker on a three-line app; yields the master's pid."""
    (folder / "bare_app.py").write_text(BARE_APP)
    (folder / "bare_conf.py").write_text("")  # else gunicorn reads ./gunicorn.conf.py
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "-k",
        "gthread",
        "-w",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "--no-control-socket",
        "--config",
        str(folder / "bare_conf.py"),
        "--chdir",
        str(folder),
        "bare_app:app",
    ]
    process = subprocess.Popen(args, cwd=folder, start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        _wait_for_answer(f"http://127.0.0.1:{port}/")
        yield process.pid
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL to its whole session if it has not ended 30 s later."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_for_answer(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                response.read()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


POINTS = """() => {
  const plot = document.querySelector('#graph-cpu .js-plotly-plot');
  return plot && plot.data && plot.data[0] ? plot.data[0].x.length : 0;
}"""
# Counts the frames the page's sockets receive (one listener more on each socket).
COUNT_FRAMES = """(() => {
  const Native = window.WebSocket;
  window.__frames = 0;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { window.__frames += 1; });
    }
  };
})();"""


class LiveTab:
    """A Chromium tab left open on the live page."""

    def __init__(self, page: object) -> None:
        self.page = page

    def frames(self) -> int:
        """How many frames the tab's sockets have received so far."""
        return int(self.page.evaluate("() => window.__frames"))  # type: ignore[attr-defined]


@contextmanager
def live_tab(port: int) -> Iterator[LiveTab]:
    """Opens the live page of the dashboard on ``port`` and waits for its first graph point."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    if get_json(f"http://127.0.0.1:{port}/api/v1/latest") is None:
        raise RuntimeError("the dashboard does not answer")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.add_init_script(COUNT_FRAMES)
            page.goto(f"http://127.0.0.1:{port}/")
            deadline = time.monotonic() + 60
            while not page.evaluate(POINTS):  # no wait_for_function: the page's CSP forbids eval
                if time.monotonic() > deadline:
                    raise RuntimeError("the live page drew no point within 60 s")
                page.wait_for_timeout(200)
            yield LiveTab(page)
        finally:
            browser.close()
