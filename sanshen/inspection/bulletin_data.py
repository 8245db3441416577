"""The quarterly bulletin (季度检查通报) as plain data, in the form of a real city bulletin (seed 001).

`bulletin_data(inspection)` is the one input of the renderers in `sanshen.inspection.bulletin`
(`render_docx(data)`, `render_pdf(data)`); the renderers never read the database.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from sanshen.sites.models import SiteKind

from .models import Inspection, InspectionSite, RectificationTask, SpotCheck, SpotType
from .services import bulletin_counts, default_recipients, inspection_deadline, scope_word

QUARTERS = {1: "一", 2: "二", 3: "三", 4: "四"}

# Problem groups of 检查发现的主要问题, in the order a bulletin lists them.
GROUPS = (
    ("unavailable", "站点无法访问"),
    ("security", "网站安全问题（暗链、篡改、违规外链）"),
    ("wording", "表述错误"),
    ("sensitive", "错敏词"),
    ("not_public", "不宜公开的信息"),
    ("stale", "栏目不更新"),
    ("dead_link", "链接不可用"),
    ("other", "其他问题"),
)
GROUP_LABELS = dict(GROUPS)
CONTENT_GROUPS = {
    "expression": "wording", "sensitive": "sensitive", "typo": "sensitive", "format": "sensitive",
    "privacy": "not_public", "secret": "not_public", "spam": "security", "link": "security",
}  # fmt: skip
KIND_GROUPS = {
    "unavailable": "unavailable", "dead_link": "dead_link", "soft_404": "dead_link", "stale_column": "stale",
    "blank_column": "stale", "hidden_link": "security", "spam_injection": "security", "cloaking": "security",
    "page_changed": "security", "bad_outbound_link": "security",
}  # fmt: skip
SPOT_GROUPS = {SpotType.SENSITIVE: "sensitive", SpotType.WORDING: "wording", SpotType.NOT_PUBLIC: "not_public",
               SpotType.DEAD_LINK: "dead_link", SpotType.STALE: "stale", SpotType.OTHER: "other"}
VETO_GROUPS = {"站点无法访问": "unavailable", "首页不更新": "stale", "栏目不更新": "stale",
               "严重表述错误": "wording", "安全、泄密事故等严重问题": "security"}
EXAMPLES_PER_GROUP = 5

INTRO = (
    "为贯彻落实《国务院办公厅关于印发政府网站发展指引的通知》（国办发〔2017〕47号）、《国务院办公厅秘书局关于印发"
    "政府网站与政务新媒体检查指标、监管工作年度考核指标的通知》（国办秘函〔2019〕19号）以及上级关于加强政府网站和"
    "政务新媒体管理工作的部署要求，{owner}组织开展了{year}年第{q}季度政府网站与政务新媒体检查工作，"
    "现将有关情况通报如下："
)


def cn_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _spot_item(spot: SpotCheck, unit: str, site: str) -> dict:
    return {
        "group": SPOT_GROUPS.get(spot.problem_type, "other"),
        "unit": unit, "site": site, "wrong": spot.wrong_text, "right": spot.right_text, "excerpt": spot.excerpt,
        "url": spot.url, "detail": spot.note or spot.get_problem_type_display(), "source": "spot_check",
    }  # fmt: skip


def _problem_item(problem, unit: str, site: str) -> dict:
    finding = problem.finding or {}
    group = CONTENT_GROUPS.get(str(finding.get("category")), "other") if problem.kind == "content" else (
        KIND_GROUPS.get(problem.kind, "other"))
    return {
        "group": group, "unit": unit, "site": site, "wrong": str(finding.get("text") or ""),
        "right": str(finding.get("suggestion") or ""), "excerpt": problem.excerpt, "url": problem.url,
        "detail": str(finding.get("message") or problem.detail), "source": "patrol",
    }  # fmt: skip


def _task_item(task: RectificationTask) -> dict:
    unit, site = task.unit.name, task.site.name
    if task.spot_check_id:
        return _spot_item(task.spot_check, unit, site)
    if task.problem_id:
        return _problem_item(task.problem, unit, site)
    group = next((g for name, g in VETO_GROUPS.items() if task.indicator.startswith(name)), "other")
    return {"group": group, "unit": unit, "site": site, "wrong": "", "right": "", "excerpt": "", "url": "",
            "detail": task.description, "source": "indicator"}


def _items(inspection: Inspection, entries: list[InspectionSite]) -> list[dict]:
    """What the bulletin names: the frozen tasks of a closed inspection; for an open one (a
    preview) its spot checks and the currently open problems of the covered sites."""
    if not inspection.is_open:
        tasks = inspection.tasks.select_related("unit", "site", "problem", "spot_check").order_by("unit__path", "id")
        return [_task_item(t) for t in tasks]
    by_site = {e.site_id: e for e in entries}
    items = [_spot_item(s, by_site[s.site_id].unit.name, by_site[s.site_id].site.name)
             for s in inspection.spot_checks.order_by("created_at", "id") if s.site_id in by_site]
    from sanshen.sites.models import Problem, ProblemStatus

    for problem in Problem.objects.filter(site_id__in=list(by_site), status=ProblemStatus.OPEN).order_by(
            "site_id", "kind", "id"):
        if problem.kind in KIND_GROUPS or problem.kind == "content":
            entry = by_site[problem.site_id]
            items.append(_problem_item(problem, entry.unit.name, entry.site.name))
    return items


def _sections(items: list[dict]) -> list[dict]:
    sections = []
    for group, label in GROUPS:
        mine = [i for i in items if i["group"] == group]
        if not mine:
            continue
        per_unit = Counter(i["unit"] for i in mine)
        units = [u for u, _ in per_unit.most_common()]
        named = "、".join(units[:5]) + ("等" if len(units) > 5 else "")
        # Typical errors first: those with a wrong → right pair, spot checks before machine findings.
        typical = sorted(mine, key=lambda i: (not i["wrong"], not i["right"], i["source"] != "spot_check"))
        examples = [{k: i[k] for k in ("unit", "site", "wrong", "right", "excerpt", "url", "detail", "source")}
                    for i in typical[:EXAMPLES_PER_GROUP]]
        sections.append({
            "type": group, "label": label, "count": len(mine), "units": units,
            "summary": f"{named}{len(units)}个单位的网站存在{label}问题，共{len(mine)}处。",
            "examples": examples,
        })  # fmt: skip
    return sections


def bulletin_data(inspection: Inspection) -> dict:
    """The bulletin of `inspection` as a JSON-able dict (strings, numbers, booleans, None, lists, dicts).

    Shape (every key always present; dates as "YYYY-MM-DD" and as Chinese text)::

        {
          "title": "曲靖市关于2026年第三季度全市政府网站与政务新媒体检查结果的通报",
          "doc_number": "惠府办函〔2026〕87号" or "〔    〕号" (placeholder when not set),
          "issuer": "<owner unit name>",
          "recipients": "各县、区人民政府，市直有关单位：",
          "intro": "为贯彻落实……现将有关情况通报如下：",
          "year": 2026, "quarter": 3, "quarter_text": "三", "scope": "全市" ("" for a department),
          "closed": bool,                      # False: a preview of an open inspection
          "as_of": "YYYY-MM-DD" or None,       # the day the scores were taken
          "overview": {
            "text": "对照国务院办公厅检查考核指标，本季度……进行了全覆盖检查，……个合格，……个不合格。",
            "total": int, "passed": int, "failed": int, "not_scored": int,
            "by_kind": [{"kind": "portal", "label": "政府门户网站", "count": int,
                          "passed": int, "failed": int, "not_scored": int}],   # kinds with sites only
          },
          "problem_sections": [                # 检查发现的主要问题, one per problem type found
            {"type": "wording", "label": "表述错误", "count": int,
             "units": ["<unit>", ...],          # most problems first
             "summary": "A、B2个单位的网站存在表述错误问题，共3处。",
             "examples": [{"unit": str, "site": str, "wrong": str, "right": str, "excerpt": str,
                            "url": str, "detail": str, "source": "patrol" | "spot_check" | "indicator"}]}
          ],                                   # types: unavailable security wording sensitive
                                               #        not_public stale dead_link other
          "score_table": {
            "columns": ["单位", "网站", "类型", "得分", "结果", "单项否决"],
            "rows": [{"unit": str, "site": str, "site_kind": "部门网站", "score": float | None,
                      "passed": bool | None, "result": "合格" | "不合格" | "未评分",
                      "vetoes": ["首页不更新", ...], "deductions": float,
                      "bulletins": int, "close_suggested": bool}],
          },
          "charts": {"by_unit": [{"label": "<unit>", "count": int}],     # most first
                     "by_type": [{"label": "<type label>", "count": int}]},  # GROUPS order
          "next_steps": "（一）……\\n\\n（二）……",   # 下一步工作要求 as edited
          "next_steps_paragraphs": ["（一）……", "（二）……"],
          "rectification": {"workdays": 10, "deadline": "YYYY-MM-DD" or None,
                            "deadline_text": "2026年10月16日" or "",
                            "deadline_unknown": bool, "note": str (why unknown, else ""),
                            "text": "此次通报存在问题的单位要高度重视，……前将整改情况报送……。"},
          "signature": "<落款>",
          "date": "YYYY-MM-DD", "date_text": "2026年9月28日",
        }
    """
    owner = inspection.owner
    entries = list(inspection.entries.select_related("site", "unit").order_by("unit__path", "site__name"))
    scope = scope_word(owner)
    q = QUARTERS[inspection.quarter]
    title = f"{owner.name}关于{inspection.year}年第{q}季度{scope}政府网站与政务新媒体检查结果的通报"

    by_kind = []
    for kind, label in SiteKind.choices:
        mine = [e for e in entries if e.site.kind == kind]
        if mine:
            by_kind.append({
                "kind": kind, "label": label, "count": len(mine),
                "passed": sum(1 for e in mine if e.passed is True),
                "failed": sum(1 for e in mine if e.passed is False),
                "not_scored": sum(1 for e in mine if e.passed is None),
            })  # fmt: skip
    passed = sum(1 for e in entries if e.passed is True)
    failed = sum(1 for e in entries if e.passed is False)
    not_scored = sum(1 for e in entries if e.passed is None)
    counted = "、".join(f"{k['count']}个{k['label']}" for k in by_kind) or "0个政府网站"
    overview_text = f"对照国务院办公厅检查考核指标，本季度{owner.name}对{scope}在线运行的{counted}进行了全覆盖检查"
    if inspection.is_open:
        overview_text += "（检查尚未结束，评分待定）。"
    else:
        overview_text += f"，{passed}个合格，{failed}个不合格。"
        overview_text += "总体运行情况良好。" if not failed else ""

    items = _items(inspection, entries)
    rows = []
    for e in entries:
        card = e.scorecard or {}
        counts = bulletin_counts(e.site) if not inspection.is_open else {"count": 0, "close_suggested": False}
        rows.append({
            "unit": e.unit.name, "site": e.site.name, "site_kind": e.site.get_kind_display(),
            "score": e.score, "passed": e.passed,
            "result": "未评分" if e.passed is None else ("合格" if e.passed else "不合格"),
            "vetoes": [v["indicator"] for v in card.get("vetoes", [])],
            "deductions": round(sum(float(d.get("points", 0)) for d in card.get("deductions", [])), 2),
            "bulletins": e.bulletins_count if e.named else counts["count"],
            "close_suggested": bool(counts["close_suggested"]),
        })  # fmt: skip

    per_type = Counter(i["group"] for i in items)
    by_type = [{"label": label, "count": per_type[g]} for g, label in GROUPS if per_type[g]]
    by_unit = [{"label": u, "count": n} for u, n in Counter(i["unit"] for i in items).most_common()]

    deadline, why = inspection_deadline(inspection)
    date = inspection.bulletin_date or timezone.localdate()
    report_to = owner.name
    if deadline:
        rect_text = ("此次通报存在问题的单位要高度重视，立即采取有力措施进行整改，务必见到实效，"
                     f"并于{cn_date(deadline)}前将整改情况报送{report_to}。")
    else:
        rect_text = (f"此次通报存在问题的单位要高度重视，立即采取有力措施进行整改，务必见到实效，并于通报印发之日起"
                     f"{inspection.rectification_workdays}个工作日内将整改情况报送{report_to}。")
    paragraphs = [p.strip() for p in inspection.next_steps.replace("\r\n", "\n").split("\n") if p.strip()]
    return {
        "title": title,
        "doc_number": inspection.doc_number or "〔    〕号",
        "issuer": owner.name,
        "recipients": inspection.recipients or default_recipients(owner),
        "intro": INTRO.format(owner=owner.name, year=inspection.year, q=q),
        "year": inspection.year,
        "quarter": inspection.quarter,
        "quarter_text": q,
        "scope": scope,
        "closed": not inspection.is_open,
        "as_of": inspection.scored_as_of.isoformat() if inspection.scored_as_of else None,
        "overview": {"text": overview_text, "total": len(entries), "passed": passed, "failed": failed,
                     "not_scored": not_scored, "by_kind": by_kind},
        "problem_sections": _sections(items),
        "score_table": {"columns": ["单位", "网站", "类型", "得分", "结果", "单项否决"], "rows": rows},
        "charts": {"by_unit": by_unit, "by_type": by_type},
        "next_steps": inspection.next_steps,
        "next_steps_paragraphs": paragraphs,
        "rectification": {
            "workdays": inspection.rectification_workdays,
            "deadline": deadline.isoformat() if deadline else None,
            "deadline_text": cn_date(deadline),
            "deadline_unknown": deadline is None,
            "note": why,
            "text": rect_text,
        },
        "signature": inspection.signature or owner.name,
        "date": date.isoformat(),
        "date_text": cn_date(date),
    }
