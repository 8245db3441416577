"""Extraction of .txt, .docx, .pdf and .doc/.wps files, format choice, size limit and the offsets contract."""

import codecs
import io
import os
import stat
import sys
import textwrap
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanshen.engine import extract as extract_pkg
from sanshen.engine.document import SEGMENT_KINDS, Extracted
from sanshen.engine.extract import (
    DEFAULT_MAX_BYTES,
    ExtractError,
    detect_format,
    extract_bytes,
    extract_path,
)
from sanshen.engine.extract import office as office_mod

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
NOTICE = "XX市人民政府办公室关于加强网站管理的通知\n各县（市、区）人民政府：\n\n现将有关事项通知如下。\n"


def assert_contract(ex: Extracted) -> None:
    """Segments are sorted, non-overlapping, inside the text, of a known kind and located."""
    previous_end = 0
    for seg in ex.segments:
        assert 0 <= seg.start <= seg.end <= len(ex.text)
        assert seg.start >= previous_end, "segments overlap or are out of order"
        assert seg.kind in SEGMENT_KINDS
        assert "locator" in seg.attrs
        previous_end = seg.end


def seg_texts(ex: Extracted, kind: str | None = None) -> list[str]:
    return [ex.text[s.start:s.end] for s in ex.segments if kind is None or s.kind == kind]


def expect_error(data: bytes, name: str, *fragments: str) -> str:
    with pytest.raises(ExtractError) as info:
        extract_bytes(data, name)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


# ---- format choice and limits ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "fmt"),
    [
        (b"<html><body>x</body></html>", "a.txt", "txt"),  # a .txt that holds HTML stays text
        (b"<html><body>x</body></html>", "page", "html"),
        (b"<!-- x --><div>y</div>", "-", "html"),
        (b"\xef\xbb\xbf<!DOCTYPE html><p>x", "-", "html"),
        ("<html>".encode("utf-16"), "-", "html"),
        (b"PK\x03\x04rest", "upload.bin", "docx"),
        (b"%PDF-1.4\n...", "-", "pdf"),
        (b"%PDF-1.4\n...", "a.docx", "pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "a.wps", "office"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "a.docx", "docx"),
        (b"{\\rtf1\\ansi hello}", "-", "office"),
        (b"<html><body>saved web page</body></html>", "a.doc", "html"),
        ("普通文字".encode(), "notes", "txt"),
        (b"x", "http://www.example.gov.cn/art/2024/1/1/art_1.html?id=3", "html"),
    ],
)
def test_format_is_chosen_by_signature_extension_and_content(data, name, fmt):
    assert detect_format(data, name) == fmt


def test_default_limit_is_50_megabytes():
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024


def test_size_limit_message_says_size_and_limit():
    with pytest.raises(ExtractError) as info:
        extract_bytes(b"a" * 3000, "a.txt", max_bytes=2048)
    message = str(info.value)
    assert message.startswith("文件过大")
    assert "2.9 KB" in message and "2.0 KB" in message


def test_size_limit_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SANSHEN_MAX_BYTES", "1k")
    with pytest.raises(ExtractError, match=r"超过上限 1\.0 KB"):
        extract_bytes(b"a" * 2000, "a.txt")
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * 2000)
    with pytest.raises(ExtractError, match="文件过大"):
        extract_path(path)
    assert extract_path(path, max_bytes=4096).text == "a" * 2000


def test_extract_path_errors_are_one_clear_line(tmp_path):
    with pytest.raises(ExtractError, match="文件不存在"):
        extract_path(tmp_path / "missing.txt")
    with pytest.raises(ExtractError, match="目录"):
        extract_path(tmp_path)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file(tmp_path):
    path = tmp_path / "locked.txt"
    path.write_text("x")
    path.chmod(0)
    try:
        with pytest.raises(ExtractError, match="权限"):
            extract_path(path)
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_extract_path_records_source(tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE, encoding="utf-8")
    ex = extract_path(path)
    assert ex.source == str(path)
    assert ex.format == "txt"


def test_package_reexports_the_api():
    import sanshen.engine as engine

    assert engine.extract_bytes is extract_pkg.extract_bytes
    assert engine.ExtractError is ExtractError


