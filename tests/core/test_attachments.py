"""One shape and one path for attachments (issue #15): an idea, an article, a case and a
support request take a photo the same way — stored without its hidden data (camera make,
GPS position), under a random name in the app's folder, and sent back with the name the
person gave it, through the page's permission check.

And migrating to that shape (knowledge/0004, cases/0006, ideas/0007, support/0004) keeps
every attachment of a database that already had some: the rows, their names and files."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from PIL import Image

from apps.accounts.roles import Role
from apps.cases import services as case_services
from apps.cases.models import CaseAttachment
from apps.ideas import services as idea_services
from apps.ideas.models import Attachment as IdeaAttachment
from apps.ideas.models import Idea
from apps.knowledge import services as knowledge_services
from apps.knowledge.models import ArticleAttachment
from apps.support import services as support_services
from apps.support.models import Attachment as SupportAttachment
from tests.cases.factories import CaseFactory
from tests.factories import UserFactory
from tests.ideas.factories import IdeaFactory


def _photo() -> bytes:
    image = Image.new("RGB", (64, 48), (20, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x8825] = {1: "N", 2: (35.0, 41.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("窓口の写真.JPG", _photo(), content_type="image/jpeg")


def _download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _attach_everywhere(coe, upload) -> dict:
    """The photo attached through each app's own service; {app: (attachment, download url)}."""
    idea = IdeaFactory(status=Idea.Status.SUBMITTED)
    idea_services.idea_save(
        author=idea.author, challenge=idea.challenge, idea=idea, title=idea.title, summary=idea.summary,
        attachments_add=[upload()],
    )  # fmt: skip
    article = knowledge_services.article_create(actor=coe, title="窓口の手順", body="本文", attachments=[upload()])
    case = CaseFactory()
    case_attachment = case_services.case_attachment_add(case=case, upload=upload(), actor=coe)
    request = support_services.support_request_create(
        requester=idea.author, kind="other", title="写真の相談", description="本文", attachments=[upload()]
    )
    found = {
        "ideas": IdeaAttachment.objects.get(idea=idea),
        "knowledge": ArticleAttachment.objects.get(article=article),
        "cases": case_attachment,
        "support": SupportAttachment.objects.get(request=request),
    }
    urls = {
        "ideas": reverse("ideas:attachment", args=[idea.pk, found["ideas"].pk]),
        "knowledge": reverse("knowledge:attachment", args=[article.pk, found["knowledge"].pk]),
        "cases": reverse("cases:attachment", args=[case_attachment.pk]),
        "support": reverse("support:attachment", args=[request.pk, found["support"].pk]),
    }
    return {app: (found[app], urls[app], idea.author) for app in found}


@pytest.mark.django_db
def test_every_app_stores_a_photo_without_its_hidden_data(media, client):
    coe = UserFactory(roles=[Role.COE])
    assert b"SecretCamera" in _photo()
    for app, (attachment, url, author) in _attach_everywhere(coe, _upload).items():
        attachment.refresh_from_db()
        assert (attachment.name, attachment.kind) == ("窓口の写真.jpg", "jpeg"), app
        assert re.fullmatch(rf"{app}/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.jpg", attachment.file.name), attachment.file.name
        client.force_login(author if app in ("ideas", "support") else coe)
        stored = _download(client, url)
        assert b"SecretCamera" not in stored and b"Exif" not in stored, app
        with Image.open(io.BytesIO(stored)) as image:
            assert image.size == (64, 48) and not image.getexif(), app
        assert attachment.size == len(stored), app


def _migrate(targets: list[tuple[str, str]] | None = None) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_moving_to_one_shape_keeps_every_attachment(media, client):
    coe = UserFactory(roles=[Role.COE])
    attached = _attach_everywhere(coe, _upload)
    before = {app: _download(client_as(client, coe, author, app), url) for app, (_a, url, author) in attached.items()}

    try:
        _migrate(
            [
                ("knowledge", "0003_reader_department"),
                ("cases", "0005_report_indexes"),
                ("ideas", "0006_drop_voter_tally"),
                ("support", "0003_office_durations"),
            ]
        )
        with connection.cursor() as cursor:
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, "knowledge_articleattachment")
            ]
        assert "original_name" in columns and "name" not in columns
    finally:
        _migrate()

    for app, (attachment, url, author) in attached.items():
        again = type(attachment).objects.get(pk=attachment.pk)
        assert (again.name, again.kind, again.size, again.file.name) == (
            attachment.name,
            attachment.kind,
            attachment.size,
            attachment.file.name,
        ), app
        assert _download(client_as(client, coe, author, app), url) == before[app], app
    assert CaseAttachment.objects.count() == ArticleAttachment.objects.count() == 1


