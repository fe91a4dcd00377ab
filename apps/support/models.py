"""Support requests from departments (原課) to the COE: the request, its conversation,
its history, and the COE's own tools (canned replies, declared skills).

Targets are stored as due timestamps (`first_response_due_at`, `resolution_due_at`),
recomputed by the transition service on every change of status (business days, with the
clock stopped while waiting on the requester), so lists flag breaches in SQL alone.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import models as core_models
from apps.core.business_days import office_seconds_between


class Kind(models.TextChoices):
    DESIGN_THINKING = "design_thinking", _("Design-thinking facilitation")
    UX_DESIGN = "ux_design", _("UX design and governance")
    TECHNICAL = "technical", _("Technical implementation support")
    TOOL_ADOPTION = "tool_adoption", _("Tool adoption (Microsoft 365 / Power Platform)")
    PLANNING = "planning", _("Planning support")
    DATA_ANALYSIS = "data_analysis", _("Data analysis")
    OTHER = "other", _("Other")


class Skill(models.TextChoices):
    POLICY_PLANNING = "policy_planning", _("Policy planning")
    UI_UX = "ui_ux", _("UI/UX")
    CLOUD_ARCHITECTURE = "cloud_architecture", _("Cloud architecture")
    LOW_CODE = "low_code", _("Low-code")
    DATA = "data", _("Data")
    FACILITATION = "facilitation", _("Facilitation")


# Which declared skills make a COE member a good match for a kind of request.
KIND_SKILLS: dict[str, tuple[str, ...]] = {
    Kind.DESIGN_THINKING: (Skill.FACILITATION, Skill.UI_UX),
    Kind.UX_DESIGN: (Skill.UI_UX,),
    Kind.TECHNICAL: (Skill.CLOUD_ARCHITECTURE, Skill.LOW_CODE),
    Kind.TOOL_ADOPTION: (Skill.LOW_CODE,),
    Kind.PLANNING: (Skill.POLICY_PLANNING, Skill.FACILITATION),
    Kind.DATA_ANALYSIS: (Skill.DATA,),
    Kind.OTHER: (),  # anybody
}


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Status(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting on requester")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (Status.NEW, Status.TRIAGED, Status.IN_PROGRESS, Status.WAITING)
# The target clock runs in these; it stops while waiting on the requester and ends at resolution.
CLOCK_STATUSES = (Status.NEW, Status.TRIAGED, Status.IN_PROGRESS)
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED, Status.CANCELLED)


# The moments whose office time from the request is stored beside them.
OFFICE_DURATIONS = {
    "first_responded_at": "first_response_office_seconds",
    "resolved_at": "resolution_office_seconds",
}


class SupportRequest(models.Model):
    kind = models.CharField(_("kind of support"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"),
        max_length=10_000,
        help_text=_("What you want to achieve, what you tried, what is in the way."),
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="support_requests",
    )
    desired_date = models.DateField(_("desired date"), null=True, blank=True)
    people_involved = models.CharField(
        _("people involved"),
        max_length=300,
        blank=True,
        help_text=_("Who takes part on your side, e.g. “section chief and two staff”."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_support_requests",
    )
    # Optimistic concurrency: every change bumps it; a change made from an older version is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("requested"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now, editable=False)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, editable=False)
    # Office time from the request to those two moments, kept with them by save() so the
    # reports' percentiles are one aggregate over stored numbers.
    first_response_office_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    resolution_office_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    waiting_since = models.DateTimeField(null=True, blank=True, editable=False)
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True, editable=False)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True, editable=False)
    # The target that matters now (first response until there is one, then resolution): the queue sorts by it.
    due_at = models.DateTimeField(_("due"), null=True, blank=True, editable=False)
    # The beat job's guards: each warning is sent once per due moment.
    first_response_warned_for = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warned_for = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_summary = models.TextField(_("resolution summary"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0, editable=False)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("comment on the support"), max_length=2000, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Links to other apps are kept as id + URL only: support knows their services, not their tables.
    idea_id = models.PositiveBigIntegerField(_("from idea"), null=True, blank=True, editable=False)
    idea_url = models.CharField(max_length=300, blank=True, editable=False)
    case_id = models.PositiveBigIntegerField(_("case"), null=True, blank=True, editable=False)
    case_url = models.CharField(max_length=300, blank=True, editable=False)
    article_id = models.PositiveBigIntegerField(_("knowledge article"), null=True, blank=True, editable=False)
    article_url = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="support_rating_1_to_5"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="support_version_positive"),
            models.UniqueConstraint(
                fields=["idea_id"], condition=Q(idea_id__isnull=False), name="support_one_per_idea"
            ),
        ]
        indexes = [
            # The queue: open requests by due moment / by age (partial: the closed majority is skipped).
            models.Index(
                fields=["resolution_due_at", "id"], condition=Q(status__in=OPEN_STATUSES), name="support_open_due"
            ),
            models.Index(fields=["created_at", "id"], condition=Q(status__in=OPEN_STATUSES), name="support_open_age"),
            models.Index(fields=["status", "-created_at"], name="support_status_created"),
            models.Index(fields=["requester", "-created_at"], name="support_requester_created"),
            models.Index(fields=["department", "-created_at"], name="support_department_created"),
            models.Index(fields=["assignee", "status"], name="support_assignee_status"),
            # Every column the reports read (apps.support.reporting), by creation time.
            models.Index(
                fields=["created_at"],
                include=[
                    "department",
                    "kind",
                    "status",
                    "first_responded_at",
                    "resolved_at",
                    "first_response_office_seconds",
                    "resolution_office_seconds",
                    "first_response_due_at",
                    "resolution_due_at",
                    "rating",
                ],
                name="support_report_period",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def save(self, *args, **kwargs) -> None:
        self.office_durations_refresh()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            durations = [OFFICE_DURATIONS[name] for name in update_fields if name in OFFICE_DURATIONS]
            kwargs["update_fields"] = {*update_fields, *durations}
        super().save(*args, **kwargs)

    def office_durations_refresh(self) -> None:
        """Office seconds (apps.core.business_days: 00:00–24:00 Japan time on office days)
        from the request to its first response and to its resolution, None until then."""
        for moment_field, seconds_field in OFFICE_DURATIONS.items():
            moment = getattr(self, moment_field)
            setattr(self, seconds_field, None if moment is None else office_seconds_between(self.created_at, moment))

    @property
    def reference(self) -> str:
        return f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def clock_running(self) -> bool:
        return self.status in CLOCK_STATUSES

    def due_refresh(self) -> None:
        """Set `due_at` to the target that matters now: the first response until there is
        one, then the resolution."""
        self.due_at = self.resolution_due_at if self.first_responded_at else self.first_response_due_at

    @property
    def next_step(self) -> str:
        """What happens next, in the requester's words."""
        return str(NEXT_STEPS.get(self.status, ""))

    def target_state_at(self, now, near_until) -> str:
        """“breached”, “near” or "" (the same rule as selectors.target_filter() in SQL)."""
        return target_state(self, now, near_until)

    def resolution_missed(self) -> bool | None:
        if self.resolved_at is None or self.resolution_due_at is None:
            return None
        return self.resolved_at > self.resolution_due_at


