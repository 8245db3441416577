"""Fonts and small python-docx helpers shared by the document renderers (审核表, 检查通报, 年度报表).

- .docx: Word takes Chinese glyphs from w:eastAsia, which python-docx's `font.name` does not set;
  `set_run_font` / `style_fonts` set it explicitly (宋体/仿宋/黑体/楷体 ship with Chinese Windows).
- .pdf: WeasyPrint with Debian's fonts-noto-cjk; `cjk_fonts_available` says whether they are there
  (without them the PDF would show boxes).
- images: `cjk_font_file` finds a Noto CJK font file for Pillow.
"""

from __future__ import annotations

import functools
import glob
import re
import shutil
import subprocess

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

LATIN_FONT = "Times New Roman"
CJK_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")
FONT_GLOBS = ("/usr/share/fonts/**/NotoSerifCJK*", "/usr/share/fonts/**/NotoSansCJK*")
# The CSS font stacks of the PDFs: the office font first where a machine has it, Noto CJK after.
CSS_SERIF = '"Noto Serif CJK SC", "Noto Sans CJK SC", serif'
CSS_SANS = '"Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif'

# XML 1.0 forbids most C0 controls; user input may carry them (pasted text), and python-docx would refuse.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean(text: object) -> str:
    return _CONTROL.sub("", "" if text is None else str(text)).replace("\r\n", "\n").replace("\r", "\n")


def set_run_font(run, east_asia: str, size=None, bold: bool | None = None, latin: str = LATIN_FONT) -> None:
    # font.name only sets ascii/hAnsi; Word picks Chinese glyphs from w:eastAsia, so set it explicitly.
    run.font.name = latin
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.font.bold = bold


def style_fonts(doc, body_font: str, size, line_spacing=1.25) -> None:
    """The Normal style: Latin + East Asian font, size, no paragraph spacing."""
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = size
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), body_font)
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing = line_spacing


def insert_before(parent, child, successors: tuple[str, ...]) -> None:
    # Word rejects properties out of schema order, so place each one before its first present successor.
    for name in successors:
        found = parent.find(qn(f"w:{name}"))
        if found is not None:
            found.addprevious(child)
            return
    parent.append(child)


def table_borders(table, size_eighths: int = 8, cell_margins=(57, 113, 57, 113)) -> None:
    """Single black rules on every edge (size in eighths of a point) and inner cell margins (twips:
    top, left, bottom, right) so text does not touch the rules."""
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size_eighths))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    insert_before(tblpr, borders, ("shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription"))
    margins = OxmlElement("w:tblCellMar")
    for edge, width in zip(("top", "left", "bottom", "right"), cell_margins, strict=True):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(width))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    insert_before(tblpr, margins, ("tblLook", "tblCaption", "tblDescription"))


def repeat_header(row) -> None:
    """A table's header row repeats at the top of each page."""
    trpr = row._tr.get_or_add_trPr()
    insert_before(trpr, OxmlElement("w:tblHeader"), ("tblCellSpacing", "jc", "hidden"))


def cant_split(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    insert_before(trpr, OxmlElement("w:cantSplit"), ("trHeight", "tblHeader", "tblCellSpacing", "jc", "hidden"))


def add_field(paragraph, instruction: str, placeholder: str = "1") -> None:
    """A Word field (e.g. "PAGE") in `paragraph`: begin, instruction, separate, cached text, end."""

    def fld(kind: str):
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
        return run

    fld("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    fld("separate")
    paragraph.add_run(placeholder)
    fld("end")


@functools.cache
def cjk_fonts_available() -> bool:
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(
                ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=20, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        if any(f in out for f in CJK_FAMILIES):
            return True
    return any(glob.glob(pattern, recursive=True) for pattern in FONT_GLOBS)


@functools.cache
def cjk_font_file(family: str = "Noto Sans CJK SC") -> str | None:
    """A font file with Chinese glyphs for Pillow (fc-match, else a glob under /usr/share/fonts)."""
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(
                ["fc-match", "-f", "%{file}", f"{family}:lang=zh"],
                capture_output=True,
                text=True,
                timeout=20,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and "CJK" in out:
            return out
    stem = family.replace(" ", "").replace("CJKSC", "CJK")  # "NotoSansCJK"
    for pattern in (f"/usr/share/fonts/**/{stem}-Regular.*", f"/usr/share/fonts/**/{stem}*", *FONT_GLOBS):
        found = sorted(glob.glob(pattern, recursive=True))
        if found:
            return found[0]
    return None
