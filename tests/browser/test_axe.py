"""axe-core finds no serious or critical WCAG 2.1 A/AA problem on the foundation's pages."""

import pytest

from apps.accounts.roles import Role
from apps.notifications.services import notification_send
from tests.factories import UserFactory


@pytest.mark.browser
def test_axe_check_reports_a_violation(page, axe_check):
    """The helper itself can fail: a page with a nameless button and no lang is reported readably."""
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
            document.documentElement.removeAttribute("lang");
            const button = document.createElement("button");
            button.id = "nameless";
            document.querySelector("main").append(button);
        }"""
    )
    with pytest.raises(AssertionError) as failure:
        axe_check(page)
    message = str(failure.value)
    assert "html-has-lang" in message
    assert "button-name" in message and "#nameless" in message


@pytest.mark.browser
def test_sign_in_page(page, axe_check):
    page.goto("/accounts/login/")
    assert page.locator("h1").is_visible()
    axe_check(page)


@pytest.mark.browser
def test_sign_in_page_with_errors(page, axe_check):
    page.goto("/accounts/login/")
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.locator("#error-summary").wait_for()
    axe_check(page)


@pytest.mark.browser
def test_demo_account_picker(page, axe_check):
    UserFactory(display_name="山田 太郎", job_title="主事", is_demo=True)
    UserFactory(display_name="佐藤 花子", roles=[Role.COE], is_demo=True)
    UserFactory(display_name="管理 者", roles=[Role.ADMIN], is_demo=True)
    page.goto("/accounts/demo/")
    assert page.get_by_role("button", name="山田 太郎").is_visible()
    axe_check(page)


@pytest.mark.browser
@pytest.mark.parametrize("roles", [[], [Role.COE]], ids=["staff", "coe"])
def test_home_page(page_for, axe_check, roles):
    user = UserFactory(roles=roles)
    notification_send(recipients=[user], kind="announcement", params={"title": "庁内DX研修のご案内"})
    page = page_for(user)
    page.goto("/")
    assert page.locator("nav.site-nav").is_visible()
    axe_check(page)


@pytest.mark.browser
def test_notification_list(page_for, axe_check):
    user = UserFactory(email="")  # no e-mail: nothing is queued for delivery
    for title in ("庁内DX研修のご案内", "生成AI利用ガイドライン改定", "RPA導入事例の共有会"):
        notification_send(recipients=[user], kind="announcement", params={"title": title})
    page = page_for(user)
    page.goto("/notifications/")
    assert page.locator("main .list > li").count() == 3
    axe_check(page)


@pytest.mark.browser
def test_announcement_form_with_errors(page_for, axe_check):
    page = page_for(UserFactory(roles=[Role.COE]))
    page.goto("/notifications/announcements/new/")
    page.locator("main form button[type=submit]").click()
    page.locator("#error-summary").wait_for()
    axe_check(page)
