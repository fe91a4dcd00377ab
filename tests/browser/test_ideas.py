"""Idea challenge in a real browser: keyboard only from submitting to unvoting, and axe-core
on the challenge, idea and results pages."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.roles import Role
from apps.ideas import services
from apps.ideas.models import Idea, Vote
from tests.factories import UserFactory
from tests.ideas.factories import CategoryFactory, ChallengeFactory, IdeaFactory

MAX_TABS = 80
# htmx has finished swapping and settling (it restores the focus while swapping).
SETTLED = "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"


def tab_to(page, selector: str) -> None:
    """Press Tab until the element matching selector has the focus (keyboard only)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    focused = page.evaluate("document.activeElement && document.activeElement.outerHTML.slice(0, 120)")
    raise AssertionError(f"{selector} not reached in {MAX_TABS} Tab presses; focus is on {focused}")


@pytest.mark.browser
def test_submit_approve_vote_and_unvote_with_the_keyboard_only(page_for):
    challenge = ChallengeFactory(premoderation=True, title="キーボードのチャレンジ")
    CategoryFactory(challenge=challenge, name_ja="業務効率化")
    author, coe, voter = UserFactory(), UserFactory(roles=[Role.COE]), UserFactory()

    # 1. Staff submit an idea.
    page = page_for(author)
    page.goto(f"/ideas/{challenge.pk}/")
    tab_to(page, f"a[href='/ideas/{challenge.pk}/ideas/new/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/ideas/{challenge.pk}/ideas/new/")
    tab_to(page, "#id_title")
    page.keyboard.type("キーボードだけで出したアイデア")
    tab_to(page, "#id_summary")
    page.keyboard.type("マウスを使わずに提出できることを確かめる")
    tab_to(page, "button[value=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/ideas/idea/*/")
    idea = Idea.objects.get(title="キーボードだけで出したアイデア")
    assert idea.status == Idea.Status.SUBMITTED
    page.close()

    # 2. The COE approves it.
    page = page_for(coe)
    page.goto(f"/ideas/idea/{idea.pk}/")
    tab_to(page, "input[name=decision][value=approve]")
    page.keyboard.press("Space")
    tab_to(page, "form[action$='/moderate/'] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".alert--success")).to_be_visible()
    idea.refresh_from_db()
    assert idea.status == Idea.Status.APPROVED
    page.close()

    # 3. Someone else likes it and takes it back, with htmx: the button stays focused.
    page = page_for(voter)
    page.goto(f"/ideas/idea/{idea.pk}/")
    button = page.locator(f"#vote-button-{idea.pk}")
    expect(button).to_have_attribute("aria-pressed", "false")
    tab_to(page, f"#vote-button-{idea.pk}")
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(SETTLED)
    expect(page.locator("#vote-announcer")).not_to_be_empty()
    assert Vote.objects.filter(idea=idea, voter=voter).exists()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "false")
    page.wait_for_function(SETTLED)
    expect(button).to_be_focused()
    assert not Vote.objects.filter(idea=idea, voter=voter).exists()


@pytest.mark.browser
def test_vote_without_javascript(page_for):
    idea = IdeaFactory()
    voter = UserFactory()
    page = page_for(voter, java_script_enabled=False)
    page.goto(f"/ideas/idea/{idea.pk}/")
    page.locator(f"#vote-button-{idea.pk}").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".alert--success")).to_be_visible()
    expect(page.locator(f"#vote-button-{idea.pk}")).to_have_attribute("aria-pressed", "true")
    assert Vote.objects.filter(idea=idea, voter=voter).exists()


@pytest.mark.browser
def test_challenge_idea_and_results_pages_pass_axe(page_for, axe_check):
    now = timezone.now()
    challenge = ChallengeFactory(
        title="アクセシビリティ確認",
        theme="## テーマ\n業務改善のアイデアを募集します。",
        submission_start=now - timedelta(days=40),
        submission_end=now - timedelta(days=20),
        voting_start=now - timedelta(days=30),
        voting_end=now - timedelta(days=1),
    )
    category = CategoryFactory(challenge=challenge, name_ja="市民サービス")
    ideas = [IdeaFactory(challenge=challenge, category=category, title=f"アイデア{i}") for i in range(3)]
    coe = UserFactory(roles=[Role.COE])
    services.comment_add(idea_id=ideas[0].pk, author=coe, body="良い案です https://example.com")
    services.challenge_publish_results(challenge_id=challenge.pk, actor=coe)
    voting = ChallengeFactory(title="投票中のチャレンジ", vote_kind="budget", vote_budget=3)
    open_idea = IdeaFactory(challenge=voting)

    page = page_for(UserFactory())
    for path in (
        f"/ideas/{challenge.pk}/",
        f"/ideas/{voting.pk}/",
        f"/ideas/{voting.pk}/ideas/",
        f"/ideas/idea/{ideas[0].pk}/",
        f"/ideas/idea/{open_idea.pk}/",
        f"/ideas/{challenge.pk}/results/",
        f"/ideas/{voting.pk}/ideas/new/",
        "/ideas/",
    ):
        page.goto(path)
        axe_check(page)
    coe_page = page_for(coe)
    coe_page.goto(f"/ideas/idea/{open_idea.pk}/")
    axe_check(coe_page)
