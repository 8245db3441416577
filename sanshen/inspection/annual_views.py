"""Annual report pages (年度工作报表): a site's report (view, edit, import visits, download, publish)
and a supervisor's list of which sites have published. Rules live in `annual`; a site the user
may not see is "not found" (404), an action the user may not take is 403."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from sanshen.sites.models import Site

from . import annual
from .models import AnnualReport, AnnualState, VisitImport
from .views import _attachment, _error_text, _form_errors


class AnnualForm(forms.ModelForm):
    items_by_column = forms.CharField(label="各栏目发布数", required=False, widget=forms.Textarea(attrs={"rows": 5}),
                                      help_text="每行一个栏目：栏目名称,条数。")

    class Meta:
        model = AnnualReport
        fields = [f for f in annual.EDITABLE if f != "items_by_column"] + ["items_by_column"]
        widgets: ClassVar[dict] = {
            name: forms.Textarea(attrs={"rows": 3}) for name in annual.EDITABLE if name.endswith("_note")}

    def clean_items_by_column(self):
        try:
            return annual.parse_columns(self.cleaned_data.get("items_by_column", ""))
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


class ImportForm(forms.Form):
    file = forms.FileField(label="统计导出文件（CSV）")


def _site(user, pk: int) -> Site:
    site = Site.objects.select_related("unit").filter(pk=pk).first()
    if site is None or not annual.can_view(user, site):
        raise Http404("网站不存在。")
    return site


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise Http404("年度无效。")
    return year


@login_required
def annual_site(request, site_pk: int, year: int):
    site, year = _site(request.user, site_pk), _year(year)
    editable = annual.can_edit(request.user, site)
    report = AnnualReport.objects.filter(site=site, year=year).first()
    if report is None and editable:
        report = annual.build_annual_report(site, year, request.user)
    form = None
    if report is not None and editable and not report.is_published:
        initial = {"items_by_column": annual.columns_text(report.items_by_column)}
        form = AnnualForm(request.POST or None, instance=report, initial=initial)
        if request.method == "POST" and form.is_valid():
            # Only the fields the form sent: a partial post does not blank the others.
            data = {name: form.cleaned_data[name] for name in annual.EDITABLE if name in request.POST}
            fresh = AnnualReport.objects.get(pk=report.pk)  # the form wrote into `report`; compare with the stored row
            try:
                annual.update_report(request.user, fresh, **data)
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, "年度报表已保存。")
                return redirect("inspection:annual_site", site_pk=site.pk, year=year)
    elif request.method == "POST":
        raise PermissionDenied("不能修改该年度报表。")
    context = {
        "site": site, "year": year, "report": report, "form": form, "editable": editable,
        "import_form": ImportForm(), "due": annual.due_date(year),
        "imports": VisitImport.objects.filter(site=site, year=year).select_related("uploaded_by")[:20],
        "rows": annual.report_rows(report) if report else [], "notes": (report.notes if report else {}) or {},
    }  # fmt: skip
    return render(request, "inspection/annual_site.html", context, status=400 if form and form.errors else 200)


@login_required
@require_POST
def annual_import(request, site_pk: int, year: int):
    site, year = _site(request.user, site_pk), _year(year)
    if not annual.can_edit(request.user, site):
        raise PermissionDenied("只有本单位网站管理员可以导入访问量。")
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            imp = annual.import_visits(site, year, form.cleaned_data["file"], request.user)
        except ValidationError as exc:
            messages.error(request, f"导入失败：{_error_text(exc)}")
        else:
            extra = f"，另有 {imp.ignored} 行不属于 {year} 年，已忽略" if imp.ignored else ""
            messages.success(request, f"已导入 {imp.rows} 天，访问量合计 {imp.total}{extra}。")
    return redirect("inspection:annual_site", site_pk=site.pk, year=year)


@login_required
@require_POST
def annual_publish(request, site_pk: int, year: int):
    site, year = _site(request.user, site_pk), _year(year)
    report = AnnualReport.objects.filter(site=site, year=year).first()
    if report is None:
        raise Http404("年度报表不存在。")
    annual.publish_report(request.user, report)  # PermissionDenied → 403
    messages.success(request, "年度报表已公开。")
    return redirect("inspection:annual_site", site_pk=site.pk, year=year)


@login_required
def annual_download(request, site_pk: int, year: int, fmt: str):
    site, year = _site(request.user, site_pk), _year(year)
    report = AnnualReport.objects.filter(site=site, year=year).select_related("site", "site__unit").first()
    if report is None or fmt not in ("docx", "xlsx"):
        raise Http404("年度报表不存在。")
    types = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    content = annual.annual_docx(report) if fmt == "docx" else annual.annual_xlsx(report)
    return _attachment(content, f"{annual.report_title(report)}.{fmt}", types[fmt])


@login_required
def annual_list(request):
    from .services import is_supervisor

    if not is_supervisor(request.user):
        raise PermissionDenied("只有监管员可以使用此页面。")
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year - 1)
    except ValueError:
        year = today.year - 1
    year = _year(year)
    sites = list(annual.supervised_sites(request.user))
    reports = {r.site_id: r for r in AnnualReport.objects.filter(year=year, site__in=sites)}
    for site in sites:
        site.report = reports.get(site.pk)
    published = sum(1 for r in reports.values() if r.state == AnnualState.PUBLISHED)
    due = annual.due_date(year)
    context = {"year": year, "sites": sites, "published": published, "due": due, "overdue": today > due,
               "years": list(range(today.year, today.year - 5, -1))}
    return render(request, "inspection/annual_list.html", context)
