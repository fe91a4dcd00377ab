"""Streaming uploaded files back to users. Every app checks permission first, then calls
this, so all downloads get the same defensive headers."""

from django.http import FileResponse, Http404

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "csv": "text/csv; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}


def protected_file_response(file, *, filename: str, kind: str = "", inline: bool = False) -> FileResponse:
    """A download of an already permission-checked file: never sniffed or rendered as a page
    (nosniff, sandbox CSP), not kept in shared caches, 404 when the file is gone."""
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=filename,
        content_type=CONTENT_TYPES.get(kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600" if inline else "private, no-store"
    return response
