"""The review form as PDF: HTML + CSS rendered by WeasyPrint with Debian's Noto CJK fonts."""

from __future__ import annotations

from html import escape

from sanshen.web.docfonts import cjk_fonts_available

from .data import ReviewFormData
from .layout import FieldRow, StepRow, clean, footer_text, paragraphs, rows


class FormRenderError(RuntimeError):
    """The PDF cannot be made properly on this machine; the message is one Chinese line for the user."""


def _weasyprint():
    try:
        import weasyprint  # heavy and needs pango: loaded only when a PDF is asked for
    except (ImportError, OSError) as exc:
        raise FormRenderError(
            "无法生成 PDF 审核表：WeasyPrint 不可用（需 pip 安装 weasyprint 及 Debian 软件包 "
            "libpango-1.0-0 libpangoft2-1.0-0）"
        ) from exc
    return weasyprint


def check_pdf_support() -> None:
    """Raise FormRenderError unless WeasyPrint and a CJK font are both there (so no boxes are produced)."""
    _weasyprint()
    if not cjk_fonts_available():
        raise FormRenderError("无法生成 PDF 审核表：缺少中文字体（请安装 Debian 软件包 fonts-noto-cjk）")


CSS = """
@page {
  size: A4;
  margin: 37mm 26mm 35mm 28mm;
  @bottom-center { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 10.5pt; }
}
html { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 14pt; line-height: 1.5; }
body { margin: 0; }
.unit { text-align: center; margin: 0 0 2mm; }
h1 { font-size: 22pt; font-weight: bold; text-align: center; margin: 0 0 6mm; line-height: 1.35; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
td { border: 1pt solid #000; padding: 2mm 2.5mm; vertical-align: middle; overflow-wrap: anywhere; }
td.label { width: 36mm; text-align: center; font-weight: bold; }
td.value p, td.opinion p { margin: 0; }
tr.field td { height: 10mm; }
tr.tall td { height: 38mm; vertical-align: top; }
tr.tall td.label { vertical-align: middle; }
tr.step { break-inside: avoid; }
tr.step.long { break-inside: auto; }  /* an opinion longer than a page must be allowed to break */
.sign span { white-space: nowrap; }
tr.step td.opinion { height: 33mm; vertical-align: top; }
.opinion .text { min-height: 18mm; }
.sign { text-align: right; margin-top: 3mm; }
.decision { font-weight: normal; }
.note { font-size: 12pt; margin-top: 3mm; }
"""


def _text(value: str) -> str:
    # Every value is escaped: opinions and titles are user input.
    return "".join(f"<p>{escape(line) or '&#160;'}</p>" for line in paragraphs(value)) or "<p>&#160;</p>"


def css_string(value: str) -> str:
    # The footer sits in a CSS string inside <style>: escape for CSS, and never let "</style>" through.
    out = []
    for ch in clean(value).replace("\n", " "):
        out.append(f"\\{ord(ch):x} " if ch in '\\"<>&' else ch)
    return '"' + "".join(out) + '"'


def render_html(data: ReviewFormData) -> str:
    body = []
    for row in rows(data):
        if isinstance(row, FieldRow):
            cls = "field tall" if row.tall else "field"
            label = "<br>".join(escape(x) for x in row.label.split("\n"))
            value = _text(row.value)
            body.append(f'<tr class="{cls}"><td class="label">{label}</td><td class="value">{value}</td></tr>')
        elif isinstance(row, StepRow):
            decision = f'<br><span class="decision">（{escape(row.decision)}）</span>' if row.decision else ""
            reviewer = escape(row.reviewer) if row.reviewer else "&#12288;" * 4
            date = escape(row.date) if row.date else "&#12288;&#12288;年&#12288;&#12288;月&#12288;&#12288;日"
            label = "<br>".join(escape(x) for x in row.label.split("\n"))
            cls = "step long" if len(row.opinion) > 400 else "step"
            body.append(
                f'<tr class="{cls}">'
                f'<td class="label">{label}{decision}</td>'
                f'<td class="opinion"><div class="text">{_text(row.opinion)}</div>'
                f'<div class="sign"><span>{row.signer_label}：{reviewer}</span>&#12288;&#12288;'
                f"<span>日期：{date}</span></div></td></tr>"
            )
    footer = footer_text(data)
    prefix = css_string(footer + "　　") if footer else ""
    footer_css = (
        f'@page {{ @bottom-center {{ content: {prefix} "第 " counter(page) " 页，共 " counter(pages) " 页"; }} }}'
    )
    unit = f'<p class="unit">{escape(clean(data.unit_name))}</p>' if data.unit_name else ""
    note = f'<p class="note">说明：{escape(clean(data.note))}</p>' if data.note else ""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(clean(data.title))}</title>"
        f"<style>{CSS}{footer_css}</style></head><body>"
        f"{unit}<h1>{escape(clean(data.title))}</h1>"
        f"<table>{''.join(body)}</table>{note}</body></html>"
    )


def render_pdf(data: ReviewFormData) -> bytes:
    check_pdf_support()
    weasyprint = _weasyprint()
    return weasyprint.HTML(string=render_html(data)).write_pdf()
