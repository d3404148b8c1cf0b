"""Headless Chromium for the browser tests, from Debian (`make test` installs it), guarded:

- every request to anywhere but the test server is aborted (no page may depend on the network);
- every Content Security Policy violation a page reports is collected, and a module whose
  pages violated the policy fails at teardown (an inline script or style would otherwise only
  be seen in a real browser's console).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NAVIGATION_RETRIES = 3
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


class GuardedBrowser:
    def __init__(self, browser, origin: str) -> None:
        self._browser, self.origin = browser, origin
        self.csp_violations: list[str] = []
        self.blocked: list[str] = []

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.route("**/*", self._only_our_origin)
        context.on("console", self._console)
        return context

    def new_page(self, **kwargs):
        return self.new_context(**kwargs).new_page()

    def _only_our_origin(self, route):
        url = route.request.url
        if url.startswith((self.origin + "/", "data:", "blob:")) or url == self.origin:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _console(self, message):
        if "Content Security Policy" in message.text:
            where = message.location.get("url", "") if message.location else ""
            self.csp_violations.append(
                f"{message.text} (on {message.page.url if message.page else where})"
            )


@pytest.fixture(scope="module")
def browser(live_server):
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is missing: `make test` installs it from Debian (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread; Django's database calls from the test
    # body happen before and after it, never inside it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        raw = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        guarded = GuardedBrowser(raw, live_server.url)
        yield guarded
        raw.close()
    assert guarded.csp_violations == [], "pages broke the Content Security Policy"


def violations(page) -> list[str]:
    """axe-core's WCAG 2.2 A/AA findings on the page. axe is evaluated through the DevTools
    protocol, which a page's Content Security Policy does not govern (an injected script tag
    would be refused, as any inline script is).

    A click that follows a link returns before the next page has loaded: the check waits for
    the page to load, and if a navigation still replaces the document under axe (no document,
    or the script's context destroyed), it waits again and checks the page that arrived."""
    from playwright.sync_api import Error as PlaywrightError

    rules = "['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']"
    for attempt in range(NAVIGATION_RETRIES + 1):
        page.wait_for_load_state("load")
        try:
            page.evaluate(AXE.read_text())
            result = page.evaluate(f"async () => await axe.run(document, {{runOnly: {rules}}})")
            break
        except PlaywrightError as error:
            if attempt == NAVIGATION_RETRIES or not _replaced_under_us(error):
                raise
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def _replaced_under_us(error: Exception) -> bool:
    text = str(error)
    return any(
        sign in text
        for sign in (
            "reading 'documentElement'",
            "Execution context was destroyed",
            "navigation",
            "axe is not defined",
        )
    )
