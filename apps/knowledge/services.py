"""Every change to the knowledge base. Each service checks the permission, makes one atomic
change, then records what follows: a revision, notifications, the audit log, the search index.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.leavers import Leaver
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.exceptions import RuleError
from apps.core.markdown import markdown_to_text
from apps.core.services import audit_log
from apps.core.uploads import KeptFile, PreparedUpload, attachment_store, attachments_delete, prepare_upload
from apps.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleFeedback,
    ArticleRevision,
    ArticleView,
    Category,
    EditSuggestion,
    Tag,
)
from apps.notifications.services import notification_send

EXCERPT_CHARS = 160
# An owner is reminded of a stale article at most once in this many days.
STALE_REMINDER_PERIOD_DAYS = 30

S = Article.Status
# A file as a form hands it over: new, or prepared already, or kept from an earlier try.
Upload = UploadedFile | PreparedUpload | KeptFile
# action -> statuses it may start from
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "submit": (S.DRAFT,),
    "return": (S.REVIEW,),
    "publish": (S.REVIEW, S.ARCHIVED),
    "archive": (S.DRAFT, S.REVIEW, S.PUBLISHED),
}


@dataclass
class ArticleEditConflict(Exception):
    """Somebody saved the article after the editor opened it. Nothing was saved; the
    caller shows `base` (what the editor started from) against `current`."""

    article: Article
    base: ArticleRevision | None
    current: ArticleRevision

    def __str__(self) -> str:
        base = self.base.number if self.base else None
        return f"article {self.article.pk}: edited from version {base}, now {self.current.number}"


def _require(actor: User, perm: str, obj=None) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDenied(perm)


def _excerpt(body: str) -> str:
    text = markdown_to_text(body)
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _search_sync(article: Article) -> None:
    # The search app decides from the registered document() whether the article stays findable.
    from apps.search.services import search_index_update

    search_index_update(obj=article)


def _search_remove(article: Article) -> None:
    from apps.search.services import search_index_remove

    search_index_remove(obj=article)


def tags_from_names(names: Iterable[str]) -> list[Tag]:
    """Existing tags by name, creating the missing ones (editors type tags freely)."""
    wanted = []
    for name in names:
        name = " ".join(name.split())[:50]
        if name and name not in wanted:
            wanted.append(name)
    existing = {t.name: t for t in Tag.objects.filter(name__in=wanted)}
    for name in wanted:
        if name not in existing:
            existing[name], _created = Tag.objects.get_or_create(name=name)
    return [existing[name] for name in wanted]


def _attachments_add(*, article: Article, actor: User, files: Sequence[Upload]) -> list[ArticleAttachment]:
    return [attachment_store(ArticleAttachment(article=article, uploaded_by=actor), upload) for upload in files]


def _attachments_remove(*, article: Article, attachments: Iterable[ArticleAttachment]) -> None:
    attachments_delete(a for a in attachments if a.article_id == article.pk)


def _related_set(article: Article, related: Iterable[Article]) -> None:
    article.related.set([a for a in related if a.pk != article.pk])


def _prepared(files: Sequence[Upload]) -> list[PreparedUpload | KeptFile]:
    """Each new file checked and prepared (apps.core.uploads), or ValidationError on the
    attachments field naming every file refused."""
    prepared, errors = [], []
    for upload in files:
        try:
            prepared.append(prepare_upload(upload) if isinstance(upload, UploadedFile) else upload)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"attachments": errors})
    return prepared


def article_create(
    *,
    actor: User,
    title: str,
    body: str,
    category: Category | None = None,
    tags: Iterable[str] = (),
    review_by: date | None = None,
    related: Iterable[Article] = (),
    attachments: Sequence[Upload] = (),
    owner: User | None = None,
    note: str = "",
) -> Article:
    """A new draft with its first revision; the actor owns it unless `owner` is given."""
    _require(actor, "knowledge.add_article")
    attachments = _prepared(attachments)
    now = timezone.now()
    with transaction.atomic():
        article = Article.objects.create(
            title=title,
            body=body,
            excerpt=_excerpt(body),
            category=category,
            review_by=review_by,
            owner=owner or actor,
            status=Article.Status.DRAFT,
            version=1,
            updated_at=now,
            updated_by=actor,
        )
        ArticleRevision.objects.create(
            article=article, number=1, title=title, body=body, editor=actor, note=note or _("Created")
        )
        article.tags.set(tags_from_names(tags))
        _related_set(article, related)
        _attachments_add(article=article, actor=actor, files=attachments)
        _search_sync(article)
    return article


def article_update(
    *,
    article: Article,
    actor: User,
    expected_version: int,
    title: str,
    body: str,
    category: Category | None,
    tags: Iterable[str],
    review_by: date | None,
    related: Iterable[Article] = (),
    attachments_add: Sequence[Upload] = (),
    attachments_remove: Iterable[ArticleAttachment] = (),
    note: str = "",
) -> Article:
    """Save an edit as a new revision, unless somebody else saved since `expected_version`.

    The version check and the bump are one UPDATE … WHERE version = expected, so of two
    editors saving at the same moment exactly one wins (on PostgreSQL the second waits for
    the first's row lock and then finds the version moved); the other gets
    ArticleEditConflict and nothing of theirs is written.
    """
    _require(actor, "knowledge.change_article", article)
    attachments_add = _prepared(attachments_add)
    review_by_changed = review_by != article.review_by
    with transaction.atomic():
        changes = {
            "title": title,
            "body": body,
            "excerpt": _excerpt(body),
            "category": category,
            "review_by": review_by,
            "updated_at": timezone.now(),
            "updated_by": actor,
            "version": F("version") + 1,
        }
        if review_by_changed:
            changes["stale_reminded_on"] = None  # a new review-by date starts a new reminder period
        if not Article.objects.filter(pk=article.pk, version=expected_version).update(**changes):
            current = Article.objects.select_related("owner").get(pk=article.pk)
            revisions = {
                r.number: r
                for r in ArticleRevision.objects.filter(
                    article=current, number__in=[expected_version, current.version]
                ).select_related("editor")
            }
            raise ArticleEditConflict(
                article=current, base=revisions.get(expected_version), current=revisions[current.version]
            )
        article.refresh_from_db()
        ArticleRevision.objects.create(
            article=article, number=article.version, title=title, body=body, editor=actor, note=note
        )
        article.tags.set(tags_from_names(tags))
        _related_set(article, related)
        _attachments_remove(article=article, attachments=attachments_remove)
        _attachments_add(article=article, actor=actor, files=attachments_add)
        _search_sync(article)
    return article


def _transition(*, article: Article, action: str, to: str, extra: dict | None = None) -> Article:
    """Move the status with one conditional UPDATE, so two reviewers cannot both act."""
    moved = Article.objects.filter(pk=article.pk, status__in=TRANSITIONS[action]).update(status=to, **(extra or {}))
    if not moved:
        # Not in a status this action starts from: somebody else moved it meanwhile.
        raise RuleError(
            _("That is not possible in the article's current status; somebody may have just changed it."),
            code="wrong_status",
        )
    article.refresh_from_db()
    return article


def article_submit_for_review(*, article: Article, actor: User) -> Article:
    """Draft → in review; every COE member is asked to review."""
    _require(actor, "knowledge.change_article", article)
    with transaction.atomic():
        _transition(article=article, action="submit", to=S.REVIEW)
        reviewers = User.objects.filter(groups__name=Role.COE, is_active=True).distinct()
        notification_send(
            recipients=reviewers,
            kind="article_review_requested",
            params={"title": article.title},
            url=article.get_absolute_url(),
            actor=actor,
        )
        audit_log(action="knowledge.submitted", actor=actor, target=article)
    return article


def article_return_to_draft(*, article: Article, actor: User) -> Article:
    _require(actor, "knowledge.publish_article", article)
    with transaction.atomic():
        _transition(article=article, action="return", to=S.DRAFT)
        audit_log(action="knowledge.returned", actor=actor, target=article)
    return article


def article_publish(*, article: Article, actor: User) -> Article:
    """In review (or archived) → published: readable by all staff and findable in search."""
    _require(actor, "knowledge.publish_article", article)
    with transaction.atomic():
        _transition(
            article=article,
            action="publish",
            to=S.PUBLISHED,
            extra={"published_at": article.published_at or timezone.now()},
        )
        notification_send(
            recipients=[article.owner],
            kind="article_published",
            params={"title": article.title},
            url=article.get_absolute_url(),
            actor=actor,
        )
        audit_log(action="knowledge.published", actor=actor, target=article)
        _search_sync(article)
    return article


def article_archive(*, article: Article, actor: User) -> Article:
    _require(actor, "knowledge.archive_article", article)
    with transaction.atomic():
        _transition(article=article, action="archive", to=S.ARCHIVED)
        audit_log(action="knowledge.archived", actor=actor, target=article)
        _search_remove(article)
    return article


def article_restore_revision(*, article: Article, revision: ArticleRevision, actor: User) -> Article:
    """Make an old revision's title and body current again, as a new revision (history is never rewritten)."""
    _require(actor, "knowledge.restore_revision", article)
    if revision.article_id != article.pk:
        raise PermissionDenied("revision of another article")
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        number = locked.version + 1
        Article.objects.filter(pk=article.pk).update(
            title=revision.title,
            body=revision.body,
            excerpt=_excerpt(revision.body),
            version=number,
            updated_at=timezone.now(),
            updated_by=actor,
        )
        ArticleRevision.objects.create(
            article=locked,
            number=number,
            title=revision.title,
            body=revision.body,
            editor=actor,
            note=_("Restored revision %(number)d") % {"number": revision.number},
        )
        audit_log(action="knowledge.revision_restored", actor=actor, target=locked, data={"revision": revision.number})
        article.refresh_from_db()
        _search_sync(article)
    return article


def articles_reassign_owner(
    *, actor: User, from_user: User, to_user: User, articles: Iterable[Article] | None = None
) -> int:
    """Hand `from_user`'s articles (all of them, or the given ones) to `to_user`, e.g. when
    staff move in the April transfers. Returns how many moved; one audit entry lists them."""
    _require(actor, "knowledge.reassign_owners")
    if from_user.pk == to_user.pk:
        raise ValidationError(_("Choose two different people."))
    if not to_user.is_active:
        raise ValidationError(_("The new owner's account is not active."))
    return len(_owner_move(from_user=from_user, to_user=to_user, articles=articles, actor=actor))


def _owner_move(
    *, from_user: User, to_user: User, articles: Iterable[Article] | None, actor: User | None, **audit_data
) -> list[int]:
    with transaction.atomic():
        selected = Article.objects.select_for_update().filter(owner=from_user)
        if articles is not None:
            selected = selected.filter(pk__in=[a.pk for a in articles])
        ids = sorted(selected.values_list("pk", flat=True))
        if not ids:
            return []
        # The new owner gets fresh reminders for stale articles.
        Article.objects.filter(pk__in=ids).update(owner=to_user, stale_reminded_on=None)
        audit_log(
            action="knowledge.owners_reassigned",
            actor=actor,
            target=to_user,
            data={"from_user": from_user.pk, "to_user": to_user.pk, "articles": ids, **audit_data},
        )
        notification_send(
            recipients=[to_user],
            kind="articles_reassigned",
            params={"count": len(ids), "from": from_user.get_full_name()},
            url=reverse("knowledge:list") + "?owner=me",
            actor=actor,
        )
    return ids


def knowledge_leaver_handle(leaver: Leaver) -> dict | None:
    """Someone who owned articles left (apps.accounts.leavers): every article they own
    (drafts too) goes to the successor, who is told, as `articles_reassign_owner` does for
    an editor. Without a successor the articles stay with the leaver's name on them."""
    if leaver.successor is None:
        count = Article.objects.filter(owner=leaver.user).count()
        return {"articles_kept": count} if count else None
    ids = _owner_move(from_user=leaver.user, to_user=leaver.successor, articles=None, actor=leaver.actor, reason="left")
    return {"articles": ids, "to": leaver.successor.pk} if ids else None


def article_feedback_record(*, article: Article, user: User, helpful: bool, comment: str = "") -> ArticleFeedback:
    """Record (or change) a reader's answer; a comment is passed on to the owner."""
    _require(user, "knowledge.give_feedback", article)
    comment = comment.strip()
    with transaction.atomic():
        feedback, _created = ArticleFeedback.objects.update_or_create(
            article=article,
            user=user,
            defaults={"helpful": helpful, "comment": comment, "department_id": user.department_id},
        )
        if comment:
            notification_send(
                recipients=[article.owner],
                kind="article_feedback",
                params={"title": article.title},
                url=article.get_absolute_url(),
                actor=user,
            )
    return feedback


def article_view_record(*, article: Article, user: User, today: date | None = None) -> bool:
    """Count a reader once per article and day. Returns True when this view counted."""
    if not user.is_authenticated:
        return False
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            _view, created = ArticleView.objects.get_or_create(
                article=article, user=user, viewed_on=today, defaults={"department_id": user.department_id}
            )
            if created:
                Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)
    except IntegrityError:  # the same reader's parallel request counted it
        return False
    return created


