"""Word .docx files: headers, body paragraphs and tables in document order, notes, footers.

python-docx opens and validates the package; the text is read from its XML directly so that
content controls, tracked insertions, hyperlinks and text boxes are not lost (python-docx's
``Paragraph.text`` skips them) and deleted revisions are left out.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from ..document import Extracted
from ._base import ExtractError, TextBuilder, normalize_newlines

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

W_P, W_TBL, W_TR, W_TC, W_T = W + "p", W + "tbl", W + "tr", W + "tc", W + "t"
W_TXBX = W + "txbxContent"
# Wrappers whose children are ordinary content.
TRANSPARENT = frozenset({W + "sdtContent", W + "customXml", W + "ins", W + "moveTo", W + "smartTag", MC + "Choice"})
# Subtrees that never show as text: deleted revisions, fallback copies of drawings, properties.
SKIPPED = frozenset({
    W + "del", W + "moveFrom", MC + "Fallback", W + "rPr", W + "pPr", W + "tblPr", W + "trPr", W + "tcPr",
    W + "sdtPr", W + "instrText", W + "delText", W + "tblGrid", W + "sectPr",
})
CHARS = {W + "tab": "\t", W + "ptab": "\t", W + "br": "\n", W + "cr": "\n", W + "noBreakHyphen": "-"}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNZIPPED = 512 * 1024 * 1024
CELL_SEPARATOR = " | "

_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _children(element):
    """Child elements, looking through content controls and other transparent wrappers."""
    stack = [iter(element)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        if not isinstance(tag, str) or tag in SKIPPED:
            continue
        if tag in TRANSPARENT:
            stack.append(iter(child))
        elif tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                stack.append(iter(content))
        elif tag == MC + "AlternateContent":
            choice = child.find(MC + "Choice")
            if choice is not None:
                stack.append(iter(choice))
        else:
            yield child


def _inline_text(element, flat: bool = False) -> tuple[str, list]:
    """Text of a paragraph (or, with ``flat``, of any element, paragraphs joined by a space).

    Returns the text and the text boxes met on the way (read separately unless ``flat``).
    """
    out: list[str] = []
    boxes: list = []
    stack = [iter(element)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        if not isinstance(tag, str) or tag in SKIPPED:
            continue
        if tag == W_T:
            out.append(child.text or "")
        elif tag in CHARS:
            out.append(" " if flat and CHARS[tag] == "\n" else CHARS[tag])
        elif tag == W_TXBX and not flat:
            boxes.append(child)
        else:
            if flat and tag in (W_P, W_TC) and out and not out[-1].endswith(" "):
                out.append(" ")
            stack.append(iter(child))
    return normalize_newlines("".join(out)), boxes


class _Reader:
    def __init__(self) -> None:
        self.out = TextBuilder()

    def blocks(self, container, kind: str, prefix: str) -> None:
        """Paragraphs and tables of a body, header, footer, note or text box, in order."""
        paragraphs = tables = 0
        for child in _children(container):
            if child.tag == W_P:
                paragraphs += 1
                text, boxes = _inline_text(child)
                text = text.strip()
                if text:
                    attrs = {"locator": f"{prefix}paragraph {paragraphs}"}
                    style = child.find(f"{W}pPr/{W}pStyle")
                    if style is not None and style.get(W + "val"):
                        attrs["style"] = style.get(W + "val")
                    self.out.line(text, kind, attrs)
                for n, box in enumerate(boxes, 1):
                    self.blocks(box, kind, f"{prefix}paragraph {paragraphs} textbox {n} ")
            elif child.tag == W_TBL:
                tables += 1
                self.table(child, "table" if kind == "body" else kind, f"{prefix}table {tables}")

    def table(self, tbl, kind: str, locator: str) -> None:
        rows = 0
        for row in _children(tbl):
            if row.tag != W_TR:
                continue
            rows += 1
            cells = [_inline_text(cell, flat=True)[0].strip() for cell in _children(row) if cell.tag == W_TC]
            while cells and not cells[-1]:
                cells.pop()
            if not cells:
                continue
            self.out.new_line()
            for n, cell in enumerate(cells, 1):
                if n > 1:
                    self.out.glue(CELL_SEPARATOR)
                self.out.span(cell, kind, {"locator": f"{locator} row {rows}", "cell": n})


def _open_error(data: bytes) -> ExtractError | None:
    if data.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            return ExtractError("文件已加密：这是受密码保护的 Word 文档，请去掉密码后再检查")
        return None  # an old .doc under a .docx name: read through LibreOffice
    if not data.startswith(b"PK"):
        return ExtractError("不是有效的 .docx 文件：文件不是 zip 格式")
    return None


def _check_package(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
    except zipfile.BadZipFile as exc:
        raise ExtractError("文件已损坏：不是有效的 .docx（zip 结构不完整）") from exc
    names = {info.filename for info in infos}
    if "word/document.xml" not in names:
        if "xl/workbook.xml" in names:
            raise ExtractError("这是 Excel 表格（.xlsx），不是 Word 文档")
        if "ppt/presentation.xml" in names:
            raise ExtractError("这是 PowerPoint 演示文稿（.pptx），不是 Word 文档")
        if "content.xml" in names and "mimetype" in names:
            raise ExtractError("这是 OpenDocument 文件（如 .odt），不是 .docx")
        raise ExtractError("不是 Word 文档：zip 中没有 word/document.xml")
    if sum(info.file_size for info in infos) > MAX_UNZIPPED:
        raise ExtractError("文件解压后过大（超过 512 MB），可能是恶意构造的压缩包")


def _notes(document_part) -> list[tuple[str, object]]:
    """Footnotes and endnotes as ``(locator prefix, note element)``, separators left out."""
    found = []
    for rel in document_part.rels.values():
        if rel.is_external or not rel.reltype.endswith(("/footnotes", "/endnotes")):
            continue
        kind = "footnote" if rel.reltype.endswith("/footnotes") else "endnote"
        part = rel.target_part
        root = part.element if hasattr(part, "element") else etree.fromstring(part.blob, _SAFE_XML)
        for note in root:
            if note.get(W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            found.append((f"{kind} {note.get(W + 'id')} ", note))
    return found


def _header_footer_parts(document_part, body) -> tuple[list, list]:
    """Header and footer elements of every section, in section order, each part once."""
    headers, footers, seen = [], [], set()
    for sect in body.iter(W + "sectPr"):
        for ref in sect:
            if ref.tag not in (W + "headerReference", W + "footerReference"):
                continue
            rid = ref.get(R_ID)
            if not rid or rid in seen or rid not in document_part.rels:
                continue
            seen.add(rid)
            part = document_part.related_parts[rid]
            (headers if ref.tag == W + "headerReference" else footers).append(part.element)
    return headers, footers


def extract_docx(data: bytes, name: str | None) -> Extracted:
    error = _open_error(data)
    if error:
        raise error
    if data.startswith(OLE_MAGIC):
        from .office import extract_office

        return extract_office(data, name, old_word_as_docx=True)
    _check_package(data)

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except PackageNotFoundError as exc:
        raise ExtractError("不是有效的 .docx 文件：缺少 Word 文档的包结构") from exc
    except ValueError as exc:
        raise ExtractError(f"不是可读取的 Word 文档：{str(exc)[:120]}") from exc
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, EOFError) as exc:
        raise ExtractError(f"文件已损坏：.docx 内容无法解析（{type(exc).__name__}）") from exc

    part = document.part
    body = document.element.body
    headers, footers = _header_footer_parts(part, body)
    reader = _Reader()
    for n, header in enumerate(headers, 1):
        reader.blocks(header, "header", f"header {n} ")
    reader.out.blank_line()
    reader.blocks(body, "body", "")
    try:
        notes = _notes(part)
    except (KeyError, etree.XMLSyntaxError, ValueError):
        notes = []
    if notes:
        reader.out.blank_line()
        for prefix, note in notes:
            reader.blocks(note, "note", prefix)
    if footers:
        reader.out.blank_line()
        for n, footer in enumerate(footers, 1):
            reader.blocks(footer, "footer", f"footer {n} ")
    extracted = reader.out.build("docx", name)
    if not extracted.text.strip():
        extracted.warnings.append("文档中没有文字")
    return extracted
