"""The 在线检查 page: paste or upload, see every finding highlighted, download the masked text."""

from __future__ import annotations

import bisect

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from sanshen.engine import mask
from sanshen.engine.findings import CATEGORY_LABELS, SEVERITY_LABELS

from . import services
from .forms import CheckForm
from .highlight import highlight_html


def _listed(text: str, findings) -> list[dict]:
    """Findings with the labels and line number the list beside the text shows."""
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]
    return [
        {
            "index": i,
            "finding": f,
            "category_label": CATEGORY_LABELS[f.category],
            "severity_label": SEVERITY_LABELS[f.severity],
            "line": bisect.bisect_right(newlines, f.start - 1) + 1,
        }
        for i, f in enumerate(findings)
    ]


def _run(form: CheckForm) -> services.CheckRun:
    data = form.cleaned_data
    upload = data.get("file")
    if upload:
        if upload.size is not None and upload.size > services.max_bytes():
            raise services.too_large(upload.size)
        raw = upload.read()
        name = (upload.name or "-").replace("\\", "/").rsplit("/", 1)[-1] or "-"
        extracted = services.extract_file(raw, name)
        return services.run_check(
            extracted, path=name, size=len(raw), as_of=data.get("as_of"), profile=data.get("profile"), source="file"
        )
    text = data["text"].replace("\r\n", "\n")
    extracted = services.extract_text(text, data.get("format") or None)
    return services.run_check(
        extracted, size=len(text.encode("utf-8", "replace")), as_of=data.get("as_of"), profile=data.get("profile")
    )


@login_required
def online_check(request):
    run = None
    if request.method == "POST":
        form = CheckForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                run = _run(form)
            except services.InputError as exc:
                form.add_error(None, exc.message)
            else:
                services.audit_check(run, request=request, actor=request.user, via="page")
    else:
        form = CheckForm()
    context = {"form": form, "run": run}
    if run is not None:
        context.update(
            highlighted=highlight_html(run.text, run.findings),
            listed=_listed(run.text, run.findings),
            download_name=f"{run.path if run.path != '-' else '文本'}",
        )
    return render(request, "checks/check.html", context)


@require_POST
@login_required
def masked_download(request):
    """The text sent back by the result page, with personal information masked, as a .txt file."""
    text = request.POST.get("text", "").replace("\r\n", "\n")
    name = request.POST.get("name", "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0][:80] or "文本"
    response = HttpResponse(mask(text), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{name}-脱敏.txt")
    response["Cache-Control"] = "no-store"
    return response
