import secrets
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.uploads import IMAGES


class AuditEntry(models.Model):
    """A security-relevant action: who did what to which object, and when."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"


def attachment_path(instance: models.Model, filename: str) -> str:
    """Where an attachment's file is stored: under its app and month, by a random name, so
    that nothing on disk can be guessed and no name a user chose reaches the file system
    (the name shown and sent back on download is kept in the row)."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"{instance._meta.app_label}/{timezone.localdate():%Y/%m}/{secrets.token_hex(16)}{suffix}"


class Attachment(models.Model):
    """The one shape of a file attached to something (an idea, an article, a case, a
    support request): each app adds the link to what it is attached to. Files are stored
    and removed through apps.core.uploads and downloaded through the app's own permission
    view (apps.core.downloads), never from a public address."""

    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("type"), max_length=10)
    size = models.PositiveBigIntegerField(_("size"))
    # Kept like every author in the portal; empty only for files a command imported.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.kind in IMAGES
