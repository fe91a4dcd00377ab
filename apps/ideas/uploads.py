"""Images and attachments of ideas.

Documents are checked by apps.core.uploads.validate_upload (type by content, size) and
stored as they are. Images are decoded and encoded again with Pillow: what is stored is
only the pixels, turned upright as the camera meant, no larger than MAX_SIDE — no EXIF
(GPS position, camera serial), no comments or colour-profile tricks, and a file that only
pretends to be an image is refused.
"""

import io
import secrets
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from apps.core.uploads import DOCUMENTS, IMAGES, MAX_IMAGE_PIXELS, too_many_pixels, validate_upload

MAX_FILES = 5
MAX_SIDE = 2000
KINDS = IMAGES + DOCUMENTS
# What each stored kind becomes: GIFs are stored as a still PNG (their first frame).
_OUTPUT = {"png": ("PNG", "png", ".png"), "jpeg": ("JPEG", "jpeg", ".jpg"), "webp": ("WEBP", "webp", ".webp")}
_OUTPUT["gif"] = _OUTPUT["png"]


@dataclass(frozen=True)
class PreparedUpload:
    """A checked file ready to store: its display name, kind and the bytes to write."""

    name: str
    kind: str
    content: bytes

    @property
    def is_image(self) -> bool:
        return self.kind in IMAGES

    def storage_name(self) -> str:
        # Random, so a stored file's address cannot be guessed; the view checks permission anyway.
        extension = "." + self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""
        return f"{secrets.token_hex(16)}{extension}"


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


def prepare_upload(upload: UploadedFile) -> PreparedUpload:
    """Check one uploaded file and return what to store, or raise ValidationError for the user."""
    kind = validate_upload(upload, kinds=KINDS, max_bytes=settings.PORTAL_UPLOAD_MAX_BYTES)
    name = (upload.name or "file").replace("/", "_").replace("\\", "_")[-150:]
    if kind in IMAGES:
        content, kind, extension = _reencode(upload, kind)
        stem = name.rsplit(".", 1)[0] if "." in name else name
        return PreparedUpload(name=stem + extension, kind=kind, content=content)
    upload.seek(0)
    return PreparedUpload(name=name, kind=kind, content=upload.read())


def accepted_extensions() -> str:
    from apps.core.uploads import KINDS as ALL_KINDS

    return ", ".join(ext for key in KINDS for ext in ALL_KINDS[key].extensions)
