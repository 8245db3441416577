"""PDF files: the text layer of each page, pages joined by a blank line."""

from __future__ import annotations

import io
import logging
import warnings

from ..document import Extracted
from ._base import ExtractError, TextBuilder, normalize_newlines

# pypdf logs a warning for every small defect of real-world PDFs; the user cannot act on them.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def _open(data: bytes):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    if b"%PDF-" not in data[:1024]:
        raise ExtractError("不是有效的 PDF 文件：缺少 %PDF 文件头")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except DependencyError as exc:
        raise ExtractError("PDF 已加密，解密需要 cryptography 库，当前未安装") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, EOFError) as exc:
        raise ExtractError("PDF 文件已损坏，无法解析") from exc
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except DependencyError as exc:
            raise ExtractError("PDF 已加密（AES），解密需要 cryptography 库，当前未安装") from exc
        except (FileNotDecryptedError, PdfReadError, NotImplementedError, ValueError, KeyError) as exc:
            raise ExtractError("PDF 已加密，无法读取文字") from exc
        if not opened:
            raise ExtractError("PDF 已加密，无法读取文字")
    return reader


def extract_pdf(data: bytes, name: str | None) -> Extracted:
    from pypdf.errors import DependencyError, PdfReadError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = _open(data)
        try:
            pages = list(reader.pages)
        except DependencyError as exc:
            raise ExtractError("PDF 已加密（AES），解密需要 cryptography 库，当前未安装") from exc
        except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
            raise ExtractError("PDF 文件已损坏：无法读取页面") from exc
        if not pages:
            raise ExtractError("PDF 文件已损坏：没有页面")
        out = TextBuilder()
        problems: list[int] = []
        for number, page in enumerate(pages, 1):
            try:
                text = page.extract_text() or ""
            except Exception:  # one bad page must not lose the others
                problems.append(number)
                continue
            text = normalize_newlines(text).replace("\x00", "").strip()
            if text:
                out.blank_line()
                out.line(text, "body", {"locator": f"page {number}", "page": number})

    if not out.segments:
        if problems:
            raise ExtractError("PDF 文件已损坏：所有页面的文字都无法读取")
        raise ExtractError("PDF 没有文字层（可能是扫描件），需先做文字识别")
    extracted = out.build("pdf", name)
    if problems:
        listed = "、".join(str(n) for n in problems[:10]) + ("…" if len(problems) > 10 else "")
        extracted.warnings.append(f"第 {listed} 页的文字无法读取")
    return extracted
