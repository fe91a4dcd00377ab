"""A form with errors tells a screen-reader user what went wrong, takes them there, and keeps their input."""

import pytest
from playwright.sync_api import expect

from apps.accounts.roles import Role
from tests.factories import DepartmentFactory, UserFactory

FORM_URL = "/notifications/announcements/new/"

# What a screen reader gets for a field: its error list, linked, and the field marked invalid.
FIELD_STATE_JS = """(el) => {
    const box = el.closest(".field");
    const list = box && box.querySelector(".field__errors");
    const describedby = (el.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean);
    const style = getComputedStyle(el);
    return {
        invalid: el.getAttribute("aria-invalid"),
        describedby,
        dangling: describedby.filter((id) => !document.getElementById(id)),
        errorListId: list ? list.id : null,
        errorText: list ? list.textContent.trim() : "",
        errorColor: list ? getComputedStyle(list).color : null,
        borderColor: style.borderTopColor,
        borderWidth: parseFloat(style.borderTopWidth) || 0,
    };
}"""


def _submit(page):
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


@pytest.mark.browser
def test_empty_announcement_form_errors_are_announced_and_linked(page_for):
    page = page_for(UserFactory(roles=[Role.COE]))
    page.goto(FORM_URL)
    expect(page.locator("#error-summary")).to_have_count(0)
    _submit(page)

    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()

    hrefs = summary.locator("a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    assert len(hrefs) >= 2, f"title and body are required, so both should be listed; summary links: {hrefs}"
    for href in hrefs:
        assert href.startswith("#") and len(href) > 1, f"summary link {href!r} is not an in-page link"
        field = page.locator(f"[id='{href[1:]}']")
        assert field.count() == 1, f"summary link {href} points at no field"
        assert field.evaluate("(el) => ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)"), (
            f"summary link {href} points at a {field.evaluate('(el) => el.tagName')}, not a form field"
        )
        state = field.evaluate(FIELD_STATE_JS)
        assert state["invalid"] == "true", f"{href}: aria-invalid is {state['invalid']!r}"
        assert state["errorListId"], f"{href}: no visible error list next to the field"
        assert state["errorText"], f"{href}: the error list is empty"
        assert state["errorListId"] in state["describedby"], (
            f"{href}: aria-describedby {state['describedby']} does not name the error list #{state['errorListId']}"
        )
        assert not state["dangling"], f"{href}: aria-describedby names missing ids {state['dangling']}"
        # Sighted users see it too: the field is outlined in the error colour.
        assert state["borderWidth"] >= 2 and state["borderColor"] == state["errorColor"], (
            f"{href}: border {state['borderWidth']}px {state['borderColor']}, error text is {state['errorColor']}"
        )

    # Following a summary link puts the keyboard focus in that field.
    first = summary.locator("a").first
    target = page.locator(f"[id='{hrefs[0][1:]}']")
    first.focus()
    page.keyboard.press("Enter")
    expect(target).to_be_focused()


@pytest.mark.browser
def test_announcement_form_keeps_what_was_typed_after_an_error(page_for):
    department = DepartmentFactory(name_ja="デジタル推進課", name_en="Digital Promotion Section")
    page = page_for(UserFactory(roles=[Role.COE]))
    page.goto(FORM_URL)
    title = "庁内DX研修のご案内（第2回）"
    page.locator("#id_title").fill(title)
    page.locator("#id_department").select_option(str(department.pk))
    _submit(page)  # body left empty

    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#id_title")).to_have_value(title)
    expect(page.locator("#id_department")).to_have_value(str(department.pk))
    expect(page.locator("#id_title")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_body")).to_have_attribute("aria-invalid", "true")
    hrefs = page.locator("#error-summary a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    assert hrefs == ["#id_body"], f"only the empty body should be reported; summary links: {hrefs}"
