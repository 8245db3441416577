"""审核表 renderers: plain data in, .docx / .pdf bytes out (no Django, so the workflow can fill it freely)."""

from .data import OverrideNote, ReviewFormData, StepBlock
from .docx import render_docx
from .pdf import FormRenderError, check_pdf_support, render_html, render_pdf

__all__ = [
    "FormRenderError",
    "OverrideNote",
    "ReviewFormData",
    "StepBlock",
    "check_pdf_support",
    "render_docx",
    "render_html",
    "render_pdf",
]
