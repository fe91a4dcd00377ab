"""Attachments: type checked by content, served only through a permission check, as a download."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.roles import Role
from apps.cases.models import CaseAttachment
from apps.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(client, case, name, content, description="説明"):
    return client.post(
        reverse("cases:attachment_upload", args=[case.pk]),
        {"file": SimpleUploadedFile(name, content), "description": description},
    )


def test_coe_uploads_and_staff_download(client_for, coe_user, staff_user, case_factory):
    case = case_factory()
    response = upload(client_for(coe_user), case, "効果測定.pdf", PDF)
    assert response.status_code == 302 and response["Location"].endswith("#attachments")
    attachment = CaseAttachment.objects.get()
    assert (attachment.name, attachment.kind, attachment.size) == ("効果測定.pdf", "pdf", len(PDF))
    assert "効果測定" not in attachment.file.name  # stored under a random name
    assert AuditEntry.objects.filter(action="case.attachment_added", target_id=str(case.pk)).exists()

    download = client_for(staff_user).get(reverse("cases:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%8A%B9%E6%9E%9C%E6%B8%AC%E5%AE%9A.pdf" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("tool.exe", b"MZ\x90\x00"),
        ("report.pdf", b"MZ\x90\x00 not a pdf"),  # renamed
        ("page.html", b"<script>alert(1)</script>"),
    ],
)
def test_bad_types_are_refused_and_the_description_is_kept(en_client_for, coe_user, case_factory, name, content):
    case = case_factory()
    response = upload(en_client_for(coe_user), case, name, content, description="残しておきたい説明")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert name in html  # the message names the file
    assert "残しておきたい説明" in html
    assert not CaseAttachment.objects.exists()


def test_too_large_is_refused(en_client_for, coe_user, case_factory, settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 10
    response = upload(en_client_for(coe_user), case_factory(), "big.txt", b"x" * 11)
    assert response.status_code == 400 and "at most" in response.content.decode()


@pytest.mark.parametrize("roles", [[], [Role.MANAGER]])
def test_draft_attachments_do_not_exist_for_staff(client_for, user_factory, case_factory, attachment_factory, roles):
    author = UserFactory()
    attachment = attachment_factory(case=case_factory(draft=True, author=author))
    url = reverse("cases:attachment", args=[attachment.pk])
    # Not found, like an id that was never used: a 403 would tell that the draft has files.
    assert client_for(user_factory(roles=roles)).get(url).status_code == 404
    assert client_for(author).get(url).status_code == 200


def test_staff_may_not_upload_or_delete(client_for, staff_user, case_factory, attachment_factory):
    case = case_factory()
    attachment = attachment_factory(case=case)
    client = client_for(staff_user)
    assert upload(client, case, "a.pdf", PDF).status_code == 403
    assert client.post(reverse("cases:attachment_delete", args=[attachment.pk])).status_code == 403
    assert CaseAttachment.objects.count() == 1


def test_coe_deletes_and_the_file_goes_after_commit(
    client_for, coe_user, case_factory, attachment_factory, django_capture_on_commit_callbacks
):
    attachment = attachment_factory(case=case_factory())
    storage, name = attachment.file.storage, attachment.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coe_user).post(reverse("cases:attachment_delete", args=[attachment.pk]))
    assert response.status_code == 302
    assert not CaseAttachment.objects.exists() and not storage.exists(name)
