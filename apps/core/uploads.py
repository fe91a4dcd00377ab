"""Uploaded files, one path for every app (ideas, support, knowledge, cases).

Checks: the extension must be allowed, the content must look like that type (magic bytes,
not the browser's word), the size must be within a limit, and an image may not have more
than MAX_IMAGE_PIXELS pixels.

Storing (prepare_upload, attachment_store, attachments_delete): documents are stored as
they are; images are decoded and encoded again with Pillow, so what is stored is only the
pixels, turned upright as the camera meant, no larger than MAX_SIDE — no EXIF (GPS
position, camera serial), no comments or colour-profile tricks — and a file that only
pretends to be an image is refused. Files are written before their row (a rolled-back
transaction leaves an orphan file, never a row without its file) and removed only once
their row is surely gone.

Kept files ("nothing typed is lost"): good files of a form that failed elsewhere are
stored, already prepared, under PENDING_DIR, and the form carries a signed token naming
them, bound to the user, so the next submit attaches them without choosing them again.
Pending files nobody submitted are removed by the scheduled job after PENDING_MAX_AGE.

Pixels, not bytes, are what an image costs: a 77 KB PNG of 6300 × 6300 pixels decodes to
160 MB and took 3.5 s to re-encode. The pixel count is read from the image's header alone,
before anything decodes it; every upload path (ideas, support, knowledge, cases) passes
here, so an over-large image gets the same message everywhere.
"""

import io
import secrets
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError


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
# What any attachment may be, in every app.
ATTACHMENT_KINDS = DOCUMENTS + IMAGES
# Images are stored at most this many pixels wide and high.
MAX_SIDE = 2000
# At most this many files per form (and per idea).
MAX_FILES = 5
PENDING_DIR = "pending"
PENDING_MAX_AGE = timedelta(days=1)
_KEPT_SALT = "core.kept-files"
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


def accepted_extensions(kinds: tuple[str, ...] = ATTACHMENT_KINDS) -> str:
    return ", ".join(ext for key in kinds for ext in KINDS[key].extensions)


def safe_name(name: str | None) -> str:
    """The name to show and to send back on download: no path, at most 150 characters."""
    return (name or "file").replace("/", "_").replace("\\", "_")[-150:]


# --- storing --------------------------------------------------------------------------------------

# What each stored image kind becomes: GIFs are stored as a still PNG (their first frame).
_OUTPUT = {"png": ("PNG", "png", ".png"), "jpeg": ("JPEG", "jpeg", ".jpg"), "webp": ("WEBP", "webp", ".webp")}
_OUTPUT["gif"] = _OUTPUT["png"]


@dataclass(frozen=True)
class PreparedUpload:
    """A checked file ready to store: its display name, kind and content."""

    name: str
    kind: str
    content: File

    @property
    def is_image(self) -> bool:
        return self.kind in IMAGES


def _reencode(upload: UploadedFile, kind: str) -> tuple[bytes, str, str]:
    fmt, out_kind, extension = _OUTPUT[kind]
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                # validate_upload has checked this already; decoding a small file can allocate
                # a huge image ("decompression bomb"), so it is checked again where it matters.
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise too_many_pixels(upload.name)
                if kind == "jpeg" and max(image.size) > MAX_SIDE:
                    # Decoded at 1/2, 1/4 or 1/8 scale, still at least the size kept: a phone
                    # photo costs a fraction of a full decode.
                    ratio = MAX_SIDE / max(image.size)
                    image.draft(None, (round(image.width * ratio), round(image.height * ratio)))
                image.load()
                image = ImageOps.exif_transpose(image)
                if fmt == "JPEG":
                    image = image.convert("RGB")
                elif image.mode not in ("RGB", "RGBA", "L", "LA"):
                    image = image.convert("RGBA")
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                # A fresh image holds only the pixels: no EXIF, XMP, ICC or text chunks survive.
                clean = Image.new(image.mode, image.size)
                clean.paste(image)
                out = io.BytesIO()
                options = {"quality": 85, "optimize": True} if fmt in ("JPEG", "WEBP") else {"optimize": True}
                clean.save(out, fmt, **options)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels(upload.name) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValidationError(
            _("“%(name)s” could not be read as an image. It may be damaged.") % {"name": upload.name},
            code="bad_image",
        ) from None
    return out.getvalue(), out_kind, extension


