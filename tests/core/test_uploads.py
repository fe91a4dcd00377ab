import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.uploads import DOCUMENTS, IMAGES, validate_upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, content, kinds, expected",
    [
        ("図.png", PNG, IMAGES, "png"),
        ("手順書.PDF", b"%PDF-1.7 ...", DOCUMENTS, "pdf"),
        ("議事録.docx", docx_bytes(), DOCUMENTS, "docx"),
        ("一覧.csv", "区,件数\n中央区,3\n".encode(), DOCUMENTS, "csv"),
    ],
)
def test_accepted_files(name, content, kinds, expected):
    assert validate_upload(SimpleUploadedFile(name, content), kinds=kinds) == expected


@pytest.mark.parametrize(
    "name, content, code",
    [
        ("virus.exe", b"MZ\x90\x00", "bad_type"),
        ("report.pdf", b"MZ\x90\x00 renamed executable", "bad_content"),
        ("fake.docx", b"PK\x03\x04 not really a zip", "bad_content"),
        ("data.xlsx", docx_bytes(), "bad_content"),
        ("binary.txt", b"\x00\x01\x02\x03", "bad_content"),
    ],
)
def test_refused_files_say_why(name, content, code):
    with pytest.raises(ValidationError) as caught:
        validate_upload(SimpleUploadedFile(name, content), kinds=DOCUMENTS)
    assert caught.value.code == code
    assert name in caught.value.message


def test_size_limit_names_the_limit():
    with pytest.raises(ValidationError) as caught:
        validate_upload(SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 2048), kinds=DOCUMENTS, max_bytes=1024)
    assert caught.value.code == "too_large"
    assert "1.0" in caught.value.message  # "1.0 KB" / "1.0 KB"
