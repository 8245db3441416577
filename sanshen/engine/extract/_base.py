"""Pieces shared by the format modules: the error type and a text builder that records segments."""

from __future__ import annotations

import re

from ..document import Extracted, Segment


class ExtractError(Exception):
    """A file that cannot be turned into text; the message is one line for a person."""

    def __init__(self, message: str):
        # One line, whatever the caller passes: the CLI prints it as is.
        super().__init__(" ".join(str(message).split()))


_NEWLINES = re.compile(r"\r\n?")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so offsets do not depend on the platform that wrote the file."""
    return _NEWLINES.sub("\n", text) if "\r" in text else text


class TextBuilder:
    """Builds the extracted text line by line and keeps each part's segment.

    Lines are joined with ``\\n``; a line may hold several segments (a table row) and plain
    glue text that belongs to none (labels, separators).
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._pos = 0
        self._started = False
        self._blank = False
        self.segments: list[Segment] = []

    @property
    def empty(self) -> bool:
        return not self._started

    def _write(self, text: str) -> None:
        if text:
            # Decoded script payloads may hold lone surrogates, which no output encoding accepts.
            text = _SURROGATES.sub("\ufffd", text)
            self._parts.append(text)
            self._pos += len(text)

    def new_line(self) -> None:
        """Start a new line (the first line needs no newline before it)."""
        if self._started:
            self._write("\n\n" if self._blank else "\n")
        self._started = True
        self._blank = False

    def blank_line(self) -> None:
        """Leave one empty line before the next line, if anything was written before."""
        if self._started:
            self._blank = True

    def glue(self, text: str) -> None:
        """Text that belongs to no segment: labels and separators."""
        self._write(text)

    def span(self, text: str, kind: str, attrs: dict) -> Segment | None:
        """Text that forms one segment; empty text makes none."""
        if not text:
            return None
        seg = Segment(kind, self._pos, self._pos + len(text), attrs)
        self._write(text)
        self.segments.append(seg)
        return seg

    def line(self, text: str, kind: str, attrs: dict) -> Segment | None:
        """A whole line that is one segment; empty text writes nothing."""
        if not text:
            return None
        self.new_line()
        return self.span(text, kind, attrs)

    def label(self, text: str) -> None:
        self.new_line()
        self.glue(text)

    def build(self, fmt: str, source: str | None, warnings: list[str] | None = None) -> Extracted:
        return Extracted("".join(self._parts), self.segments, fmt, source, warnings or [])
