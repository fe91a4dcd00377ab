import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from apps.knowledge import services
from apps.knowledge.models import Article, ArticleAttachment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(out, "PNG")
    return out.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def post_new(client, files, **fields):
    data = {"title": "添付のある記事", "body": "本文は消えない", "tags": "手順書", "version": "", **fields}
    return client.post(reverse("knowledge:create"), {**data, "attachments": files})


def test_accepted_files_are_stored_and_served_through_a_permission_check(client_for, coe_user, staff_user):
    response = post_new(
        client_for(coe_user),
        [
            SimpleUploadedFile("手順書.pdf", PDF, content_type="application/pdf"),
            SimpleUploadedFile("構成図.png", png(), content_type="image/png"),
            SimpleUploadedFile("様式.docx", docx(), content_type="application/octet-stream"),
        ],
    )
    assert response.status_code == 302
    article = Article.objects.get()
    attachments = list(article.attachments.order_by("id"))
    assert [(a.name, a.kind) for a in attachments] == [
        ("手順書.pdf", "pdf"),
        ("構成図.png", "png"),
        ("様式.docx", "docx"),
    ]
    # Stored under a random name, not the uploaded one.
    assert "手順書" not in attachments[0].file.name and attachments[0].file.name.endswith(".pdf")

    coe = client_for(coe_user)
    response = coe.get(attachments[0].get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"

    # A draft's attachment is not there for staff; once published it is.
    staff = client_for(staff_user)
    assert staff.get(attachments[0].get_absolute_url()).status_code == 404
    Article.objects.filter(pk=article.pk).update(status="published")
    assert staff.get(attachments[0].get_absolute_url()).status_code == 200
    # An attachment id under another article's address is not found.
    other = services.article_create(actor=coe_user, title="別", body="別")
    assert staff.get(reverse("knowledge:attachment", args=[other.pk, attachments[0].pk])).status_code == 404


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("tool.exe", EXE), "使用できない種類"),
        (SimpleUploadedFile("report.pdf", EXE), "破損しているか名前が変更"),
        (SimpleUploadedFile("photo.png", PDF), "破損しているか名前が変更"),
    ],
    ids=["bad type", "renamed exe", "pdf as png"],
)
def test_bad_files_are_refused_with_a_clear_message_and_nothing_typed_is_lost(client_for, coe_user, upload, message):
    response = post_new(client_for(coe_user), [upload])
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' in html and upload.name in html
    assert "本文は消えない" in html and 'value="添付のある記事"' in html and "手順書" in html
    assert not Article.objects.exists() and not ArticleAttachment.objects.exists()


def test_too_big_is_refused(client_for, coe_user, settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 1024
    response = post_new(client_for(coe_user), [SimpleUploadedFile("big.pdf", PDF + b"0" * 2048)])
    html = response.content.decode()
    assert response.status_code == 200 and "big.pdf" in html and "1.0\xa0KB" in html
    assert "本文は消えない" in html
    assert not Article.objects.exists()


def test_english_messages(client_for, coe_user):
    client = client_for(coe_user)
    client.cookies["django_language"] = "en"
    coe_user.language = "en"
    coe_user.save()
    html = post_new(client, [SimpleUploadedFile("report.pdf", EXE)]).content.decode()
    assert "does not look like a .pdf file" in html


def test_a_bad_file_in_an_edit_keeps_the_edit_unsaved_but_typed(client_for, coe_user, published):
    response = client_for(coe_user).post(
        reverse("knowledge:edit", args=[published.pk]),
        {
            "title": published.title,
            "body": "編集中の本文",
            "version": published.version,
            "attachments": [SimpleUploadedFile("x.exe", EXE)],
        },
    )
    assert response.status_code == 200 and "編集中の本文" in response.content.decode()
    published.refresh_from_db()
    assert published.version == 1


def test_attachments_can_be_removed(client_for, coe_user, published, django_capture_on_commit_callbacks):
    services.article_update(
        article=published,
        actor=coe_user,
        expected_version=1,
        title=published.title,
        body=published.body,
        category=None,
        tags=[],
        review_by=None,
        attachments_add=[SimpleUploadedFile("a.txt", "メモ".encode())],
    )
    attachment = published.attachments.get()
    path = attachment.file.path
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coe_user).post(
            reverse("knowledge:edit", args=[published.pk]),
            {"title": published.title, "body": published.body, "version": 2, "remove_attachments": [attachment.pk]},
        )
    assert response.status_code == 302
    assert not published.attachments.exists()
    assert not os.path.exists(path)  # the file goes once the removal is committed
