from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.search.registry import Audience


class TokenVectorField(models.TextField):
    """The bigram index of a document on PostgreSQL: a `tsvector` column (GIN-indexed in the
    migration) written from a tsvector literal, never through to_tsvector's parser. On SQLite
    the column exists but stays empty: the FTS5 table `search_fts` is the index there."""

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"

    def get_placeholder(self, value, compiler, connection):
        return "%s::tsvector" if connection.vendor == "postgresql" else "%s"


class SearchDocument(models.Model):
    """One findable object (article, case, idea …) as its app described it (registry.SearchDoc)."""

    AUDIENCES = [(Audience.ALL, _("All staff")), (Audience.COE, _("COE members"))]

    kind = models.CharField(_("content type"), max_length=40)
    object_id = models.BigIntegerField(_("object id"))
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500)
    audience = models.CharField(_("audience"), max_length=10, choices=AUDIENCES, default=Audience.ALL)
    department_id = models.PositiveIntegerField(_("department"), null=True, blank=True)
    meta = models.JSONField(_("details"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"))
    # Recency as one unique integer (updated_at seconds, then a hash): the FTS5 rowid on SQLite,
    # so "newest first" is the FTS index's own order and a LIMIT stops early on common words.
    sort_key = models.BigIntegerField(unique=True)
    # Normalised text (apps.core.text.normalize): what a query is compared with.
    norm_title = models.TextField(blank=True)
    norm_body = models.TextField(blank=True)
    vector = TokenVectorField(null=True, blank=True, editable=False)
    # PostgreSQL only, like `vector`: the title's lexemes, for "title matches first" on common words.
    title_vector = TokenVectorField(null=True, blank=True, editable=False)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique_object"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title}"


class SearchQuery(models.Model):
    """One search made on the search page, for the report of searches that found nothing.
    Deliberately no user: only the normalised words, the count and the department."""

    query = models.CharField(_("query"), max_length=200)
    kinds = models.CharField(_("content types"), max_length=200, blank=True)
    result_count = models.PositiveIntegerField(_("results"))
    department_id = models.PositiveIntegerField(_("department"), null=True, blank=True)
    created_at = models.DateTimeField(_("searched at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("search query")
        verbose_name_plural = _("search queries")
        # The reports (apps.search.reporting) read only these columns: PostgreSQL answers them
        # from the indexes alone. The first also serves the newest-first ordering.
        indexes = [
            models.Index(
                fields=["created_at"], include=["query", "result_count", "department_id"], name="search_query_report"
            ),
            models.Index(
                fields=["result_count", "created_at"], include=["query", "department_id"], name="search_query_zero_hits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.query} ({self.result_count})"
