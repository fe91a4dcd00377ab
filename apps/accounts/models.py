from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.core.cache import caches
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.accounts.roles import Role
from apps.core.i18n import BilingualNameMixin

ROLES_CACHE_SECONDS = 300


class Department(BilingualNameMixin, models.Model):
    """An organisational unit: 局 (bureau), 部 (division) or 課 (section)."""

    class Level(models.TextChoices):
        BUREAU = "bureau", _("Bureau")
        DIVISION = "division", _("Division")
        SECTION = "section", _("Section")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    kana = models.CharField(_("reading (kana)"), max_length=150, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.SECTION)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    display_name_kana = models.CharField(_("name reading (kana)"), max_length=150, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    employee_number = models.CharField(_("employee number"), max_length=30, blank=True)
    language = models.CharField(
        _("language"),
        max_length=5,
        blank=True,
        choices=[("ja", "日本語"), ("en", "English")],
        help_text=_("Empty means the browser's language."),
    )
    # Only these can be chosen on the development sign-in page (PORTAL_LOCAL_LOGIN): an
    # account created by Entra ID sign-in, bench data or the admin never can.
    is_demo = models.BooleanField(
        _("demo account"), default=False, help_text=_("Created by seed_demo for the demo account picker.")
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["employee_number"],
                condition=~Q(employee_number=""),
                name="accounts_user_employee_number_unique",
            )
        ]
        # Head count per department (the reports' participation rates) from this index alone.
        indexes = [models.Index(fields=["department"], condition=Q(is_active=True), name="accounts_user_active_dept")]

    def __str__(self) -> str:
        return self.get_full_name()

    def get_full_name(self) -> str:
        return full_name(self.display_name, self.first_name, self.last_name, self.username)

    def get_short_name(self) -> str:
        return self.get_full_name()

    @cached_property
    def roles(self) -> frozenset[str]:
        """Role names, kept on the instance for the request and in the shared "state" cache
        between requests (every page needs them for the navigation); a change of the user's
        groups drops the cached copy in every process and release (apps.accounts.signals),
        the timeout bounds anything missed."""
        if not self.is_active:
            return frozenset()
        cache = caches["state"]
        key = self.roles_cache_key
        names = cache.get(key)
        if names is None:
            names = sorted(name for name in self.groups.values_list("name", flat=True) if name in Role.values)
            cache.set(key, names, ROLES_CACHE_SECONDS)
        return frozenset(names) | {Role.STAFF.value}

    @property
    def roles_cache_key(self) -> str:
        return self.cache_key("accounts:roles")

    def cache_key(self, name: str) -> str:
        """A shared-cache key for something about this user. date_joined tells apart two
        accounts that had the same id in different databases (tests roll back and reuse ids;
        the cache is not rolled back with them)."""
        return f"{name}:{self.pk}:{self.date_joined.timestamp():.6f}"

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles


def full_name(display_name: str, first_name: str, last_name: str, username: str) -> str:
    """A person's name as the portal shows it, from the user's name columns alone (for lists
    that read plain values instead of users)."""
    return display_name or f"{first_name} {last_name}".strip() or username