def prepare_upload(upload: UploadedFile, *, kinds: tuple[str, ...] = ATTACHMENT_KINDS) -> PreparedUpload:
    """Check one uploaded file and return what to store, or raise ValidationError for the user."""
    kind = validate_upload(upload, kinds=kinds, max_bytes=settings.PORTAL_UPLOAD_MAX_BYTES)
    name = safe_name(upload.name)
    if kind in IMAGES:
        content, kind, extension = _reencode(upload, kind)
        stem = name.rsplit(".", 1)[0] if "." in name else name
        return PreparedUpload(name=stem + extension, kind=kind, content=ContentFile(content))
    upload.seek(0)
    return PreparedUpload(name=name, kind=kind, content=upload)


def attachment_store(attachment, upload: "PreparedUpload | KeptFile | UploadedFile"):
    """Write the file and save the attachment row (a subclass of apps.core.models.Attachment
    with its link set); an upload not prepared yet is prepared here. Call it inside the
    transaction that saves the rest: a kept file's pending copy goes when that commits."""
    if isinstance(upload, KeptFile):
        prepared = upload.prepared()
    elif isinstance(upload, PreparedUpload):
        prepared = upload
    else:
        prepared = prepare_upload(upload)
    attachment.name = prepared.name
    attachment.kind = prepared.kind
    attachment.size = prepared.content.size
    prepared.content.seek(0)
    attachment.file.save(prepared.name, prepared.content, save=False)
    attachment.save()
    return attachment


def attachments_delete(attachments: Iterable) -> None:
    """Delete the rows now and their files once the transaction has surely committed."""
    for attachment in attachments:
        name, storage = attachment.file.name, attachment.file.storage
        attachment.delete()
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))


# --- kept files ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeptFile:
    """A prepared file waiting in PENDING_DIR for the form to be sent again."""

    storage_name: str
    name: str
    kind: str
    size: int

    def prepared(self) -> PreparedUpload:
        """The file to store; its pending copy is removed once the transaction commits."""
        with default_storage.open(self.storage_name, "rb") as handle:
            content = ContentFile(handle.read(), name=self.name)
        transaction.on_commit(lambda: default_storage.delete(self.storage_name))
        return PreparedUpload(name=self.name, kind=self.kind, content=content)


def keep(uploads: Iterable[PreparedUpload | UploadedFile]) -> list[KeptFile]:
    """Store good uploads in the pending folder, prepared as they will be attached."""
    kept = []
    for upload in uploads:
        prepared = upload if isinstance(upload, PreparedUpload) else prepare_upload(upload)
        extension = "." + prepared.name.rsplit(".", 1)[-1].lower() if "." in prepared.name else ""
        prepared.content.seek(0)
        stored = default_storage.save(f"{PENDING_DIR}/{secrets.token_hex(16)}{extension}", prepared.content)
        kept.append(KeptFile(storage_name=stored, name=prepared.name, kind=prepared.kind, size=prepared.content.size))
    return kept


def kept_token(files: list[KeptFile], *, user_id: int) -> str:
    if not files:
        return ""
    return signing.dumps({"u": user_id, "f": [asdict(f) for f in files]}, salt=_KEPT_SALT, compress=True)


def kept_from_token(token: str, *, user_id: int) -> list[KeptFile]:
    """The files a token names, if it is this user's, recent and the files still exist."""
    if not token:
        return []
    try:
        data = signing.loads(token, salt=_KEPT_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:
        return []
    if data.get("u") != user_id:
        return []
    files = []
    for item in data.get("f", []):
        try:
            kept = KeptFile(**item)
        except TypeError:
            continue
        if kept.storage_name.startswith(PENDING_DIR + "/") and default_storage.exists(kept.storage_name):
            files.append(kept)
    return files


def pending_cleanup(now=None) -> int:
    """Remove pending files older than PENDING_MAX_AGE; returns how many."""
    now = now or timezone.now()
    try:
        _dirs, names = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in names:
        path = f"{PENDING_DIR}/{name}"
        try:
            if now - default_storage.get_modified_time(path) > PENDING_MAX_AGE:
                default_storage.delete(path)
                removed += 1
        except (FileNotFoundError, NotImplementedError):
            continue
    return removed
