"""What search may find (PRODUCT.md "Knowledge base", "Case library", "Idea challenge",
"Support requests", "Everywhere: Search"): published articles, published cases and approved
ideas; never a draft, an article in review or archived, an idea waiting for approval or
withdrawn, nor a support request's internal note — for nobody, the COE, the administrator
and the owner included (they read drafts on their own pages, not through search).

Each "not found" uses words put where the indexer reads (an article's title and body, a
case's problem, an idea's summary, the description that a case and an article are drafted
from), and the same words are found once the content is published: so the test fails if the
rule breaks, not because the words were never indexed.
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.cases import services as cases
from apps.ideas import services as ideas
from apps.knowledge import services as knowledge
from apps.search.models import SearchDocument
from apps.search.selectors import search
from apps.support import services as support
from apps.support.models import Kind, Priority, Status, SupportRequest
from tests.cases.factories import FieldFactory
from tests.ideas.factories import ChallengeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def readers(user_factory):
    return {
        "staff": user_factory(),
        "coe": user_factory(roles=[Role.COE]),
        "admin": user_factory(roles=[Role.ADMIN]),
        "manager": user_factory(roles=[Role.MANAGER]),
    }


def found(query: str, user, kind: str) -> list[int]:
    return [hit.object_id for hit in search(query, user=user).hits if hit.kind == kind]


def each(people: dict, value: list) -> dict[str, list]:
    return {name: list(value) for name in people}


def found_by_each(query: str, people: dict, kind: str) -> dict[str, list[int]]:
    return {name: found(query, user, kind) for name, user in people.items()}


def test_an_article_is_findable_only_while_published(readers, user_factory):
    owner = readers["coe"]
    article = knowledge.article_create(actor=owner, title="蛍光灯の棚卸手順", body="備品台帳と照合してください。")
    everyone = {**readers, "owner": owner}
    nothing = each(everyone, [])
    for words in ("蛍光灯", "備品台帳"):
        assert found_by_each(words, everyone, "article") == nothing
    knowledge.article_submit_for_review(article=article, actor=owner)
    assert found_by_each("蛍光灯", everyone, "article") == nothing

    knowledge.article_publish(article=article, actor=user_factory(roles=[Role.COE]))
    for words in ("蛍光灯", "備品台帳"):
        assert found_by_each(words, everyone, "article") == each(everyone, [article.pk])

    knowledge.article_archive(article=article, actor=owner)
    assert found_by_each("備品台帳", everyone, "article") == nothing
    assert not SearchDocument.objects.filter(kind="article").exists()


def test_a_case_is_findable_only_while_published(readers, department):
    author = readers["coe"]
    case = cases.case_create(
        author=author,
        title="窓口予約のオンライン化",
        summary="来庁予約をWebで受け付けた",
        department=department,
        field=FieldFactory(),
        started_on=date(2025, 6, 1),
        problem="電話予約が集中し職員が疲弊していた",
    )
    nothing = each(readers, [])
    assert found_by_each("疲弊", readers, "case") == nothing
    assert found_by_each("窓口予約", readers, "case") == nothing

    cases.case_publish(case=case, actor=author)
    assert found_by_each("疲弊", readers, "case") == each(readers, [case.pk])

    cases.case_unpublish(case=case, actor=author)
    assert found_by_each("疲弊", readers, "case") == nothing


def test_an_idea_is_findable_only_once_approved_and_until_withdrawn(readers, user_factory):
    author = user_factory()
    challenge = ChallengeFactory(premoderation=True)
    idea = ideas.idea_save(
        author=author,
        challenge=challenge,
        title="公用車の予約をTeamsで",
        summary="鍵の受け渡しを無人化する",
        submit=True,
    )
    everyone = {**readers, "author": author}
    nothing = each(everyone, [])
    assert found_by_each("無人化", everyone, "idea") == nothing
    assert found_by_each("公用車", everyone, "idea") == nothing

    ideas.idea_moderate(idea_id=idea.pk, actor=readers["coe"], approve=True)
    assert found_by_each("無人化", everyone, "idea") == each(everyone, [idea.pk])

    ideas.idea_withdraw(idea_id=idea.pk, actor=author)
    assert found_by_each("無人化", everyone, "idea") == nothing


def test_an_internal_note_never_reaches_the_index_through_what_a_request_becomes(readers, user_factory):
    """A resolved request becomes a case and an article; both are indexed from what the
    request says (its description and resolution), never from its internal notes."""
    coe, requester = readers["coe"], user_factory()
    request = support.support_request_create(
        requester=requester,
        kind=Kind.TECHNICAL,
        title="申請書のデータ化",
        description="紙の申請書を手入力している",
    )
    support.support_request_triage(
        request_id=request.pk,
        actor=coe,
        assignee=coe,
        priority=Priority.NORMAL,
        expected_version=SupportRequest.objects.get(pk=request.pk).version,
    )
    support.support_reply_add(request_id=request.pk, author=coe, body="委託業者の見積額は非公開", internal=True)
    version = SupportRequest.objects.get(pk=request.pk).version
    support.support_request_transition(
        request_id=request.pk,
        actor=coe,
        to_status=Status.RESOLVED,
        comment="AI-OCRで読み取り",
        expected_version=version,
    )
    request = support.support_request_case_create(request_id=request.pk, actor=coe)
    request = support.support_request_article_create(request_id=request.pk, actor=coe)
    case = cases.case_update(case=cases.Case.objects.get(pk=request.case_id), actor=coe, field=FieldFactory())
    cases.case_publish(case=case, actor=coe)
    article = knowledge.Article.objects.get(pk=request.article_id)
    knowledge.article_submit_for_review(article=article, actor=coe)
    knowledge.article_publish(article=article, actor=user_factory(roles=[Role.COE]))

    # What the request says is found in both …
    everything = {name: sorted(h.kind for h in search("手入力", user=u).hits) for name, u in readers.items()}
    assert everything == each(readers, ["article", "case"])
    # … its internal note in neither, for anybody.
    assert {name: search("見積額", user=u).hits for name, u in readers.items()} == each(readers, [])
    assert {name: search("委託業者", user=u).hits for name, u in readers.items()} == each(readers, [])


def test_the_search_page_shows_no_draft_to_its_owner_the_coe_or_an_administrator(client_for, readers):
    owner = readers["coe"]
    draft = knowledge.article_create(actor=owner, title="下書きの蛍光灯メモ", body="棚卸の途中経過")
    published = knowledge.article_create(actor=owner, title="公開済みの蛍光灯ガイド", body="交換の手順")
    knowledge.article_submit_for_review(article=published, actor=owner)
    knowledge.article_publish(article=published, actor=readers["admin"])
    for user in readers.values():
        html = client_for(user).get(reverse("search:search"), {"q": "蛍光灯"}).content.decode()
        assert published.get_absolute_url() in html
        assert draft.get_absolute_url() not in html and "下書きの蛍光灯メモ" not in html


def test_a_draft_updated_after_publishing_elsewhere_is_not_findable(readers, department):
    """A published case turned back into a draft and edited: the new words never show up."""
    author = readers["coe"]
    case = cases.case_create(
        author=author,
        title="庁舎の照明LED化",
        summary="電気代を削減",
        department=department,
        field=FieldFactory(),
        started_on=timezone.localdate() - timedelta(days=30),
        publish=True,
    )
    cases.case_unpublish(case=case, actor=author)
    cases.case_update(case=case, actor=author, problem="非公開の調達条件")
    assert found_by_each("調達条件", readers, "case") == each(readers, [])
    assert found_by_each("照明", readers, "case") == each(readers, [])
