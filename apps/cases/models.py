"""The case library: structured DX case studies that a department can show its mayor.

Fields (分野) and tools are small reference tables rather than choices, so the COE can add
one without a release; each carries its Japanese and English name, like Department.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core import models as core_models
from apps.core.i18n import BilingualNameMixin


def validate_link_url(value: str) -> None:
    """A page of this portal ("/knowledge/…") or an http(s) address; nothing else (no javascript:)."""
    parts = urlsplit(value)
    internal = value.startswith("/") and not value.startswith("//") and not parts.scheme and not parts.netloc
    external = parts.scheme in {"http", "https"} and bool(parts.netloc)
    if not (internal or external):
        raise ValidationError(
            _(
                "“%(url)s” is not a web address. "
                "Use an address starting with https:// or a portal page starting with /."
            ),
            code="bad_url",
            params={"url": value},
        )


class ReferenceItem(BilingualNameMixin, models.Model):
    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("English id used in links and bookmarks, e.g. “rpa”.")
    )
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Inactive items cannot be chosen any more."))

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Field(ReferenceItem):
    """A policy field (分野): 行政サービス, 防災, 教育 …"""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("field")
        verbose_name_plural = _("fields")


class Tool(ReferenceItem):
    """A kind of technology used: Microsoft 365, RPA, chatbot, image recognition …"""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("tool")
        verbose_name_plural = _("tools")


class Stage(models.TextChoices):
    """Where a case stands, in the order a case normally moves through them."""

    IDEA = "idea", _("Idea")
    POC = "poc", _("Proof of concept")
    PILOT = "pilot", _("Pilot")
    LIVE = "live", _("In operation")
    SCALED = "scaled", _("Rolled out to other departments")
    STOPPED = "stopped", _("Stopped")


class HoursMethod(models.TextChoices):
    MEASURED = "measured", _("Measured")
    ESTIMATED = "estimated", _("Estimated")


class Visibility(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class SourceKind(models.TextChoices):
    """What a case was created from. Only a kind, an id and a URL are stored, so this app
    never imports the ideas or support apps (see STYLE.md, "Which app may use which")."""

    IDEA = "idea", _("Idea")
    SUPPORT_REQUEST = "support_request", _("Support request")


class CaseQuerySet(models.QuerySet):
    def published(self) -> "CaseQuerySet":
        return self.filter(visibility=Visibility.PUBLISHED)


class Case(models.Model):
    slug = models.SlugField(
        _("key"),
        max_length=80,
        unique=True,
        null=True,
        blank=True,
        help_text=_("A stable key for imported or demo cases; empty for cases written in the portal."),
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(
        _("summary"), max_length=600, help_text=_("Two or three sentences: what changed, for whom, with what result.")
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="cases"
    )
    field = models.ForeignKey(
        Field, verbose_name=_("field"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    tools = models.ManyToManyField(Tool, verbose_name=_("tools"), blank=True, related_name="cases")
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.IDEA)
    started_on = models.DateField(
        _("started on"), help_text=_("When the work began; it decides the case's fiscal year.")
    )
    # Derived from started_on by the services (apps.core.dates.fiscal_year); stored so the
    # facet and the totals can group and filter on an indexed column.
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"), editable=False)

    problem = models.TextField(_("problem"), blank=True, help_text=_("Markdown. What was wrong, and for whom."))
    baseline = models.TextField(
        _("baseline"), blank=True, help_text=_("How it was done before, in numbers where possible.")
    )
    approach = models.TextField(_("approach"), blank=True, help_text=_("Markdown. What was built or changed, and how."))

    hours_saved_per_year = models.DecimalField(
        _("hours saved per year"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, message=_("Hours saved per year cannot be negative."))],
    )
    hours_method = models.CharField(_("measured or estimated"), max_length=10, choices=HoursMethod.choices, blank=True)
    hours_method_note = models.TextField(
        _("how the hours were worked out"),
        blank=True,
        help_text=_("For example: staff logged the time per application for four weeks before and after."),
    )
    measured_from = models.DateField(_("measurement period from"), null=True, blank=True)
    measured_until = models.DateField(_("measurement period until"), null=True, blank=True)
    initial_cost_yen = models.PositiveBigIntegerField(_("initial cost (yen)"), null=True, blank=True)
    annual_cost_yen = models.PositiveBigIntegerField(_("running cost per year (yen)"), null=True, blank=True)
    residents_affected = models.PositiveIntegerField(_("residents affected per year"), null=True, blank=True)
    outcome_before = models.TextField(_("before"), blank=True)
    outcome_after = models.TextField(_("after"), blank=True)
    outcomes = models.TextField(_("other outcomes"), blank=True, help_text=_("Markdown."))

    lessons = models.TextField(_("lessons learned"), blank=True, help_text=_("Markdown."))
    success_conditions = models.TextField(
        _("conditions for success"), blank=True, help_text=_("Markdown. What another department needs to repeat it.")
    )
    reused_by = models.ManyToManyField(
        "accounts.Department", verbose_name=_("reused by"), blank=True, related_name="reused_cases"
    )
    contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("contacts"), blank=True, related_name="case_contacts"
    )
    review_by = models.DateField(_("review by"), null=True, blank=True)

    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.DRAFT)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_cases",
    )
    source_kind = models.CharField(_("created from"), max_length=20, choices=SourceKind.choices, blank=True)
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    source_url = models.CharField(_("source link"), max_length=500, blank=True, validators=[validate_link_url])
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_saved_per_year__isnull=True) | Q(hours_saved_per_year__gte=0),
                name="cases_case_hours_not_negative",
                violation_error_message=_("Hours saved per year cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(hours_saved_per_year__isnull=True, hours_method="")
                | Q(hours_saved_per_year__isnull=False, hours_method__in=HoursMethod.values),
                name="cases_case_hours_method",
                violation_error_message=_("Say whether the hours saved were measured or estimated."),
            ),
            models.CheckConstraint(
                condition=Q(measured_from__isnull=True)
                | Q(measured_until__isnull=True)
                | Q(measured_until__gte=models.F("measured_from")),
                name="cases_case_measurement_period",
                violation_error_message=_("The measurement period ends before it starts."),
            ),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="cases_case_stage_valid"),
            models.CheckConstraint(condition=Q(visibility__in=Visibility.values), name="cases_case_visibility_valid"),
            models.CheckConstraint(
                condition=Q(visibility=Visibility.DRAFT) | Q(published_at__isnull=False),
                name="cases_case_published_at",
            ),
            models.CheckConstraint(condition=Q(fiscal_year__gte=1990), name="cases_case_fiscal_year_plausible"),
            models.CheckConstraint(
                condition=Q(source_kind="", source_id__isnull=True)
                | Q(source_kind__in=SourceKind.values, source_id__isnull=False),
                name="cases_case_source_complete",
            ),
            # One case per idea or support request: a second hand-over finds the first case.
            models.UniqueConstraint(
                fields=["source_kind", "source_id"], condition=~Q(source_kind=""), name="cases_case_one_per_source"
            ),
        ]
        indexes = [
            # The list's default order; the visibility test is a filter on top. (Sorting by
            # hours saved sorts the filtered rows: an index would need DESC NULLS LAST,
            # which SQLite cannot index.)
            models.Index(F("started_on").desc(), F("id").desc(), name="cases_case_newest"),
            # Covers every column the facet counts, the result count, the visibility test and the
            # hours totals read, so those aggregates scan this index instead of the wide table
            # (PostgreSQL, 25,000 cases: 65 ms → 14 ms per facet, 35 ms → 3 ms per count).
            models.Index(
                fields=[
                    "visibility",
                    "department",
                    "field",
                    "stage",
                    "fiscal_year",
                    "author",
                    "id",
                    "hours_saved_per_year",
                    "hours_method",
                ],
                name="cases_case_facets_totals",
            ),
            # The home page's latest published cases.
            models.Index(
                F("published_at").desc(),
                F("id").desc(),
                condition=Q(visibility="published"),
                name="cases_case_latest",
            ),
            # Facet filters; department and field have their foreign-key indexes.
            models.Index(fields=["stage"], name="cases_case_stage"),
            models.Index(fields=["fiscal_year"], name="cases_case_fy"),
            models.Index(fields=["department", "fiscal_year"], name="cases_case_dept_fy"),
            # The reports (apps.cases.reporting): published cases by start date, every column they read.
            models.Index(
                fields=["visibility", "started_on"],
                include=["department", "field", "stage", "hours_saved_per_year", "hours_method"],
                name="cases_case_report_period",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.pk])

    def clean(self) -> None:
        # The same rules as the check constraints, but attached to the field to correct.
        errors = {}
        if self.hours_saved_per_year is not None and not self.hours_method:
            errors["hours_method"] = _("Say whether the hours saved were measured or estimated.")
        if self.hours_saved_per_year is None and self.hours_method:
            errors["hours_saved_per_year"] = _(
                "Enter the hours saved per year, or leave “measured or estimated” empty."
            )
        if self.measured_from and self.measured_until and self.measured_until < self.measured_from:
            errors["measured_until"] = _("The measurement period ends before it starts.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_published(self) -> bool:
        return self.visibility == Visibility.PUBLISHED

    def stage_steps(self) -> list[tuple[str, str]]:
        """(label, "done" | "current" | "todo") for the usual path idea → … → rolled out."""
        path = [s for s in Stage if s != Stage.STOPPED]
        current = path.index(self.stage) if self.stage in path else -1
        return [
            (str(s.label), "current" if i == current else "done" if i < current else "todo") for i, s in enumerate(path)
        ]


class CaseLink(models.Model):
    """A link to an article about the case: a knowledge-base page ("/knowledge/…") or a
    press or web article. Stored as URL and title so cases need not import knowledge."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links")
    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(_("address"), max_length=500, validators=[validate_link_url])
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("case link")
        verbose_name_plural = _("case links")

    def __str__(self) -> str:
        return self.title

    @property
    def is_external(self) -> bool:
        return not self.url.startswith("/")


class CaseAttachment(core_models.Attachment):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    description = models.CharField(_("description"), max_length=200, blank=True)

    def get_absolute_url(self) -> str:
        return reverse("cases:attachment", args=[self.pk])
