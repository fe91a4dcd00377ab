import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.roles import Role
from apps.search.models import SearchQuery
from tests.factories import UserFactory
from tests.search.conftest import Note

URL = reverse("search:search")


@pytest.fixture
def notes(put_note):
    put_note(Note("sodai", "粗大ゴミの出し方", "粗大ごみは電子申請で予約できます。", days_ago=1), 1)
    put_note(Note("denshi", "電子申請の案内", "住民票の写し", days_ago=2), 2)
    put_note(Note("memo", "COEメモ 申請", "内部", days_ago=3, audience="coe"), 3)


def test_sign_in_needed(client, db):
    response = client.get(URL, {"q": "ごみ"})
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_page_without_a_query_lists_what_the_user_may_see_newest_first(client_for, notes):
    response = client_for(UserFactory()).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="search"' in html
    assert '<label class="field__label" for="search-q">' in html
    assert "Test note" in html  # type filter checkboxes
    assert html.index("/notes/1/") < html.index("/notes/2/")
    assert "/notes/3/" not in html  # COE only
    assert "<mark>" not in html
    assert not SearchQuery.objects.exists()
    html = client_for(UserFactory()).get(URL, {"q": "", "type": "test-announcement"}).content.decode()
    assert "/notes/1/" not in html
    assert "Enter one or more words" not in html


def test_results_with_marks_counts_and_a_log_entry_without_the_user(client_for, notes):
    user = UserFactory()
    response = client_for(user).get(URL, {"q": "粗大ｺﾞﾐ"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="/notes/1/"><mark>粗大ゴミ</mark>の出し方</a>' in html
    assert "<mark>粗大ごみ</mark>は電子申請" in html
    assert "/notes/2/" not in html
    entry = SearchQuery.objects.get()
    assert (entry.query, entry.result_count, entry.department_id) == ("粗大ごみ", 1, user.department_id)
    field_names = {f.name for f in SearchQuery._meta.get_fields()}
    assert not field_names & {"user", "user_id", "ip", "session"}


def test_coe_only_documents_stay_hidden_from_staff(client_for, notes):
    html = client_for(UserFactory()).get(URL, {"q": "申請"}).content.decode()
    assert "/notes/3/" not in html and "/notes/1/" in html and "/notes/2/" in html
    html = client_for(UserFactory(roles=[Role.COE])).get(URL, {"q": "申請"}).content.decode()
    assert "/notes/3/" in html


def test_nothing_found_shows_a_hint_and_is_logged_with_zero(client_for, notes):
    html = client_for(UserFactory()).get(URL, {"q": "存在しない言葉"}).content.decode()
    assert "empty-state" in html
    assert SearchQuery.objects.get().result_count == 0


@pytest.mark.parametrize(("q", "message"), [("", "Enter one or more words"), ("あ" * 201, "The search is too long")])
def test_empty_or_too_long_query_gets_a_message_not_an_error(client_for, notes, q, message):
    client = client_for(UserFactory(language="en"))
    response = client.get(URL, {"q": q}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SearchQuery.objects.exists()


def test_type_filter_and_bad_parameters(client_for, notes):
    client = client_for(UserFactory())
    html = client.get(URL, {"q": "申請", "type": ["test-announcement"]}).content.decode()
    assert "/notes/1/" not in html
    assert 'value="test-announcement" id="search-type-1" checked' in html
    html = client.get(URL, {"q": "申請", "type": ["nope"], "page": "x"}).content.decode()
    assert "/notes/1/" in html


def test_later_pages_are_not_logged_again(client_for, put_note):
    for n in range(25):
        put_note(Note(f"n{n}", f"ごみ {n}", "", days_ago=n), 100 + n)
    client = client_for(UserFactory())
    html = client.get(URL, {"q": "ごみ"}).content.decode()
    assert 'rel="next"' in html
    html = client.get(URL, {"q": "ごみ", "page": 2}).content.decode()
    assert 'rel="prev"' in html and "/notes/124/" in html and "/notes/100/" not in html
    assert SearchQuery.objects.count() == 1


def test_query_count_does_not_grow_with_the_hits(client_for, put_note):
    client = client_for(UserFactory())
    for n in range(3):
        put_note(Note(f"a{n}", f"資料 {n}", "本文", days_ago=n), n + 1)
    client.get(URL, {"q": "資料"})  # warm the session and role caches
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"q": "資料"})
    for n in range(3, 60):
        put_note(Note(f"a{n}", f"資料 {n}", "本文", days_ago=n), n + 1)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"q": "資料"})
    assert response.content.decode().count('class="search-hit"') == 20
    # One more: with more than a page of hits the total needs a (capped) count.
    assert len(many) <= len(few) + 1, [q["sql"] for q in many.captured_queries]
    with CaptureQueriesContext(connection) as page_two:
        client.get(URL, {"q": "資料", "page": 2})
    assert len(page_two) <= len(many)


def test_htmx_request_gets_the_results_fragment(client_for, notes):
    response = client_for(UserFactory()).get(URL, {"q": "申請"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith("<section")
    assert "<html" not in html


def test_navigation_entry(client_for, notes):
    html = client_for(UserFactory()).get(URL).content.decode()
    assert f'href="{URL}" aria-current="page"' in html


def test_header_form_partial(rf):
    html = render_to_string("search/partials/header_form.html", request=rf.get("/"))
    assert 'role="search"' in html
    assert f'action="{URL}"' in html
    assert '<label class="visually-hidden" for="site-search-q">' in html


def test_similar_fragment(client_for, notes):
    client = client_for(UserFactory())
    html = client.get(reverse("search:similar"), {"q": "粗大ゴミの回収について"}).content.decode()
    assert "/notes/1/" in html
    html = client.get(reverse("search:similar"), {"q": "粗大ゴミの回収", "exclude": "test-note:1"}).content.decode()
    assert "/notes/1/" not in html
    assert client.get(reverse("search:similar"), {"q": ""}).status_code == 200
