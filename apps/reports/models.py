from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ManagerScope(models.Model):
    """Which departments a manager's reports cover. Without a row, the setting
    REPORTS_MANAGER_DEFAULT_SCOPE decides. Administrators and COE members always see
    every department; the scope matters for managers only."""

    class Scope(models.TextChoices):
        ALL = "all", _("All departments")
        OWN = "own", _("Own department only (and the units under it)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("manager"), on_delete=models.CASCADE, related_name="report_scope"
    )
    scope = models.CharField(_("reports cover"), max_length=3, choices=Scope.choices, default=Scope.ALL)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("manager's report scope")
        verbose_name_plural = _("managers' report scopes")
        constraints = [models.CheckConstraint(condition=models.Q(scope__in=["all", "own"]), name="reports_scope_valid")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_scope_display()}"


class ReportSnapshot(models.Model):
    """The figures of one view of the reports (period, departments, sections, language),
    computed by a task (apps.reports.tasks) and read by every web process and node alike.
    A page shows the last figures with their time while newer ones are computed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be computed")
        BUILDING = "building", _("Being computed")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    # A hash of the view and the release: a new release never reads figures pickled by the old code.
    key = models.CharField(max_length=64, unique=True)
    params = models.JSONField()
    release = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    figures = models.BinaryField(null=True, editable=False)  # the pickled apps.reports.figures.Report
    requested_at = models.DateTimeField(default=timezone.now)
    built_at = models.DateTimeField(null=True)
    error = models.TextField(blank=True)

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["requested_at"], name="reports_snapshot_requested")]

    def __str__(self) -> str:
        return f"{self.key[:12]} {self.status}"
