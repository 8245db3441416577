"""The bulletin's data (the renderers' only input): its exact shape, JSON-able, for a closed quarter
and for the preview of an open one."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from tests.platform.inspection_helpers import EDU, PORTAL, column, dead, make_org, make_sites, patrol, wording

TZ = timezone.get_current_timezone()

TOP_KEYS = {
    "title", "doc_number", "issuer", "recipients", "intro", "year", "quarter", "quarter_text", "scope", "closed",
    "as_of", "overview", "problem_sections", "score_table", "charts", "next_steps", "next_steps_paragraphs",
    "rectification", "signature", "date", "date_text",
}  # fmt: skip
EXAMPLE_KEYS = {"unit", "site", "wrong", "right", "excerpt", "url", "detail", "source"}
ROW_KEYS = {"unit", "site", "site_kind", "score", "passed", "result", "vetoes", "deductions", "bulletins",
            "close_suggested"}


@pytest.fixture
def org(tree, make_user):
    return make_org(tree, make_user)


@pytest.fixture
def sites(org):
    return make_sites(org)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=TZ)


def _inspection(org, sites):
    from sanshen.inspection.services import add_spot_check, open_inspection

    patrol(sites["edu"], dead(EDU, "a.html"), wording(EDU), columns=[column(EDU, "工作动态", dt.date(2026, 9, 20))],
           when=at(dt.date(2026, 9, 21)))
    patrol(sites["portal"], columns=[column(PORTAL, "要闻", dt.date(2026, 9, 25))], when=at(dt.date(2026, 9, 26)))
    inspection = open_inspection(org["supervisor"], 2026, 3)
    add_spot_check(org["supervisor"], inspection, site=sites["town"], url="https://yz.qilin.gov.example/n/1.html",
                   problem_type="not_public", wrong_text="张三 身份证号 110101199003077571",
                   excerpt="公示名单含完整身份证号", note="应脱敏后公开")
    return inspection


def test_bulletin_data_shape_of_a_closed_quarter(org, sites):
    from sanshen.inspection.bulletin_data import bulletin_data
    from sanshen.inspection.services import close_inspection, update_inspection

    inspection = _inspection(org, sites)
    update_inspection(org["supervisor"], inspection, doc_number="麒政办函〔2026〕12号")
    close_inspection(org["supervisor"], inspection, bulletin_date=dt.date(2026, 9, 28), now=at(dt.date(2026, 9, 28)))
    data = bulletin_data(inspection)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data  # plain JSON
    assert set(data) == TOP_KEYS
    assert data["title"] == "麒麟区关于2026年第三季度全区政府网站与政务新媒体检查结果的通报"
    assert data["doc_number"] == "麒政办函〔2026〕12号"
    assert data["recipients"].endswith("：") and data["issuer"] == "麒麟区" and data["signature"] == "麒麟区"
    assert "国办秘函〔2019〕19号" in data["intro"] and data["closed"] is True and data["as_of"] == "2026-09-28"
    overview = data["overview"]
    assert set(overview) == {"text", "total", "passed", "failed", "not_scored", "by_kind"}
    assert overview["total"] == 3 and overview["passed"] + overview["failed"] + overview["not_scored"] == 3
    assert [(k["label"], k["count"]) for k in overview["by_kind"]] == [("政府门户网站", 1), ("部门网站", 2)]
    assert "全覆盖检查" in overview["text"]
    sections = {s["type"]: s for s in data["problem_sections"]}
    assert {"wording", "dead_link", "not_public"} <= set(sections)
    for section in data["problem_sections"]:
        assert set(section) == {"type", "label", "count", "units", "summary", "examples"}
        assert all(set(e) == EXAMPLE_KEYS for e in section["examples"])
    [example] = sections["wording"]["examples"]
    assert (example["wrong"], example["right"], example["unit"]) == ("台湾国", "台湾地区", "麒麟区教育体育局")
    assert example["url"] == EDU + "news/1.html" and example["excerpt"] == "……与台湾国的交流……"
    assert sections["not_public"]["units"] == ["越州镇"] and sections["not_public"]["examples"][0]["source"] == (
        "spot_check")
    table = data["score_table"]
    assert table["columns"][0] == "单位" and all(set(r) == ROW_KEYS for r in table["rows"])
    edu = next(r for r in table["rows"] if r["site"] == "麒麟区教育体育局网站")
    assert edu["result"] == "不合格" and "严重表述错误" in edu["vetoes"] and edu["bulletins"] == 1
    charts = data["charts"]
    assert {c["label"] for c in charts["by_unit"]} == {"麒麟区教育体育局", "越州镇"}
    assert sum(c["count"] for c in charts["by_type"]) == sum(s["count"] for s in data["problem_sections"])
    assert data["next_steps_paragraphs"][0].startswith("（一）强化内容安全建设")
    assert len(data["next_steps_paragraphs"]) == 3
    assert data["rectification"] == {
        "workdays": 10, "deadline": "2026-10-16", "deadline_text": "2026年10月16日", "deadline_unknown": False,
        "note": "", "text": data["rectification"]["text"]}
    assert "2026年10月16日前将整改情况报送麒麟区" in data["rectification"]["text"]
    assert (data["date"], data["date_text"]) == ("2026-09-28", "2026年9月28日")


def test_bulletin_data_preview_of_an_open_inspection(org, sites):
    from sanshen.inspection.bulletin_data import bulletin_data

    data = bulletin_data(_inspection(org, sites))
    assert set(data) == TOP_KEYS and data["closed"] is False and data["as_of"] is None
    assert data["overview"]["not_scored"] == 3
    assert {s["type"] for s in data["problem_sections"]} >= {"wording", "dead_link", "not_public"}
    assert all(r["result"] == "未评分" and r["score"] is None for r in data["score_table"]["rows"])


def test_bulletin_deadline_beyond_the_calendar_is_worded_without_a_date(org, sites):
    from sanshen.inspection.bulletin_data import bulletin_data
    from sanshen.inspection.services import close_inspection, open_inspection

    inspection = open_inspection(org["supervisor"], 2026, 4)
    close_inspection(org["supervisor"], inspection, bulletin_date=dt.date(2026, 12, 24), now=at(dt.date(2026, 12, 24)))
    rect = bulletin_data(inspection)["rectification"]
    assert rect["deadline"] is None and rect["deadline_unknown"] and "2027" in rect["note"]
    assert "10个工作日内" in rect["text"]