def edit_suggestion_create(*, article: Article, author: User, message: str, proposed_body: str = "") -> EditSuggestion:
    _require(author, "knowledge.suggest_edit", article)
    if proposed_body.replace("\r\n", "\n").strip() == article.body.replace("\r\n", "\n").strip():
        proposed_body = ""  # the text was left as it was: the message says it all
    with transaction.atomic():
        suggestion = EditSuggestion.objects.create(
            article=article,
            author=author,
            message=message.strip(),
            proposed_body=proposed_body,
            base_version=article.version,
        )
        notification_send(
            recipients=[article.owner],
            kind="article_edit_suggested",
            params={"title": article.title},
            url=reverse("knowledge:suggestion", args=[article.pk, suggestion.pk]),
            actor=author,
        )
    return suggestion


def edit_suggestion_resolve(*, suggestion: EditSuggestion, actor: User, accepted: bool) -> EditSuggestion:
    _require(actor, "knowledge.resolve_suggestion", suggestion.article)
    status = EditSuggestion.Status.ACCEPTED if accepted else EditSuggestion.Status.DECLINED
    with transaction.atomic():
        if not EditSuggestion.objects.filter(pk=suggestion.pk, status=EditSuggestion.Status.OPEN).update(
            status=status, resolved_by=actor, resolved_at=timezone.now()
        ):
            raise RuleError(_("This suggestion was already dealt with."), code="already_resolved")
        suggestion.refresh_from_db()
        notification_send(
            recipients=[suggestion.author],
            kind="article_suggestion_resolved",
            params={"title": suggestion.article.title},
            url=suggestion.article.get_absolute_url(),
            actor=actor,
        )
    return suggestion


