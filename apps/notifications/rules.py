import rules

from apps.accounts.rules import is_admin, is_coe, is_signed_in


@rules.predicate
def is_recipient(user, notification) -> bool:
    return notification is not None and notification.recipient_id == user.pk


rules.add_perm("notifications.publish_announcement", is_coe | is_admin)
rules.add_perm("notifications.view_notification", is_signed_in & is_recipient)
