"""Two test-only content types, so the search tests need neither the knowledge nor the cases app:

- "test-announcement": the real model notifications.Announcement, indexed through
  search_index_update like a feature app does. A title starting with "[draft]" is not
  findable (document() returns None); one starting with "[COE]" is for COE members only.
- "test-note": no model; documents are put straight into the index with search_document_put.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.notifications.models import Announcement
from apps.search import registry
from apps.search.registry import Audience, SearchableType, SearchDoc
from apps.search.services import search_document_put

NOW = timezone.now().replace(microsecond=0)


def announcement_document(obj: Announcement) -> SearchDoc | None:
    if obj.title.startswith("[draft]"):
        return None
    return SearchDoc(
        title=obj.title,
        body=obj.body,
        url=f"/notifications/announcements/{obj.pk}/",
        updated_at=obj.created_at,
        audience=Audience.COE if obj.title.startswith("[COE]") else Audience.ALL,
        department_id=obj.department_id,
        meta=["announcement"],
    )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The user factory hashes a password per user; PBKDF2 made each table row take a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def searchable_types(db):
    types = [
        SearchableType(
            key="test-announcement",
            label="Test announcement",
            model="notifications.Announcement",
            document=announcement_document,
            queryset=lambda: Announcement.objects.all(),
            order=1,
        ),
        SearchableType(
            key="test-note",
            label="Test note",
            model="tests.Note",
            document=lambda obj: None,
            queryset=lambda: [],
            order=2,
        ),
    ]
    for searchable in types:
        registry.searchable_register(searchable)
    yield types
    for searchable in types:
        registry.searchable_unregister(searchable.key)


@dataclass(frozen=True)
class Note:
    name: str
    title: str
    body: str
    days_ago: int = 0
    audience: str = Audience.ALL
    kind: str = "test-note"


@pytest.fixture
def put_note(searchable_types):
    """put_note(Note(...), object_id) -> the SearchDocument."""

    def put(note: Note, object_id: int):
        return search_document_put(
            kind=note.kind,
            object_id=object_id,
            doc=SearchDoc(
                title=note.title,
                body=note.body,
                url=f"/notes/{object_id}/",
                updated_at=NOW - timedelta(days=note.days_ago),
                audience=note.audience,
                meta=[note.name],
            ),
        )

    return put