# ---- plain text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-32", "gb18030", "gbk"]
)
def test_txt_encodings(encoding):
    if encoding == "utf-16-le-bom":
        data = codecs.BOM_UTF16_LE + NOTICE.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        data = codecs.BOM_UTF16_BE + NOTICE.encode("utf-16-be")
    else:
        data = NOTICE.encode(encoding)
    ex = extract_bytes(data, "notice.txt")
    assert ex.text == NOTICE
    assert_contract(ex)


def test_txt_gbk_detected_without_any_hint():
    text = "关于印发《政府网站信息内容建设管理规范》的通知。各乡镇人民政府、县直各部门：" * 5
    assert extract_bytes(text.encode("gbk"), "x.txt").text == text
    assert extract_bytes(text.encode("gb2312"), "-").text == text


def test_txt_gb18030_four_byte_characters():
    text = "㐀䶵𠀀 生僻字与欧元€符号"
    assert extract_bytes(text.encode("gb18030"), "a.txt").text == text


def test_txt_utf16_without_bom_is_recognised():
    text = "Notice 2024: 通知 text with ASCII words enough to show the pattern.\n" * 3
    assert extract_bytes(text.encode("utf-16-le"), "a.txt").text == text


def test_txt_newlines_are_normalised():
    ex = extract_bytes("第一行\r\n第二行\r第三行\n".encode(), "a.txt")
    assert ex.text == "第一行\n第二行\n第三行\n"


def test_txt_segments_are_paragraph_blocks_with_line_locators():
    text = "  标题\n\n第一段第一行\n第一段第二行\n\n\n第二段  \n"
    ex = extract_bytes(text.encode(), "a.txt")
    assert seg_texts(ex) == ["标题", "第一段第一行\n第一段第二行", "第二段"]
    assert [s.attrs["locator"] for s in ex.segments] == ["line 1", "line 3", "line 7"]
    assert all(s.kind == "body" for s in ex.segments)
    assert_contract(ex)


def test_txt_keeps_zero_width_characters():
    text = "博\u200b彩\u200d网站"
    assert extract_bytes(text.encode(), "a.txt").text == text


def test_empty_txt_is_empty_text():
    ex = extract_bytes(b"", "a.txt")
    assert ex.text == "" and ex.segments == []


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\x00\x01\x02\x03binary\x00\x00" * 50, "不是文本文件"),
        (bytes(range(256)) * 20, "不是文本文件"),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08 abc " * 100, "控制字符"),
        (codecs.BOM_UTF8 + b"\xff\xfe\xfa bad", "UTF-8"),
    ],
)
def test_txt_binary_junk_is_a_clean_error(data, fragment):
    expect_error(data, "a.txt", fragment)


def test_random_bytes_never_crash():
    rng = __import__("random").Random(7)
    for _ in range(30):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
        for name in ("a.txt", "a.html", "a.docx", "a.pdf", "a.doc", "-"):
            try:
                assert_contract(extract_bytes(data, name))
            except ExtractError as exc:
                assert "\n" not in str(exc)


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# No NUL: a UTF-16 text starting with NUL begins FF FE 00 00, the UTF-32 byte-order mark.
@given(
    st.text(st.characters(exclude_characters="\x00"), max_size=300),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "gb18030"]),
)
@settings(max_examples=300, deadline=None)
def test_txt_decoding_round_trips(text, encoding):
    text = text.replace("\r", "")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    try:
        ex = extract_bytes(data, "a.txt")
    except ExtractError:
        # Text made mostly of control characters is rightly refused as binary.
        controls = sum(1 for c in text if (ord(c) < 32 and c not in "\t\n\x0c\x1b") or c == "\x7f")
        assert controls or "\x00" in text
        return
    # A short GB18030 text can also be valid UTF-8 (趢 is DA 80, read as ڀ): both readings are right.
    ambiguous = encoding == "gb18030" and _valid_utf8(data) and data != text.encode("utf-8")
    if (encoding in ("utf-8-sig", "utf-16", "utf-32") or not text.startswith("\ufeff")) and not ambiguous:
        assert ex.text == text
    assert_contract(ex)
    for seg in ex.segments:
        piece = ex.text[seg.start:seg.end]
        assert piece == piece.strip() and piece


# ---- docx -------------------------------------------------------------------------------------


