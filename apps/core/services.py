from typing import Any

from django.db import models

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
