"""Review form downloads, included at /review/ beside the review pages (distinct paths, own names)."""

from django.urls import path

from . import downloads

urlpatterns = [
    path("items/<int:item_id>/form.docx", downloads.item_form_docx, name="review-item-form-docx"),
    path("items/<int:item_id>/form.pdf", downloads.item_form_pdf, name="review-item-form-pdf"),
]
