"""Template tags of the layout."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def unit_tree(roots) -> str:
    """The nested <ul> of `services.unit_tree` nodes, built in one pass (a province has
    thousands of units; a template include per node would be slow)."""
    parts: list[str] = []
    detail = reverse("units:detail", args=[0])[: -len("0/")]

    def walk(nodes) -> None:
        for node in nodes:
            unit = node.unit
            parts.append(
                format_html(
                    '<li><a href="{}{}/">{}</a><span class="kind">{}</span>{}',
                    detail, unit.pk, unit.name, unit.get_kind_display(),
                    mark_safe(' <span class="tag tag-off">已停用</span>') if not unit.is_active else "",
                )
            )
            if node.children:
                parts.append("<ul>")
                walk(node.children)
                parts.append("</ul>")
            parts.append("</li>")

    parts.append('<ul class="tree">')
    walk(roots)
    parts.append("</ul>")
    return mark_safe("".join(parts))
