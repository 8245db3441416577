"""Downloads of an item's review form (审核表) for signed-in users who may see the item."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from sanshen.web.downloads import file_response

from .formdata import build_form_data
from .formdoc import FormRenderError, render_docx, render_pdf
from .models import Item
from .services import record_download, safe_name, visible_file, visible_items

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Types a browser will not run as a page; every other file (HTML, SVG, scripts…) goes out as
# application/octet-stream. Chosen from the stored name, never from what the uploader declared.
SAFE_TYPES = {
    ".pdf": "application/pdf",
    ".docx": DOCX_TYPE,
    ".doc": "application/msword",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".zip": "application/zip",
}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def form_filename(item: Item, ext: str) -> str:
    title = _UNSAFE.sub("_", item.title).strip(" ._")[:60] or "稿件"
    return f"审核表-{item.pk}-{title}.{ext}"


def attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    return file_response(data, filename, content_type)


def form_docx(item: Item) -> HttpResponse:
    return attachment(render_docx(build_form_data(item)), DOCX_TYPE, form_filename(item, "docx"))


def form_pdf(item: Item) -> HttpResponse:
    """The PDF, or raises FormRenderError when this machine cannot render it."""
    return attachment(render_pdf(build_form_data(item)), "application/pdf", form_filename(item, "pdf"))


def _visible(request, item_id: int) -> Item:
    item = visible_items(request.user).select_related("unit", "drafter").filter(pk=item_id).first()
    if item is None:
        raise Http404("未找到该稿件。")
    return item


@require_GET
@login_required
def item_form_docx(request, item_id: int):
    return form_docx(_visible(request, item_id))


@require_GET
@login_required
def item_form_pdf(request, item_id: int):
    item = _visible(request, item_id)
    try:
        return form_pdf(item)
    except FormRenderError as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")


def file_content_type(name: str) -> str:
    dot = name.rfind(".")
    return SAFE_TYPES.get(name[dot:].lower(), "application/octet-stream") if dot >= 0 else "application/octet-stream"


@require_GET
@login_required
def item_file(request, pk: int, file_pk: int):
    """An item's uploaded original or attachment, for users who may see the item (404 otherwise)."""
    f = visible_file(request.user, file_pk)
    if f is None or f.item_id != pk:
        raise Http404("未找到该文件。")
    record_download(f, request.user)
    name = safe_name(f.name)
    response = attachment(bytes(f.data), file_content_type(name), name)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
