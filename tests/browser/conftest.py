"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's live server.

Fixtures for later issues:
- ``page``: a fresh anonymous page (Japanese browser, 1280x800) whose relative URLs go to the live server.
- ``page_for(user, **context_options)``: a fresh page signed in as ``user``.
- ``new_page(**context_options)``: a fresh anonymous page with other context options (locale, viewport…).
- ``axe_check(page)``: runs axe-core (WCAG 2.1 A/AA) on the page as it is now and fails on
  serious or critical violations.

The site's strict CSP stays on: axe is evaluated through the DevTools protocol, which CSP does
not govern, so a page that only works with CSP bypassed still fails here.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING_IMPACTS = {"serious", "critical"}
DEFAULT_CONTEXT = {"locale": "ja-JP", "viewport": {"width": 1280, "height": 800}}
TIMEOUT_MS = 10_000


@pytest.fixture(scope="package")
def browser() -> Iterator:
    """One chromium for the whole browser package (closed before any other package's tests run)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk"
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI but {message}", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # The sync API keeps an asyncio loop running in this thread, which makes Django refuse ORM
    # calls from the test ("SynchronousOnlyOperation"). Nothing here is really async, so allow
    # it, but only while the browser package runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """Factory for fresh pages, each in its own browser context (own cookies), closed after the test."""
    contexts = []

    def make(*, cookies: list[dict] | None = None, **options):
        context = browser.new_context(base_url=live_server.url, **{**DEFAULT_CONTEXT, **options})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        if cookies:
            context.add_cookies(cookies)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A fresh anonymous page in a Japanese browser."""
    return new_page()


@pytest.fixture
def page_for(new_page, live_server) -> Callable:
    """page_for(user) -> a fresh page signed in as user, through a real session row."""

    def make(user, **options):
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookie = {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}
        return new_page(cookies=[cookie], **options)

    return make


def _format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} serious/critical WCAG 2.1 AA violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"\n[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            lines.append(f"  - {' '.join(node['target'])}")
            lines.append(f"    {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"  … and {len(violation['nodes']) - 10} more element(s)")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def axe_check(_axe_source) -> Callable:
    """axe_check(page, exclude=[selectors]) -> the axe results; fails on serious/critical violations."""

    def check(page, *, exclude: list[str] | None = None) -> dict:
        page.wait_for_load_state("load")
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(_axe_source)
        results = page.evaluate(
            """async ([tags, exclude]) => {
                const context = exclude.length ? {exclude: exclude.map((s) => [s])} : document;
                return await axe.run(context, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            }""",
            [AXE_TAGS, exclude or []],
        )
        failing = [v for v in results["violations"] if v["impact"] in AXE_FAILING_IMPACTS]
        if failing:  # raised by hand: pytest's rewriting would append the raw result dicts
            raise AssertionError(_format_violations(page.url, failing))
        return results

    return check
