"""What can be searched. A feature app registers its content type in AppConfig.ready();
the search app knows none of them (see ../shared/STYLE.md, "Which app may use which")."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.functional import Promise


class Audience:
    """Who may find a document. Drafts and hidden items are simply not indexed."""

    ALL = "all"  # every signed-in member of staff
    COE = "coe"  # COE members only


@dataclass(frozen=True)
class SearchDoc:
    """The searchable view of one object, built by its app."""

    title: str
    body: str
    url: str
    updated_at: datetime
    audience: str = Audience.ALL
    department_id: int | None = None
    # Short facts shown under a result (category, department, stage …), already translated.
    meta: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SearchableType:
    key: str  # "article", "case", "idea": stored with each document, used in ?types=
    label: str | Promise
    model: str  # "app_label.ModelName"
    # Returns the document for an object, or None when the object must not be findable
    # (draft, in review, archived, hidden, withdrawn …) — it is then removed from the index.
    document: Callable[[Any], SearchDoc | None]
    # Objects to (re)index from scratch; `manage.py search_reindex` walks it.
    queryset: Callable[[], Any]
    order: int = 100


_types: dict[str, SearchableType] = {}


def searchable_register(kind: SearchableType) -> None:
    _types[kind.key] = kind


def searchable_get(key: str) -> SearchableType | None:
    return _types.get(key)


def searchable_for_model(label_lower: str) -> SearchableType | None:
    for kind in _types.values():
        if kind.model.lower() == label_lower:
            return kind
    return None


def searchable_all() -> list[SearchableType]:
    return sorted(_types.values(), key=lambda t: t.order)


def searchable_unregister(key: str) -> None:
    """Forget a type (tests; an app switched off). Its documents stay until `search_reindex`."""
    _types.pop(key, None)
