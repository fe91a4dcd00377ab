"""Checks for uploaded files: the extension must be allowed, the content must look like
that type (magic bytes, not the browser's word), the size must be within a limit, and an
image may not have more than MAX_IMAGE_PIXELS pixels.

Pixels, not bytes, are what an image costs: a 77 KB PNG of 6300 × 6300 pixels decodes to
160 MB and took 3.5 s to re-encode. The pixel count is read from the image's header alone,
before anything decodes it; every upload path (ideas, support, knowledge, cases) passes
here, so an over-large image gets the same message everywhere.
"""

import warnings
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError


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
# 25 megapixels: a 24-megapixel phone photo (5712 × 4284), an A3 page scanned at 300 dpi
# (17 MP) and a 6K screenshot (20 MP) fit; the 6300 × 6300 PNG of issue #14 (39.7 MP) does
# not. Worst case measured: a 16-bit PNG of 25 MP re-encodes in about 0.7 s here (5/8 of the
# 40 MP it replaces) and decodes to 100 MB.
MAX_IMAGE_PIXELS = 25_000_000
# Pillow's own guard, well below its default (89 MP): anywhere in the process it warns above
# this and refuses above twice this, whatever code opens an image.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


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


def too_many_pixels(name: str) -> ValidationError:
    side = int(MAX_IMAGE_PIXELS**0.5)
    return ValidationError(
        _(
            "“%(name)s” has too many pixels: an image may have at most %(max)s pixels (about %(side)s × %(side)s). "
            "Please make it smaller and add it again."
        )
        % {"name": name, "max": f"{MAX_IMAGE_PIXELS:,}", "side": f"{side:,}"},
        code="too_many_pixels",
    )


def image_pixels_check(upload: UploadedFile) -> None:
    """Raise too_many_pixels when the image's header gives more than MAX_IMAGE_PIXELS.
    Only the header is read. A file Pillow cannot read at all is left to the other checks
    (its magic bytes were checked; ideas, which decode images, refuse it there)."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # compared below
            with Image.open(upload) as image:
                width, height = image.size
    except Image.DecompressionBombError:  # more than twice the limit
        raise too_many_pixels(upload.name) from None
    except (UnidentifiedImageError, OSError, ValueError, EOFError):
        return
    finally:
        upload.seek(0)
    if width * height > MAX_IMAGE_PIXELS:
        raise too_many_pixels(upload.name)


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
                if key in IMAGES:
                    image_pixels_check(upload)
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
