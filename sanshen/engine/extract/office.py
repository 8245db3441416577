"""Old Word (.doc), WPS (.wps), RTF and ODT files: LibreOffice converts them to .docx, which is then read."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..document import Extracted
from ._base import ExtractError

TIMEOUT_SECONDS = 120
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
KNOWN_SUFFIXES = {".doc": "doc", ".dot": "doc", ".wps": "wps", ".wpt": "wps", ".rtf": "rtf", ".odt": "odt"}
NOT_INSTALLED = "读取 .doc/.wps 需要安装 LibreOffice（soffice），当前未安装"
OLD_WORD_AS_DOCX = "这个 .docx 文件实际是旧版 .doc 格式，读取需要安装 LibreOffice（soffice），当前未安装"


def find_soffice() -> str | None:
    for command in ("soffice", "libreoffice"):
        path = shutil.which(command)
        if path:
            return path
    return None


def convert_to_docx(data: bytes, suffix: str) -> bytes:
    """The file converted to .docx by a headless LibreOffice with its own throw-away profile."""
    soffice = find_soffice()
    if soffice is None:
        if suffix in (".rtf", ".odt"):
            raise ExtractError(f"读取 {suffix} 需要安装 LibreOffice（soffice），当前未安装")
        raise ExtractError(NOT_INSTALLED)
    with tempfile.TemporaryDirectory(prefix="sanshen-soffice-") as tmp:
        work = Path(tmp)
        source = work / f"input{suffix}"
        source.write_bytes(data)
        outdir = work / "out"
        command = [
            soffice, "--headless", "--norestore", "--nologo", "--nolockcheck", "--nodefault",
            # A private profile: a user's running LibreOffice would otherwise swallow the request.
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--convert-to", "docx", "--outdir", str(outdir), str(source),
        ]
        posix = os.name == "posix"
        try:
            proc = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                start_new_session=posix,
            )
        except OSError as exc:
            raise ExtractError(f"无法启动 LibreOffice：{exc.strerror or exc}") from exc
        try:
            proc.communicate(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as exc:
            if posix:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
            proc.communicate()
            raise ExtractError(f"LibreOffice 转换超时（超过 {TIMEOUT_SECONDS} 秒），文件可能已损坏") from exc
        result = outdir / "input.docx"
        if not result.is_file():
            raise ExtractError("LibreOffice 无法转换该文件（可能已损坏或已加密）")
        return result.read_bytes()


def _suffix(data: bytes, name: str | None) -> str:
    suffix = Path(name).suffix.lower() if name else ""
    if suffix in KNOWN_SUFFIXES:
        return suffix
    if data.lstrip()[:5] == b"{\\rtf":
        return ".rtf"
    return ".doc"


def extract_office(data: bytes, name: str | None, *, old_word_as_docx: bool = False) -> Extracted:
    from .docx import extract_docx

    suffix = ".doc" if old_word_as_docx else _suffix(data, name)
    try:
        converted = convert_to_docx(data, suffix)
    except ExtractError as exc:
        if old_word_as_docx and str(exc) == NOT_INSTALLED:
            raise ExtractError(OLD_WORD_AS_DOCX) from exc
        raise
    if not converted.startswith(b"PK"):
        raise ExtractError("LibreOffice 转换结果不是 .docx，无法读取")
    extracted = extract_docx(converted, name)
    extracted.format = KNOWN_SUFFIXES.get(suffix, "doc")
    return extracted
