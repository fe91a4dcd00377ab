from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from apps.core.models import AuditEntry


def audit_log(
    *,
    action: str,
    actor: models.Model | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        data=data or {},
        ip_address=ip_address,
    )


# A form sent twice in a row — a double click, a reload after a slow answer, a client's
# retry — is one action: within this window the same person writing the same thing to the
# same place gets the first one back, and nobody is notified twice.
REPEAT_WINDOW = timedelta(seconds=30)


def person_lock(user: models.Model) -> None:
    """Take the person's row lock in the caller's transaction (SELECT … FOR UPDATE), so
    their parallel requests run one after the other and a repeat check sees what the first
    one wrote. A statement of its own: PostgreSQL evaluates the rest of a locking statement
    in its older snapshot. (SQLite runs writers one at a time anyway.)"""
    people = get_user_model().objects
    list(people.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


def recent_repeat(queryset: models.QuerySet, *, now: datetime | None = None) -> models.Model | None:
    """The newest row of `queryset` (the same person, place and text) written within
    REPEAT_WINDOW, if any. Call it under person_lock or another lock that serialises them."""
    since = (now or timezone.now()) - REPEAT_WINDOW
    return queryset.filter(created_at__gte=since).order_by("-created_at", "-pk").first()
