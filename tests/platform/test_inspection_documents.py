"""The quarterly bulletin (检查通报) rendered as .docx and .pdf from a closed demo quarter, read back:
each unit's problems, the score table, the deadline and the signature; Chinese text in the PDF (not
boxes), a page rendered to PNG, the charts as images in the .docx.

PDF tooling (WeasyPrint + Noto CJK, poppler's pdftotext/pdftoppm) is skipped when missing, except
under CI=true where it must be there."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn

from tests.platform.inspection_helpers import EDU, PORTAL, column, dead, make_org, make_sites, patrol, wording

TZ = timezone.get_current_timezone()


@pytest.fixture
def org(tree, make_user):
    return make_org(tree, make_user)


@pytest.fixture
def sites(org):
    return make_sites(org)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=TZ)


def _inspection(org, sites, close=True):
    from sanshen.inspection.services import add_spot_check, close_inspection, open_inspection, update_inspection

    patrol(sites["edu"], dead(EDU, "a.html"), wording(EDU), columns=[column(EDU, "工作动态", dt.date(2026, 9, 20))],
           when=at(dt.date(2026, 9, 21)))
    patrol(sites["portal"], columns=[column(PORTAL, "要闻", dt.date(2026, 9, 25))], when=at(dt.date(2026, 9, 26)))
    inspection = open_inspection(org["supervisor"], 2026, 3)
    add_spot_check(org["supervisor"], inspection, site=sites["town"], url="https://yz.qilin.gov.example/n/1.html",
                   problem_type="not_public", wrong_text="张三 身份证号 110101199003077571",
                   excerpt="公示名单含完整身份证号", note="应脱敏后公开")
    update_inspection(org["supervisor"], inspection, doc_number="麒政办函〔2026〕12号",
                      signature="麒麟区人民政府办公室")
    if close:
        close_inspection(org["supervisor"], inspection, bulletin_date=dt.date(2026, 9, 28),
                         now=at(dt.date(2026, 9, 28)))
    return inspection


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI 需要 {tool}（Debian 软件包 poppler-utils）")
        pytest.skip(f"本机没有 {tool}")


def _pdf_or_skip() -> None:
    from sanshen.inspection.bulletin import BulletinRenderError, check_pdf_support

    try:
        check_pdf_support()
    except BulletinRenderError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PDF 通报无法在本机生成（CI=true 时必须可用）：{exc}")


def _docx_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def _expectations(data) -> list[str]:
    needles = [data["title"], data["doc_number"], data["recipients"], "一、总体情况", "二、检查发现的主要问题",
               "三、下一步工作要求", data["rectification"]["deadline_text"], data["signature"], data["date_text"]]
    for section in data["problem_sections"]:
        needles.extend(section["units"])
    return needles


def test_docx_bulletin_reads_back(org, sites):
    from sanshen.inspection.bulletin import render_docx
    from sanshen.inspection.bulletin_data import bulletin_data

    data = bulletin_data(_inspection(org, sites))
    doc = Document(io.BytesIO(render_docx(data)))
    text = _docx_text(doc)
    for needle in _expectations(data):
        assert needle in text, needle
    # each unit's problems, with the typical error wrong → right, its excerpt and URL
    assert "麒麟区教育体育局（麒麟区教育体育局网站）：“台湾国”应为“台湾地区”" in text
    assert "……与台湾国的交流……" in text and EDU + "news/1.html" in text
    assert "越州镇（越州镇网站）：“张三 身份证号 110101199003077571”" in text and "公示名单含完整身份证号" in text
    assert "（一）" in text and "2026年10月16日前将整改情况报送麒麟区" in text
    assert "（预览稿）" not in text
    # the tables: counts by kind and the score of every site
    kinds, scores = doc.tables
    assert [c.text for c in kinds.rows[0].cells] == ["平台类型", "受检数量", "合格", "不合格", "未评分"]
    assert [c.text for c in kinds.rows[-1].cells][:2] == ["合计", "3"]
    assert [c.text for c in scores.rows[0].cells] == ["单位", "网站", "类型", "得分", "结果", "单项否决"]
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in scores.rows[1:]}
    assert set(rows) == {r["site"] for r in data["score_table"]["rows"]} and len(rows) == 3
    edu = rows["麒麟区教育体育局网站"]
    assert edu[0] == "麒麟区教育体育局" and edu[4] == "不合格" and "严重表述错误" in edu[5]
    # the two charts as inline pictures
    assert len(doc.inline_shapes) == 2
    # fonts: 仿宋 body, 黑体 headings, 小标宋 title, A4 with the 公文 margins
    title_run = next(p for p in doc.paragraphs if p.text == data["title"]).runs[0]
    assert title_run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    heading = next(p for p in doc.paragraphs if p.text == "一、总体情况").runs[0]
    assert heading._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    sec = doc.sections[0]
    assert round(sec.top_margin.mm) == 37 and round(sec.bottom_margin.mm) == 35
    assert round(sec.left_margin.mm) == 28 and round(sec.right_margin.mm) == 26
    assert round(sec.page_width.mm) == 210 and round(sec.page_height.mm) == 297
    footer_xml = sec.footer._element.xml
    assert "PAGE" in footer_xml and "— " in footer_xml


def test_preview_of_an_open_inspection_is_marked(org, sites):
    from sanshen.inspection.bulletin import render_docx, render_html
    from sanshen.inspection.bulletin_data import bulletin_data

    data = bulletin_data(_inspection(org, sites, close=False))
    doc = Document(io.BytesIO(render_docx(data)))
    assert doc.paragraphs[0].text == "（预览稿）"
    assert "（预览稿）" in doc.sections[0].header.paragraphs[0].text
    assert render_html(data).count("（预览稿）") == 2  # the first page and every page's corner


def test_pdf_bulletin_reads_back_in_chinese(org, sites, tmp_path):
    from sanshen.inspection.bulletin import render_pdf
    from sanshen.inspection.bulletin_data import bulletin_data

    _pdf_or_skip()
    _need("pdftotext")
    data = bulletin_data(_inspection(org, sites))
    out = Path(os.environ.get("SANSHEN_BULLETIN_DIR", tmp_path))
    pdf = out / "bulletin.pdf"
    pdf.write_bytes(render_pdf(data))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    squashed = "".join(text.split())
    for needle in _expectations(data):
        assert "".join(needle.split()) in squashed, needle
    assert "“台湾国”应为“台湾地区”" in squashed and "公示名单含完整身份证号" in squashed
    for row in data["score_table"]["rows"]:
        assert row["unit"] in squashed and row["site"] in squashed
    assert "不合格" in squashed and "严重表述错误" in squashed
    assert "—1—" in squashed  # the page number
    assert "各单位问题数量" in squashed  # the figure caption
    # Chinese, not boxes or replacement characters
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    assert cjk > 500 and "\ufffd" not in text and "□" not in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, timeout=60).stdout \
        if shutil.which("pdffonts") else "CJK"
    assert "CJK" in fonts

    _need("pdftoppm")
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(out / "bulletin")],
                   check=True, timeout=60)
    pngs = sorted(out.glob("bulletin*.png"))
    assert pngs and pngs[0].read_bytes().startswith(b"\x89PNG") and pngs[0].stat().st_size > 10_000


def test_charts_svg_and_png():
    from sanshen.inspection import charts

    items = [{"label": f"单位{i}", "count": 20 - i} for i in range(20)]
    rows = charts.bars(items)
    assert len(rows) == charts.MAX_BARS and rows[-1][0] == "其他6项" and rows[-1][1] == sum(range(1, 7))
    svg = charts.bar_svg([{"label": "<b>&", "count": 3}], "标题")
    assert svg.startswith("<svg") and "&lt;b&gt;&amp;" in svg and "<b>" not in svg
    assert charts.shorten("一二三四五六七八九十一二三四五六七") .endswith("…")
    try:
        png = charts.bar_png(items, "各单位问题数量")
    except charts.ChartError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(str(exc))
    assert png.startswith(b"\x89PNG")
    assert charts.bar_png([]).startswith(b"\x89PNG")


def test_signature_indents_follow_gbt_9704():
    from sanshen.inspection.bulletin import numeral, signature_indents, split_heading

    assert signature_indents("麒麟区人民政府办公室", "2026年9月28日") == (2.0, pytest.approx(10 - 6.85))
    sig, date = signature_indents("麒麟区", "2026年10月16日")
    assert date == 2.0 and sig > 2
    assert [numeral(n) for n in (1, 10, 11, 20, 23)] == ["一", "十", "十一", "二十", "二十三"]
    assert split_heading("（二）提高运维保障水平。要切实履行") == ("（二）提高运维保障水平。", "要切实履行")
    assert split_heading("没有标题的段落。") == ("", "没有标题的段落。")


def test_download_views(org, sites):
    from django.test import Client

    from sanshen.accounts.testing import login

    inspection = _inspection(org, sites)
    response = login(Client(), org["supervisor"]).get(f"/inspection/{inspection.pk}/bulletin.docx")
    assert response.status_code == 200 and response.content.startswith(b"PK")
    assert "attachment" in response["Content-Disposition"]
    assert login(Client(), org["edu_admin"]).get(f"/inspection/{inspection.pk}/bulletin.docx").status_code == 404
