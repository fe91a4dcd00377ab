from django import template

from apps.notifications.selectors import unread_count_for_user

register = template.Library()


@register.simple_tag
def unread_notification_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return unread_count_for_user(user)
