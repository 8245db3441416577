"""The annual report of a site (政府网站年度工作报表, seed 004 第三十五条), due 31 January.

- `build_annual_report(site, year, user)` returns the site's report for the year, creating it
  prefilled: items per column from the patrol's columns (`sites.Column.item_count`: the items a
  patrol saw on the column's list pages — a lower bound to check, noted as such); visits from the
  newest `VisitImport`; everything else blank (待填写) for the 网站管理员 to fill in.
- `import_visits(site, year, upload, user)` reads an analytics export (CSV). Accepted:
    * encodings UTF-8 (with or without BOM) and GBK/GB18030 (Excel on Chinese Windows);
    * separators comma, tab or semicolon;
    * a header row (title lines above it are skipped) with a date column (日期 / 时间 / date / day)
      and a visits column (访问量 / 浏览量 / 浏览量(PV) / PV / 访问次数 / visits / pageviews),
      optionally a visitors column (访客数 / 访客数(UV) / UV / 独立访客 / visitors);
    * or no header: rows of `date,visits`;
    * dates 2025-01-31, 2025/1/31, 20250131, 2025年1月31日; counts with thousands separators.
  Rows of other years are ignored (and counted); 合计/总计/total rows are skipped; a bad date or
  count, a repeated day or a file without a row for the year is refused with the line number.
- Only the site's unit's 网站管理员 (or a superuser) edits, imports and publishes; a 监管员 above
  sees. `annual_report_reminders(today)` raises a duty alert from 1 to 31 January for each active
  site without a published report for last year, once a day.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from sanshen.audit.models import register_action
from sanshen.audit.services import record
from sanshen.sites.models import Alert, Site
from sanshen.units.models import Role
from sanshen.units.services import has_role

from .models import AnnualReminder, AnnualReport, AnnualState, VisitImport

MAX_CSV = 5 * 1024 * 1024
TODO = "待填写"
COLUMN_NOTE = "巡检所见条目数（栏目列表页），请按内容管理系统统计核对"
ALERT_ANNUAL = "annual_report"
EDITABLE = (
    "items_total", "items_by_column", "total_visits", "unique_visitors", "service_items", "service_applications",
    "messages_received", "messages_answered", "messages_avg_days", "messages_public", "platform_note",
    "topics_note", "new_media_note", "innovation_note", "mechanism_note",
)  # fmt: skip


# Registered here (not in apps.py) so the annual report is self-contained; idempotent.
register_action("annual_report_create", "创建网站年度报表")
register_action("annual_report_edit", "修改网站年度报表")
register_action("annual_report_publish", "公开网站年度报表")
register_action("annual_visits_import", "导入网站访问量")


def due_date(year: int) -> dt.date:
    """A year's report is due 31 January of the next year."""
    return dt.date(year + 1, 1, 31)


# Permissions --------------------------------------------------------------------------------