def make_docx(path: Path | None = None) -> bytes:
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "机密★1年"
    section.footer.paragraphs[0].text = "XX市人民政府办公室印发"
    document.add_heading("关于公布2024年第一批名单的通知", level=1)
    document.add_paragraph("各县（市、区）人民政府：")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["序号", "姓名", "联系电话"], ["1", "张三", "13812345678"], ["2", "李四", ""]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("以上名单如有异议，请在5个工作日内反馈。")
    second = document.add_table(rows=1, cols=2)
    second.cell(0, 0).text = "附件"
    second.cell(0, 1).text = "名单.xlsx"
    document.add_paragraph("")
    document.add_paragraph("XX市人民政府办公室\t2024年3月1日")
    buf = io.BytesIO()
    document.save(buf)
    data = buf.getvalue()
    if path:
        path.write_bytes(data)
    return data


def test_docx_body_tables_headers_footers_in_document_order(tmp_path):
    make_docx(tmp_path / "notice.docx")
    ex = extract_path(tmp_path / "notice.docx")
    assert ex.format == "docx"
    assert ex.text == textwrap.dedent("""\
        机密★1年

        关于公布2024年第一批名单的通知
        各县（市、区）人民政府：
        序号 | 姓名 | 联系电话
        1 | 张三 | 13812345678
        2 | 李四
        以上名单如有异议，请在5个工作日内反馈。
        附件 | 名单.xlsx
        XX市人民政府办公室\t2024年3月1日

        XX市人民政府办公室印发""")
    assert_contract(ex)
    kinds = [(s.kind, ex.text[s.start:s.end], s.attrs["locator"]) for s in ex.segments]
    assert kinds[0] == ("header", "机密★1年", "header 1 paragraph 1")
    assert ("body", "关于公布2024年第一批名单的通知", "paragraph 1") in kinds
    assert ("table", "张三", "table 1 row 2") in kinds
    assert ("table", "名单.xlsx", "table 2 row 1") in kinds
    assert ("body", "XX市人民政府办公室\t2024年3月1日", "paragraph 5") in kinds
    assert kinds[-1] == ("footer", "XX市人民政府办公室印发", "footer 1 paragraph 1")
    cells = [s.attrs["cell"] for s in ex.segments if s.attrs["locator"] == "table 1 row 2"]
    assert cells == [1, 2, 3]


def test_docx_heading_style_is_kept():
    ex = extract_bytes(make_docx(), "a.docx")
    first_body = next(s for s in ex.segments if s.kind == "body")
    assert first_body.attrs.get("style", "").lower().startswith("heading")


def _rewrite_docx(data: bytes, member: str, edit) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == member:
                content = edit(content.decode("utf-8")).encode("utf-8")
            dst.writestr(info, content)
    return out.getvalue()


def test_docx_reads_content_controls_insertions_hyperlinks_and_skips_deletions():
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    extra = (
        f'<w:sdt {w}><w:sdtContent><w:p><w:r><w:t>控件中的文字</w:t></w:r></w:p></w:sdtContent></w:sdt>'
        f'<w:p {w}><w:r><w:t xml:space="preserve">修订：</w:t></w:r>'
        '<w:ins w:id="1" w:author="a"><w:r><w:t>新增</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="a"><w:r><w:delText>删除</w:delText></w:r></w:del>'
        '<w:hyperlink><w:r><w:t>链接文字</w:t></w:r></w:hyperlink></w:p>'
    )

    def edit(xml: str) -> str:
        return xml.replace("<w:sectPr", extra + "<w:sectPr", 1)

    ex = extract_bytes(_rewrite_docx(make_docx(), "word/document.xml", edit), "a.docx")
    assert "控件中的文字" in ex.text
    assert "修订：新增链接文字" in ex.text
    assert "删除" not in ex.text
    assert_contract(ex)


def test_docx_text_box_is_read_once():
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    box = (
        f'<w:p {w} {mc}><w:r><w:t>正文</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps">'
        '<w:drawing><w:txbxContent><w:p><w:r><w:t>文本框里的密级</w:t></w:r></w:p></w:txbxContent></w:drawing>'
        '</mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框里的密级</w:t></w:r></w:p>'
        '</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>'
    )
    ex = extract_bytes(
        _rewrite_docx(make_docx(), "word/document.xml", lambda x: x.replace("<w:sectPr", box + "<w:sectPr", 1)),
        "a.docx",
    )
    assert ex.text.count("文本框里的密级") == 1
    seg = next(s for s in ex.segments if ex.text[s.start:s.end] == "文本框里的密级")
    assert "textbox" in seg.attrs["locator"]