def client_as(client, coe, author, app):
    client.force_login(author if app in ("ideas", "support") else coe)
    return client


# --- nothing chosen is lost ---------------------------------------------------------------------


@pytest.mark.django_db
def test_an_idea_sent_without_its_summary_keeps_the_photo_for_the_next_try(media, client):
    from tests.ideas.factories import ChallengeFactory

    challenge = ChallengeFactory()
    author = UserFactory()
    client.force_login(author)
    url = reverse("ideas:idea_create", args=[challenge.pk])
    data = {"action": "submit", "title": "窓口の待ち時間を見える化", "summary": ""}
    response = client.post(url, {**data, "attachments": [_upload()]})
    assert response.status_code == 400  # submitting needs a summary
    html = response.content.decode()
    assert "窓口の写真.jpg" in html and 'name="kept_files"' in html
    assert not Idea.objects.exists()

    data.update(summary="待ち人数を表示する", kept_files=response.context["kept_token"])
    response = client.post(url, data)
    assert response.status_code == 302
    attachment = Idea.objects.get().attachments.get()
    assert attachment.name == "窓口の写真.jpg"
    assert b"SecretCamera" not in attachment.file.read()


@pytest.mark.django_db
def test_the_similar_ideas_check_without_javascript_keeps_the_chosen_file(media, client):
    from tests.ideas.factories import ChallengeFactory

    challenge = ChallengeFactory()
    client.force_login(UserFactory())
    response = client.post(
        reverse("ideas:idea_create", args=[challenge.pk]),
        {"action": "similar", "title": "窓口", "attachments": [_upload()]},
    )
    assert response.status_code == 200
    assert [f.name for f in response.context["kept_files"]] == ["窓口の写真.jpg"]


@pytest.mark.django_db
def test_an_article_kept_files_survive_an_error_a_preview_and_an_edit_conflict(media, client):
    from apps.knowledge.models import Article

    coe = UserFactory(roles=[Role.COE])
    client.force_login(coe)
    create = reverse("knowledge:create")
    data = {"title": "", "body": "手順の本文", "tags": "", "version": ""}
    response = client.post(create, {**data, "attachments": [_upload()]})
    assert not Article.objects.exists()
    assert [f.name for f in response.context["kept_files"]] == ["窓口の写真.jpg"]

    # A preview keeps it too, with a second file chosen meanwhile.
    data["kept_files"] = response.context["kept_token"]
    memo = SimpleUploadedFile("メモ.txt", "手順のメモ".encode())
    response = client.post(create, {**data, "preview": "1", "attachments": [memo]})
    assert response.status_code == 200 and not response.context["form"].errors
    assert [f.name for f in response.context["kept_files"]] == ["窓口の写真.jpg", "メモ.txt"]

    data.update(title="窓口の手順", kept_files=response.context["kept_token"])
    response = client.post(create, data)
    assert response.status_code == 302
    article = Article.objects.get()
    assert [a.name for a in article.attachments.all()] == ["窓口の写真.jpg", "メモ.txt"]

    # Someone else saved in between: the new file waits with the rest of the edit.
    seen = article.version
    knowledge_services.article_update(
        article=article, actor=coe, expected_version=article.version, title="窓口の手順（改）", body="別の変更",
        category=None, tags=[], review_by=None,
    )  # fmt: skip
    response = client.post(
        reverse("knowledge:edit", args=[article.pk]),
        {
            "title": "窓口の手順",
            "body": "私の変更",
            "tags": "",
            "version": str(seen),
            "attachments": [SimpleUploadedFile("追加.txt", b"more")],
        },
    )
    assert response.status_code == 409
    assert [f.name for f in response.context["kept_files"]] == ["追加.txt"]
    assert 'name="kept_files"' in response.content.decode()
