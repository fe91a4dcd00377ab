from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.cache import caches
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
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
    # Reorganisations (組織改正): a department exists from `valid_from` (empty: since before
    # the portal's records) until the day before `valid_until` (empty: it still exists). A
    # rename keeps the row; a merge or split closes the old rows and records the lineage.
    valid_from = models.DateField(
        _("valid from"), null=True, blank=True, help_text=_("Empty: since before the portal's records.")
    )
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("The first day on which it no longer exists; empty while it exists."),
    )
    coe_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("COE contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Takes over the articles and cases of people of this department who leave."),
    )

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                name="accounts_department_validity",
            )
        ]

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
    # From the directory sync (Entra ID's manager); empty for accounts the sync does not know.
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
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


# --- department history ----------------------------------------------------------------------


class DepartmentMembership(models.Model):
    """Who belonged to which department when (所属の履歴). Half-open periods: a row counts on
    day d when valid_from <= d < valid_until (an empty valid_from: since before the portal's
    records; an empty valid_until: still now). A transfer closes the open row and opens the
    next on the same day; a leaver's row is closed on the day they left. `User.department`
    stays the current department for the pages; reports read this table."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="department_memberships")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="memberships")
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    # What recorded it: directory sync, sign-in, admin, org chart import, migration, demo.
    source = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["user_id", "valid_from"]
        verbose_name = _("department membership")
        verbose_name_plural = _("department memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(valid_until__isnull=True), name="accounts_membership_one_open"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                name="accounts_membership_period",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "valid_from"], name="accounts_membership_dept"),
            models.Index(fields=["user", "valid_from"], name="accounts_membership_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.department_id} [{self.valid_from} – {self.valid_until})"


class DepartmentLineage(models.Model):
    """Which departments became which at a reorganisation. A merge has one row per old
    department (all with the same successor); a split one row per new department, one of
    them primary (the old department's figures go there when shown in today's structure).
    A rename keeps the row (predecessor = successor) and remembers the old name."""

    class Kind(models.TextChoices):
        RENAMED = "renamed", _("Renamed")
        MERGED = "merged", _("Merged")
        SPLIT = "split", _("Split")

    predecessor = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="predecessor_links")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    effective_on = models.DateField()
    is_primary = models.BooleanField(default=True)
    old_code = models.CharField(max_length=20, blank=True)
    old_name_ja = models.CharField(max_length=100, blank=True)
    old_name_en = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["effective_on", "id"]
        verbose_name = _("department lineage")
        verbose_name_plural = _("department lineage")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor", "kind", "effective_on"], name="accounts_lineage_once"
            ),
            models.CheckConstraint(
                condition=Q(kind="renamed", predecessor=F("successor")) | ~Q(kind="renamed"),
                name="accounts_lineage_rename_same_row",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.successor_id} ({self.kind}, {self.effective_on})"


# --- directory sync ----------------------------------------------------------------------------


class DirectoryEntry(models.Model):
    """What Microsoft Graph last said about one Entra ID user (a mirror kept by the directory
    sync). Delta queries send only what changed, so each answer is merged into this row and
    the portal account is compared with the whole of it."""

    oid = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="directory_entry"
    )
    user_principal_name = models.CharField(max_length=300, blank=True)
    display_name = models.CharField(max_length=300, blank=True)
    mail = models.CharField(max_length=300, blank=True)
    department_name = models.CharField(max_length=300, blank=True)
    job_title = models.CharField(max_length=300, blank=True)
    employee_id = models.CharField(max_length=64, blank=True)
    user_type = models.CharField(max_length=20, blank=True)
    manager_oid = models.CharField(max_length=64, blank=True)
    account_enabled = models.BooleanField(default=True)
    in_group = models.BooleanField(default=False)
    removed = models.BooleanField(default=False)
    # Set when the sync deactivated the portal account: only those are reactivated by it
    # (an account an administrator deactivated stays so).
    left_at = models.DateTimeField(null=True, blank=True)
    left_reason = models.CharField(max_length=20, blank=True)
    # Why the last run could not apply this entry; such entries are tried again next run.
    error = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("directory entry")
        verbose_name_plural = _("directory entries")
        indexes = [models.Index(fields=["error"], condition=~Q(error=""), name="accounts_entry_error")]

    def __str__(self) -> str:
        return self.display_name or self.oid


class DirectorySyncState(models.Model):
    """Where the delta queries of one scope (the whole tenant, or one group) left off."""

    scope = models.CharField(max_length=100, unique=True)
    users_delta_link = models.TextField(blank=True)
    group_delta_link = models.TextField(blank=True)
    full_run_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.scope


RUN_LOCK = "directory-sync"


class DirectorySyncRun(models.Model):
    """One run of the directory sync. `lock` holds RUN_LOCK while the run is under way and is
    unique, so a second run cannot start (SQLite and PostgreSQL alike); a run whose heartbeat
    stopped long ago gives it up to the next one."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        ADMIN = "admin", _("Administrator")
        COMMAND = "command", _("Command")

    lock = models.CharField(max_length=20, null=True, blank=True, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dry_run = models.BooleanField(_("dry run"), default=False)
    full = models.BooleanField(_("full run"), default=False)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    graph_pages = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("directory sync run")
        verbose_name_plural = _("directory sync runs")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.status}"


class DirectoryChange(models.Model):
    """One change a sync run made (or, in a dry run, would make). Names are copied as they
    were, so the list still reads right after people and departments change again."""

    class Kind(models.TextChoices):
        JOINED = "joined", _("Joined")
        LEFT = "left", _("Left")
        REHIRED = "rehired", _("Re-hired")
        TRANSFERRED = "transferred", _("Transferred")
        UPDATED = "updated", _("Details changed")
        DEPARTMENT_CREATED = "dept_created", _("Department created")
        DEPARTMENT_RENAMED = "dept_renamed", _("Department renamed")
        DEPARTMENTS_MERGED = "dept_merged", _("Departments merged")
        DEPARTMENT_SPLIT = "dept_split", _("Department split")

    run = models.ForeignKey(DirectorySyncRun, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    oid = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=300, blank=True)
    department_from = models.CharField(max_length=300, blank=True)
    department_to = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "kind"], name="accounts_change_run_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


class OrgChartImport(models.Model):
    """An organisation chart uploaded by an administrator: its rows and the changes they
    would make, shown for review; applied only when the administrator confirms and only
    if the departments did not change in between."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Waiting for review")
        APPLIED = "applied", _("Applied")

    file_name = models.CharField(max_length=255)
    effective_on = models.DateField(_("effective date"))
    rows = models.JSONField(default=list)
    plan = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.effective_on})"