def test_docx_footnotes_are_notes():
    footnotes = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:id="1"><w:p><w:r><w:t>脚注：数据来源于统计局。</w:t></w:r></w:p></w:footnote>'
        "</w:footnotes>"
    )
    data = make_docx()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/word/footnotes.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>',
                )
            if info.filename == "word/_rels/document.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdFn" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/footnotes" Target="footnotes.xml"/></Relationships>',
                )
            dst.writestr(info, content)
        dst.writestr("word/footnotes.xml", footnotes)
    ex = extract_bytes(out.getvalue(), "a.docx")
    notes = [s for s in ex.segments if s.kind == "note"]
    assert [ex.text[s.start:s.end] for s in notes] == ["脚注：数据来源于统计局。"]
    assert notes[0].attrs["locator"] == "footnote 1 paragraph 1"
    assert_contract(ex)


def test_truncated_docx_is_a_clean_error():
    data = make_docx()
    for cut in (len(data) // 2, len(data) - 30, 100):
        expect_error(data[:cut], "notice.docx", "文件已损坏", ".docx")


def test_zip_that_is_not_a_word_document():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    expect_error(buf.getvalue(), "a.docx", "不是 Word 文档")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    expect_error(buf.getvalue(), "a.docx", "Excel")


def test_docx_with_broken_xml():
    data = _rewrite_docx(make_docx(), "word/document.xml", lambda x: x[: len(x) // 2])
    expect_error(data, "a.docx", "文件已损坏")


def test_password_protected_docx_is_a_clean_error():
    # Word stores an encrypted .docx as an OLE compound file with an EncryptionInfo stream.
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 100
    expect_error(data, "secret.docx", "加密", "密码")


def test_docx_that_is_not_a_zip():
    expect_error("这其实是文本".encode(), "a.docx", "不是有效的 .docx")


def test_old_doc_renamed_to_docx_needs_libreoffice(monkeypatch):
    monkeypatch.setattr(office_mod, "find_soffice", lambda: None)
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
    expect_error(data, "old.docx", "旧版 .doc", "LibreOffice")


# ---- pdf --------------------------------------------------------------------------------------


def test_pdf_fixture_pages_are_segments():
    ex = extract_path(FIXTURES / "cjk.pdf")
    assert ex.format == "pdf"
    assert ex.text == "XX市人民政府办公室关于加强网站管理的通知\n各县（市、区）人民政府：\n\n第二页：请认真贯彻执行。"
    assert [s.attrs["locator"] for s in ex.segments] == ["page 1", "page 2"]
    assert seg_texts(ex)[1] == "第二页：请认真贯彻执行。"
    assert_contract(ex)


def test_encrypted_pdf_fixture():
    with pytest.raises(ExtractError, match="PDF 已加密，无法读取文字"):
        extract_path(FIXTURES / "encrypted.pdf")


def test_pdf_without_text_layer_fixture():
    with pytest.raises(ExtractError, match="没有文字层"):
        extract_path(FIXTURES / "scanned.pdf")


def _reportlab_pdf(pages: list[list[str]]) -> bytes:
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    for lines in pages:
        pdf.setFont("STSong-Light", 12)
        for n, line in enumerate(lines):
            pdf.drawString(72, 760 - 20 * n, line)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def test_pdf_generated_with_cjk_font():
    data = _reportlab_pdf([["国务院办公厅", "关于印发通知"], [], ["第三页"]])
    ex = extract_bytes(data, "a.pdf")
    assert ex.text == "国务院办公厅\n关于印发通知\n\n第三页"
    assert [s.attrs["page"] for s in ex.segments] == [1, 3]
    assert_contract(ex)


def test_pdf_encrypted_with_user_password():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO((FIXTURES / "cjk.pdf").read_bytes())))
    writer.encrypt(user_password="123456", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    expect_error(buf.getvalue(), "a.pdf", "PDF 已加密，无法读取文字")


def test_pdf_with_owner_password_only_is_readable():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO((FIXTURES / "cjk.pdf").read_bytes())))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    assert "第二页" in extract_bytes(buf.getvalue(), "a.pdf").text


