"""Navigation registry: each feature app adds its entries in AppConfig.ready(), so
the shell knows no feature app and a link appears only once its page exists."""

from dataclasses import dataclass
from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    permission: str
    order: int = 100

    @property
    def url(self) -> str:
        return _reverse(self.url_name, get_script_prefix())


@lru_cache(maxsize=256)
def _reverse(url_name: str, script_prefix: str) -> str:
    # The URLconf does not change while the process runs; the prefix is part of the key.
    return reverse(url_name)


_items: dict[str, NavItem] = {}


def nav_register(item: NavItem) -> None:
    _items[item.key] = item


def nav_items_for(user) -> list[NavItem]:
    return [item for item in sorted(_items.values(), key=lambda i: i.order) if user.has_perm(item.permission)]


def crumbs(section: str, *trail: tuple[str, str]) -> list[tuple[str, str]]:
    """A page's breadcrumbs: its section's entry in the navigation, then `trail` ((label, url)
    pairs; the current page last, with an empty url)."""
    item = _items[section]
    return [(item.label, item.url), *trail]
