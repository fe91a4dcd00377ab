"""Keep the cached role names (User.roles) in step with group membership, whichever side
changes it: user_roles_set, the admin's user form (user.groups) or the group form
(group.user_set). The cached copies live in the "state" cache, which every process and
every release shares (portal/settings.py), so the drop reaches them all."""

from django.core.cache import caches
from django.db import transaction


def roles_cache_drop(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    from apps.accounts.models import User

    if reverse and action == "pre_clear":
        # The members are gone after the clear: note whose roles change while they are known.
        instance._roles_cleared = list(instance.user_set.only("pk", "date_joined"))
        return
    if not action.startswith("post_"):
        return
    if not reverse:
        users = [instance]
    elif action == "post_clear":
        users = getattr(instance, "_roles_cleared", [])
    else:
        users = list(User.objects.filter(pk__in=pk_set or ()).only("pk", "date_joined"))
    for user in users:
        user.__dict__.pop("roles", None)
    keys = [user.roles_cache_key for user in users]
    cache = caches["state"]
    cache.delete_many(keys)
    # Again after the commit: a request in between may have cached the old roles.
    transaction.on_commit(lambda: cache.delete_many(keys))


def roles_cache_drop_group_deleted(sender, instance, **kwargs) -> None:
    """Deleting a group removes its memberships without an m2m signal."""
    keys = [user.roles_cache_key for user in instance.user_set.only("pk", "date_joined")]
    cache = caches["state"]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