def _usable(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_edit(user, site: Site) -> bool:
    """The 网站管理员 of the site's unit, or a superuser."""
    return _usable(user) and (user.is_superuser or has_role(user, site.unit_id, Role.SITE_ADMIN))


def can_view(user, site: Site) -> bool:
    """Editors, and 监管员 at or above the site's unit."""
    if not _usable(user):
        return False
    return can_edit(user, site) or has_role(user, site.unit_id, Role.SUPERVISOR, inherited=True)


def _require_edit(user, site: Site) -> None:
    if not can_edit(user, site):
        raise PermissionDenied("只有本单位网站管理员可以编辑年度报表。")


def supervised_sites(user) -> QuerySet[Site]:
    """Active sites at or below the units where `user` is 监管员 (all for a superuser)."""
    from .services import is_supervisor, supervised_units

    if not is_supervisor(user):
        return Site.objects.none()
    qs = Site.objects.filter(is_active=True).select_related("unit").order_by("unit__path", "name")
    if user.is_superuser:
        return qs
    condition = Q()
    for path in supervised_units(user).values_list("path", flat=True):
        condition |= Q(unit__path__startswith=path)
    return qs.filter(condition)


# Building and editing -----------------------------------------------------------------------


def _column_counts(site: Site) -> list[dict]:
    return [{"column": c.name or c.url, "count": int(c.item_count)}
            for c in site.columns.order_by("name", "url") if c.update_class != "none"]


def _latest_import(site: Site, year: int) -> VisitImport | None:
    return VisitImport.objects.filter(site=site, year=year).order_by("-uploaded_at", "-id").first()


def _apply_visits(report: AnnualReport, imp: VisitImport) -> None:
    report.total_visits = imp.total
    notes = dict(report.notes or {})
    notes["total_visits"] = f"导入自 {imp.file_name}（{imp.rows} 天，{imp.first_day}—{imp.last_day}）"
    if imp.visitors_total is not None:
        report.unique_visitors = imp.visitors_total
        notes["unique_visitors"] = "按日访客数合计，可能高于全年独立用户数，请核对"
    report.notes = notes


def build_annual_report(site: Site, year: int, user) -> AnnualReport:
    """The site's report for `year`, created prefilled when it does not exist yet."""
    if not can_view(user, site):
        raise PermissionDenied("没有权限查看该网站的年度报表。")
    report = AnnualReport.objects.filter(site=site, year=year).first()
    if report is not None:
        return report
    _require_edit(user, site)
    columns = _column_counts(site)
    notes = {name: TODO for name in EDITABLE if not name.endswith("_note")}
    report = AnnualReport(site=site, year=year, created_by=user, updated_by=user)
    if columns:
        report.items_by_column = columns
        report.items_total = sum(c["count"] for c in columns)
        notes["items_by_column"] = notes["items_total"] = COLUMN_NOTE
    imp = _latest_import(site, year)
    report.notes = notes
    if imp is not None:
        _apply_visits(report, imp)
    with transaction.atomic():
        report.save()
        record("annual_report_create", actor=user, obj=report, unit=site.unit_id,
               after={"site": site.pk, "year": year, "columns": len(columns), "visits": report.total_visits})
    return report


def parse_columns(text: str) -> list[dict]:
    """"栏目名称,条数" (or 栏目名称<tab>条数, 栏目名称：条数) per line → [{column, count}]."""
    out = []
    for n, line in enumerate((text or "").replace("\r\n", "\n").split("\n"), 1):
        line = line.strip()
        if not line:
            continue
        m = re.match(r"^(.+?)\s*[,，:：\t]\s*([\d,]+)$", line)
        if not m:
            raise ValidationError(f"各栏目发布数第 {n} 行应为“栏目名称,条数”：{line[:40]}")
        out.append({"column": m.group(1).strip()[:200], "count": int(m.group(2).replace(",", ""))})
    return out


def columns_text(columns: list[dict]) -> str:
    return "\n".join(f"{c.get('column', '')},{c.get('count', 0)}" for c in columns or [])


def update_report(user, report: AnnualReport, **fields) -> AnnualReport:
    _require_edit(user, report.site)
    if report.is_published:
        raise ValidationError("年度报表已公开，不能再修改。")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"不能修改：{'、'.join(sorted(unknown))}")
    before = {name: getattr(report, name) for name in fields}
    notes = dict(report.notes or {})
    for name, value in fields.items():
        if name == "items_by_column" and isinstance(value, str):
            value = parse_columns(value)
        setattr(report, name, value)
        if before[name] != value:
            notes.pop(name, None)  # entered by hand now
    if "items_by_column" in fields and "items_total" not in fields and report.items_by_column:
        report.items_total = sum(int(c["count"]) for c in report.items_by_column)
        notes.pop("items_total", None)
    report.notes, report.updated_by = notes, user
    with transaction.atomic():
        report.save()
        record("annual_report_edit", actor=user, obj=report, unit=report.site.unit_id,
               before=_jsonable(before), after=_jsonable({n: getattr(report, n) for n in fields}))
    return report