def articles_stale_remind(*, today: date | None = None) -> int:
    """Remind each owner of their published articles past the review-by date, at most once
    per period per article. The due rows are locked and marked in the same transaction, so
    an overlapping run finds them already marked and reminds nobody twice. Returns the
    number of owners reminded (one notification each, however many articles)."""
    today = today or timezone.localdate()
    due = Q(stale_reminded_on__isnull=True) | Q(
        stale_reminded_on__lte=today - timedelta(days=STALE_REMINDER_PERIOD_DAYS)
    )
    with transaction.atomic():
        articles = list(
            Article.objects.select_for_update(of=("self",))
            .filter(due, status=S.PUBLISHED, review_by__lt=today, owner__is_active=True)
            .select_related("owner")
            .order_by("review_by", "pk")
        )
        if not articles:
            return 0
        Article.objects.filter(pk__in=[a.pk for a in articles]).update(stale_reminded_on=today)
        by_owner: dict[int, list[Article]] = {}
        for article in articles:
            by_owner.setdefault(article.owner_id, []).append(article)
        for owned in by_owner.values():
            notification_send(
                recipients=[owned[0].owner],
                kind="article_stale",
                params={"count": len(owned), "title": owned[0].title},
                url=reverse("knowledge:list") + "?owner=me&stale=1",
            )
    return len(by_owner)
