"""The review form as .docx (python-docx), laid out in the spirit of GB/T 9704."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from sanshen.web.docfonts import cant_split, set_run_font, style_fonts, table_borders

from .data import ReviewFormData
from .layout import FieldRow, StepRow, clean, footer_text, paragraphs, rows

# 宋体/仿宋 ship with every Chinese Windows; offices that have 方正小标宋简体 / 仿宋_GB2312 can pass them.
TITLE_FONT = "宋体"
BODY_FONT = "仿宋"

SIZE_ERHAO = Pt(22)  # 二号: title
SIZE_SIHAO = Pt(14)  # 四号: the form's text
SIZE_XIAOSI = Pt(12)  # 小四: footer and note

LABEL_WIDTH = Mm(36)
VALUE_WIDTH = Mm(120)


def _write(cell_or_par, text: str, font: str, size, bold=False, align=None, first=True):
    """Write text (newlines = paragraphs) into a cell, reusing its empty first paragraph."""
    pars = []
    for i, line in enumerate(paragraphs(text) or [""]):
        if i == 0 and first and cell_or_par.paragraphs and not cell_or_par.paragraphs[0].text:
            p = cell_or_par.paragraphs[0]
        else:
            p = cell_or_par.add_paragraph()
        if align is not None:
            p.alignment = align
        set_run_font(p.add_run(line), font, size, bold)
        pars.append(p)
    return pars


def render_docx(data: ReviewFormData, *, title_font: str = TITLE_FONT, body_font: str = BODY_FONT) -> bytes:
    doc = Document()
    style_fonts(doc, body_font, SIZE_SIHAO)

    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    sec.footer_distance = Mm(20)

    if data.unit_name:
        _write(doc, clean(data.unit_name), body_font, SIZE_SIHAO, align=WD_ALIGN_PARAGRAPH.CENTER)
    for p in _write(doc, clean(data.title), title_font, SIZE_ERHAO, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER):
        p.paragraph_format.space_after = Pt(12)

    table = doc.add_table(rows=0, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Word reads the cell widths, LibreOffice the grid: set both.
    table.columns[0].width, table.columns[1].width = LABEL_WIDTH, VALUE_WIDTH
    table_borders(table)

    for row in rows(data):
        tr = table.add_row()
        label, value = tr.cells
        label.width, value.width = LABEL_WIDTH, VALUE_WIDTH
        label.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        if isinstance(row, FieldRow):
            _write(label, row.label, body_font, SIZE_SIHAO, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
            _write(value, row.value, body_font, SIZE_SIHAO)
            if row.tall:
                tr.height, tr.height_rule = Mm(40), WD_ROW_HEIGHT_RULE.AT_LEAST
            else:
                tr.height, tr.height_rule = Mm(12), WD_ROW_HEIGHT_RULE.AT_LEAST
                value.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        elif isinstance(row, StepRow):
            _write(label, row.label, body_font, SIZE_SIHAO, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
            if row.decision:
                _write(
                    label, f"（{row.decision}）", body_font, SIZE_SIHAO, align=WD_ALIGN_PARAGRAPH.CENTER, first=False
                )
            _write(value, row.opinion, body_font, SIZE_SIHAO)
            # Room for a handwritten note or seal, as on the paper form.
            _write(value, "", body_font, SIZE_SIHAO, first=False)
            sign = f"{row.signer_label}：{row.reviewer or '　' * 4}　　日期：{row.date or '　　年　　月　　日'}"
            _write(value, sign, body_font, SIZE_SIHAO, align=WD_ALIGN_PARAGRAPH.RIGHT, first=False)
            tr.height, tr.height_rule = Mm(35), WD_ROW_HEIGHT_RULE.AT_LEAST
            value.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
            if len(row.opinion) <= 400:  # a longer opinion must be allowed to run onto the next page
                cant_split(tr)

    if data.note:
        p = _write(doc, f"说明：{clean(data.note)}", body_font, SIZE_XIAOSI, first=False)[0]
        p.paragraph_format.space_before = Pt(6)

    footer = footer_text(data)
    if footer:
        _write(sec.footer, footer, body_font, SIZE_XIAOSI, align=WD_ALIGN_PARAGRAPH.CENTER)

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
