"""Text + findings → safe HTML: hostile text is escaped, overlapping findings are all shown."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanshen.checks.highlight import highlight_html, pieces
from sanshen.engine import Finding


def f(start, end, severity="high", text=None, category="privacy"):
    return Finding(category, "test:rule", severity, start, end, text or "", "说明", None, 0.9)


def unescape(html: str) -> str:
    html = re.sub(r"<[^>]*>", "", html)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#x27;", "'"), ("&amp;", "&")):
        html = html.replace(entity, char)
    return html


def test_plain_text_without_findings():
    assert str(highlight_html("公告", [])) == "公告"


def test_hostile_text_is_escaped():
    text = '<script>alert("x")</script><img src=x onerror=alert(1)>&amp;'
    html = str(highlight_html(text, [f(8, 16), f(30, 40)]))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&amp;amp;" in html
    assert unescape(html) == text
    # Only our own tags remain.
    assert set(re.findall(r"<(/?\w+)", html)) <= {"mark", "/mark", "span", "/span"}


def test_overlapping_findings_are_cut_into_pieces():
    text = "0123456789"
    parts = pieces(text, [f(0, 5, "low"), f(3, 8, "veto")])
    assert [(p.start, p.end, p.findings, p.severity) for p in parts] == [
        (0, 3, (0,), "low"),
        (3, 5, (0, 1), "veto"),
        (5, 8, (1,), "veto"),
        (8, 10, (), None),
    ]
    assert [p.anchors for p in parts] == [(0,), (1,), (), ()]
    html = str(highlight_html(text, [f(0, 5, "low"), f(3, 8, "veto")]))
    assert 'id="hl-0"' in html and 'id="hl-1"' in html
    assert '<mark class="hl sev-veto hl-overlap" data-findings="0 1">34</mark>' in html


def test_nested_identical_and_adjacent_spans():
    text = "abcdefgh"
    findings = [f(0, 8, "low"), f(2, 4, "high"), f(2, 4, "medium"), f(4, 6, "medium")]
    parts = pieces(text, findings)
    assert "".join(p.text for p in parts) == text
    middle = next(p for p in parts if p.start == 2)
    assert middle.findings == (0, 1, 2) and middle.severity == "high" and middle.anchors == (1, 2)
    assert next(p for p in parts if p.start == 4).findings == (0, 3)


def test_zero_length_and_out_of_range_findings():
    text = "abc"
    parts = pieces(text, [f(1, 1, "medium"), f(2, 99)])
    assert [(p.start, p.end, p.findings) for p in parts] == [(0, 1, ()), (1, 1, (0,)), (1, 2, ()), (2, 3, (1,))]
    html = str(highlight_html(text, [f(1, 1, "medium")]))
    assert 'class="hl sev-medium hl-point"' in html and 'id="hl-0"' in html


def test_markup_in_finding_text_is_escaped():
    text = '"><svg/onload=alert(1)>'
    html = str(highlight_html(text, [f(0, len(text))]))
    assert "<svg" not in html and 'data-findings="0"' in html


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from('ab<>&"\'\n政府'), max_size=40),
    spans=st.lists(
        st.tuples(st.integers(0, 45), st.integers(0, 45), st.sampled_from(["veto", "high", "medium", "low"])),
        max_size=8,
    ),
)
def test_any_text_and_spans_round_trip(text, spans):
    findings = [f(min(a, b), max(a, b), sev) for a, b, sev in spans]
    parts = pieces(text, findings)
    assert "".join(p.text for p in parts) == text
    for p in parts:
        for i in p.findings:
            finding = findings[i]
            assert min(finding.start, len(text)) <= p.start and p.end <= max(min(finding.end, len(text)), p.start)
    html = str(highlight_html(text, findings))
    assert unescape(html) == text
    assert sorted(int(i) for i in re.findall(r'id="hl-(\d+)"', html)) == list(range(len(findings)))


@pytest.mark.parametrize("text", ["", "\n\n", "<"])
def test_edges(text):
    assert unescape(str(highlight_html(text, []))) == text
