"""Images are re-encoded (EXIF and GPS gone, size capped); other files are type-checked."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from apps.core.uploads import MAX_SIDE, prepare_upload
from apps.ideas.models import Attachment

pytestmark = pytest.mark.django_db


def _jpeg_with_exif(size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90°
    exif[0x8825] = {1: "N", 2: (35.0, 41.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_jpeg_is_reencoded_without_exif_and_turned_upright():
    raw = _jpeg_with_exif()
    assert b"SecretCamera" in raw
    prepared = prepare_upload(SimpleUploadedFile("photo.JPG", raw, content_type="image/jpeg"))
    assert prepared.kind == "jpeg" and prepared.name == "photo.jpg"
    assert b"SecretCamera" not in prepared.content.open().read() and b"Exif" not in prepared.content.open().read()
    with Image.open(io.BytesIO(prepared.content.open().read())) as image:
        assert not image.getexif()
        assert image.size == (48, 64)  # the orientation was applied before the tag was dropped


def test_large_images_are_capped():
    out = io.BytesIO()
    Image.new("RGB", (MAX_SIDE * 2, 100)).save(out, "PNG")
    prepared = prepare_upload(SimpleUploadedFile("wide.png", out.getvalue()))
    with Image.open(io.BytesIO(prepared.content.open().read())) as image:
        assert image.width == MAX_SIDE


def test_fake_image_and_wrong_type_are_refused():
    with pytest.raises(ValidationError):
        prepare_upload(SimpleUploadedFile("evil.png", b"\x89PNG\r\n\x1a\n" + b"not really"))
    with pytest.raises(ValidationError):
        prepare_upload(SimpleUploadedFile("run.exe", b"MZ\x90\x00"))


def test_upload_through_the_form_stores_the_clean_image(challenge_factory, user_factory):
    challenge = challenge_factory()
    author = user_factory()
    client = Client()
    client.force_login(author)
    response = client.post(
        reverse("ideas:idea_create", args=[challenge.pk]),
        {
            "action": "draft",
            "title": "写真つきのアイデア",
            "attachments": [
                SimpleUploadedFile("photo.jpg", _jpeg_with_exif(), content_type="image/jpeg"),
                SimpleUploadedFile("memo.txt", "メモ".encode(), content_type="text/plain"),
            ],
        },
    )
    assert response.status_code == 302
    image, memo = Attachment.objects.order_by("pk")
    assert image.kind == "jpeg" and memo.kind == "txt"
    stored = image.file.read()
    assert b"SecretCamera" not in stored
    assert not image.file.name.endswith("photo.jpg")  # a random stored name


def test_at_most_five_files(challenge_factory, user_factory):
    challenge = challenge_factory()
    client = Client()
    client.force_login(user_factory())
    files = [SimpleUploadedFile(f"m{i}.txt", b"x") for i in range(6)]
    response = client.post(
        reverse("ideas:idea_create", args=[challenge.pk]), {"action": "draft", "title": "多すぎ", "attachments": files}
    )
    assert response.status_code == 400
    assert "多すぎ" in response.content.decode()
    assert not Attachment.objects.exists()
