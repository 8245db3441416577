"""The review form (审核表) renderers: no database, plain data in, files read back."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from sanshen.review.formdoc import FormRenderError, OverrideNote, ReviewFormData, StepBlock, render_docx, render_html
from sanshen.review.formdoc import pdf as formpdf

LONG = "经审核，稿件内容属实，数据准确，符合公开要求。" * 40
HOSTILE = '<script>alert("x")</script> & </style><b>加粗</b>'

STEPS = [
    StepBlock("科室初审", "内容准确，同意报分管领导审核。", "张科长", date(2026, 11, 2), "通过"),
    StepBlock("保密审查(一)", "经审查不涉及国家秘密和工作秘密。", "刘保密", date(2026, 11, 3), "通过", secrecy=True),
    StepBlock("会审·财政局", HOSTILE, "陈会审", date(2026, 11, 4), "通过"),
    StepBlock("保密审查(二)", "", "赵委员", date(2026, 11, 5), "通过", secrecy=True),
    StepBlock("分管领导审核", LONG, "李副局长", date(2026, 11, 6), "通过", delegated_from="孙副局长"),
    StepBlock("主要领导审核", "同意发布。", "王局长", date(2026, 11, 7), "通过"),
]


def form() -> ReviewFormData:
    return ReviewFormData(
        unit_name="示范市财政局",
        title="示范市财政局政府网站信息发布审核表",
        info_name="关于2026年度财政预算执行情况的公告",
        source="转载：示范市人民政府网",
        category="政策文件",
        channels="门户网站·通知公告；政务微信公众号",
        summary="公布2026年度财政预算执行情况。\n第二段摘要。",
        drafter="周拟稿",
        drafted_on=date(2026, 11, 1),
        steps=STEPS,
        overrides=[OverrideNote("身份证号（否决）", "系示例号码，已核实不属个人信息", "张科长", date(2026, 11, 2))],
        machine_check="机器检查：0 项否决，2 项提示（第3版）",
        item_id="SS-2026-000123",
        generated_at=datetime(2026, 11, 8, 9, 30),
    )


def _docx_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    for section in doc.sections:
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts)


def test_docx_has_every_step_and_chinese_fonts():
    doc = Document(io.BytesIO(render_docx(form())))
    text = _docx_text(doc)
    for step in STEPS:
        assert step.reviewer in text
        assert step.date_text in text
        assert step.name in text
        if step.opinion:
            assert step.opinion in text
    for needle in (
        "关于2026年度财政预算执行情况的公告",
        "转载：示范市人民政府网",
        "政策文件",
        "第二段摘要",
        "（代孙副局长）",
        "系示例号码",
        "SS-2026-000123",
        "2026年11月8日 09:30",
        "示范市财政局政府网站",
    ):
        assert needle in text
    assert "<script>" in text  # stored as text, not interpreted

    sec = doc.sections[0]
    assert round(sec.page_width.mm) == 210 and round(sec.page_height.mm) == 297
    assert round(sec.top_margin.mm) == 37 and round(sec.left_margin.mm) == 28

    runs = [r for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    runs += [r for p in doc.paragraphs for r in p.runs]
    assert runs
    for run in runs:
        rfonts = run._element.rPr.find(qn("w:rFonts"))
        assert rfonts is not None and rfonts.get(qn("w:eastAsia")), run.text
    normal = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == "仿宋"
    title = next(p for p in doc.paragraphs if "审核表" in p.text)
    assert title.runs[0].font.size.pt == 22
    assert title.runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"
    # One bordered table: fields + one row per step.
    assert len(doc.tables) == 1
    assert doc.tables[0]._tbl.tblPr.find(qn("w:tblBorders")) is not None
    assert len(doc.tables[0].rows) == 8 + len(STEPS)
    assert [round(c.width.mm) for c in doc.tables[0].columns] == [36, 120]
    # Word refuses properties out of schema order.
    tblpr = [el.tag.split("}")[1] for el in doc.tables[0]._tbl.tblPr]
    order = ["tblStyle", "tblW", "jc", "tblBorders", "tblLayout", "tblCellMar", "tblLook"]
    assert [t for t in order if t in tblpr] == [t for t in tblpr if t in order]
    trpr = [el.tag.split("}")[1] for el in doc.tables[0].rows[-1]._tr.trPr]
    assert trpr.index("cantSplit") < trpr.index("trHeight")


def test_docx_survives_control_characters_and_empty_fields():
    data = ReviewFormData(
        unit_name="", title="审核表", info_name="标题\x00\x0b含控制字符", steps=[StepBlock("科室初审")]
    )
    doc = Document(io.BytesIO(render_docx(data)))
    text = _docx_text(doc)
    assert "标题含控制字符" in text
    assert "审核人：" in text and "年" in text  # blank step keeps its signature line for a pen


def test_html_escapes_user_input():
    html = render_html(form())
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "</style><b>" not in html
    assert html.count("</style>") == 1
    hostile_footer = ReviewFormData(unit_name="", title="t", info_name="n", item_id='x"</style><script>')
    html = render_html(hostile_footer)
    assert html.count("</style>") == 1 and "<script>" not in html


def _pdf_or_skip() -> None:
    try:
        formpdf.check_pdf_support()
    except FormRenderError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PDF 审核表无法在本机生成（CI=true 时必须可用）：{exc}")


def test_pdf_text_comes_back_in_chinese(tmp_path):
    _pdf_or_skip()
    pdf = formpdf.render_pdf(form())
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    squashed = "".join(text.split())
    for step in STEPS:
        assert step.reviewer in squashed
        assert step.date_text in squashed
        if step.opinion and step is not STEPS[4]:
            assert "".join(step.opinion.split()) in squashed
    assert LONG[:24] in squashed and squashed.count("符合公开要求") >= 40  # the long opinion is not cut
    for needle in (
        "信息名称",
        "关于2026年度财政预算执行情况的公告",
        "主要内容",
        "保密审查(一)意见",
        "会审·财政局",
        "SS-2026-000123",
        "<script>",
    ):
        assert needle in squashed
    assert "\ufffd" not in text and "□" not in text

    # Every CJK glyph comes from an embedded Noto CJK font, not a fallback without Chinese.
    fonts = set()
    for page in reader.pages:
        for f in page["/Resources"]["/Font"].values():
            fonts.add(str(f.get_object()["/BaseFont"]))
    assert any("CJK" in f for f in fonts), fonts

    out = Path(os.environ.get("SANSHEN_FORM_PNG_DIR", tmp_path))
    (out / "review_form.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(out / "review_form.pdf"),
                str(out / "review_form"),
            ],
            check=True,
            timeout=60,
        )
        pngs = list(out.glob("review_form*.png"))
        assert pngs and pngs[0].stat().st_size > 10_000
    elif os.environ.get("CI") == "true":
        pytest.fail("CI 需要 pdftoppm（Debian 软件包 poppler-utils）")


def test_pdf_refuses_without_cjk_fonts(monkeypatch):
    monkeypatch.setattr(formpdf, "cjk_fonts_available", lambda: False)
    with pytest.raises(FormRenderError, match="无法生成 PDF 审核表"):
        formpdf.render_pdf(form())


def _label_cells(doc) -> list[str]:
    return [row.cells[0].text for row in doc.tables[0].rows]


def test_labels_use_full_width_colons():
    data = ReviewFormData(
        unit_name="示范市财政局",
        title="审核表",
        info_name="标题",
        steps=[StepBlock("会审:财政局", "同意。", "陈会审", date(2026, 11, 4), "通过")],
    )
    doc = Document(io.BytesIO(render_docx(data)))
    labels = _label_cells(doc)
    assert labels and all(":" not in label for label in labels)
    assert any("会审：财政局" in label for label in labels)
    text = _docx_text(doc)
    assert "审核人：陈会审" in text and "日期：2026年11月4日" in text and "说明：" in text
    html = render_html(data)
    assert "会审：财政局" in html and "会审:财政局" not in html
    from sanshen.review.formdoc.layout import FieldRow, StepRow, rows

    for row in rows(form()):
        label = row.label
        assert ":" not in label, label
        assert isinstance(row, FieldRow | StepRow)


def test_channels_from_text_or_list():
    from sanshen.review.formdoc.layout import channels_text

    assert channels_text("门户网站；微信") == "门户网站；微信"
    assert channels_text(None) == ""
    channels = [
        {"kind": "site", "name": "示范市人民政府网站", "column": "通知公告"},
        {"kind": "newmedia", "name": "示范发布", "column": ""},
        "政务微博",
    ]
    assert channels_text(channels) == "示范市人民政府网站·通知公告；示范发布；政务微博"
    data = ReviewFormData(unit_name="", title="审核表", info_name="标题", channels=channels)
    text = _docx_text(Document(io.BytesIO(render_docx(data))))
    assert "拟发布渠道" in text and "示范市人民政府网站·通知公告；示范发布；政务微博" in text
    assert "示范市人民政府网站·通知公告" in render_html(data)


def test_skipped_step_block_reads_skipped_with_reason():
    steps = [
        StepBlock(
            "科室初审", date=date(2026, 11, 2), skipped=True, skip_reason="科室负责人岗位空缺", skipped_by="郑监管"
        ),
        StepBlock("分管领导终审", "同意发布。", "李副局长", date(2026, 11, 3), "通过"),
    ]
    data = ReviewFormData(unit_name="", title="审核表", info_name="标题", steps=steps)
    doc = Document(io.BytesIO(render_docx(data)))
    text = _docx_text(doc)
    assert "（已跳过：科室负责人岗位空缺）" in text
    assert "跳过人：郑监管" in text and "审核人：李副局长" in text
    row = next(r for r in doc.tables[0].rows if "科室初审" in r.cells[0].text)
    assert "（通过）" not in row.cells[0].text
    html = render_html(data)
    assert "（已跳过：科室负责人岗位空缺）" in html and "跳过人：郑监管" in html
    assert StepBlock("x", skipped=True).skip_text == "（已跳过：未说明理由）"
