from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from apps.accounts.models import User
from apps.notifications.models import Announcement, Notification


def notification_list_for_user(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("actor")


UNREAD_CACHE_KEY = "notifications:unread"
UNREAD_CACHE_SECONDS = 300


def unread_count_for_user(user: User) -> int:
    """The header badge on every page: counted once, then read from the shared cache until
    a notification for the user is created or read (services drop the cached count)."""
    key = user.cache_key(UNREAD_CACHE_KEY)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def unread_count_forget(users) -> None:
    """Drop the cached badge counts of these users, now and once the surrounding transaction
    commits (a page served in between may have cached the old count again)."""
    keys = [user.cache_key(UNREAD_CACHE_KEY) for user in users]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def announcement_list_for_user(user: User) -> QuerySet[Announcement]:
    # Announcements are staff-wide information; every signed-in user may read them all.
    return Announcement.objects.select_related("author", "department")


def home_context(request) -> dict:
    return {
        "latest_notifications": list(notification_list_for_user(request.user)[:5]),
        "latest_announcements": list(announcement_list_for_user(request.user)[:3]),
        "can_announce": request.user.has_perm("notifications.publish_announcement"),
    }
