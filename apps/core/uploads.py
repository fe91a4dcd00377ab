"""Checks for uploaded files: the extension must be allowed, the content must look like
that type (magic bytes, not the browser's word), and the size must be within a limit."""

import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FileKind:
    extensions: tuple[str, ...]
    signatures: tuple[bytes, ...] = ()  # any of these at offset 0; empty = text
    zip_member: str = ""  # Office Open XML files are zip archives with this member


KINDS: dict[str, FileKind] = {
    "pdf": FileKind((".pdf",), (b"%PDF-",)),
    "png": FileKind((".png",), (b"\x89PNG\r\n\x1a\n",)),
    "jpeg": FileKind((".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
    "gif": FileKind((".gif",), (b"GIF87a", b"GIF89a")),
    "webp": FileKind((".webp",), (b"RIFF",)),
    "docx": FileKind((".docx",), (b"PK\x03\x04",), "word/document.xml"),
    "xlsx": FileKind((".xlsx",), (b"PK\x03\x04",), "xl/workbook.xml"),
    "pptx": FileKind((".pptx",), (b"PK\x03\x04",), "ppt/presentation.xml"),
    "csv": FileKind((".csv",)),
    "txt": FileKind((".txt",)),
}
IMAGES = ("png", "jpeg", "gif", "webp")
DOCUMENTS = ("pdf", "docx", "xlsx", "pptx", "csv", "txt")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def _looks_like(kind: FileKind, upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    if not kind.signatures:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            # A cut in the middle of a multi-byte character at the 4 KiB edge is fine.
            try:
                head[:-3].decode("utf-8")
            except UnicodeDecodeError:
                return False
        return b"\x00" not in head
    if not any(head.startswith(sig) for sig in kind.signatures):
        return False
    if kind.zip_member:
        try:
            with zipfile.ZipFile(upload) as archive:
                return kind.zip_member in archive.namelist()
        except zipfile.BadZipFile:
            return False
        finally:
            upload.seek(0)
    return True


def validate_upload(upload: UploadedFile, *, kinds: tuple[str, ...], max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Return the file's kind key or raise ValidationError with a message for the user."""
    name = (upload.name or "").lower()
    allowed = ", ".join(ext for key in kinds for ext in KINDS[key].extensions)
    if upload.size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(max)s.")
            % {"name": upload.name, "size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
            code="too_large",
        )
    for key in kinds:
        kind = KINDS[key]
        if name.endswith(kind.extensions):
            if _looks_like(kind, upload):
                return key
            raise ValidationError(
                _("“%(name)s” does not look like a %(ext)s file. It may be damaged or renamed.")
                % {"name": upload.name, "ext": kind.extensions[0]},
                code="bad_content",
            )
    raise ValidationError(
        _("“%(name)s” is not an accepted file type. Accepted: %(allowed)s.")
        % {"name": upload.name, "allowed": allowed},
        code="bad_type",
    )
