"""Pages and permissions of the idea challenge, through the test client."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.core.exceptions import RuleError
from apps.ideas import services
from apps.ideas.models import Challenge, Coauthor, Comment, Idea, Vote
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"<[^>]+>", "", response.content.decode())


def as_user(user) -> Client:
    """A client of its own (own cookies, so no message of another user's request shows)."""
    client = Client()
    client.force_login(user)
    return client


def detail(idea):
    return reverse("ideas:idea_detail", args=[idea.pk])


# --- visibility ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Idea.Status.DRAFT, Idea.Status.SUBMITTED, Idea.Status.RETURNED])
def test_unpublished_ideas_are_invisible_to_other_staff(client_for, idea_factory, user_factory, status):
    idea = idea_factory(status=status, title="まだ非公開のアイデア")
    other = client_for(user_factory())
    assert other.get(detail(idea)).status_code == 404
    listing = other.get(reverse("ideas:idea_list", args=[idea.challenge_id]))
    assert "まだ非公開のアイデア" not in listing.content.decode()


def test_author_sees_own_draft_and_coe_sees_submitted_but_not_drafts(client_for, idea_factory, user_factory):
    draft = idea_factory(status=Idea.Status.DRAFT)
    submitted = idea_factory(status=Idea.Status.SUBMITTED)
    assert client_for(draft.author).get(detail(draft)).status_code == 200
    coe = user_factory(roles=[Role.COE])
    assert client_for(coe).get(detail(submitted)).status_code == 200
    assert client_for(coe).get(detail(draft)).status_code == 404


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COE])
def test_someone_elses_draft_is_private_from_administrators_and_the_coe(client_for, idea_factory, user_factory, role):
    draft = idea_factory(status=Idea.Status.DRAFT, title="まだ下書きのアイデア")
    client = client_for(user_factory(roles=[role]))
    assert client.get(detail(draft)).status_code == 404
    assert client.get(reverse("ideas:idea_edit", args=[draft.pk])).status_code == 404
    response = client.post(
        reverse("ideas:idea_edit", args=[draft.pk]), {"action": "save", "title": "書き換え", "summary": "x"}
    )
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.title == "まだ下書きのアイデア"


def test_returned_reason_is_shown_to_the_author_only(client_for, idea_factory, user_factory):
    challenge_idea = idea_factory(status=Idea.Status.SUBMITTED)
    coe = user_factory(roles=[Role.COE])
    services.idea_moderate(idea_id=challenge_idea.pk, actor=coe, approve=False, reason="効果の数字を書いてください")
    page = client_for(challenge_idea.author).get(detail(challenge_idea)).content.decode()
    assert "効果の数字を書いてください" in page
    assert client_for(user_factory()).get(detail(challenge_idea)).status_code == 404


def test_staff_cannot_moderate_and_coe_can(client_for, idea_factory, user_factory):
    idea = idea_factory(status=Idea.Status.SUBMITTED)
    url = reverse("ideas:idea_moderate", args=[idea.pk])
    staff = client_for(user_factory())
    assert staff.post(url, {"decision": "approve"}).status_code == 404  # cannot even see it
    idea.refresh_from_db()
    assert idea.status == Idea.Status.SUBMITTED
    coe_user = user_factory(roles=[Role.COE])
    response = client_for(coe_user).post(url, {"decision": "approve"})
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.status == Idea.Status.APPROVED
    assert Notification.objects.filter(recipient=idea.author, kind="idea_approved").exists()


def test_returning_needs_a_reason(client_for, idea_factory, user_factory):
    idea = idea_factory(status=Idea.Status.SUBMITTED)
    coe = client_for(user_factory(roles=[Role.COE]))
    response = coe.post(reverse("ideas:idea_moderate", args=[idea.pk]), {"decision": "return", "reason": " "})
    assert response.status_code == 400
    idea.refresh_from_db()
    assert idea.status == Idea.Status.SUBMITTED