def target_state(request, now, near_until) -> str:
    """The target flag of a request or of a list row with the same fields (selectors.ListItem)."""
    if request.status not in CLOCK_STATUSES:
        return ""
    dues = [request.resolution_due_at]
    if request.first_responded_at is None:
        dues.append(request.first_response_due_at)
    dues = [due for due in dues if due is not None]
    if any(due < now for due in dues):
        return "breached"
    if any(due < near_until for due in dues):
        return "near"
    return ""


NEXT_STEPS = {
    Status.NEW: _("The COE will look at your request and assign someone."),
    Status.TRIAGED: _("Someone in the COE has been assigned and will contact you."),
    Status.IN_PROGRESS: _("The COE is working on it."),
    Status.WAITING: _("The COE is waiting for your answer. Please reply."),
    Status.RESOLVED: _("Please check the answer and rate the support. You can reopen it if it is not solved."),
    Status.CLOSED: _("Nothing: the request is closed."),
    Status.CANCELLED: _("Nothing: the request was cancelled."),
}


class Reply(models.Model):
    """A public reply (seen by the requester's side) or an internal note (COE only)."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"), max_length=20_000, help_text=_("Markdown."))
    internal = models.BooleanField(_("internal note (COE only)"), default=False)
    # Set when the message was written with a change of status (a question, a resolution).
    status_change = models.CharField(max_length=12, choices=Status.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        indexes = [models.Index(fields=["request", "created_at"], name="support_reply_request")]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.body[:40]}"


class RequestEvent(models.Model):
    """The request's history. A transition refused because somebody else changed the
    request first is recorded too (outcome "conflict"), with what was attempted."""

    class Action(models.TextChoices):
        CREATED = "created", _("Requested")
        TRANSITION = "transition", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        PRIORITY = "priority", _("Priority changed")
        RATED = "rated", _("Rated")
        LINKED = "linked", _("Linked")

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Done")
        CONFLICT = "conflict", _("Refused: changed by someone else at the same time")

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=12, choices=Action.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.APPLIED)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"], name="support_event_request")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action} {self.from_status}→{self.to_status} {self.outcome}"

    def describe(self) -> str:
        """One line for the history, in the active language, from this row alone."""
        data = self.data or {}

        def status(value: str) -> str:
            return str(Status(value).label) if value in Status.values else value

        if self.action == self.Action.TRANSITION:
            return _("%(from)s → %(to)s") % {"from": status(self.from_status), "to": status(self.to_status)}
        if self.action == self.Action.ASSIGNED:
            name = data.get("assignee")
            return _("Assigned to %(name)s") % {"name": name} if name else str(_("Assignment removed"))
        if self.action == self.Action.PRIORITY:
            labels = dict(Priority.choices)
            return _("Priority %(from)s → %(to)s") % {
                "from": labels.get(data.get("from"), "?"),
                "to": labels.get(data.get("to"), data.get("priority", "?")),
            }
        if self.action == self.Action.RATED:
            return _("Rated %(rating)s out of 5") % {"rating": data.get("rating", "?")}
        if self.action == self.Action.LINKED:
            return _("Linked %(what)s") % {
                "what": data.get("title") or f"{data.get('target', '')} {data.get('id', '')}"
            }
        return str(self.get_action_display())


class Attachment(core_models.Attachment):
    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="attachments")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    # Files of an internal note are internal too.
    internal = models.BooleanField(default=False)


class RequestLink(models.Model):
    """A knowledge article or case the COE pointed the requester to."""

    class Target(models.TextChoices):
        ARTICLE = "article", _("Knowledge article")
        CASE = "case", _("Case")

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="links")
    target_type = models.CharField(max_length=10, choices=Target.choices)
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "target_type", "object_id"], name="support_link_once"),
        ]

    def __str__(self) -> str:
        return self.title


class CannedReply(models.Model):
    """A ready-made answer the COE inserts into a reply; for one kind of request or any."""

    kind = models.CharField(_("kind of support"), max_length=20, choices=Kind.choices, blank=True)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=10_000, help_text=_("Markdown."))
    is_active = models.BooleanField(_("in use"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["kind", "title", "id"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return self.title


class MemberProfile(models.Model):
    """A COE member's support settings: whether they lead the team (target warnings go
    to the leads as well as to the assignee)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_profile")
    is_lead = models.BooleanField(_("COE lead"), default=False)

    def __str__(self) -> str:
        return f"{self.user_id}{' (lead)' if self.is_lead else ''}"


class MemberSkill(models.Model):
    """A skill a COE member declared; the assignment suggestion matches them to kinds."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_skills")
    skill = models.CharField(_("skill"), max_length=20, choices=Skill.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "skill"], name="support_member_skill_once")]
        indexes = [models.Index(fields=["skill", "user"], name="support_skill_user")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.skill}"


class Deflection(models.Model):
    """“This answered my question”: a request that was not sent because an article or
    case answered it. Reports count them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, blank=True)
    query = models.TextField(max_length=1000, blank=True)
    target_type = models.CharField(max_length=10, choices=RequestLink.Target.choices)
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("answered before asking")
        verbose_name_plural = _("answered before asking")

    def __str__(self) -> str:
        return f"{self.target_type}:{self.object_id}"
