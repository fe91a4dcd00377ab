"""Everything in the page shell works from the keyboard, and you can see where the focus is."""

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

MAX_TABS = 40

# Which shell control has the focus, and how its focus is drawn.
FOCUSED_JS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    let key = null;
    if (el.matches(".site-nav a")) key = "nav " + el.getAttribute("href");
    else if (el.matches("button[name=language]")) key = "language " + el.value;
    return {
        key,
        html: el.outerHTML.slice(0, 120),
        outlineStyle: style.outlineStyle,
        outlineWidth: parseFloat(style.outlineWidth) || 0,
    };
}"""


def _shell_controls(page) -> set[str]:
    nav = page.locator(".site-nav a").evaluate_all("(links) => links.map((a) => 'nav ' + a.getAttribute('href'))")
    language = page.locator("button[name=language]").evaluate_all("(bs) => bs.map((b) => 'language ' + b.value)")
    return set(nav) | set(language)


def _tab_until(page, predicate) -> list[dict]:
    """Press Tab until predicate(focused) holds; returns everything focused on the way."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        seen.append(focused)
        if focused and predicate(focused):
            return seen
    raise AssertionError(f"not reached in {MAX_TABS} Tab presses; focus went through: {seen}")


@pytest.mark.browser
def test_first_tab_is_the_skip_link_and_it_moves_focus_to_main(page_for):
    page = page_for(UserFactory())
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator("a[href='#main']").first
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # hidden off-screen until focused, then shown
    assert skip.inner_text().strip()

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues inside the main content, past the header and navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)"), page.evaluate(
        "document.activeElement.outerHTML.slice(0, 120)"
    )


@pytest.mark.browser
def test_navigation_and_language_switch_are_reachable_with_a_visible_focus(page_for):
    page = page_for(UserFactory())
    page.goto("/")
    expected = _shell_controls(page)
    assert len([k for k in expected if k.startswith("nav ")]) >= 2, f"the main navigation is missing: {expected}"
    assert any(k.startswith("language ") for k in expected), "the language switch is missing"

    reached: dict[str, dict] = {}

    def all_reached(focused: dict) -> bool:
        if focused["key"]:
            reached[focused["key"]] = focused
        return expected <= reached.keys()

    _tab_until(page, all_reached)

    invisible = [f for f in reached.values() if f["outlineStyle"] == "none" or f["outlineWidth"] < 2]
    assert not invisible, f"focused without a visible outline: {invisible}"


@pytest.mark.browser
@pytest.mark.parametrize(("signed_in", "path"), [(True, "/"), (False, "/accounts/login/")], ids=["staff", "anonymous"])
def test_switching_language_with_the_keyboard(page_for, page, signed_in, path):
    if signed_in:
        page = page_for(UserFactory())
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    _tab_until(page, lambda f: f["key"] == "language en")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith(path), f"switching language should stay on {path}, went to {page.url}"
    expect(page.locator("button[name=language]")).to_have_attribute("value", "ja")
    # The choice sticks on the next page.
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
