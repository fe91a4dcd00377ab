import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.roles import Role
from apps.support import services
from apps.support.models import (
    CannedReply,
    Deflection,
    MemberSkill,
    Priority,
    RequestEvent,
    RequestLink,
    Status,
    SupportRequest,
)
from tests.factories import DepartmentFactory, UserFactory
from tests.support.factories import CannedReplyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(coe):
    """A published knowledge article, in the search index."""
    from apps.knowledge import services as knowledge_services
    from apps.knowledge.models import Article
    from apps.search.services import search_index_update

    article = knowledge_services.article_create(
        actor=coe, title="Power Automate で承認フローを作る", body="Power Automate の承認アクションで申請を回す手順。"
    )
    Article.objects.filter(pk=article.pk).update(status="published")
    article.refresh_from_db()
    search_index_update(obj=article)
    return article


# --- asking ---------------------------------------------------------------------------------


def test_the_form_offers_the_requesters_department(client_for, requester):
    response = client_for(requester).get(reverse("support:ask"))
    assert response.status_code == 200
    assert response.context["form"]["department"].value() == requester.department_id
    html = response.content.decode()
    assert f'<option value="{requester.department_id}" selected>' in html
    assert 'id="support-similar"' in html and 'aria-live="polite"' in html
    assert 'hx-get="/support/requests/new/similar/"' in html and "delay:600ms" in html


