from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core import models as core_models


class Category(models.Model):
    """A subject area; categories nest (Microsoft 365 › Teams)."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="knowledge_category_unique_name"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="knowledge_category_unique_root_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), help_text=_("Markdown."))
    # Plain-text opening of the body, kept by the services so lists need not load or render bodies.
    excerpt = models.CharField(_("excerpt"), max_length=300, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="articles")
    related = models.ManyToManyField(
        "self", verbose_name=_("related articles"), blank=True, symmetrical=False, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="knowledge_articles"
    )
    review_by = models.DateField(_("review by"), null=True, blank=True)
    # Optimistic locking: equals the number of the latest revision; an edit names the
    # version it started from and is refused if somebody saved in between.
    version = models.PositiveIntegerField(_("version"), default=1)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("first published"), null=True, blank=True)
    stale_reminded_on = models.DateField(_("owner last reminded"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            # The list's order, id included: articles imported together share one updated_at, and
            # without the id the first page read every article of that moment to sort them.
            models.Index(fields=["-updated_at", "-id"], name="knowledge_article_updated"),
            models.Index(fields=["status", "-updated_at", "-id"], name="knowledge_article_status_upd"),
            models.Index(fields=["owner", "status"], name="knowledge_article_owner"),
            models.Index(fields=["status", "review_by"], name="knowledge_article_review_by"),
            models.Index(fields=["status", "owner", "review_by"], name="knowledge_article_report_stale"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def is_stale_on(self, today: date) -> bool:
        return self.status == self.Status.PUBLISHED and self.review_by is not None and self.review_by < today


class ArticleRevision(models.Model):
    """The title and body as saved once; revision `number` N is what version N showed."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("editor"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="knowledge_revision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


class ArticleAttachment(core_models.Attachment):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")

    def get_absolute_url(self) -> str:
        return reverse("knowledge:attachment", args=[self.article_id, self.pk])


class ArticleFeedback(models.Model):
    """One reader's answer to "was this helpful?"; answering again replaces it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    # The reader's department when they (last) answered: reports count it there, as votes.
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("given"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="knowledge_feedback_once_per_user")]
        indexes = [
            models.Index(fields=["created_at"], include=["department", "helpful"], name="knowledge_feedback_report")
        ]

    def __str__(self) -> str:
        return f"{self.article_id}:{self.user_id}:{'+' if self.helpful else '-'}"


class ArticleView(models.Model):
    """One reader reading one article on one day: the view count counts these, so reloading
    a page does not inflate it, and reports can count views per period and department."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    viewed_on = models.DateField(_("date"))
    # The reader's department that day: reports count views there without reading the users.
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("article view")
        verbose_name_plural = _("article views")
        constraints = [
            models.UniqueConstraint(fields=["article", "user", "viewed_on"], name="knowledge_view_once_per_day"),
        ]
        indexes = [
            models.Index(fields=["viewed_on"], name="knowledge_view_date"),
            models.Index(fields=["viewed_on"], include=["department", "article"], name="knowledge_view_report"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}:{self.user_id}:{self.viewed_on}"


class EditSuggestion(models.Model):
    """A reader's proposal to change an article; its owner and the COE decide."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Done")
        DECLINED = "declined", _("Declined")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="suggestions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.TextField(_("what should change"), max_length=4000)
    proposed_body = models.TextField(_("proposed text"), blank=True)
    # The article version the suggestion was written against, to show what it would change.
    base_version = models.PositiveIntegerField(_("based on version"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("suggested"), auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("edit suggestion")
        verbose_name_plural = _("edit suggestions")
        indexes = [models.Index(fields=["article", "status"], name="knowledge_suggestion_status")]

    def __str__(self) -> str:
        return f"{self.article_id}:{self.pk}:{self.status}"
