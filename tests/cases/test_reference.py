"""Fields and tools are extensible by the COE, in both languages, without a release."""

import pytest
from django.urls import reverse

from apps.cases.models import Tool
from apps.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PAGE = reverse("cases:reference")


def test_coe_adds_a_tool_and_it_can_be_chosen(client_for, coe_user):
    client = client_for(coe_user)
    response = client.post(
        PAGE,
        {"kind": "tool", "tool-code": "open-data", "tool-name_ja": "オープンデータ", "tool-name_en": "Open data",
         "tool-sort_order": "5"},
    )  # fmt: skip
    assert response.status_code == 302
    tool = Tool.objects.get(code="open-data")
    assert (tool.name_ja, tool.name_en, tool.is_active) == ("オープンデータ", "Open data", True)
    assert AuditEntry.objects.filter(action="cases.reference_created", target_id=str(tool.pk)).exists()
    assert "オープンデータ" in client.get(reverse("cases:create")).content.decode()


def test_errors_keep_what_was_typed(client_for, coe_user, tool_factory):
    tool_factory(code="rpa")
    client = client_for(coe_user)

    def tool_form(response):
        return next(form for kind, _title, _items, form in response.context["sections"] if kind == "tool")

    response = client.post(
        PAGE,
        {"kind": "tool", "tool-code": "rpa", "tool-name_ja": "重複", "tool-name_en": "Dup", "tool-sort_order": "1"},
    )
    assert response.status_code == 400
    assert list(tool_form(response).errors) == ["code"]  # the code is taken
    assert "重複" in response.content.decode()
    response = client.post(
        PAGE, {"kind": "tool", "tool-code": "new-tool", "tool-name_ja": "新ツール", "tool-sort_order": "1"}
    )
    assert list(tool_form(response).errors) == ["name_en"]
    assert 'value="new-tool"' in response.content.decode() and "新ツール" in response.content.decode()
    assert not Tool.objects.filter(code="new-tool").exists()


def test_retiring_a_tool_keeps_it_on_its_cases_but_not_in_the_editor(client_for, coe_user, tool_factory, case_factory):
    old = tool_factory(code="fax-ocr", name_ja="FAX-OCR")
    case = case_factory(tools=[old])
    client = client_for(coe_user)
    response = client.post(
        reverse("cases:reference_edit", args=["tool", old.pk]),
        {"name_ja": "FAX-OCR（旧）", "name_en": "Fax OCR (old)", "sort_order": "99"},  # is_active unticked
    )
    assert response.status_code == 302
    old.refresh_from_db()
    assert (old.name_ja, old.is_active, old.code) == ("FAX-OCR（旧）", False, "fax-ocr")
    assert "FAX-OCR（旧）" not in client.get(reverse("cases:create")).content.decode()
    assert "FAX-OCR（旧）" in client.get(reverse("cases:edit", args=[case.pk])).content.decode()
    assert "FAX-OCR（旧）" in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_staff_may_not_manage_reference_data(client_for, staff_user, tool_factory):
    tool = tool_factory()
    client = client_for(staff_user)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"kind": "tool", "tool-code": "x"}).status_code == 403
    assert client.get(reverse("cases:reference_edit", args=["tool", tool.pk])).status_code == 403


def test_unknown_kind_or_item(client_for, coe_user):
    client = client_for(coe_user)
    assert client.get(reverse("cases:reference_edit", args=["colour", 1])).status_code == 403
    assert client.get(reverse("cases:reference_edit", args=["tool", 999999])).status_code == 404
