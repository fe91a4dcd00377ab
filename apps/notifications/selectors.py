from django.db.models import QuerySet

from apps.accounts.models import User
from apps.notifications.models import Announcement, Notification


def notification_list_for_user(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("actor")


def unread_count_for_user(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def announcement_list_for_user(user: User) -> QuerySet[Announcement]:
    # Announcements are staff-wide information; every signed-in user may read them all.
    return Announcement.objects.select_related("author", "department")


def home_context(request) -> dict:
    return {
        "latest_notifications": list(notification_list_for_user(request.user)[:5]),
        "latest_announcements": list(announcement_list_for_user(request.user)[:3]),
        "can_announce": request.user.has_perm("notifications.publish_announcement"),
    }
