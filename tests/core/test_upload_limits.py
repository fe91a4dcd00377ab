"""Issue #14: an image of a few kilobytes can hold tens of millions of pixels (a 1-bit or
16-bit PNG of 7000 × 7000 is a few KB) and cost seconds of CPU and hundreds of MB to decode.
Every upload path refuses such an image with a clear message on the form — never a 500 and
never a DecompressionBombWarning — while ordinary photos and screenshots are accepted."""

import io
import warnings

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from apps.accounts.roles import Role
from apps.cases.models import CaseAttachment
from apps.core.uploads import IMAGES, MAX_IMAGE_PIXELS, MAX_SIDE, prepare_upload, validate_upload
from apps.ideas.models import Idea
from apps.knowledge.models import Article
from apps.support.models import SupportRequest
from tests.cases.factories import CaseFactory
from tests.factories import UserFactory
from tests.ideas.factories import ChallengeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _no_bomb_warning_gets_through():
    """A DecompressionBombWarning that escaped the upload code fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def png(width: int, height: int, mode: str = "1") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, "PNG", optimize=True)
    return out.getvalue()


# Small files, huge images: the 16-bit 6300², a 1-bit 7000² (above Pillow's new
# warning level) and a 1-bit 12000² (above its refusal level).
BOMBS = {
    "16-bit 6300x6300": lambda: png(6300, 6300, "I;16"),
    "1-bit 7000x7000": lambda: png(7000, 7000),
    "1-bit 12000x12000": lambda: png(12000, 12000),
}


@pytest.fixture(params=list(BOMBS), scope="module")
def bomb(request) -> bytes:
    content = BOMBS[request.param]()
    assert len(content) < 100 * 1024  # a small file
    return content


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def assert_refused_clearly(response, name: str) -> None:
    assert response.status_code in (200, 400), response.status_code
    html = response.content.decode()
    assert name in html and "too many pixels" in html
    assert f"{MAX_IMAGE_PIXELS:,}" in html  # the limit is named


def test_an_idea_image_with_too_many_pixels_is_refused(bomb):
    challenge = ChallengeFactory()
    response = signed_in(UserFactory()).post(
        reverse("ideas:idea_create", args=[challenge.pk]),
        {
            "action": "draft",
            "title": "写真つきのアイデア",
            "attachments": [SimpleUploadedFile("huge.png", bomb, content_type="image/png")],
        },
    )
    assert_refused_clearly(response, "huge.png")
    assert "写真つきのアイデア" in response.content.decode()  # nothing typed is lost
    assert not Idea.objects.exists()


def test_a_support_attachment_with_too_many_pixels_is_refused(bomb):
    requester = UserFactory()
    response = signed_in(requester).post(
        reverse("support:ask"),
        {
            "kind": "other",
            "title": "画面の写真を添付します",
            "description": "エラー画面です",
            "department": requester.department_id,
            "attachments": [SimpleUploadedFile("screen.png", bomb, content_type="image/png")],
        },
    )
    assert_refused_clearly(response, "screen.png")
    assert not SupportRequest.objects.exists()


def test_a_knowledge_attachment_with_too_many_pixels_is_refused(bomb):
    response = signed_in(UserFactory(roles=[Role.COE])).post(
        reverse("knowledge:create"),
        {
            "title": "図のある記事",
            "body": "本文",
            "tags": "",
            "version": "",
            "attachments": [SimpleUploadedFile("diagram.png", bomb, content_type="image/png")],
        },
    )
    assert_refused_clearly(response, "diagram.png")
    assert not Article.objects.exists()


def test_a_case_attachment_with_too_many_pixels_is_refused(bomb):
    case = CaseFactory()
    response = signed_in(UserFactory(roles=[Role.COE])).post(
        reverse("cases:attachment_upload", args=[case.pk]),
        {"file": SimpleUploadedFile("before-after.png", bomb), "description": "導入前後"},
    )
    assert_refused_clearly(response, "before-after.png")
    assert not CaseAttachment.objects.exists()


def test_every_image_kind_is_measured_before_it_is_decoded():
    for kind, save_as in [("png", "PNG"), ("gif", "GIF"), ("webp", "WEBP"), ("jpeg", "JPEG")]:
        out = io.BytesIO()
        Image.new("L", (5001, 5000)).save(out, save_as)  # just over the limit
        name = f"huge.{'jpg' if kind == 'jpeg' else kind}"
        with pytest.raises(ValidationError) as caught:
            validate_upload(SimpleUploadedFile(name, out.getvalue()), kinds=IMAGES)
        assert caught.value.code == "too_many_pixels", kind


def test_a_24_megapixel_phone_photo_is_still_accepted_and_made_smaller():
    out = io.BytesIO()
    Image.new("RGB", (5712, 4284), (40, 120, 200)).save(out, "JPEG", quality=90)
    prepared = prepare_upload(SimpleUploadedFile("IMG_0001.jpg", out.getvalue(), content_type="image/jpeg"))
    with Image.open(io.BytesIO(prepared.content.open().read())) as image:
        assert image.size == (MAX_SIDE, round(MAX_SIDE * 4284 / 5712))


def test_a_large_screenshot_is_still_accepted_on_the_other_paths():
    screenshot = png(3840, 2160, "RGB")  # a 4K screen
    assert validate_upload(SimpleUploadedFile("screen.png", screenshot), kinds=IMAGES) == "png"
