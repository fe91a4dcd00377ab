"""Support requests in a real browser, keyboard only: a department asks, a COE member
triages, replies and resolves, the requester rates. axe-core on the form, the queue and
the request page (for both sides)."""

import re

import pytest
from playwright.sync_api import expect

from apps.accounts.roles import Role
from apps.support.models import Reply, Status, SupportRequest
from tests.factories import DepartmentFactory, UserFactory

MAX_TABS = 120


def tab_to(page, selector: str) -> None:
    """Press Tab until the element matching selector has the focus (keyboard only)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    focused = page.evaluate("document.activeElement && document.activeElement.outerHTML.slice(0, 120)")
    raise AssertionError(f"{selector} not reached in {MAX_TABS} Tab presses; focus is on {focused}")


def choose_radio(page, name: str, value: str) -> None:
    """Tab into a radio group, then move with the arrow keys to the value (which checks it)."""
    tab_to(page, f"input[name={name}]")
    for _ in range(12):
        if page.evaluate("() => document.activeElement.value") == value:
            page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no {value!r} in the {name} radio group")


@pytest.fixture
def people(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    section = DepartmentFactory(name_ja="市民課", name_en="Residents' Services Section")
    requester = UserFactory(display_name="依頼 太郎", department=section)
    coe = UserFactory(display_name="COE 花子", roles=[Role.COE])
    return requester, coe


@pytest.mark.browser
def test_ask_triage_reply_resolve_and_rate_with_the_keyboard_only(page_for, axe_check, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    requester, coe = people

    # 1. A department asks.
    page = page_for(requester)
    page.goto("/support/requests/")
    tab_to(page, "a[href='/support/requests/new/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/support/requests/new/")
    axe_check(page)
    tab_to(page, "input[name=kind]")
    page.keyboard.press("Space")  # the first kind: design-thinking facilitation
    tab_to(page, "#id_title")
    page.keyboard.type("窓口の待ち時間を減らしたい")
    tab_to(page, "#id_description")
    page.keyboard.type("繁忙期に1時間待ちになる。ワークショップで来庁者の視点から考えたい。")
    tab_to(page, "button[value=send]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/support/requests/\d+/$"))
    expect(page.locator(".alert--success")).to_be_visible()
    request = SupportRequest.objects.get(title="窓口の待ち時間を減らしたい")
    assert (request.requester, request.kind, request.department) == (requester, "design_thinking", requester.department)
    axe_check(page)

    # 2. A COE member finds it in the queue and triages it.
    page = page_for(coe)
    page.goto("/support/queue/")
    axe_check(page)
    tab_to(page, f"a[href='/support/requests/{request.pk}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/support/requests/{request.pk}/")
    axe_check(page)
    tab_to(page, "#triage-assignee")
    page.keyboard.press("ArrowDown")  # "Nobody yet" → the first COE member (the only one)
    tab_to(page, "#triage-priority")
    page.keyboard.press("ArrowDown")  # Normal → High
    tab_to(page, "form[action$='/triage/'] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".alert--success")).to_be_visible()
    request.refresh_from_db()
    assert (request.status, request.assignee, request.priority) == (Status.TRIAGED, coe, 3)

    # 3. … replies …
    tab_to(page, "#reply-body")
    page.keyboard.type("担当します。来週、30分ほど打合せをさせてください。")
    tab_to(page, "form[action$='/reply/'] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".alert--success")).to_be_visible()
    assert Reply.objects.filter(request=request, author=coe, internal=False).exists()

    # 4. … and resolves it with a summary.
    choose_radio(page, "to_status", "resolved")
    tab_to(page, "#status-comment")
    page.keyboard.type("ワークショップを実施し、記入例の掲示を試行することになりました。")
    tab_to(page, "form[action$='/status/'] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".alert--success")).to_be_visible()
    request.refresh_from_db()
    assert request.status == Status.RESOLVED and "記入例" in request.resolution_summary
    axe_check(page)

    # 5. The requester rates the support.
    page = page_for(requester)
    page.goto(f"/support/requests/{request.pk}/")
    axe_check(page)
    tab_to(page, "input[name=rating]")  # the first choice: 5 – excellent
    page.keyboard.press("Space")
    tab_to(page, "#rating-comment")
    page.keyboard.type("とても助かりました。")
    tab_to(page, "form[action$='/rate/'] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".alert--success")).to_be_visible()
    request.refresh_from_db()
    assert (request.rating, request.rating_comment) == (5, "とても助かりました。")
    page.goto("/support/requests/")
    axe_check(page)


@pytest.mark.browser
def test_form_errors_keep_everything_and_are_announced(page_for, axe_check, people):
    requester, _coe = people
    page = page_for(requester)
    page.goto("/support/requests/new/")
    tab_to(page, "#id_description")
    page.keyboard.type("タイトルを書き忘れた依頼")
    tab_to(page, "button[value=send]")
    page.keyboard.press("Enter")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(page.locator("#id_description")).to_have_value("タイトルを書き忘れた依頼")
    axe_check(page)
    assert not SupportRequest.objects.exists()
