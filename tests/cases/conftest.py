import pytest

from apps.search.registry import searchable_get
from tests.cases.factories import CaseAttachmentFactory, CaseFactory, FieldFactory, ToolFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded attachments go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case_factory(db):
    return CaseFactory


@pytest.fixture
def field_factory(db):
    return FieldFactory


@pytest.fixture
def tool_factory(db):
    return ToolFactory


@pytest.fixture
def attachment_factory(db):
    return CaseAttachmentFactory


@pytest.fixture
def case_search_type():
    kind = searchable_get("case")
    assert kind is not None, "the cases app registers its searchable type in AppConfig.ready()"
    return kind


@pytest.fixture
def english():
    """English messages, so assertions on wording survive the Japanese translation."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def en_client_for(client_for):
    """client_for(user), asking for English pages (Accept-Language: en)."""

    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make
