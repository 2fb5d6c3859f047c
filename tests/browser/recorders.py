"""Things a page records about itself from its very start (``page.add_init_script``), for tests
to read afterwards: CSP violations, every status badge kind shown, every height of an element,
and what the browser's console reported as an error."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import ConsoleMessage, Page

from app.pages import ids

# securitypolicyviolation events of the document, in window.__cspViolations.
CSP_RECORDER_JS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push({
    directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile,
    line: e.lineNumber, sample: e.sample,
  });
});
"""

# Every kind of the live page's status badge (live, stale, ...), in window.__statusKinds.
STATUS_RECORDER_JS = f"""
window.__statusKinds = [];
new MutationObserver(() => {{
  const badge = document.getElementById('{ids.LIVE_STATUS}');
  const kind = badge && (badge.className.match(/status--(\\w+)/) || [])[1];
  if (kind && window.__statusKinds.at(-1) !== kind) {{ window.__statusKinds.push(kind); }}
}}).observe(document, {{ subtree: true, childList: true, attributes: true,
                          attributeFilter: ['class'] }});
"""

# Each distinct height (px) of the live page's health panel in turn, in window.__healthHeights.
HEALTH_HEIGHTS_JS = f"""
window.__healthHeights = [];
new MutationObserver((_records, observer) => {{
  const panel = document.getElementById('{ids.LIVE_HEALTH}');
  if (!panel) {{ return; }}
  observer.disconnect();
  new ResizeObserver(() => {{
    const height = Math.round(panel.getBoundingClientRect().height * 10) / 10;
    if (window.__healthHeights.at(-1) !== height) {{ window.__healthHeights.push(height); }}
  }}).observe(panel);
}}).observe(document, {{ subtree: true, childList: true }});
"""


class ConsoleErrors(list[str]):
    """Console messages of type ``error`` of a page, as text, from when it is attached."""

    def __init__(self, page: Page) -> None:
        super().__init__()
        page.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.append(f"{message.text} ({message.location.get('url', '')})")


def recorded(page: Page, name: str) -> Any:
    """What the recorder stored in ``window[name]``."""
    return page.evaluate(f"() => window.{name}")