def test_staff_cannot_create_challenges_or_see_moderation(client_for, challenge_factory, user_factory):
    challenge = challenge_factory()
    staff = client_for(user_factory())
    assert staff.get(reverse("ideas:challenge_create")).status_code == 403
    assert staff.get(reverse("ideas:moderation", args=[challenge.pk])).status_code == 403
    assert staff.get(reverse("ideas:challenge_edit", args=[challenge.pk])).status_code == 403


def test_coe_creates_a_challenge_in_japan_time(client_for, user_factory):
    coe = client_for(user_factory(roles=[Role.COE]))
    response = coe.post(
        reverse("ideas:challenge_create"),
        {
            "title": "いいね！チャレンジ",
            "theme": "業務改善のアイデア",
            "submission_start": "2026-08-10T09:00",
            "submission_end": "2026-08-28T17:00",
            "voting_start": "2026-08-17T09:00",
            "voting_end": "2026-09-06T17:00",
            "vote_kind": "budget",
            "vote_budget": "5",
            "own_department_may_vote": "on",
            "results_visibility": "all",
            "categories": "業務効率化 | Efficiency\n市民サービス",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    challenge = Challenge.objects.get()
    assert timezone.localtime(challenge.voting_end).hour == 17
    assert challenge.voting_end.utcoffset() is not None
    assert challenge.voting_end == datetime(2026, 9, 6, 8, 0, tzinfo=UTC)
    assert [c.name_ja for c in challenge.categories.all()] == ["業務効率化", "市民サービス"]
    assert challenge.categories.first().name_en == "Efficiency"


def test_challenge_form_errors_keep_what_was_typed(client_for, user_factory):
    coe = client_for(user_factory(roles=[Role.COE]))
    response = coe.post(
        reverse("ideas:challenge_create"),
        {
            "title": "入力を残すチャレンジ",
            "theme": "テーマ本文",
            "submission_start": "2026-08-10T09:00",
            "submission_end": "2026-08-01T09:00",
            "voting_start": "2026-08-17T09:00",
            "voting_end": "2026-09-06T17:00",
            "vote_kind": "like",
            "vote_budget": "3",
            "results_visibility": "all",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "入力を残すチャレンジ" in page and "テーマ本文" in page and "2026-09-06T17:00" in page
    assert not Challenge.objects.exists()


# --- phases ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sub, vote, expected",
    [
        ((+5, +10), (+6, +12), "Upcoming"),
        ((-5, +10), (+6, +12), "Accepting ideas"),
        ((-5, +10), (-1, +12), "Accepting ideas and voting"),
        ((-10, -5), (-2, +12), "Voting"),
        ((-10, -5), (-4, -1), "Closed"),
    ],
)
def test_phase_is_derived_from_the_clock_and_shown_with_the_dates(
    client_for, challenge_factory, user_factory, sub, vote, expected, settings
):
    settings.LANGUAGE_CODE = "en"
    now = timezone.now()
    challenge = challenge_factory(
        submission_start=now + timedelta(days=sub[0]),
        submission_end=now + timedelta(days=sub[1]),
        voting_start=now + timedelta(days=vote[0]),
        voting_end=now + timedelta(days=vote[1]),
    )
    client = client_for(user_factory(language="en"))
    page = client.get(reverse("ideas:challenge_detail", args=[challenge.pk])).content.decode()
    assert f">{expected}</span>" in page
    assert challenge.voting_end.isoformat()[:10] in page or timezone.localtime(challenge.voting_end).isoformat() in page


def test_results_phase_and_japanese_dates(client_for, closed_challenge, user_factory):
    services.challenge_publish_results(challenge_id=closed_challenge.pk, actor=user_factory(roles=[Role.COE]))
    client = client_for(user_factory(language="ja"))
    page = client.get(reverse("ideas:challenge_detail", args=[closed_challenge.pk])).content.decode()
    local = timezone.localtime(closed_challenge.voting_end)
    assert f"{local.year}年{local.month}月{local.day}日" in page
    assert "phase-badge--results" in page


# --- writing ideas ---------------------------------------------------------------------------


def test_idea_list_filters_orders_and_pages(
    client_for, challenge_factory, category_factory, idea_factory, comment_factory, user_factory
):
    challenge = challenge_factory()
    kaizen, other = category_factory(challenge=challenge), category_factory(challenge=challenge)
    start = timezone.now() - timedelta(hours=30)
    ideas = [
        idea_factory(challenge=challenge, category=kaizen if i % 2 else other, submitted_at=start + timedelta(hours=i))
        for i in range(26)
    ]
    idea_factory(challenge=challenge, status=Idea.Status.SUBMITTED, title="まだ承認されていない案")
    newest = ideas[-1]
    partner = user_factory(display_name="共同 花子")
    services.coauthor_invite(idea_id=newest.pk, actor=newest.author, user=partner)
    services.coauthor_answer(idea_id=newest.pk, user=partner, accept=True)
    coe = user_factory(roles=[Role.COE])
    comment_factory(idea=newest)
    hidden = comment_factory(idea=newest)
    services.comment_hide(comment_id=hidden.pk, actor=coe, reason="重複")
    for voter in user_factory.create_batch(3):
        services.vote_cast(voter=voter, idea_id=ideas[3].pk)
    url = reverse("ideas:idea_list", args=[challenge.pk])
    client = client_for(user_factory(language="en"))

    def titles(response) -> list[str]:  # each card names its idea twice (heading, button)
        return list(dict.fromkeys(re.findall(r"アイデア \d+", text_of(response))))

    first = client.get(url)
    assert "26 ideas" in text_of(first) and "まだ承認されていない案" not in text_of(first)
    assert titles(first)[:12] == [i.title for i in reversed(ideas)][:12]
    card = text_of(first)
    assert "共同 花子" in card and kaizen.name_en in card and newest.department.name_en in card
    assert "1 comment" in card  # the hidden one is not counted
    assert titles(client.get(url, {"page": "3"})) == [ideas[1].title, ideas[0].title]
    assert titles(client.get(url, {"page": "99"})) == titles(client.get(url, {"page": "3"}))  # the last page
    assert titles(client.get(url, {"page": "x"})) == titles(first)
    for odd in ("0", "²", "9" * 30):  # never a server error; Django's paginator decides
        response = client.get(url, {"page": odd})
        assert response.status_code == 200 and titles(response)
    with CaptureQueriesContext(connection) as without_number:
        client.get(url)
    with CaptureQueriesContext(connection) as second_page:
        client.get(url, {"page": "2"})
    assert len(without_number) == len(second_page)  # the first page needs no count of its own
    assert titles(client.get(url, {"sort": "old"}))[:2] == [ideas[0].title, ideas[1].title]
    assert titles(client.get(url, {"sort": "popular"}))[0] == ideas[3].title
    filtered = client.get(url, {"category": kaizen.pk})
    assert "13 ideas" in text_of(filtered)
    assert set(titles(filtered)) <= {i.title for i in ideas if i.category_id == kaizen.pk}


def test_validation_error_loses_nothing_typed(client_for, challenge_factory, category_factory, user_factory):
    challenge = challenge_factory()
    category = category_factory(challenge=challenge)
    author = user_factory()
    response = client_for(author).post(
        reverse("ideas:idea_create", args=[challenge.pk]),
        {
            "action": "submit",
            "title": "窓口の待ち時間を見える化",
            "summary": "",  # needed to submit
            "body": "## 詳細\n整理券の発券データを使う",
            "category": category.pk,
            "tags": "窓口, 見える化",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    for typed in ("窓口の待ち時間を見える化", "## 詳細\n整理券の発券データを使う", "窓口, 見える化"):
        assert typed in page
    assert f'value="{category.pk}" selected' in page
    assert not Idea.objects.exists()


def test_draft_needs_only_a_title_then_submit_goes_to_the_coe(client_for, challenge_factory, user_factory):
    challenge = challenge_factory(premoderation=True)
    author = user_factory()
    coe = user_factory(roles=[Role.COE])
    client = client_for(author)
    client.post(reverse("ideas:idea_create", args=[challenge.pk]), {"action": "draft", "title": "下書きのアイデア"})
    idea = Idea.objects.get()
    assert idea.status == Idea.Status.DRAFT
    response = client.post(
        reverse("ideas:idea_edit", args=[idea.pk]),
        {"action": "submit", "title": "下書きのアイデア", "summary": "要約を書きました"},
    )
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.status == Idea.Status.SUBMITTED and idea.submitted_at
    assert Notification.objects.filter(recipient=coe, kind="idea_submitted").exists()


def test_submitting_outside_the_window_is_refused_with_a_message(client_for, closed_challenge, user_factory):
    response = client_for(user_factory()).get(reverse("ideas:idea_create", args=[closed_challenge.pk]), follow=True)
    assert "not accepting ideas" in response.content.decode() or "受け付けて" in response.content.decode()
    assert not Idea.objects.exists()


def test_editing_an_idea_with_votes_is_in_its_history(client_for, idea_factory, user_factory):
    idea = idea_factory()
    services.vote_cast(voter=user_factory(), idea_id=idea.pk)
    client = client_for(idea.author)
    client.post(
        reverse("ideas:idea_edit", args=[idea.pk]), {"action": "save", "title": "題名を変更", "summary": idea.summary}
    )
    idea.refresh_from_db()
    assert idea.title == "題名を変更" and idea.status == Idea.Status.APPROVED
    assert idea.events.filter(action="edited_after_votes").exists()
    page = client_for(user_factory(language="en")).get(detail(idea)).content.decode()
    assert "Edited after it had received votes" in page


def test_similar_ideas_fragment_and_no_js_button(client_for, idea_factory, user_factory):
    from apps.search.services import search_index_update

    older = idea_factory(title="RPAで会計伝票の入力を自動化", summary="会計伝票の入力作業をRPAに任せる")
    hidden = idea_factory(title="RPAで会計伝票の下書き", status=Idea.Status.SUBMITTED)
    search_index_update(obj=older)
    search_index_update(obj=hidden)
    client = client_for(user_factory())
    url = reverse("ideas:similar", args=[older.challenge_id])
    fragment = text_of(client.get(url, {"title": "会計伝票の入力をRPAで"}, HTTP_HX_REQUEST="true"))
    assert "RPAで会計伝票の入力を自動化" in fragment and "下書き" not in fragment
    # Without JavaScript: the button posts the form, which comes back with the list and the text typed.
    page = text_of(
        client.post(
            reverse("ideas:idea_create", args=[older.challenge_id]),
            {
                "action": "similar",
                "title": "会計伝票の入力をRPAで",
                "summary": "伝票入力の自動化",
                "body": "本文も残る",
            },
        )
    )
    assert "RPAで会計伝票の入力を自動化" in page and "本文も残る" in page and "伝票入力の自動化" in page
    assert not Idea.objects.filter(title="会計伝票の入力をRPAで").exists()


# --- voting through the views ------------------------------------------------------------------


def test_vote_without_javascript_redirects_back(client_for, idea_factory, user_factory):
    idea = idea_factory()
    client = client_for(user_factory())
    back = reverse("ideas:idea_list", args=[idea.challenge_id])
    response = client.post(reverse("ideas:vote", args=[idea.pk]), {"action": "cast", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Vote.objects.filter(idea=idea).count() == 1
    client.post(reverse("ideas:vote", args=[idea.pk]), {"action": "withdraw"})
    assert not Vote.objects.exists()


def test_vote_with_htmx_returns_the_button_with_its_state_and_budget(
    client_for, challenge_factory, idea_factory, user_factory
):
    challenge = challenge_factory(vote_kind=Challenge.VoteKind.BUDGET, vote_budget=2)
    idea = idea_factory(challenge=challenge)
    client = client_for(user_factory(language="en"))
    response = client.post(reverse("ideas:vote", args=[idea.pk]), {"action": "cast"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-pressed="true"' in html and f'id="vote-button-{idea.pk}"' in html
    assert 'name="action" value="withdraw"' in html
    assert "1 of 2 votes left" in html and 'hx-swap-oob="true"' in html
    assert 'id="vote-announcer" hx-swap-oob="innerHTML"' in html
    assert "1 like" in html and idea.title in html
    response = client.post(reverse("ideas:vote", args=[idea.pk]), {"action": "withdraw"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'aria-pressed="false"' in html and "0 likes" in html and "2 of 2 votes left" in html


def test_a_vote_for_an_idea_one_may_not_see_is_a_404_and_changes_nothing(client_for, idea_factory, user_factory):
    waiting = idea_factory(status=Idea.Status.SUBMITTED)
    client = client_for(user_factory())
    for action in ("cast", "withdraw"):
        assert client.post(reverse("ideas:vote", args=[waiting.pk]), {"action": action}).status_code == 404
        response = client.post(reverse("ideas:vote", args=[waiting.pk]), {"action": action}, HTTP_HX_REQUEST="true")
        assert response.status_code == 404
    assert client.post(reverse("ideas:vote", args=[999999]), {"action": "cast"}).status_code == 404
    assert not Vote.objects.exists()
    waiting.refresh_from_db()
    assert waiting.vote_count == 0


def test_refused_vote_shows_the_reason_with_its_status_never_a_500(client_for, idea_factory):
    idea = idea_factory()
    client = client_for(idea.author)
    response = client.post(reverse("ideas:vote", args=[idea.pk]), {"action": "cast"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert "vote__error" in response.content.decode()
    response = client.post(reverse("ideas:vote", args=[idea.pk]), {"action": "cast"})
    assert response.status_code == 403 and not Vote.objects.exists()
    assert "alert--error" in response.content.decode()  # the reason, on the idea's page


# --- comments, co-authors, follow, merge -------------------------------------------------------


def test_refused_actions_answer_with_the_rule_status(client_for, idea_factory, user_factory):
    idea = idea_factory(status=Idea.Status.APPROVED)
    coe = client_for(user_factory(roles=[Role.COE]))
    response = coe.post(reverse("ideas:idea_moderate", args=[idea.pk]), {"decision": "approve"})
    assert response.status_code == 409  # not waiting for approval any more
    response = client_for(user_factory()).post(reverse("ideas:coauthor_answer", args=[idea.pk]), {"answer": "accept"})
    assert response.status_code == 404


def test_withdrawing_an_idea_gives_its_voters_their_budget_back(
    client_for, challenge_factory, idea_factory, user_factory
):
    challenge = challenge_factory(vote_kind=Challenge.VoteKind.BUDGET, vote_budget=1)
    idea, other = idea_factory(challenge=challenge), idea_factory(challenge=challenge)
    voter = user_factory()
    services.vote_cast(voter=voter, idea_id=idea.pk)
    response = client_for(idea.author).post(reverse("ideas:idea_withdraw", args=[idea.pk]))
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.status == Idea.Status.WITHDRAWN and idea.vote_count == 0
    services.vote_cast(voter=voter, idea_id=other.pk)
    assert client_for(user_factory()).get(detail(idea)).status_code == 404


def test_search_never_finds_unpublished_ideas(idea_factory):
    from apps.ideas.search import idea_document

    for status in Idea.Status:
        document = idea_document(idea_factory(status=status))
        assert (document is not None) == (status == Idea.Status.APPROVED)


def test_hidden_comment_reason_is_seen_by_its_author_only(client_for, idea_factory, user_factory):
    idea = idea_factory()
    writer = user_factory()
    comment = services.comment_add(idea_id=idea.pk, author=writer, body="宣伝です http://example.com")
    coe = user_factory(roles=[Role.COE])
    response = client_for(coe).post(reverse("ideas:comment_hide", args=[comment.pk]), {"reason": "広告のため非表示"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_hidden
    own = client_for(writer).get(detail(idea)).content.decode()
    assert "広告のため非表示" in own and "宣伝です" in own
    other = client_for(user_factory()).get(detail(idea)).content.decode()
    assert "広告のため非表示" not in other and "宣伝です" not in other


def test_staff_cannot_hide_comments(client_for, idea_factory, user_factory):
    idea = idea_factory()
    comment = services.comment_add(idea_id=idea.pk, author=user_factory(), body="普通のコメント")
    response = client_for(user_factory()).post(reverse("ideas:comment_hide", args=[comment.pk]), {"reason": "x"})
    assert response.status_code == 403
    assert not Comment.objects.get(pk=comment.pk).is_hidden


def test_comment_links_are_plain_text_links(client_for, idea_factory, user_factory):
    idea = idea_factory()
    client = client_for(user_factory())
    client.post(
        reverse("ideas:comment_add", args=[idea.pk]), {"body": "<script>alert(1)</script> https://example.com/a"}
    )
    page = client.get(detail(idea)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert '<a href="https://example.com/a"' in page
    assert Notification.objects.filter(recipient=idea.author, kind="idea_commented").exists()


def test_coauthor_is_shown_only_after_accepting(client_for, idea_factory, user_factory):
    idea = idea_factory()
    invitee = user_factory(username="tanaka.aya", display_name="田中 彩")
    author = client_for(idea.author)
    author.post(reverse("ideas:coauthor_invite", args=[idea.pk]), {"person": "tanaka.aya"})
    assert Notification.objects.filter(recipient=invitee, kind="idea_coauthor_invited").exists()
    viewer = user_factory()
    page = as_user(viewer).get(detail(idea)).content.decode()
    assert "田中 彩" not in page
    as_user(invitee).post(reverse("ideas:coauthor_answer", args=[idea.pk]), {"answer": "accept"})
    assert Coauthor.objects.get(idea=idea, user=invitee).status == Coauthor.Status.ACCEPTED
    page = as_user(viewer).get(detail(idea)).content.decode()
    assert "田中 彩" in page


def test_invited_coauthor_of_a_draft_can_see_it_to_decide(client_for, idea_factory, user_factory):
    idea = idea_factory(status=Idea.Status.DRAFT)
    invitee = user_factory()
    services.coauthor_invite(idea_id=idea.pk, actor=idea.author, user=invitee)
    assert client_for(invitee).get(detail(idea)).status_code == 200
    client_for(invitee).post(reverse("ideas:coauthor_answer", args=[idea.pk]), {"answer": "decline"})
    assert client_for(invitee).get(detail(idea)).status_code == 404


def test_unknown_coauthor_gets_a_form_error(client_for, idea_factory):
    idea = idea_factory()
    response = client_for(idea.author).post(reverse("ideas:coauthor_invite", args=[idea.pk]), {"person": "nobody"})
    assert response.status_code == 400
    assert "nobody" in response.content.decode()


def test_follow_toggle(client_for, idea_factory, user_factory):
    idea = idea_factory()
    follower = user_factory()
    client_for(follower).post(reverse("ideas:follow", args=[idea.pk]))
    services.comment_add(idea_id=idea.pk, author=user_factory(), body="コメント")
    assert Notification.objects.filter(recipient=follower, kind="idea_commented").exists()
    client_for(follower).post(reverse("ideas:follow", args=[idea.pk]))
    assert not idea.followers.exists()


def test_merge_through_the_view(client_for, challenge_factory, idea_factory, user_factory):
    challenge = challenge_factory()
    source, target = idea_factory(challenge=challenge), idea_factory(challenge=challenge)
    both, only_source = user_factory(), user_factory()
    for voter in (both, only_source):
        services.vote_cast(voter=voter, idea_id=source.pk)
    services.vote_cast(voter=both, idea_id=target.pk)
    url = reverse("ideas:idea_merge", args=[source.pk])
    assert client_for(user_factory()).post(url, {"target": target.pk}).status_code == 403
    response = client_for(user_factory(roles=[Role.COE])).post(url, {"target": target.pk})
    assert response.status_code == 302 and response["Location"] == detail(target)
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.status == Idea.Status.MERGED and target.vote_count == 2
    assert set(Notification.objects.filter(kind="idea_merged").values_list("recipient", flat=True)) == {
        both.pk,
        only_source.pk,
    }
    page = client_for(both).get(detail(source)).content.decode()
    assert detail(target) in page


def test_merge_is_refused_once_the_tally_is_sealed(closed_challenge, idea_factory, user_factory):
    source, target = idea_factory(challenge=closed_challenge), idea_factory(challenge=closed_challenge)
    services.challenge_seal(challenge_id=closed_challenge.pk)
    with pytest.raises(RuleError) as caught:
        services.idea_merge(source_id=source.pk, target_id=target.pk, actor=user_factory())
    assert caught.value.code == "sealed"


def test_official_answer(client_for, idea_factory, user_factory):
    from importlib import import_module

    from django.apps import apps

    from apps.ideas.models import AnswerStatus

    # The statuses every installation gets from its data migration, made again here: a
    # transactional test run earlier in this process empties the tables it leaves.
    import_module("apps.ideas.migrations.0003_answer_statuses").create(apps, None)
    idea = idea_factory()
    status = AnswerStatus.objects.get(name_ja="採用")
    assert AnswerStatus.objects.count() == 5
    client = client_for(user_factory(roles=[Role.COE]))
    response = client.post(
        reverse("ideas:idea_answer", args=[idea.pk]), {"status": status.pk, "text": "来年度に実施します"}
    )
    assert response.status_code == 302
    page = client_for(user_factory()).get(detail(idea)).content.decode()
    assert "来年度に実施します" in page and "採用" in page
    assert Notification.objects.filter(recipient=idea.author, kind="idea_answered").exists()


def test_attachments_are_served_only_to_those_who_may_see_the_idea(client_for, idea_factory, user_factory):
    from django.core.files.base import ContentFile

    from apps.core.uploads import PreparedUpload

    idea = idea_factory(status=Idea.Status.SUBMITTED)
    services.idea_save(
        author=idea.author,
        challenge=idea.challenge,
        idea=idea,
        title=idea.title,
        summary=idea.summary,
        attachments_add=[PreparedUpload(name="memo.txt", kind="txt", content=ContentFile(b"hello"))],
    )
    attachment = idea.attachments.get()
    url = reverse("ideas:attachment", args=[idea.pk, attachment.pk])
    assert client_for(user_factory()).get(url).status_code == 404
    response = client_for(idea.author).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"hello"
    assert "attachment" in response["Content-Disposition"]


def test_home_panel_shows_current_challenges_my_ideas_and_the_queue(client_for, idea_factory, user_factory):
    idea = idea_factory(title="ホームに出るアイデア")
    idea_factory(status=Idea.Status.SUBMITTED, challenge=idea.challenge)
    page = client_for(idea.author).get(reverse("core:home")).content.decode()
    assert idea.challenge.title in page and "ホームに出るアイデア" in page
    coe_page = client_for(user_factory(roles=[Role.COE], language="en")).get(reverse("core:home")).content.decode()
    assert "1 idea is waiting for approval" in coe_page


def test_my_ideas_lists_written_and_accepted_coauthored_ideas_only(client_for, idea_factory, user_factory):
    """The challenge page's "My ideas": written or co-authored (accepted) in this challenge."""
    me, other = user_factory(), user_factory()
    written = idea_factory(author=me, title="自分で書いた案")
    challenge = written.challenge
    coauthored = idea_factory(challenge=challenge, author=other, title="共同提案した案")
    invited = idea_factory(challenge=challenge, author=other, title="招待だけの案")
    idea_factory(challenge=challenge, author=other, title="他人の案")
    merged = idea_factory(challenge=challenge, author=me, title="統合された案", status=Idea.Status.MERGED)
    idea_factory(author=me, title="別のチャレンジの案")
    Coauthor.objects.create(idea=coauthored, user=me, status=Coauthor.Status.ACCEPTED)
    Coauthor.objects.create(idea=invited, user=me, status=Coauthor.Status.INVITED)
    html = client_for(me).get(reverse("ideas:challenge_detail", args=[challenge.pk])).content.decode()
    mine = html[html.index('id="mine-title"') :]
    assert "自分で書いた案" in mine and "共同提案した案" in mine
    for title in ("招待だけの案", "他人の案", merged.title, "別のチャレンジの案"):
        assert title not in mine
