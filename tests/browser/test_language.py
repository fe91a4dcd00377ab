"""The portal speaks Japanese unless the browser or the user asks for English."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")  # kana or kanji


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["ja-JP", "fr-FR"])
def test_a_fresh_browser_gets_japanese(new_page, locale):
    """ja-JP, and also a language the portal does not offer, fall back to Japanese."""
    page = new_page(locale=locale)
    response = page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    assert response.headers.get("content-language") == "ja"
    heading = page.locator("h1").inner_text()
    assert JAPANESE.search(heading), f"lang is ja but the heading is not in Japanese: {heading!r}"


@pytest.mark.browser
def test_a_signed_in_user_without_a_saved_language_gets_japanese(page_for):
    page = page_for(UserFactory(language=""), locale="ja-JP")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")


@pytest.mark.browser
def test_an_english_browser_gets_english(new_page):
    """The lang attribute follows the language actually served, not a fixed value."""
    page = new_page(locale="en-US")
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    heading = page.locator("h1").inner_text()
    assert not JAPANESE.search(heading), f"lang is en but the heading is in Japanese: {heading!r}"
