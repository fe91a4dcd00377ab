from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _clear_orphaned_fts(sender, using="default", **kwargs) -> None:
    """`flush` (TransactionTestCase, seed_bench) empties the model tables but not the FTS5
    virtual table; stale rows could then match a new document given the same sort_key."""
    from django.db import connections

    from apps.search.models import SearchDocument

    connection = connections[using]
    if connection.vendor != "sqlite" or "search_fts" not in connection.introspection.table_names():
        return
    if not SearchDocument.objects.using(using).exists():
        from apps.search.backends import fts_clear

        fts_clear(using)


class SearchConfig(AppConfig):
    name = "apps.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from django.core import checks

        from apps.core.navigation import NavItem, nav_register
        from apps.search.checks import check_database_ctype

        nav_register(NavItem("search", _("Search"), "search:search", "accounts.use_portal", order=80))
        checks.register(check_database_ctype, checks.Tags.database)
        post_migrate.connect(_clear_orphaned_fts, sender=self, dispatch_uid="search_clear_orphaned_fts")
