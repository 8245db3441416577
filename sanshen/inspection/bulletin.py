"""The quarterly bulletin (检查通报) as .docx and .pdf, from the plain dict of `bulletin_data`.

Laid out as a plain (red-free) 公文 in the spirit of GB/T 9704 and in the form of a real city
bulletin (seed 001): A4, margins 37/35/28/26 mm; title 2号 小标宋 (方正小标宋简体; the PDF falls back
to Noto Serif CJK SC bold); body 3号 仿宋 (PDF: Noto Serif CJK SC); first-level headings 一、 in
黑体, second-level （一） in 楷体; 发文字号 under the title, 主送, the text, tables of counts by kind
and scores by site, bar charts of problems by unit and by type, 下一步工作要求, the rectification
deadline, 落款 and date (署名右空二字, date two characters further right), page numbers "— 1 —"
centred at the bottom. An open inspection's bulletin is marked （预览稿） on every page.

The renderers never touch the database: `render_docx(data) -> bytes`, `render_pdf(data) -> bytes`.
"""

from __future__ import annotations

import io
import re
from html import escape

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from sanshen.web.docfonts import (
    add_field,
    cjk_fonts_available,
    clean,
    repeat_header,
    set_run_font,
    style_fonts,
    table_borders,
)

from . import charts

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEI_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
PAGE_FONT = "宋体"
# Word shows these when the office fonts are missing (w:altName in the font table).
ALT_FONTS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", KAI_FONT: "楷体"}

SIZE_TITLE = Pt(22)  # 二号
SIZE_BODY = Pt(16)  # 三号
SIZE_PAGE = Pt(14)  # 四号
SIZE_TABLE = Pt(12)  # 小四: captions
SIZE_CELL = Pt(10.5)  # 五号: table cells
LINE = Pt(29)  # 22 lines on the 225 mm text area
TITLE_LINE = Pt(35)
TEXT_WIDTH = Mm(156)
PREVIEW = "（预览稿）"
NUMERALS = "一二三四五六七八九十"

CSS_TITLE = '"方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC", serif'
CSS_BODY = '"仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC", serif'
CSS_HEI = '"黑体", "SimHei", "Noto Sans CJK SC", sans-serif'
CSS_KAI = '"楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "Noto Serif CJK SC", serif'


class BulletinRenderError(RuntimeError):
    """The PDF cannot be made properly on this machine; the message is one Chinese line for the user."""


