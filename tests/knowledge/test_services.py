from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.accounts.roles import Role
from apps.core.exceptions import RuleError
from apps.core.models import AuditEntry
from apps.knowledge import services
from apps.knowledge.models import Article, ArticleFeedback, ArticleRevision, ArticleView, EditSuggestion
from apps.notifications.models import Notification
from apps.search.models import SearchDocument

pytestmark = pytest.mark.django_db


def update(article, actor, **changes):
    fields = {
        "title": article.title,
        "body": article.body,
        "category": article.category,
        "tags": [t.name for t in article.tags.all()],
        "review_by": article.review_by,
        "expected_version": article.version,
        **changes,
    }
    return services.article_update(article=article, actor=actor, **fields)


def test_create_makes_a_draft_with_its_first_revision(coe_user, category_factory):
    category = category_factory(name="Microsoft 365")
    article = services.article_create(
        actor=coe_user,
        title="Teams の使い方",
        body="# 見出し\n\n本文です。",
        category=category,
        tags=["Teams", "会議", "Teams", " "],
    )
    assert article.status == Article.Status.DRAFT and article.owner == coe_user and article.version == 1
    assert sorted(t.name for t in article.tags.all()) == ["Teams", "会議"]
    assert article.excerpt == "見出し 本文です。"
    revision = article.revisions.get()
    assert (revision.number, revision.title, revision.editor) == (1, "Teams の使い方", coe_user)
    # Drafts never reach the search index.
    assert not SearchDocument.objects.filter(kind="article", object_id=article.pk).exists()


def test_staff_cannot_create_or_edit(staff_user, published):
    with pytest.raises(PermissionDenied):
        services.article_create(actor=staff_user, title="x", body="y")
    with pytest.raises(PermissionDenied):
        update(published, staff_user, body="改ざん")
    published.refresh_from_db()
    assert published.version == 1


def test_every_save_is_a_revision(coe_user, published, user_factory):
    other = user_factory(roles=[Role.COE])
    update(published, coe_user, body="二版", note="手順を更新")
    update(published, other, title="新しい題名", body="三版")
    published.refresh_from_db()
    assert published.version == 3 and published.title == "新しい題名" and published.updated_by == other
    revisions = list(published.revisions.order_by("number").values_list("number", "body", "note"))
    assert revisions == [(1, revisions[0][1], ""), (2, "二版", "手順を更新"), (3, "三版", "")]


def test_a_stale_edit_is_refused_and_nothing_is_written(coe_user, published, user_factory):
    other = user_factory(roles=[Role.COE])
    update(published, other, body="先に保存された版", expected_version=1)
    with pytest.raises(services.ArticleEditConflict) as conflict:
        update(published, coe_user, body="後から保存しようとした版", expected_version=1, tags=["新タグ"])
    assert conflict.value.base.number == 1
    assert conflict.value.current.number == 2 and conflict.value.current.body == "先に保存された版"
    assert conflict.value.current.editor == other
    published.refresh_from_db()
    assert published.body == "先に保存された版" and published.version == 2
    assert published.revisions.count() == 2
    assert not published.tags.filter(name="新タグ").exists()


def test_workflow_draft_review_published_archived(coe_user, draft, user_factory):
    reviewer = user_factory(roles=[Role.COE])
    services.article_submit_for_review(article=draft, actor=coe_user)
    assert draft.status == Article.Status.REVIEW

    # Every COE member but the submitter is asked to review, once.
    def told(kind):
        return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))

    assert told("article_review_requested") == [reviewer.pk]

    before = timezone.now()
    services.article_publish(article=draft, actor=reviewer)
    assert draft.status == Article.Status.PUBLISHED
    assert before <= draft.published_at <= timezone.now()
    assert told("article_published") == [coe_user.pk]
    doc = SearchDocument.objects.get(kind="article", object_id=draft.pk)
    assert doc.title == draft.title

    services.article_archive(article=draft, actor=reviewer)
    assert draft.status == Article.Status.ARCHIVED
    assert not SearchDocument.objects.filter(kind="article", object_id=draft.pk).exists()
    # (A user may share the id: only the knowledge entries.)
    actions = AuditEntry.objects.filter(target_id=str(draft.pk)).order_by("id").values_list("action", flat=True)
    assert [a for a in actions if a.startswith("knowledge.") and a != "knowledge.created"] == [
        "knowledge.submitted",
        "knowledge.published",
        "knowledge.archived",
    ]


def test_transitions_only_from_allowed_statuses(coe_user, draft):
    with pytest.raises(RuleError):
        services.article_publish(article=draft, actor=coe_user)  # a draft goes through review first
    services.article_submit_for_review(article=draft, actor=coe_user)
    with pytest.raises(RuleError):
        services.article_submit_for_review(article=draft, actor=coe_user)
    services.article_return_to_draft(article=draft, actor=coe_user)
    assert draft.status == Article.Status.DRAFT


@pytest.mark.parametrize(
    "service",
    [services.article_submit_for_review, services.article_publish, services.article_archive],
)
def test_staff_and_managers_cannot_move_articles(service, staff_user, manager_user, draft):
    for user in (staff_user, manager_user):
        with pytest.raises(PermissionDenied):
            service(article=draft, actor=user)


def test_restore_makes_a_new_revision(coe_user, published):
    first_body = published.body
    update(published, coe_user, title="改題", body="書き換えた本文")
    services.article_restore_revision(article=published, revision=published.revisions.get(number=1), actor=coe_user)
    published.refresh_from_db()
    assert published.version == 3 and published.body == first_body
    latest = published.revisions.get(number=3)
    assert latest.body == first_body and "1" in latest.note
    assert ArticleRevision.objects.filter(article=published).count() == 3  # history is never rewritten
    assert AuditEntry.objects.filter(action="knowledge.revision_restored").exists()
    assert SearchDocument.objects.get(kind="article", object_id=published.pk).title == published.title


