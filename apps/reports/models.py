from django.conf import settings
from django.db import models
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
