"""Case services: validation, one atomic change, audit entries and the search index."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.cases import services
from apps.cases.models import Case, SourceKind, Visibility
from apps.core.models import AuditEntry
from apps.search.models import SearchDocument
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def basics(field_factory, tool_factory):
    return {
        "title": "AI-OCRによる申請書の読み取り",
        "summary": "手書きの申請書をAI-OCRで読み取ります。",
        "department": DepartmentFactory(),
        "field": field_factory(code="internal-operations"),
        "stage": "live",
        "started_on": date(2025, 3, 31),
        "tools": [tool_factory(code="ai-ocr"), tool_factory(code="rpa")],
    }


def indexed(case) -> bool:
    return SearchDocument.objects.filter(kind="case", object_id=case.pk).exists()


def test_create_a_draft(coe_user, basics):
    case = services.case_create(author=coe_user, **basics)
    assert case.visibility == Visibility.DRAFT and case.published_at is None
    assert case.fiscal_year == 2024  # 31 March belongs to the fiscal year that began the April before
    assert {t.code for t in case.tools.all()} == {"ai-ocr", "rpa"}
    assert AuditEntry.objects.filter(action="case.created", target_id=str(case.pk), actor=coe_user).exists()
    assert not indexed(case)


def test_create_published_indexes_it(coe_user, basics):
    case = services.case_create(author=coe_user, publish=True, **basics)
    assert case.is_published and case.published_at is not None
    document = SearchDocument.objects.get(kind="case", object_id=case.pk)
    assert document.title == basics["title"] and document.url == case.get_absolute_url()


def test_publish_and_unpublish(coe_user, basics):
    case = services.case_create(author=coe_user, **basics)
    services.case_publish(case=case, actor=coe_user)
    assert Case.objects.get(pk=case.pk).is_published and indexed(case)
    services.case_unpublish(case=case, actor=coe_user)
    assert not Case.objects.get(pk=case.pk).is_published and not indexed(case)
    actions = list(AuditEntry.objects.filter(target_id=str(case.pk)).values_list("action", flat=True))
    assert {"case.published", "case.unpublished"} <= set(actions)


def test_a_case_without_a_field_cannot_be_published(coe_user, basics):
    case = services.case_create(author=coe_user, **{**basics, "field": None})
    with pytest.raises(ValidationError) as error:
        services.case_publish(case=case, actor=coe_user)
    assert "field" in error.value.message_dict
    assert not Case.objects.get(pk=case.pk).is_published


def test_negative_hours_are_refused_with_a_clear_message(coe_user, basics, english):
    with pytest.raises(ValidationError) as error:
        services.case_create(author=coe_user, hours_saved_per_year=Decimal("-5"), hours_method="measured", **basics)
    assert error.value.message_dict["hours_saved_per_year"] == ["Hours saved per year cannot be negative."]
    assert not Case.objects.exists()


def test_hours_need_to_say_measured_or_estimated(coe_user, basics):
    with pytest.raises(ValidationError) as error:
        services.case_create(author=coe_user, hours_saved_per_year=Decimal("100"), **basics)
    assert "hours_method" in error.value.message_dict


def test_measurement_period_must_not_end_before_it_starts(coe_user, basics):
    with pytest.raises(ValidationError) as error:
        services.case_create(author=coe_user, measured_from=date(2025, 5, 1), measured_until=date(2025, 4, 1), **basics)
    assert "measured_until" in error.value.message_dict


def test_the_database_refuses_negative_hours_too(basics, case_factory):
    with pytest.raises(IntegrityError), transaction.atomic():
        case_factory(hours_saved_per_year=Decimal("-1"), hours_method="measured")


def test_update_changes_only_what_it_is_given_and_records_it(coe_user, basics):
    case = services.case_create(author=coe_user, publish=True, **basics)
    new_dept = DepartmentFactory()
    services.case_update(
        case=case,
        actor=coe_user,
        started_on=date(2025, 4, 1),
        reused_by=[new_dept],
        hours_saved_per_year=Decimal("120.5"),
        hours_method="measured",
    )
    case = Case.objects.get(pk=case.pk)
    assert case.fiscal_year == 2025 and case.title == basics["title"]
    assert list(case.reused_by.all()) == [new_dept]
    entry = AuditEntry.objects.get(action="case.updated", target_id=str(case.pk))
    assert entry.data["fields"] == ["hours_method", "hours_saved_per_year", "reused_by", "started_on"]
    assert SearchDocument.objects.filter(kind="case", object_id=case.pk).count() == 1


def test_update_that_fails_validation_writes_nothing(coe_user, basics):
    case = services.case_create(author=coe_user, **basics)
    with pytest.raises(ValidationError):
        services.case_update(case=case, actor=coe_user, title="", tools=[])
    assert Case.objects.get(pk=case.pk).title == basics["title"]
    assert Case.objects.get(pk=case.pk).tools.count() == 2


def test_links_accept_portal_pages_and_web_addresses_only(coe_user, basics):
    case = services.case_create(
        author=coe_user,
        links=[("ナレッジ記事", "/knowledge/12/"), ("", "https://example.jp/news")],
        **basics,
    )
    assert list(case.links.values_list("title", "url")) == [
        ("ナレッジ記事", "/knowledge/12/"),
        ("https://example.jp/news", "https://example.jp/news"),
    ]
    for bad in ("javascript:alert(1)", "//evil.example/", "ftp://example.jp/x"):
        with pytest.raises(ValidationError) as error:
            services.case_update(case=case, actor=coe_user, links=[("x", bad)])
        assert "links" in error.value.message_dict


def test_create_from_source_keeps_the_link(coe_user, basics):
    case = services.case_create_from_source(
        title="アイデア：窓口の混雑表示",
        summary="最多得票のアイデアから事例にしました。",
        department=basics["department"],
        source_kind=SourceKind.IDEA,
        source_id=42,
        source_url="/ideas/challenges/3/ideas/42/",
        author=coe_user,
    )
    case.refresh_from_db()
    assert (case.source_kind, case.source_id, case.source_url) == ("idea", 42, "/ideas/challenges/3/ideas/42/")
    assert case.visibility == Visibility.DRAFT and case.stage == "idea" and case.author == coe_user
    assert AuditEntry.objects.filter(action="case.created_from_source", target_id=str(case.pk)).exists()
    # A second hand-over of the same idea finds the first case instead of making another.
    again = services.case_create_from_source(
        title="別のタイトル",
        summary="…",
        department=basics["department"],
        source_kind="idea",
        source_id=42,
        source_url="/ideas/challenges/3/ideas/42/",
        author=coe_user,
    )
    assert again.pk == case.pk and Case.objects.count() == 1


def test_create_from_source_for_a_support_request(coe_user, basics, client_for):
    case = services.case_create_from_source(
        title="支援依頼：保育所申請のオンライン化",
        summary="解決した支援依頼から事例にしました。",
        department=basics["department"],
        source_kind="support_request",
        source_id=7,
        source_url="/support/7/",
        author=coe_user,
    )
    html = client_for(coe_user).get(case.get_absolute_url()).content.decode()
    assert 'href="/support/7/"' in html


def test_create_from_source_refuses_an_unknown_kind_or_a_bad_url(coe_user, basics):
    with pytest.raises(ValidationError):
        services.case_create_from_source(
            title="x", summary="x", department=basics["department"], source_kind="article", source_id=1,
            source_url="/knowledge/1/", author=coe_user,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.case_create_from_source(
            title="x", summary="x", department=basics["department"], source_kind="idea", source_id=1,
            source_url="javascript:alert(1)", author=coe_user,
        )  # fmt: skip
    assert not Case.objects.exists()


def test_search_document_leaves_drafts_out(case_search_type, case_factory, tool_factory):
    published = case_factory(title="公開", tools=[tool_factory(code="rpa", name_ja="RPA")], problem="**手入力**が多い")
    doc = case_search_type.document(published)
    assert doc.title == "公開" and "RPA" in doc.body and "手入力が多い" in doc.body and "**" not in doc.body
    assert case_search_type.document(case_factory(draft=True)) is None
    assert list(case_search_type.queryset()) == [published]
