"""An article that is not published (draft, in review, archived) is seen by editors (the COE
and administrators, tests/core/test_permission_matrix.py) and its owner only (PRODUCT.md
"Knowledge base": draft → review → published). Shown through the pages, with the hard case
the permission matrix cannot show: the owner is a member of staff, and a colleague of the
same section, their manager and the people around them get nothing — not the page, its
history, its files, nor a line in the list."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from apps.accounts.roles import Role
from apps.knowledge.models import ArticleAttachment

pytestmark = pytest.mark.django_db

TITLE = "窓口端末の初期設定メモ"


@pytest.fixture
def people(user_factory):
    owner = user_factory()
    return {
        "owner": owner,
        "colleague": user_factory(department=owner.department),
        "manager": user_factory(department=owner.department, roles=[Role.MANAGER]),
        "elsewhere": user_factory(),
        "coe": user_factory(roles=[Role.COE]),
        "admin": user_factory(roles=[Role.ADMIN]),
    }


def what_each_sees(client_for, people, article, attachment) -> dict[str, tuple]:
    """(page, history, attachment, listed) for each person; the list is asked for the
    article's status as an editor would filter it, and without a filter."""
    seen = {}
    for name, user in people.items():
        client = client_for(user)
        lists = client.get(reverse("knowledge:list"), {"status": article.status}).content.decode()
        lists += client.get(reverse("knowledge:list")).content.decode()
        seen[name] = (
            client.get(article.get_absolute_url()).status_code,
            client.get(reverse("knowledge:history", args=[article.pk])).status_code,
            client.get(reverse("knowledge:attachment", args=[article.pk, attachment.pk])).status_code,
            TITLE in lists,
        )
        client.logout()
    return seen


@pytest.mark.parametrize("status", ["draft", "review", "archived"])
def test_an_unpublished_article_is_seen_by_editors_and_its_owner_only(client_for, people, article_factory, status):
    article = article_factory(title=TITLE, owner=people["owner"], status=status)
    attachment = ArticleAttachment(article=article, name="設定.txt", kind="txt", size=2, uploaded_by=people["coe"])
    attachment.file.save("settings.txt", ContentFile(b"ok"), save=True)

    visible, hidden = (200, 200, 200), (404, 404, 404)
    seen = what_each_sees(client_for, people, article, attachment)
    assert seen["owner"][:3] == visible  # whether the list shows it to its owner is not a rule
    seen.pop("owner")
    assert seen == {
        "colleague": (*hidden, False),
        "manager": (*hidden, False),
        "elsewhere": (*hidden, False),
        "coe": (*visible, True),
        "admin": (*visible, True),
    }


def test_once_published_everyone_reads_it(client_for, people, article_factory):
    article = article_factory(title=TITLE, owner=people["owner"])
    for name, user in people.items():
        client = client_for(user)
        assert client.get(article.get_absolute_url()).status_code == 200, name
        assert TITLE in client.get(reverse("knowledge:list")).content.decode(), name
        client.logout()


def test_the_owner_of_a_draft_reads_it_but_does_not_edit_publish_or_comment_on_it(client_for, people, article_factory):
    article = article_factory(title=TITLE, owner=people["owner"], status="draft")
    client = client_for(people["owner"])
    assert client.get(article.get_absolute_url()).status_code == 200
    # Writing and reviewing are the COE's (and administrators') work.
    assert client.get(reverse("knowledge:edit", args=[article.pk])).status_code == 403
    response = client.post(reverse("knowledge:transition", args=[article.pk, "publish"]))
    assert response.status_code in (403, 404)
    article.refresh_from_db()
    assert article.status == "draft"
    # Feedback and suggestions are for published articles.
    assert not people["owner"].has_perm("knowledge.give_feedback", article)
    assert not people["owner"].has_perm("knowledge.suggest_edit", article)
