"""Attachments of support requests and replies.

Type (by content, not the browser's word) and size are checked by
apps.core.uploads.validate_upload. Files chosen in a form that then failed validation
are kept (“nothing typed is lost”): they are stored under support/pending/ and the form
carries a signed token naming them, bound to the user, so the next submit attaches them
without choosing them again. Pending files nobody submitted are removed by the
scheduled job after PENDING_MAX_AGE.
"""

import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.uploads import DOCUMENTS, IMAGES, validate_upload
from apps.core.uploads import KINDS as ALL_KINDS

KINDS = DOCUMENTS + IMAGES
MAX_FILES = 5
PENDING_DIR = "support/pending"
PENDING_MAX_AGE = timedelta(days=1)
_SALT = "support.kept-files"


@dataclass(frozen=True)
class KeptFile:
    """A checked file waiting in PENDING_DIR for the form to be sent again."""

    storage_name: str
    name: str
    kind: str
    size: int


def accepted_extensions() -> str:
    return ", ".join(ext for key in KINDS for ext in ALL_KINDS[key].extensions)


def help_text() -> str:
    return _("Up to %(max)d files: %(types)s; at most %(size)s each.") % {
        "max": MAX_FILES,
        "types": accepted_extensions(),
        "size": filesizeformat(settings.PORTAL_UPLOAD_MAX_BYTES),
    }


def check_upload(upload: UploadedFile) -> str:
    """The file's kind, or ValidationError with a message for the user."""
    return validate_upload(upload, kinds=KINDS, max_bytes=settings.PORTAL_UPLOAD_MAX_BYTES)


def safe_name(name: str) -> str:
    return (name or "file").replace("/", "_").replace("\\", "_")[-150:]


def keep(uploads: list[UploadedFile]) -> list[KeptFile]:
    """Store already checked uploads in the pending folder."""
    kept = []
    for upload in uploads:
        kind = check_upload(upload)
        name = safe_name(upload.name)
        extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        upload.seek(0)
        stored = default_storage.save(f"{PENDING_DIR}/{secrets.token_hex(16)}{extension}", upload)
        kept.append(KeptFile(storage_name=stored, name=name, kind=kind, size=upload.size))
    return kept


def kept_token(files: list[KeptFile], *, user_id: int) -> str:
    if not files:
        return ""
    return signing.dumps({"u": user_id, "f": [asdict(f) for f in files]}, salt=_SALT, compress=True)


def kept_from_token(token: str, *, user_id: int) -> list[KeptFile]:
    """The files a token names, if it is this user's, recent and the files still exist."""
    if not token:
        return []
    try:
        data = signing.loads(token, salt=_SALT, max_age=PENDING_MAX_AGE)
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


def too_many(count: int) -> ValidationError:
    return ValidationError(
        _("At most %(max)d files can be attached at once.") % {"max": MAX_FILES}, code="too_many_files"
    )


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