def test_nothing_typed_is_lost_on_an_error_files_included(client_for, requester, coe):
    client = client_for(requester)
    data = {
        "kind": "data_analysis",
        "title": "",  # missing
        "description": "問い合わせ記録を分析したい",
        "department": requester.department_id,
        "desired_date": "2099-01-31",
        "people_involved": "係長と担当2名",
        "attachments": [SimpleUploadedFile("records.csv", "日付,件数\n4/1,12\n".encode())],
    }
    response = client.post(reverse("support:ask"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form["description"].value() == "問い合わせ記録を分析したい"
    assert form["kind"].value() == "data_analysis" and form["people_involved"].value() == "係長と担当2名"
    assert str(form["desired_date"].value()) == "2099-01-31"
    html = response.content.decode()
    assert "records.csv" in html and 'name="kept_files"' in html
    token = response.context["kept_token"]
    assert not SupportRequest.objects.exists()

    # Sent again with the title: the kept file comes along without being chosen again.
    data.update(title="問い合わせの分析", kept_files=token)
    data.pop("attachments")
    response = client.post(reverse("support:ask"), data)
    assert response.status_code == 302
    request = SupportRequest.objects.get()
    assert [a.name for a in request.attachments.all()] == ["records.csv"]
    assert request.attachments.get().file.read().decode() == "日付,件数\n4/1,12\n"


def test_a_kept_file_token_is_personal(client_for, requester):
    client = client_for(requester)
    response = client.post(
        reverse("support:ask"),
        {
            "kind": "other",
            "attachments": [SimpleUploadedFile("secret.txt", b"x")],
            "department": requester.department_id,
        },
    )
    token = response.context["kept_token"]
    other = UserFactory()
    response = client_for(other).post(
        reverse("support:ask"),
        {"kind": "other", "title": "t", "description": "d", "department": other.department_id, "kept_files": token},
    )
    assert response.status_code == 302
    assert not SupportRequest.objects.get(requester=other).attachments.exists()


def test_a_bad_file_is_refused_and_the_rest_kept(client_for, requester):
    response = client_for(requester).post(
        reverse("support:ask"),
        {
            "kind": "other",
            "title": "t",
            "description": "d",
            "department": requester.department_id,
            "attachments": [SimpleUploadedFile("virus.exe", b"MZ..."), SimpleUploadedFile("ok.txt", b"hello")],
        },
    )
    assert response.status_code == 400
    assert "virus.exe" in response.content.decode()
    assert [f.name for f in response.context["kept_files"]] == ["ok.txt"]


def test_check_for_answers_without_javascript_keeps_the_form(client_for, requester, article):
    response = client_for(requester).post(
        reverse("support:ask"),
        {"action": "check", "kind": "tool_adoption", "title": "承認フローを作りたい", "description": "Power Automate"},
    )
    assert response.status_code == 200
    assert response.context["form"]["title"].value() == "承認フローを作りたい"
    assert [hit.object_id for hit in response.context["similar"]] == [article.pk]
    html = response.content.decode()
    assert 'formaction="/support/requests/new/answered/"' in html
    assert not response.context["form"].errors
    assert not SupportRequest.objects.exists()


def test_similar_fragment_while_typing(client_for, requester, article):
    response = client_for(requester).get(
        reverse("support:similar"), {"title": "承認フロー", "description": "Power Automate"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert article.title in html.replace("<mark>", "").replace("</mark>", "")
    assert f'value="article:{article.pk}"' in html and "<html" not in html


def test_this_answered_my_question_records_a_deflection_instead_of_a_request(client_for, requester, article):
    response = client_for(requester).post(
        reverse("support:answered"),
        {
            "answered": f"article:{article.pk}",
            "title": "承認フロー",
            "description": "作りたい",
            "kind": "tool_adoption",
        },
    )
    assert response.status_code == 302 and response.url == article.get_absolute_url()
    deflection = Deflection.objects.get()
    assert (deflection.user, deflection.department, deflection.kind) == (
        requester,
        requester.department,
        "tool_adoption",
    )
    assert "承認フロー" in deflection.query
    assert not SupportRequest.objects.exists()
    bad = client_for(requester).post(reverse("support:answered"), {"answered": "article:999999"})
    assert bad.status_code == 400


# --- who sees what ------------------------------------------------------------------------------


def test_a_request_is_private(client_for, make_request, requester, manager, coe, other_staff):
    request = make_request()
    url = reverse("support:detail", args=[request.pk])
    assert client_for(other_staff).get(url).status_code == 404
    other_bureau_head = UserFactory(roles=[Role.MANAGER], department=DepartmentFactory())
    assert client_for(other_bureau_head).get(url).status_code == 404
    for user in (requester, manager, coe):
        assert client_for(user).get(url).status_code == 200


def test_requester_page_has_no_coe_tools(client_for, make_request, requester, coe):
    request = make_request()
    html = client_for(requester).get(reverse("support:detail", args=[request.pk])).content.decode()
    assert 'name="internal"' not in html and "support:triage" not in html and 'action="/support/requests/' in html
    assert f'action="{reverse("support:triage", args=[request.pk])}"' not in html
    coe_html = client_for(coe).get(reverse("support:detail", args=[request.pk])).content.decode()
    assert f'action="{reverse("support:triage", args=[request.pk])}"' in coe_html and 'name="internal"' in coe_html


def test_queue_is_for_the_coe(client_for, requester, manager, coe):
    assert client_for(requester).get(reverse("support:queue")).status_code == 403
    assert client_for(manager).get(reverse("support:queue")).status_code == 403
    assert client_for(requester).get(reverse("support:export")).status_code == 403
    assert client_for(coe).get(reverse("support:queue")).status_code == 200


def test_manager_sees_the_departments_requests(client_for, make_request, manager, requester):
    mine = make_request(title="課の依頼")
    elsewhere = services.support_request_create(
        requester=UserFactory(department=DepartmentFactory()), kind="other", title="他局の依頼", description="x"
    )
    response = client_for(manager).get(reverse("support:my_requests") + "?scope=department")
    titles = [r.title for r in response.context["page"].items]
    assert mine.title in titles and elsewhere.title not in titles
    # Staff asking for the department view get their own list.
    response = client_for(requester).get(reverse("support:my_requests") + "?scope=department")
    assert response.context["scope"] == "mine"


def test_my_requests_shows_status_next_step_and_handler(client_for, make_request, requester, coe):
    request = make_request()
    services.support_request_triage(request_id=request.pk, actor=coe, assignee=coe, priority=2, expected_version=1)
    html = client_for(requester).get(reverse("support:my_requests")).content.decode()
    assert request.title in html and coe.get_full_name() in html
    assert "Someone in the COE has been assigned" in html or "担当" in html


# --- the queue ---------------------------------------------------------------------------------


def test_queue_saved_views_and_filters(client_for, make_request, coe, coe2, requester):
    mine, _unassigned, late = make_request(title="私の担当"), make_request(title="未割当"), make_request(title="遅延")
    services.support_requests_assign(request_ids=[mine.pk], actor=coe, assignee=coe)
    services.support_requests_assign(request_ids=[late.pk], actor=coe, assignee=coe2)
    from datetime import timedelta

    from django.utils import timezone

    SupportRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    SupportRequest.objects.filter(pk=late.pk).update(resolution_due_at=timezone.now() - timedelta(hours=1))
    client = client_for(coe)

    def titles(query: str) -> list[str]:
        response = client.get(reverse("support:queue") + query)
        assert response.status_code == 200
        return [r.title for r in response.context["page"].items]

    assert titles("?assignee=me") == ["私の担当"]
    assert titles("?assignee=none") == ["未割当"]
    assert titles("?target=near") == ["遅延"] and titles("?target=breached") == ["遅延"]
    assert titles("?sort=due")[0] == "遅延"
    assert titles(f"?assignee={coe2.pk}") == ["遅延"]
    assert set(titles("?status=triaged")) == {"私の担当", "遅延"}
    assert titles("?q=未割") == ["未割当"]
    assert titles("?status=closed") == []
    html = client.get(reverse("support:queue") + "?target=near").content.decode()
    assert "support-row--breached" in html


def test_queue_pages_without_counting(client_for, coe, support_request_factory):
    support_request_factory.create_batch(30)
    client = client_for(coe)
    first = client.get(reverse("support:queue"))
    assert len(first.context["page"].items) == 25 and first.context["page"].has_next
    second = client.get(reverse("support:queue") + "?page=2")
    assert len(second.context["page"].items) == 5 and not second.context["page"].has_next
    assert client.get(reverse("support:queue") + "?page=abc").status_code == 200


def test_bulk_assign_works_without_javascript(client_for, make_request, coe, coe2):
    first, second = make_request(), make_request()
    response = client_for(coe).post(
        reverse("support:bulk_assign"),
        {"requests": [first.pk, second.pk], "assignee": coe2.pk, "next": "/support/queue/?assignee=none"},
    )
    assert response.status_code == 302 and response.url == "/support/queue/?assignee=none"
    assert SupportRequest.objects.filter(assignee=coe2, status=Status.TRIAGED).count() == 2
    response = client_for(coe).post(reverse("support:bulk_assign"), {"assignee": coe2.pk}, follow=True)
    assert "Choose at least one request" in response.content.decode() or response.status_code == 200


def test_export_csv(client_for, make_request, coe):
    make_request(title="CSVに出る依頼")
    response = client_for(coe).get(reverse("support:export"))
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id,kind,title,status") and "CSVに出る依頼" in lines[1]


# --- working on a request ------------------------------------------------------------------------


def test_triage_form_and_suggestions(client_for, make_request, coe, coe2):
    MemberSkill.objects.create(user=coe2, skill="low_code")
    request = make_request()
    client = client_for(coe)
    response = client.get(reverse("support:detail", args=[request.pk]))
    assert [m.pk for m in response.context["suggestions"]] == [coe2.pk]
    response = client.post(
        reverse("support:triage", args=[request.pk]), {"assignee": coe2.pk, "priority": Priority.HIGH, "version": 1}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.assignee, request.priority, request.status) == (coe2, Priority.HIGH, Status.TRIAGED)


def test_a_conflict_through_the_page_keeps_the_comment(client_for, make_request, coe, coe2):
    request = make_request()
    services.support_request_transition(request_id=request.pk, actor=coe2, to_status="triaged", expected_version=1)
    response = client_for(coe).post(
        reverse("support:transition", args=[request.pk]),
        {"to_status": "waiting", "comment": "スクリーンショットをください", "version": 1},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert coe2.get_full_name() in html and "スクリーンショットをください" in html
    # The form now carries the new version: sending again works.
    assert response.context["transition_form"]["version"].value() == 2
    response = client_for(coe).post(
        reverse("support:transition", args=[request.pk]),
        {"to_status": "waiting", "comment": "スクリーンショットをください", "version": 2},
    )
    assert response.status_code == 302
    assert RequestEvent.objects.filter(request=request, outcome="conflict").count() == 1


def test_reply_errors_keep_the_text_and_canned_replies_prefill(client_for, make_request, coe, requester):
    request = make_request()
    canned = CannedReplyFactory(body="定型の回答文です", kind="tool_adoption")
    client = client_for(coe)
    response = client.get(reverse("support:detail", args=[request.pk]) + f"?canned={canned.pk}")
    assert response.context["reply_form"]["body"].value() == "定型の回答文です"
    response = client.post(
        reverse("support:reply", args=[request.pk]),
        {"body": "ファイルを見てください", "attachments": [SimpleUploadedFile("bad.pdf", b"not pdf")]},
    )
    assert response.status_code == 400 and "ファイルを見てください" in response.content.decode()
    response = client.post(reverse("support:reply", args=[request.pk]), {"body": "了解しました", "internal": "on"})
    assert response.status_code == 302
    assert request.replies.get().internal is True
    # Staff cannot sneak an internal note in: the flag is ignored for them.
    client_for(requester).post(reverse("support:reply", args=[request.pk]), {"body": "追記", "internal": "on"})
    assert request.replies.filter(author=requester).get().internal is False


def test_rating_through_the_page(client_for, make_request, requester, coe):
    request = make_request()
    services.support_request_transition(
        request_id=request.pk, actor=coe, to_status="resolved", comment="完了", expected_version=1
    )
    assert client_for(requester).post(reverse("support:rate", args=[request.pk]), {"rating": 7}).status_code == 400
    response = client_for(requester).post(reverse("support:rate", args=[request.pk]), {"rating": 5, "comment": "感謝"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.rating == 5
    assert client_for(coe).post(reverse("support:rate", args=[request.pk]), {"rating": 1}).status_code == 403


def test_convert_and_link_through_the_page(client_for, make_request, coe, requester, article):
    request = make_request()
    client = client_for(coe)
    assert client.post(reverse("support:convert", args=[request.pk, "case"])).status_code == 409
    response = client.post(
        reverse("support:link", args=[request.pk]), {"target_type": "article", "object_id": article.pk}
    )
    assert response.status_code == 302
    assert RequestLink.objects.get(request=request).url == article.get_absolute_url()
    assert article.title in client_for(requester).get(reverse("support:detail", args=[request.pk])).content.decode()
    client = client_for(coe)  # (client_for signs the one test client in as someone else)
    related = client.get(reverse("support:related", args=[request.pk]), HTTP_HX_REQUEST="true")
    assert related.status_code == 200 and "<html" not in related.content.decode()
    assert client.get(reverse("support:related", args=[request.pk])).status_code == 200  # without JavaScript
    assert client_for(requester).get(reverse("support:related", args=[request.pk])).status_code == 403
    client = client_for(coe)
    services.support_request_transition(
        request_id=request.pk, actor=coe, to_status="resolved", comment="完了", expected_version=1
    )
    response = client.post(reverse("support:convert", args=[request.pk, "case"]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert response.url == request.case_url
    assert client.post(reverse("support:convert", args=[request.pk, "nonsense"])).status_code == 404


def test_attachment_download(client_for, make_request, requester, other_staff):
    request = make_request(attachments=[SimpleUploadedFile("memo.txt", "メモ".encode())])
    attachment = request.attachments.get()
    url = reverse("support:attachment", args=[request.pk, attachment.pk])
    response = client_for(requester).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).decode() == "メモ"
    assert response["Cache-Control"] == "private, no-store"
    assert client_for(other_staff).get(url).status_code == 404


def test_canned_replies_and_members_pages(client_for, coe, coe2, requester):
    client = client_for(coe)
    response = client.post(
        reverse("support:canned_list"), {"kind": "", "title": "挨拶", "body": "本文", "is_active": "on"}
    )
    assert response.status_code == 302
    canned = CannedReply.objects.get()
    response = client.post(
        reverse("support:canned_edit", args=[canned.pk]),
        {"kind": "data_analysis", "title": "挨拶", "body": "新しい本文"},
    )
    assert response.status_code == 302
    canned.refresh_from_db()
    assert (canned.kind, canned.body, canned.is_active) == ("data_analysis", "新しい本文", False)
    assert client.post(reverse("support:canned_list"), {"title": ""}).status_code == 400
    response = client.post(
        reverse("support:members"),
        {"member": coe2.pk, f"m{coe2.pk}-skills": ["data", "ui_ux"], f"m{coe2.pk}-is_lead": "on"},
    )
    assert response.status_code == 302
    assert set(MemberSkill.objects.filter(user=coe2).values_list("skill", flat=True)) == {"data", "ui_ux"}
    assert client_for(requester).get(reverse("support:members")).status_code == 403
    assert client_for(requester).get(reverse("support:canned_list")).status_code == 403


def test_from_idea_page(client_for, coe, requester):
    from tests.ideas.factories import IdeaFactory

    idea = IdeaFactory()
    url = reverse("support:from_idea", args=[idea.pk])
    assert client_for(requester).get(url).status_code == 403
    client = client_for(coe)
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "planning", "priority": Priority.HIGH})
    request = SupportRequest.objects.get(idea_id=idea.pk)
    assert response.status_code == 302 and response.url == reverse("support:detail", args=[request.pk])
    assert (request.kind, request.priority) == ("planning", Priority.HIGH)
    assert client.post(reverse("support:from_idea", args=[999999]), {"kind": "other", "priority": 2}).status_code == 404


def test_navigation_and_home_panel(client_for, make_request, requester, coe):
    make_request(title="ホームに出る依頼")
    html = client_for(requester).get(reverse("core:home")).content.decode()
    assert 'href="/support/requests/"' in html and 'href="/support/queue/"' not in html
    assert "ホームに出る依頼" in html
    coe_html = client_for(coe).get(reverse("core:home")).content.decode()
    assert 'href="/support/queue/"' in coe_html and "/support/queue/?assignee=none" in coe_html


def _suggested(html: str) -> list[str]:
    """The names under "Suggested by skills and open load" on a request page."""
    found = re.search(r'<ul class="list" aria-labelledby="suggest-title">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>\s*(.*?) <span", found.group(1)) if found else []


def test_canned_replies_and_skills_show_at_once_after_a_change(client_for, make_request, coe, coe2):
    """Both are cached for the request page; saving through the services drops the copy."""
    request = make_request(kind="data_analysis")
    client = client_for(coe)
    page = reverse("support:detail", args=[request.pk])
    for _ in range(2):  # rendered, then from the page cache
        html = client.get(page).content.decode()
        assert _suggested(html) == [] and "support-canned" not in html
    services.member_skills_set(actor=coe, member=coe2, skills=["data"], is_lead=False)
    canned = services.canned_reply_save(actor=coe, kind="", title="資料のお願い", body="資料を添付してください")
    html = client.get(page).content.decode()
    assert _suggested(html) == [coe2.get_full_name()]
    assert "資料のお願い" in html
    services.canned_reply_save(actor=coe, canned=canned, kind="", title="資料のお願い", body="x", is_active=False)
    assert "資料のお願い" not in client.get(page).content.decode()