def test_pdf_with_aes_and_empty_user_password():
    pytest.importorskip("cryptography")
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO((FIXTURES / "cjk.pdf").read_bytes())))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    assert "第二页" in extract_bytes(buf.getvalue(), "a.pdf").text


@pytest.mark.parametrize("cut", [20, 300, 1500])
def test_broken_pdf_is_a_clean_error(cut):
    data = (FIXTURES / "cjk.pdf").read_bytes()[:cut]
    expect_error(data, "a.pdf", "PDF")


def test_pdf_name_without_pdf_content():
    expect_error(b"<html>not found</html>", "a.pdf", "不是有效的 PDF")


def test_pdf_newlines_normalised(monkeypatch):
    import pypdf

    monkeypatch.setattr(pypdf.PageObject, "extract_text", lambda self, *a, **k: "第一行\r\n第二行\r")
    ex = extract_path(FIXTURES / "cjk.pdf")
    assert ex.text == "第一行\n第二行\n\n第一行\n第二行"
    assert_contract(ex)


# ---- .doc / .wps through LibreOffice -----------------------------------------------------------


def test_doc_without_libreoffice_says_so(monkeypatch):
    monkeypatch.setattr(office_mod.shutil, "which", lambda name: None)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    for name in ("old.doc", "report.wps"):
        message = expect_error(ole, name)
        assert message == "读取 .doc/.wps 需要安装 LibreOffice（soffice），当前未安装"


def test_rtf_and_odt_without_libreoffice_name_their_format(monkeypatch):
    monkeypatch.setattr(office_mod.shutil, "which", lambda name: None)
    expect_error(b"{\\rtf1\\ansi x}", "a.rtf", "读取 .rtf 需要安装 LibreOffice")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<office:document-content/>")
    expect_error(buf.getvalue(), "a.odt", "读取 .odt 需要安装 LibreOffice")
    expect_error(buf.getvalue(), "a.docx", "OpenDocument")


def test_doc_conversion_path_with_patched_converter(monkeypatch):
    calls = []

    def fake_convert(data, suffix):
        calls.append(suffix)
        return make_docx()

    monkeypatch.setattr(office_mod, "convert_to_docx", fake_convert)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    ex = extract_bytes(ole, "report.wps")
    assert calls == [".wps"]
    assert ex.format == "wps"
    assert "张三" in ex.text
    assert_contract(ex)
    assert extract_bytes(b"{\\rtf1 x}", "-").format == "rtf"


@pytest.mark.skipif(sys.platform == "win32", reason="uses a shell script as a stand-in for soffice")
def test_doc_conversion_runs_soffice_headless_with_own_profile(monkeypatch, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (tmp_path / "converted.docx").write_bytes(make_docx())
    log = tmp_path / "args.txt"
    script = bindir / "soffice"
    script.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import os, shutil, sys
        args = sys.argv[1:]
        open({str(log)!r}, "w").write("\\n".join(args))
        outdir = args[args.index("--outdir") + 1]
        os.makedirs(outdir, exist_ok=True)
        shutil.copy({str(tmp_path / "converted.docx")!r}, os.path.join(outdir, "input.docx"))
        """))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bindir) + os.pathsep + os.environ.get("PATH", ""))
    ex = extract_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.doc")
    assert ex.format == "doc" and "李四" in ex.text
    args = log.read_text().split("\n")
    assert "--headless" in args
    assert any(a.startswith("-env:UserInstallation=file://") for a in args)
    assert args[args.index("--convert-to") + 1] == "docx"


@pytest.mark.skipif(sys.platform == "win32", reason="uses a shell script as a stand-in for soffice")
def test_doc_conversion_failure_is_a_clean_error(monkeypatch, tmp_path):
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ.get("PATH", ""))
    expect_error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.doc", "LibreOffice 无法转换")


def test_doc_conversion_timeout_is_a_clean_error(monkeypatch, tmp_path):
    if sys.platform == "win32":
        pytest.skip("uses a shell script as a stand-in for soffice")
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\nsleep 30\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.setattr(office_mod, "TIMEOUT_SECONDS", 0.5)
    expect_error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.doc", "超时")