def _jsonable(values: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


def publish_report(user, report: AnnualReport, now: dt.datetime | None = None) -> AnnualReport:
    _require_edit(user, report.site)
    if report.is_published:
        return report
    with transaction.atomic():
        report.state, report.published_by, report.published_at = AnnualState.PUBLISHED, user, now or timezone.now()
        report.save(update_fields=["state", "published_by", "published_at", "updated_at"])
        record("annual_report_publish", actor=user, obj=report, unit=report.site.unit_id,
               after={"state": report.state, "year": report.year})
    return report


# Visits import ------------------------------------------------------------------------------

DATE_HEADERS = ("日期", "时间", "date", "day", "日")
VISIT_HEADERS = ("浏览量(pv)", "浏览量（pv）", "浏览量", "访问量", "访问次数", "pv", "visits", "pageviews",
                 "page views", "sessions")
VISITOR_HEADERS = ("访客数(uv)", "访客数（uv）", "访客数", "独立访客", "uv", "visitors", "users", "unique visitors")
TOTAL_WORDS = ("合计", "总计", "汇总", "total", "sum")


def _decode(data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:4096]:
        raise ValidationError("文件不是文本格式的 CSV（可能是 Excel .xlsx 文件，请另存为 CSV 后上传）。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), "UTF-8" if encoding == "utf-8-sig" else "GBK"
        except UnicodeDecodeError:
            continue
    raise ValidationError("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV。")  # pragma: no cover


def _norm(cell: str) -> str:
    return re.sub(r"\s+", "", cell or "").strip().lower()


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    cells = [_norm(c) for c in header]
    for name in names:  # the first name found wins: names are in order of preference
        for i, cell in enumerate(cells):
            if cell == name:
                return i
    for name in names:
        for i, cell in enumerate(cells):
            if name in cell and not (name == "日" and cell != "日"):
                return i
    return None


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)


def parse_day(text: str) -> dt.date | None:
    text = (text or "").strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def _count(text: str) -> int | None:
    text = (text or "").strip().replace(",", "").replace("，", "")
    if text in ("", "-", "--"):
        return 0
    if re.fullmatch(r"\d+(\.0+)?", text):
        return int(float(text))
    return None


def parse_visits_csv(data: bytes, year: int) -> dict:
    """{"encoding", "shape", "rows": [(date, visits, visitors|None)], "ignored": n} or ValidationError."""
    if not data.strip():
        raise ValidationError("文件是空的。")
    text, encoding = _decode(data)
    sample = text[:4096]
    delimiter = max((",", "\t", ";"), key=sample.count)
    lines = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header_at, date_i, visit_i, visitor_i = None, 0, 1, None
    for n, row in enumerate(lines[:30]):
        if len(row) >= 2 and parse_day(row[0]) is not None:
            break  # data without a header: date,visits
        d, v = _find(row, DATE_HEADERS), _find(row, VISIT_HEADERS)
        if d is not None and v is not None and d != v:
            header_at, date_i, visit_i = n, d, v
            visitor_i = _find(row, VISITOR_HEADERS)
            if visitor_i in (d, v):
                visitor_i = None
            break
    else:
        raise ValidationError("没有找到表头：需要“日期”列和“访问量/浏览量(PV)”列，或无表头的“日期,访问量”两列。")
    if header_at is None:
        shape = "无表头：日期,访问量"
    else:
        header = lines[header_at]
        shape = f"{header[date_i].strip()},{header[visit_i].strip()}"
        if visitor_i is not None:
            shape += f",{header[visitor_i].strip()}"
    rows, seen, ignored = [], set(), 0
    start = 0 if header_at is None else header_at + 1
    for n, row in enumerate(lines[start:], start + 1):
        if not any(c.strip() for c in row):
            continue
        first = _norm(row[0]) if row else ""
        if any(first.startswith(w) for w in TOTAL_WORDS):
            continue
        if len(row) <= max(date_i, visit_i):
            raise ValidationError(f"第 {n} 行列数不足：{delimiter.join(row)[:60]}")
        day = parse_day(row[date_i])
        if day is None:
            raise ValidationError(f"第 {n} 行的日期无法识别：{row[date_i][:30]}")
        visits = _count(row[visit_i])
        if visits is None:
            raise ValidationError(f"第 {n} 行的访问量不是整数：{row[visit_i][:30]}")
        visitors = None
        if visitor_i is not None and len(row) > visitor_i:
            visitors = _count(row[visitor_i])
            if visitors is None:
                raise ValidationError(f"第 {n} 行的访客数不是整数：{row[visitor_i][:30]}")
        if day.year != year:
            ignored += 1
            continue
        if day in seen:
            raise ValidationError(f"第 {n} 行的日期 {day} 重复。")
        seen.add(day)
        rows.append((day, visits, visitors))
    if not rows:
        raise ValidationError(f"文件中没有 {year} 年的数据。")
    return {"encoding": encoding, "shape": shape, "rows": rows, "ignored": ignored}


def import_visits(site: Site, year: int, upload, user) -> VisitImport:
    """Store the upload and set the report's visits from it (the report is created if needed)."""
    _require_edit(user, site)
    name = getattr(upload, "name", "") or "visits.csv"
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        if getattr(upload, "size", 0) and upload.size > MAX_CSV:
            raise ValidationError("文件不能超过 5 MB。")
        data = upload.read(MAX_CSV + 1)
    if len(data) > MAX_CSV:
        raise ValidationError("文件不能超过 5 MB。")
    parsed = parse_visits_csv(data, year)
    rows = parsed["rows"]
    has_visitors = any(v is not None for _, _, v in rows)
    report = build_annual_report(site, year, user)
    if report.is_published:
        raise ValidationError("年度报表已公开，不能再导入访问量。")
    with transaction.atomic():
        imp = VisitImport.objects.create(
            site=site, year=year, file_name=name[:200], encoding=parsed["encoding"], shape=parsed["shape"][:200],
            rows=len(rows), total=sum(v for _, v, _ in rows),
            visitors_total=sum(v or 0 for _, _, v in rows) if has_visitors else None,
            first_day=min(d for d, _, _ in rows), last_day=max(d for d, _, _ in rows), data=data, uploaded_by=user)
        _apply_visits(report, imp)
        report.updated_by = user
        report.save()
        record("annual_visits_import", actor=user, obj=imp, unit=site.unit_id,
               after={"year": year, "file": imp.file_name, "rows": imp.rows, "total": imp.total,
                      "ignored_rows": parsed["ignored"]})
    imp.ignored = parsed["ignored"]
    return imp


# Reminders ----------------------------------------------------------------------------------


def _cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def annual_report_reminders(today: dt.date | None = None) -> int:
    """1–31 January: a duty alert for each active site without a published report for last year,
    once per site and day. Returns the number of alerts raised."""
    today = today or timezone.localdate()
    if today.month != 1:
        return 0
    year = today.year - 1
    published = AnnualReport.objects.filter(year=year, state=AnnualState.PUBLISHED).values("site_id")
    raised = 0
    for site in Site.objects.filter(is_active=True).exclude(pk__in=published).select_related("unit"):
        with transaction.atomic():
            reminder, created = AnnualReminder.objects.get_or_create(site=site, year=year, day=today)
            if not created:
                continue
            days = (due_date(year) - today).days
            reminder.alert = Alert.objects.create(
                site=site, kind=ALERT_ANNUAL, severity="high" if days <= 7 else "medium",
                message=f"{site.name} {year} 年度工作报表尚未公开，应于 {_cn(due_date(year))}前公开"
                        f"（还有 {days} 天）。")
            reminder.save(update_fields=["alert"])
        raised += 1
    return raised


# Renderers ----------------------------------------------------------------------------------


def _value(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def report_rows(report: AnnualReport) -> list[tuple[str, str, str]]:
    """(分类, 指标, 值) in the order of the national 政府网站工作年度报表; blanks stay blank."""
    site = report.site
    r = report
    rows = [
        ("基本信息", "单位名称", site.unit.name),
        ("基本信息", "网站名称", site.name),
        ("基本信息", "首页网址", site.home_url),
        ("基本信息", "主办单位", site.unit.name),
        ("基本信息", "网站标识码", site.site_code),
        ("基本信息", "ICP备案号", site.icp),
        ("基本信息", "公安机关备案号", site.psb),
        ("访问情况", "独立用户访问总量（个）", _value(r.unique_visitors)),
        ("访问情况", "网站总访问量（次）", _value(r.total_visits)),
        ("信息发布", "信息发布总数（条）", _value(r.items_total)),
    ]
    for c in r.items_by_column or []:
        rows.append(("信息发布", f"其中：{c.get('column', '')}（条）", _value(c.get("count"))))
    rows += [
        ("专栏专题", "开设专栏专题情况", r.topics_note),
        ("政务服务", "服务事项数（项）", _value(r.service_items)),
        ("政务服务", "服务受理量（件）", _value(r.service_applications)),
        ("互动交流", "收到留言数（条）", _value(r.messages_received)),
        ("互动交流", "办结留言数（条）", _value(r.messages_answered)),
        ("互动交流", "平均办理时间（天）", _value(r.messages_avg_days)),
        ("互动交流", "公开答复数（条）", _value(r.messages_public)),
        ("平台建设", "平台建设情况", r.platform_note),
        ("新媒体传播", "新媒体传播情况", r.new_media_note),
        ("创新发展", "创新发展情况", r.innovation_note),
        ("机制保障", "机制保障情况", r.mechanism_note),
    ]
    return rows


def report_title(report: AnnualReport) -> str:
    return f"{report.site.name}{report.year}年度工作报表"


def _footer(report: AnnualReport) -> str:
    if report.published_at:
        state = f"公开时间：{_cn(timezone.localtime(report.published_at).date())}"
    else:
        state = "草稿（未公开）"
    return f"填报单位：{report.site.unit.name}　　{state}"


def annual_docx(report: AnnualReport) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    from sanshen.web.docfonts import clean, repeat_header, set_run_font, style_fonts, table_borders

    doc = Document()
    style_fonts(doc, "仿宋_GB2312", Pt(12), line_spacing=1.15)
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_run_font(p.add_run(clean(report_title(report))), "方正小标宋简体", Pt(22))
    p.paragraph_format.space_after = Pt(12)
    if not report.is_published:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_run_font(p.add_run("（草稿）"), "黑体", Pt(14))
    table = doc.add_table(rows=1, cols=3)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    table_borders(table, size_eighths=6)
    widths = (Mm(28), Mm(58), Mm(70))
    for cell, text, width in zip(table.rows[0].cells, ("分类", "指标", "数据"), widths, strict=True):
        cell.width = width
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_run_font(cell.paragraphs[0].add_run(text), "黑体", Pt(12))
    repeat_header(table.rows[0])
    for group, label, value in report_rows(report):
        cells = table.add_row().cells
        for cell, text, width in zip(cells, (group, label, value), widths, strict=True):
            cell.width = width
            for i, line in enumerate(clean(text).split("\n")):
                par = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
                set_run_font(par.add_run(line), "仿宋_GB2312", Pt(12))
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(8)
    set_run_font(p.add_run(clean(_footer(report))), "仿宋_GB2312", Pt(12))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def annual_xlsx(report: AnnualReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = f"{report.year}年度报表"
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.merge_cells("A1:C1")
    ws["A1"] = report_title(report) + ("" if report.is_published else "（草稿）")
    ws["A1"].font = Font(name="宋体", size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.append(["分类", "指标", "数据"])
    for cell in ws[2]:
        cell.font, cell.border = Font(name="黑体", size=11, bold=True), border
        cell.alignment = Alignment(horizontal="center", vertical="center")
    numeric = {"独立用户访问总量（个）", "网站总访问量（次）", "信息发布总数（条）", "服务事项数（项）",
               "服务受理量（件）", "收到留言数（条）", "办结留言数（条）", "公开答复数（条）"}
    for group, label, value in report_rows(report):
        cell_value: object = value
        if value and (label in numeric or label.startswith("其中：")) and value.isdigit():
            cell_value = int(value)
        elif value and label == "平均办理时间（天）":
            cell_value = float(value)
        ws.append([group, label, cell_value])
        for cell in ws[ws.max_row]:
            cell.border = border
            cell.font = Font(name="宋体", size=11)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
    ws.append([])
    ws.append([_footer(report)])
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 50
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
