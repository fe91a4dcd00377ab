"""Notification kinds. Feature apps register theirs in AppConfig.ready(); this app
knows none of them, so it can render and deliver any kind."""

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str | Promise
    # A translatable %-format string; params come from the Notification row.
    message: str | Promise
    default_email: str = "immediate"


_kinds: dict[str, NotificationKind] = {}


def kind_register(kind: NotificationKind) -> None:
    _kinds[kind.key] = kind


def kind_get(key: str) -> NotificationKind | None:
    return _kinds.get(key)


def kinds_all() -> list[NotificationKind]:
    return sorted(_kinds.values(), key=lambda k: k.key)
