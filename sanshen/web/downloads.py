"""One way to send a file to the browser: RFC 5987 names, no sniffing, not kept in shared caches."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header


def file_response(data: bytes, filename: str, content_type: str = "", *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(bytes(data or b""), content_type=content_type or "application/octet-stream")
    # Non-ASCII names go into filename*=utf-8''… ; Django does the quoting.
    response["Content-Disposition"] = content_disposition_header(not inline, filename or "file")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
