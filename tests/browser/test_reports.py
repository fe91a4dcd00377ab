"""The reports dashboard in a real browser: axe-clean with its charts drawn (each canvas an
image with a text alternative, its table right under it), and printable on A4."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.reports.city import make_city
from tests.reports.helpers import run_report_builds

URL = "/reports/?fy=2024&compare=on"


@pytest.fixture
def city(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield make_city()
    cache.clear()


def open_with_figures(page, url: str = URL) -> None:
    """Open the dashboard, let the worker compute its figures, and wait for the page's own
    poll (htmx) to show them."""
    page.goto(url)
    run_report_builds()
    expect(page.locator(".report-section").first).to_be_visible(timeout=15_000)


@pytest.mark.browser
def test_while_the_figures_are_computed_the_page_says_so_and_then_shows_them(page_for, axe_check, city):
    page = page_for(city.admin)
    page.goto(URL)
    status = page.locator(".report-pending").get_by_role("status")
    expect(status).to_have_text("この条件の数値を集計しています。集計が終わると、このページに表示されます。")
    axe_check(page)
    page.locator("#id_fy").focus()  # a reader busy with the filters keeps their place
    run_report_builds()
    expect(page.locator(".report-section").first).to_be_visible(timeout=15_000)
    expect(page.locator("#id_fy")).to_be_focused()
    expect(page.locator(".report-print")).to_be_visible()
    assert page.evaluate("() => [...document.querySelectorAll('canvas[data-chart]')].every(c => !!Chart.getChart(c))")


@pytest.mark.browser
def test_dashboard_is_axe_clean_with_charts_drawn(page_for, axe_check, city):
    page = page_for(city.admin)
    errors = []  # script errors and CSP refusals (the charts run under the strict policy)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    open_with_figures(page)
    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() >= 10
    for index in range(canvases.count()):
        canvas = canvases.nth(index)
        expect(canvas).to_have_attribute("role", "img")
        assert (canvas.get_attribute("aria-label") or "").strip()
        # The table with the same numbers follows the chart.
        assert canvas.evaluate("c => !!c.closest('.report-block').querySelector('table')")
    drawn = page.evaluate("() => [...document.querySelectorAll('canvas[data-chart]')].every(c => !!Chart.getChart(c))")
    assert drawn
    expect(page.locator(".report-print")).to_be_visible()
    assert errors == []
    axe_check(page)


@pytest.mark.browser
def test_dashboard_with_a_bad_period_is_axe_clean(page_for, axe_check, city):
    page = page_for(city.manager_own)
    page.goto("/reports/?start=2025-03-31&end=2025-03-01")
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("canvas")).to_have_count(0)
    axe_check(page)


@pytest.mark.browser
def test_dashboard_prints_on_a4_without_the_controls(page_for, city):
    page = page_for(city.admin)
    open_with_figures(page)
    page.emulate_media(media="print")
    for selector in (".site-header", ".site-nav", ".report-filters", ".report-downloads", ".report-toc"):
        expect(page.locator(selector).first).to_be_hidden()
    expect(page.locator(".report-section").first).to_be_visible()
    expect(page.locator(".report-table").first).to_be_visible()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")


@pytest.mark.browser
def test_dashboard_reflows_at_320_pixels(page_for, city):
    page = page_for(city.manager_own, viewport={"width": 320, "height": 640})
    open_with_figures(page)
    # Wide tables scroll inside their own box; the page itself never scrolls sideways (WCAG 1.4.10).
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
