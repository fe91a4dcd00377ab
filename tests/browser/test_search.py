"""The search page from the keyboard alone, and axe-clean with results, with none, and with a message."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.search import registry
from apps.search.registry import SearchableType, SearchDoc
from apps.search.services import search_document_put
from tests.factories import UserFactory

MAX_TABS = 40


@pytest.fixture
def indexed_notes(db):
    searchable = SearchableType(
        key="test-note", label="Test note", model="tests.Note", document=lambda obj: None, queryset=lambda: []
    )
    registry.searchable_register(searchable)
    now = timezone.now()
    for number, (title, body) in enumerate(
        [
            ("粗大ゴミの出し方", "粗大ごみは電子申請で予約できます。"),
            ("粗大ｺﾞﾐ回収日のお知らせ", "回収日は月に一度です。"),
            ("電子申請の案内", "住民票の写しをオンラインで。"),
        ],
        start=1,
    ):
        search_document_put(
            kind="test-note",
            object_id=number,
            doc=SearchDoc(title=title, body=body, url=f"/notes/{number}/", updated_at=now - timedelta(days=number)),
        )
    yield
    registry.searchable_unregister("test-note")


def _tab_until(page, selector: str) -> None:
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached in {MAX_TABS} Tab presses")


@pytest.mark.browser
def test_search_with_the_keyboard_only(page_for, indexed_notes, axe_check):
    page = page_for(UserFactory())
    page.goto("/search/")
    _tab_until(page, "input[type=search][name=q]")
    page.keyboard.type("粗大ｺﾞﾐ")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    expect(page.locator(".search-hit")).to_have_count(2)
    expect(page.locator(".search-hit mark").first).to_be_visible()
    _tab_until(page, ".search-hit a")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "/notes/1/"  # title matches, newest first: 粗大ゴミ (1 day) before 粗大ｺﾞﾐ (2 days)
    axe_check(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/notes/1/")


@pytest.mark.browser
def test_search_page_states_are_axe_clean(page_for, indexed_notes, axe_check):
    page = page_for(UserFactory())
    for url in ("/search/", "/search/?q=", "/search/?q=存在しない言葉", "/search/?q=申請&type=test-note"):
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        axe_check(page)