def test_restore_refuses_a_revision_of_another_article(coe_user, article_factory):
    a, b = article_factory(), article_factory()
    with pytest.raises(PermissionDenied):
        services.article_restore_revision(article=a, revision=b.revisions.get(), actor=coe_user)


def test_bulk_reassignment_all_or_selected(coe_user, user_factory, article_factory):
    leaving, successor = user_factory(roles=[Role.COE]), user_factory(roles=[Role.COE])
    owned = [article_factory(owner=leaving, status=s) for s in ("draft", "published", "published", "archived")]
    others = article_factory(owner=coe_user)

    moved = services.articles_reassign_owner(actor=coe_user, from_user=leaving, to_user=successor, articles=owned[:2])
    assert moved == 2
    assert sorted(Article.objects.filter(owner=successor).values_list("pk", flat=True)) == sorted(
        a.pk for a in owned[:2]
    )

    moved = services.articles_reassign_owner(actor=coe_user, from_user=leaving, to_user=successor)
    assert moved == 2 and not Article.objects.filter(owner=leaving).exists()
    others.refresh_from_db()
    assert others.owner == coe_user

    entries = AuditEntry.objects.filter(action="knowledge.owners_reassigned").order_by("created_at", "id")
    assert [sorted(e.data["articles"]) for e in entries] == [
        sorted(a.pk for a in owned[:2]),
        sorted(a.pk for a in owned[2:]),
    ]
    assert Notification.objects.filter(kind="articles_reassigned", recipient=successor).count() == 2


def test_reassignment_rejects_same_person_and_inactive_owner(coe_user, user_factory, published):
    with pytest.raises(ValidationError):
        services.articles_reassign_owner(actor=coe_user, from_user=coe_user, to_user=coe_user)
    gone = user_factory(is_active=False)
    with pytest.raises(ValidationError):
        services.articles_reassign_owner(actor=coe_user, from_user=coe_user, to_user=gone)
    with pytest.raises(PermissionDenied):
        services.articles_reassign_owner(actor=user_factory(), from_user=coe_user, to_user=user_factory())


def test_feedback_once_per_reader_and_comments_reach_the_owner(staff_user, published):
    services.article_feedback_record(article=published, user=staff_user, helpful=True)
    assert not Notification.objects.filter(kind="article_feedback").exists()
    services.article_feedback_record(article=published, user=staff_user, helpful=False, comment="手順3が古い")
    feedback = ArticleFeedback.objects.get()
    assert (feedback.helpful, feedback.comment) == (False, "手順3が古い")
    assert Notification.objects.filter(kind="article_feedback", recipient=published.owner).count() == 1


def test_no_feedback_on_drafts(staff_user, draft):
    with pytest.raises(PermissionDenied):
        services.article_feedback_record(article=draft, user=staff_user, helpful=True)


def test_views_count_each_reader_once_a_day(staff_user, user_factory, published):
    today = timezone.localdate()
    assert services.article_view_record(article=published, user=staff_user, today=today)
    assert not services.article_view_record(article=published, user=staff_user, today=today)
    assert services.article_view_record(article=published, user=user_factory(), today=today)
    assert services.article_view_record(article=published, user=staff_user, today=today + timedelta(days=1))
    published.refresh_from_db()
    assert published.view_count == 3 and ArticleView.objects.count() == 3


def test_views_and_answers_keep_the_department_the_reader_was_in(staff_user, department_factory, published):
    """Reports count reading where the reader worked then: an April transfer moves no past figure."""
    before, after = staff_user.department, department_factory()
    today = timezone.localdate()
    services.article_view_record(article=published, user=staff_user, today=today)
    services.article_feedback_record(article=published, user=staff_user, helpful=True)
    staff_user.department = after
    staff_user.save(update_fields=["department"])
    services.article_view_record(article=published, user=staff_user, today=today + timedelta(days=1))
    assert list(ArticleView.objects.order_by("viewed_on").values_list("department", flat=True)) == [
        before.pk,
        after.pk,
    ]
    assert ArticleFeedback.objects.get().department == before
    services.article_feedback_record(article=published, user=staff_user, helpful=False)  # answered again
    assert ArticleFeedback.objects.get().department == after


def test_edit_suggestion_notifies_the_owner_and_can_be_resolved(staff_user, published):
    suggestion = services.edit_suggestion_create(
        article=published, author=staff_user, message="4月から申請先が変わりました", proposed_body="新しい本文"
    )
    assert suggestion.base_version == published.version and suggestion.status == EditSuggestion.Status.OPEN
    assert Notification.objects.filter(kind="article_edit_suggested", recipient=published.owner).exists()
    with pytest.raises(PermissionDenied):
        services.edit_suggestion_resolve(suggestion=suggestion, actor=staff_user, accepted=True)
    services.edit_suggestion_resolve(suggestion=suggestion, actor=published.owner, accepted=True)
    assert suggestion.status == EditSuggestion.Status.ACCEPTED
    assert Notification.objects.filter(kind="article_suggestion_resolved", recipient=staff_user).exists()
    with pytest.raises(RuleError):
        services.edit_suggestion_resolve(suggestion=suggestion, actor=published.owner, accepted=False)


def test_an_unchanged_proposed_text_is_not_stored(staff_user, published):
    suggestion = services.edit_suggestion_create(
        article=published, author=staff_user, message="誤字があります", proposed_body=published.body + "\n"
    )
    assert suggestion.proposed_body == ""


def test_nobody_can_suggest_edits_to_a_draft(staff_user, draft):
    with pytest.raises(PermissionDenied):
        services.edit_suggestion_create(article=draft, author=staff_user, message="x")
