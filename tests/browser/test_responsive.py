"""At 320 CSS px (a phone, or 1280 px zoomed to 400 %: WCAG 1.4.10 Reflow) nothing scrolls sideways."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from apps.accounts.roles import Role
from apps.notifications.services import notification_send
from tests.factories import DepartmentFactory, UserFactory

WIDTH = 320
PHONE = {"width": WIDTH, "height": 640}

# Elements that stick out to the right of the viewport, to say what broke the layout.
OVERFLOWING_JS = """(width) => [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5)
    .slice(0, 8)
    .map((el) => `${el.outerHTML.slice(0, 100)} (right edge ${Math.round(el.getBoundingClientRect().right)}px)`)"""


def _assert_no_horizontal_scroll(page):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= WIDTH, (
        f"{page.url} scrolls sideways at {WIDTH}px (scrollWidth {scroll_width}px); overflowing: "
        + "\n  ".join(page.evaluate(OVERFLOWING_JS, WIDTH))
    )


@pytest.fixture
def long_named_user():
    department = DepartmentFactory(
        name_ja="デジタル戦略局デジタル推進部デジタルトランスフォーメーション推進課",
        name_en="Digital Transformation Promotion Section, Digital Strategy Bureau",
    )
    user = UserFactory(display_name="長谷川 健太郎右衛門", department=department, email="", roles=[Role.COE])
    notification_send(
        recipients=[user],
        kind="announcement",
        params={"title": "令和8年度庁内デジタルトランスフォーメーション推進研修（生成AI活用編）開催のお知らせ"},
    )
    return user


@pytest.mark.browser
def test_home_page_fits_320px_and_its_navigation_works(page_for, long_named_user):
    page = page_for(long_named_user, viewport=PHONE)
    page.goto("/")
    _assert_no_horizontal_scroll(page)

    links = page.locator(".site-nav a")
    assert links.count() >= 2
    header_controls = page.locator(".site-header a, .site-header button")
    for i in range(header_controls.count()):
        control = header_controls.nth(i)
        if control.evaluate("(el) => el.matches('.skip-link')"):
            continue
        expect(control).to_be_visible()
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, f"cut off at {WIDTH}px: {control.inner_text()!r}"
        assert box["height"] >= 24, f"too small to tap ({box['height']}px high): {control.inner_text()!r}"

    target = links.last
    href = target.get_attribute("href")
    with page.expect_navigation():
        target.click()
    assert urlparse(page.url).path == href, f"the {target.inner_text()!r} link led to {page.url}"
    expect(page.locator(f".site-nav a[href='{href}']")).to_have_attribute("aria-current", "page")
    _assert_no_horizontal_scroll(page)


@pytest.mark.browser
def test_announcement_form_with_errors_fits_320px(page_for, long_named_user):
    page = page_for(long_named_user, viewport=PHONE)
    page.goto("/notifications/announcements/new/")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    _assert_no_horizontal_scroll(page)