def numeral(n: int) -> str:
    """1 → 一, 12 → 十二 (up to 99)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def _ems(text: str) -> float:
    return charts.text_ems(text)


def signature_indents(signature: str, date_text: str) -> tuple[float, float]:
    """Right indents in characters of 署名 and 成文日期 (GB/T 9704-2012 7.3.5.2, no seal): the
    signature right-indented two characters, the date starting two characters right of it; a date
    longer than the signature is right-indented two and the signature moves left accordingly."""
    sig, date = _ems(signature), _ems(date_text)
    if sig - date >= 2:
        return 2.0, sig - date
    return 4 + date - sig, 2.0


# What the text says ------------------------------------------------------------------------


def _score_text(score) -> str:
    if score is None:
        return "—"
    return f"{score:g}" if isinstance(score, int | float) else str(score)


def _example_text(example: dict) -> str:
    who = clean(example.get("unit"))
    site = clean(example.get("site"))
    if site and site != who:
        who = f"{who}（{site}）"
    wrong, right = clean(example.get("wrong")), clean(example.get("right"))
    if wrong and right:
        what = f"“{wrong}”应为“{right}”"
    elif wrong:
        what = f"“{wrong}”"
    else:
        what = clean(example.get("detail"))
    parts = [f"{who}：{what}" if who else what]
    detail = clean(example.get("detail"))
    if (wrong or right) and detail and detail not in what:
        parts.append(detail)
    excerpt = clean(example.get("excerpt"))
    if excerpt and excerpt not in what:
        parts.append(f"原文：{excerpt}")
    if example.get("url"):
        parts.append(f"页面：{clean(example['url'])}")
    text = "。".join(p.rstrip("。") for p in parts if p)
    return text if example.get("url") else text + "。"  # no full stop glued to a URL


def _kind_rows(data: dict) -> list[list[str]]:
    rows = [[k["label"], str(k["count"]), str(k["passed"]), str(k["failed"]), str(k["not_scored"])]
            for k in data["overview"]["by_kind"]]
    o = data["overview"]
    rows.append(["合计", str(o["total"]), str(o["passed"]), str(o["failed"]), str(o["not_scored"])])
    return rows


KIND_COLUMNS = ["平台类型", "受检数量", "合格", "不合格", "未评分"]


def _score_rows(data: dict) -> list[list[str]]:
    rows = []
    for r in data["score_table"]["rows"]:
        veto = "、".join(clean(v) for v in r["vetoes"]) or "—"
        result = r["result"]
        if r.get("close_suggested"):
            result += "（建议关停整合）"
        rows.append([clean(r["unit"]), clean(r["site"]), clean(r["site_kind"]), _score_text(r["score"]), result, veto])
    return rows


_HEAD = re.compile(r"^(（[一二三四五六七八九十]+）[^。！？]{0,40}[。！？])(.*)$", re.S)


def split_heading(paragraph: str) -> tuple[str, str]:
    """"（一）强化内容安全建设。要……" → ("（一）强化内容安全建设。", "要……"); else ("", paragraph)."""
    m = _HEAD.match(paragraph)
    return (m.group(1), m.group(2)) if m else ("", paragraph)


def _sections(data: dict) -> list[dict]:
    """The problem paragraphs of 二、: heading, summary, examples."""
    out = []
    for i, s in enumerate(data["problem_sections"], 1):
        out.append({
            "heading": f"（{numeral(i)}）{clean(s['label'])}问题。",
            "summary": clean(s["summary"]),
            "examples": [_example_text(e) for e in s["examples"]],
            "more": max(0, int(s["count"]) - len(s["examples"])),
        })  # fmt: skip
    return out


def _has_charts(data: dict) -> bool:
    return bool(data["charts"]["by_unit"] or data["charts"]["by_type"])


def _refs(data: dict) -> str:
    figures = "，问题分布见图1、图2" if _has_charts(data) else ""
    return f"各网站检查得分情况见表2{figures}。"


# .docx -------------------------------------------------------------------------------------


def _alt_fonts(doc) -> None:
    """Declare the office fonts in the font table with a Windows font Word may show instead."""
    from lxml import etree

    part = next((r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable")), None)
    if part is None:
        return
    root = etree.fromstring(part.blob)
    for name, alt in ALT_FONTS.items():
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        el = etree.SubElement(font, qn("w:altName"))
        el.set(qn("w:val"), alt)
        el = etree.SubElement(font, qn("w:charset"))
        el.set(qn("w:val"), "86")  # GB2312
        el = etree.SubElement(font, qn("w:family"))
        el.set(qn("w:val"), "roman" if name != HEI_FONT else "modern")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _par(container, *, align=None, indent=True, line=LINE, before=0, after=0, right_chars: float = 0):
    p = container.add_paragraph()
    pf = p.paragraph_format
    if align is not None:
        p.alignment = align
    if indent:
        pf.first_line_indent = Pt(32)  # two characters of 3号
    if line is not None:
        pf.line_spacing = line
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if right_chars:
        pf.right_indent = Pt(16 * right_chars)
    return p


def _run(p, text: str, font: str = BODY_FONT, size=SIZE_BODY, bold: bool | None = None):
    run = p.add_run(clean(text))
    set_run_font(run, font, size, bold)
    return run


def _docx_table(doc, columns: list[str], rows: list[list[str]], widths_mm: list[float]) -> None:
    table = doc.add_table(rows=1, cols=len(columns))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    table_borders(table, size_eighths=6, cell_margins=(40, 80, 40, 80))
    widths = [Mm(w) for w in widths_mm]
    for col, width in zip(table.columns, widths, strict=True):
        col.width = width
    header = table.rows[0]
    repeat_header(header)
    for cell, text, width in zip(header.cells, columns, widths, strict=True):
        cell.width = width
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, text, HEI_FONT, SIZE_CELL)
    for values in rows:
        cells = table.add_row().cells
        for i, (cell, text, width) in enumerate(zip(cells, values, widths, strict=True)):
            cell.width = width
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if i < 2 and len(columns) > 5 else WD_ALIGN_PARAGRAPH.CENTER
            _run(p, text, BODY_FONT, SIZE_CELL)


def _caption(doc, text: str) -> None:
    p = _par(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=6, after=3)
    _run(p, text, HEI_FONT, SIZE_TABLE)


def render_docx(data: dict) -> bytes:
    doc = Document()
    style_fonts(doc, BODY_FONT, SIZE_BODY, line_spacing=1.0)
    _alt_fonts(doc)
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    sec.header_distance, sec.footer_distance = Mm(20), Mm(22)

    preview = not data["closed"]
    if preview:
        hp = sec.header.paragraphs[0]
        hp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _run(hp, PREVIEW, HEI_FONT, SIZE_PAGE)
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(fp, "— ", PAGE_FONT, SIZE_PAGE)
    add_field(fp, "PAGE")
    for run in fp.runs[1:]:
        set_run_font(run, PAGE_FONT, SIZE_PAGE)
    _run(fp, " —", PAGE_FONT, SIZE_PAGE)

    if preview:
        p = _par(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        _run(p, PREVIEW, HEI_FONT)
    p = _par(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=TITLE_LINE)
    _run(p, data["title"], TITLE_FONT, SIZE_TITLE)
    p = _par(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=14, after=14)
    _run(p, data["doc_number"])
    _run(_par(doc, indent=False), data["recipients"])
    _run(_par(doc), data["intro"])

    # 一、总体情况
    _run(_par(doc), "一、总体情况", HEI_FONT)
    _run(_par(doc), data["overview"]["text"])
    _caption(doc, "表1  受检平台情况")
    _docx_table(doc, KIND_COLUMNS, _kind_rows(data), [44, 28, 28, 28, 28])

    # 二、检查发现的主要问题
    _run(_par(doc, before=8), "二、检查发现的主要问题", HEI_FONT)
    sections = _sections(data)
    if not sections:
        _run(_par(doc), "本季度检查未发现需要通报的问题。")
    for s in sections:
        p = _par(doc)
        _run(p, s["heading"], KAI_FONT)
        _run(p, s["summary"] + ("典型问题如下：" if s["examples"] else ""))
        for n, example in enumerate(s["examples"], 1):
            p = _par(doc, align=WD_ALIGN_PARAGRAPH.LEFT)
            _run(p, f"{n}. {example}")
        if s["more"]:
            _run(_par(doc), f"另有{s['more']}处同类问题，详见整改任务清单。")
    _run(_par(doc), _refs(data))
    _caption(doc, "表2  各网站检查得分情况")
    _docx_table(doc, data["score_table"]["columns"], _score_rows(data), [34, 42, 24, 13, 16, 27])
    figures = (("图1  各单位问题数量", data["charts"]["by_unit"]), ("图2  各类问题数量", data["charts"]["by_type"]))
    if _has_charts(data):
        for caption, items in figures:
            p = _par(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=None, before=6)
            p.add_run().add_picture(io.BytesIO(charts.bar_png(items)), width=Mm(150))
            _caption(doc, caption)

    # 三、下一步工作要求
    _run(_par(doc, before=8), "三、下一步工作要求", HEI_FONT)
    for paragraph in data["next_steps_paragraphs"]:
        head, rest = split_heading(clean(paragraph))
        p = _par(doc)
        if head:
            _run(p, head, KAI_FONT)
        _run(p, rest)
    _run(_par(doc), data["rectification"]["text"])

    # 落款
    sig_indent, date_indent = signature_indents(clean(data["signature"]), clean(data["date_text"]))
    _par(doc)
    _par(doc)
    _run(_par(doc, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, right_chars=sig_indent), data["signature"])
    _run(_par(doc, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, right_chars=date_indent), data["date_text"])

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# .pdf --------------------------------------------------------------------------------------

CSS = f"""
@page {{
  size: A4;
  margin: 37mm 26mm 35mm 28mm;
  @bottom-center {{ content: "— " counter(page) " —"; font-family: {CSS_BODY}; font-size: 14pt;
                    vertical-align: top; padding-top: 7mm; }}
}}
html {{ font-family: {CSS_BODY}; font-size: 16pt; line-height: 29pt; color: #000; }}
body {{ margin: 0; }}
p {{ margin: 0; text-indent: 2em; text-align: justify; overflow-wrap: anywhere; }}
p.flush {{ text-indent: 0; }}
h1 {{ font-family: {CSS_TITLE}; font-weight: bold; font-size: 22pt; line-height: 35pt; text-align: center;
      margin: 0; }}
.docno {{ text-align: center; text-indent: 0; margin: 14pt 0; }}
.preview {{ text-align: center; text-indent: 0; font-family: {CSS_HEI}; }}
h2 {{ font-family: {CSS_HEI}; font-weight: normal; font-size: 16pt; margin: 0; text-indent: 2em; }}
.h2gap {{ margin-top: 8pt; }}
.kai {{ font-family: {CSS_KAI}; }}
.caption {{ font-family: {CSS_HEI}; font-size: 12pt; line-height: 18pt; text-align: center; text-indent: 0;
            margin: 6pt 0 3pt; break-after: avoid; }}
table {{ border-collapse: collapse; margin: 0 auto 6pt; font-size: 10.5pt; line-height: 14pt; width: 100%;
         table-layout: fixed; }}
table.keep {{ break-inside: avoid; }}
p.example {{ text-align: left; }}
th, td {{ border: 0.75pt solid #000; padding: 1.5pt 3pt; text-align: center; vertical-align: middle;
          overflow-wrap: anywhere; }}
th {{ font-family: {CSS_HEI}; font-weight: normal; }}
td.left {{ text-align: left; }}
tr {{ break-inside: avoid; }}
.figure {{ text-align: center; text-indent: 0; margin-top: 6pt; line-height: normal; break-inside: avoid; }}
.figure svg {{ width: 150mm; height: auto; }}
.sign {{ text-align: right; text-indent: 0; }}
.gap {{ height: 58pt; }}
"""


def _ptext(text: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{escape(clean(text))}</p>"


LEFT = ' class="left"'


def _html_table(columns: list[str], rows: list[list[str]], widths: list[int], left: int = 0) -> str:
    keep = ' class="keep"' if len(rows) <= 15 else ""  # a short table stays on one page
    cols = "".join(f'<col style="width:{w}%">' for w in widths)
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = []
    for values in rows:
        cells = "".join(f"<td{LEFT if i < left else ''}>{escape(v)}</td>" for i, v in enumerate(values))
        body.append(f"<tr>{cells}</tr>")
    rows_html = "".join(body)
    return f"<table{keep}><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{rows_html}</tbody></table>"


def render_html(data: dict) -> str:
    out = []
    preview = not data["closed"]
    if preview:
        out.append(f'<p class="preview">{PREVIEW}</p>')
    out.append(f"<h1>{escape(clean(data['title']))}</h1>")
    out.append(_ptext(data["doc_number"], "docno"))
    out.append(_ptext(data["recipients"], "flush"))
    out.append(_ptext(data["intro"]))
    out.append("<h2>一、总体情况</h2>")
    out.append(_ptext(data["overview"]["text"]))
    out.append('<p class="caption">表1&#12288;受检平台情况</p>')
    out.append(_html_table(KIND_COLUMNS, _kind_rows(data), [28, 18, 18, 18, 18]))
    out.append('<h2 class="h2gap">二、检查发现的主要问题</h2>')
    sections = _sections(data)
    if not sections:
        out.append(_ptext("本季度检查未发现需要通报的问题。"))
    for s in sections:
        lead = s["summary"] + ("典型问题如下：" if s["examples"] else "")
        out.append(f'<p><span class="kai">{escape(s["heading"])}</span>{escape(lead)}</p>')
        out.extend(_ptext(f"{n}. {example}", "example") for n, example in enumerate(s["examples"], 1))
        if s["more"]:
            out.append(_ptext(f"另有{s['more']}处同类问题，详见整改任务清单。"))
    out.append(_ptext(_refs(data)))
    out.append('<p class="caption">表2&#12288;各网站检查得分情况</p>')
    out.append(_html_table(data["score_table"]["columns"], _score_rows(data), [22, 25, 17, 8, 10, 18], left=2))
    if _has_charts(data):
        for caption, items in (("图1&#12288;各单位问题数量", data["charts"]["by_unit"]),
                               ("图2&#12288;各类问题数量", data["charts"]["by_type"])):
            out.append(f'<div class="figure">{charts.bar_svg(items, width=520)}</div><p class="caption">{caption}</p>')
    out.append('<h2 class="h2gap">三、下一步工作要求</h2>')
    for paragraph in data["next_steps_paragraphs"]:
        head, rest = split_heading(clean(paragraph))
        kai = f'<span class="kai">{escape(head)}</span>' if head else ""
        out.append(f"<p>{kai}{escape(rest)}</p>")
    out.append(_ptext(data["rectification"]["text"]))
    sig_indent, date_indent = signature_indents(clean(data["signature"]), clean(data["date_text"]))
    out.append('<div class="gap"></div>')
    out.append(f'<p class="sign" style="padding-right:{sig_indent:.2f}em">{escape(clean(data["signature"]))}</p>')
    out.append(f'<p class="sign" style="padding-right:{date_indent:.2f}em">{escape(clean(data["date_text"]))}</p>')
    page_css = ""
    if preview:
        page_css = (f'@page {{ @top-right {{ content: "{PREVIEW}"; font-family: {CSS_HEI}; font-size: 14pt; '
                    "vertical-align: bottom; padding-bottom: 6mm; } }")
    return ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{escape(clean(data['title']))}</title><style>{CSS}{page_css}</style></head>"
            f"<body>{''.join(out)}</body></html>")


def check_pdf_support() -> None:
    """Raise BulletinRenderError unless WeasyPrint and a CJK font are both there (no boxes)."""
    try:
        import weasyprint  # noqa: F401  heavy and needs pango: loaded only when a PDF is asked for
    except (ImportError, OSError) as exc:
        raise BulletinRenderError(
            "无法生成 PDF 通报：WeasyPrint 不可用（需 pip 安装 weasyprint 及 Debian 软件包 "
            "libpango-1.0-0 libpangoft2-1.0-0）") from exc
    if not cjk_fonts_available():
        raise BulletinRenderError("无法生成 PDF 通报：缺少中文字体（请安装 Debian 软件包 fonts-noto-cjk）")


def render_pdf(data: dict) -> bytes:
    check_pdf_support()
    import weasyprint

    return weasyprint.HTML(string=render_html(data)).write_pdf()
