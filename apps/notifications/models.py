from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.notifications.registry import kind_get


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("E-mail immediately")
    DIGEST = "digest", _("Daily digest e-mail")
    OFF = "off", _("In the portal only")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=50)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_created"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notif_recipient_unread"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The message in the active language, built from the kind's template."""
        kind = kind_get(self.kind)
        if kind is None:
            return self.kind
        try:
            return str(kind.message) % self.params
        except (KeyError, TypeError, ValueError):
            return str(kind.label)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """One outgoing message for one notification on one channel: the outbox row that
    makes delivery idempotent (a task finding it already sent does nothing).

    pending/digest → sending (claimed and committed before the mail server is called) → sent;
    a failed send goes back to pending (digest) with its error, and after the last retry to
    failed. A row pending long after it was due, or sending long after it was claimed, lost
    its task or its worker: the re-queue job sends it again (services.deliveries_requeue_stale).
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        DIGEST = "digest", _("Waiting for the digest")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # Which mail it belongs in, so a claim given up goes back to the right queue.
    digest = models.BooleanField(_("in the daily digest"), default=False)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # When a task should pick a pending row up: when it was queued, or when its retry is due.
    due_at = models.DateTimeField(_("due"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="notif_delivery_once_per_channel"),
        ]
        indexes = [models.Index(fields=["status", "channel"], name="notif_delivery_status")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.notification_id}:{self.status}"


class Preference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=50)
    email = models.CharField(_("e-mail"), max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notif_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}={self.email}"


class Announcement(models.Model):
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("audience"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Leave empty to send to every member of staff."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("published"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        indexes = [models.Index(fields=["-created_at", "-id"], name="notif_announcement_recent")]

    def __str__(self) -> str:
        return self.title
