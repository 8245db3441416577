"""Check family ``secret``: secrecy and internal-use markings on a document meant for publication.

* ``secret:mark`` (veto): a state-secret mark in the GB/T 9704 form ``密级★保密期限`` — 秘密★1年,
  机密★5年, 绝密★长期, 机密★会议开始前, with spaces or ☆✭＊ variants — wherever it stands (the ★
  form is unambiguous), unless it is quoted as an example (标注“秘密★1年”字样).
  ``密级：机密`` (a form's classification field) counts as a mark too.
* ``secret:level`` (high): a bare 绝密/机密/秘密 standing alone on a line at the head of the
  document or of a segment (where GB/T 9704 puts it); veto when an urgency mark (特急, 加急,
  平急, 特提) follows it on the same line (机密　特急), also when the title follows on that
  line (a head flattened by a web page).
* ``secret:internal`` (high): 内部资料, 内部文件, 内部参考, 内部情况, 内参, 内部明电, 注意保存, 不得外传,
  工作秘密, 限国内发行, （此件不予公开）… used as a marking — a line of markings only, a head line
  starting with one (（内部资料）…), or two of them side by side (内部资料 注意保存). A note in
  brackets saying the document is not to be published (（此件不公开）, （此件不予公开）: the 附注
  under the date) is a marking wherever it stands; a bracketed （不予公开） only on a line of its
  own or right after the date.

Prose about secrecy work (涉及国家秘密的信息不得公开, “涉密信息不上网，上网信息不涉密”,
机密文件管理办法) is not a marking and is not reported. The words are found by the shared scanner
(so 機密 and 机 密 are found too); the checks only look at the lines around each hit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..base import Recognizer
from ..document import Document
from ..findings import Finding
from ..lexicon import Hit

LEVELS = ("绝密", "机密", "秘密")
INTERNAL = (
    "内部资料", "内部文件", "内部刊物", "内部明电", "注意保存", "注意保管", "不得外传", "请勿外传", "严禁外传",
    "内部使用", "仅供内部使用", "仅限内部传阅", "内部传阅", "工作秘密", "限国内发行", "内部发行", "不予公开",
    "涉密文件", "内部参考", "内部情况", "内参", "内部参阅",
)
URGENCY = ("特急", "加急", "平急", "特提", "急件")

_STARS = "★☆✭✩✪✫✬✮✯⭐"
_SP = r"[ \t\u3000]*"
_PERIOD = (
    r"(?:(?:\d{1,3}|[一二三四五六七八九十]{1,3})" + _SP + r"(?:年|个月|月|天|日)|长期|永久"
    r"|[^\s，。；;,、“”\"'）)】" + _STARS + r"]{1,20}?(?:前|后|为止|止|解密))"
)
# After a level word: the star (or an asterisk followed by a period) and the period.
_STAR_AFTER = re.compile(
    _SP + r"(?:[" + _STARS + r"]" + _SP + r"(?:" + _PERIOD + r")?|[*＊]" + _SP + r"(?:\d{1,3}" + _SP
    + r"(?:年|个月|月)|长期|永久))"
)
_LEVEL_LABEL = re.compile(r"密" + _SP + r"级" + _SP + r"[:：]?" + _SP + r"$")
_SEP = r"[\s\d（()）【】\[\]〔〕<>〈〉《》:：,，、·.．;；|/-]"
_TOKEN = "|".join([*LEVELS, *INTERNAL, *URGENCY, "密级", "请妥善保管", "妥善保管", "此件", "本件", "此文", "本文件"])
# 机密　特急 at the head of a line, whatever follows (a head flattened into one line).
_LEVEL_URGENCY = re.compile(rf"{_SP}(?:{_SEP}{{0,3}}[★☆*＊]?{_SP})(?:{'|'.join(URGENCY)})(?![\u4e00-\u9fff])")
_LINE_HEAD = re.compile(r"[\s\d]*")
_NEXT_URGENCY = re.compile(rf"\n[ \t\u3000]*(?:\n[ \t\u3000]*)?({'|'.join(URGENCY)})[ \t\u3000]*(?:\n|$)")
# Prose about the note: 标注“（此件不予公开）”, （此件不予公开）字样应…
_NOTE_TALK_BEFORE = re.compile(r"(?:标注|注明|标明|加注|注有|写明|印有|标有|加盖|如|例如|即)\s*[“\"‘]?\s*$")
_NOTE_TALK_AFTER = re.compile(r"\s*[”\"’]?\s*(?:等?字样|的?标注|的?标识|的?文件|的?公文|的?信息|的?材料|等)")
# The 附注 of a document not to be published: （此件不公开）, （此件不予公开）, （不予公开）.
_NOT_PUBLIC = re.compile(
    r"[（(【〔\[]\s*(?P<this>(?:此件|本件|此文|本文件|本文)\s*)?(?:不予|不宜|不得|暂不|不)\s*(?:对外|主动|向社会)?\s*"
    r"公开(?:发布)?\s*[)）】〕\]]"
)
_DATE_END = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十〇○]{1,3})\s*日\s*$")
# A line made only of markings (and a 份号 such as 000123).
_MARK_LINE = re.compile(
    rf"{_SEP}*(?:(?:{_TOKEN}){_SP}(?:[{_STARS}*＊]{_SP}(?:{_PERIOD})?)?{_SEP}*)+"
)
# A head line that opens with an internal marking: 内部资料 请勿转载…, （内部文件）关于…
_OPENS_WITH = re.compile(rf"{_SP}[（(【\[〔]?{_SP}(?:{'|'.join(INTERNAL)})(?:{_SEP}|$)")
_PAIR_WORDS = f"(?:{'|'.join(INTERNAL)}|请妥善保管|妥善保管)"
# Two markings side by side, as printed on a cover (内部资料 注意保存) or in brackets anywhere
# (（内部资料，注意保存）); inside a sentence (本文件属内部资料，不得外传) it is prose.
_PAIRED = re.compile(rf"[ \t\u3000·、]*{_PAIR_WORDS}")
_PAIRED_BRACKETED = re.compile(rf"{_SP}[,，、·:：]?{_SP}{_PAIR_WORDS}{_SP}[)）】\]〕]")
_OPENERS = "（(【[〔"
_QUOTES_OPEN = "“‘「『\"'"
_QUOTES_CLOSE = "”’」』\"'"

HEAD_LINES = 3  # GB/T 9704: 份号, 密级和保密期限, 紧急程度 come before the 发文机关标志
HEAD_CHARS = 200


class _Level:
    __slots__ = ()


class _Internal:
    __slots__ = ()


LEVEL, INTERNAL_MARK = _Level(), _Internal()


class SecretRecognizer(Recognizer):
    family = "secret"

    def terms(self) -> Iterator[tuple[str, object]]:
        yield from super().terms()
        for word in LEVELS:
            yield word, LEVEL
        for word in INTERNAL:
            yield word, INTERNAL_MARK

    def analyze(self, doc: Document, hits: list[Hit]) -> Iterable[Finding]:
        yield from super().analyze(doc, hits)
        notes = list(self._not_public_notes(doc))
        yield from notes
        taken_until = -1
        for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
            if hit.start < taken_until:
                continue  # inside a marking already reported (内部资料 注意保存)
            if any(n.start <= hit.start < n.end for n in notes):
                continue
            if hit.payload is LEVEL:
                finding = self._level(doc, hit)
            elif hit.payload is INTERNAL_MARK:
                finding = self._internal(doc, hit)
            else:
                continue
            if finding is not None:
                taken_until = finding.end
                yield finding

    # -- 绝密/机密/秘密 ------------------------------------------------------------------------
    def _level(self, doc: Document, hit: Hit) -> Finding | None:
        folded = doc.folded
        level = folded[hit.start:hit.end]
        m = _STAR_AFTER.match(folded, hit.end)
        if m:
            if self._quoted(doc, hit.start, m.end()):
                return None
            return self._finding(
                doc, "secret:mark", "veto", hit.start, m.end(),
                f"文件标有国家秘密标志“{doc.text[hit.start:m.end()].strip()}”，涉密文件严禁在互联网上发布",
                "立即撤下该文件，按保密规定报告并处置", 0.95,
            )
        label = _LEVEL_LABEL.search(folded, max(0, hit.start - 10), hit.start)
        if label:
            return self._finding(
                doc, "secret:mark", "veto", label.start(), hit.end,
                f"文件标注密级“{level}”，属涉密文件，严禁在互联网上发布",
                "立即撤下该文件，按保密规定报告并处置", 0.9,
            )
        line_start, line_end = self._line(doc, hit.start, hit.end)
        if not self._at_head(doc, line_start):
            return None
        urgent = _LEVEL_URGENCY.match(folded, hit.end, line_end)
        first = _LINE_HEAD.fullmatch(folded, line_start, hit.start) is not None
        alone = self._only_markings(folded, line_start, line_end)
        mark = None
        if urgent and (first or alone):
            mark = folded[urgent.end() - 2:urgent.end()]
        elif alone:
            # 秘密 / 特急 on consecutive lines, as GB/T 9704 prints them
            nxt = _NEXT_URGENCY.match(folded, line_end)
            mark = nxt.group(1) if nxt else None
        if mark and not self._quoted(doc, hit.start, hit.end):
            return self._finding(
                doc, "secret:level", "veto", hit.start, hit.end,
                f"文件首部标有密级“{level}”和紧急程度“{mark}”，属涉密文件，严禁在互联网上发布",
                "立即撤下该文件，按保密规定报告并处置", 0.9,
            )
        if alone:
            return self._finding(
                doc, "secret:level", "high", hit.start, hit.end,
                f"文件首部单独标有密级“{level}”，疑似涉密文件，严禁在互联网上公开",
                "核实文件密级；涉密文件须立即撤下并报告", 0.85,
            )
        return None

    # -- （此件不予公开） -------------------------------------------------------------------------
    def _not_public_notes(self, doc: Document) -> Iterator[Finding]:
        folded = doc.folded
        if "公开" not in folded:
            return
        for m in _NOT_PUBLIC.finditer(folded):
            s, e = m.span()
            if not m.group("this"):
                line_start, line_end = self._line(doc, s, e)
                alone = folded[line_start:s].strip() == "" and folded[e:line_end].strip() == ""
                if not alone and not _DATE_END.search(folded, max(line_start, s - 12), s):
                    continue
            if s > 0 and folded[s - 1] in _QUOTES_OPEN:
                continue
            if _NOTE_TALK_BEFORE.search(folded, max(0, s - 8), s) or _NOTE_TALK_AFTER.match(folded, e):
                continue
            yield self._finding(
                doc, "secret:internal", "high", s, e,
                f"文件附注“{doc.text[s:e]}”表明该文件不予公开，不应在互联网上发布",
                "核实文件是否已批准公开，否则撤下", 0.85,
            )

    # -- 内部资料 and the like -----------------------------------------------------------------
    def _internal(self, doc: Document, hit: Hit) -> Finding | None:
        folded = doc.folded
        line_start, line_end = self._line(doc, hit.start, hit.end)
        start, end = hit.start, hit.end
        before = folded[hit.start - 1] if hit.start > line_start else "\n"
        paired = None
        if before in _OPENERS:
            paired = _PAIRED_BRACKETED.match(folded, hit.end)
            if paired:
                start -= 1
        elif before.isspace() or before in "。；！？!?;":
            paired = _PAIRED.match(folded, hit.end)
        if self._only_markings(folded, line_start, line_end):
            line = folded[line_start:line_end]
            start = line_start + len(line) - len(line.lstrip())
            end = line_start + len(line.rstrip())
            # 内部资料 / 注意保存 written on consecutive lines make one marking.
            for _ in range(3):
                nxt_start = line_end + 1
                if nxt_start >= len(folded) or folded[line_end:nxt_start] != "\n":
                    break
                nxt_start, nxt_end = self._line(doc, nxt_start, nxt_start)
                nxt = folded[nxt_start:nxt_end]
                if not nxt.strip() or not self._only_markings(folded, nxt_start, nxt_end):
                    break
                end, line_end = nxt_start + len(nxt.rstrip()), nxt_end
        elif paired:
            end = paired.end()
        elif not (self._at_head(doc, line_start) and _OPENS_WITH.match(folded, line_start, line_end)
                  and folded[line_start:hit.start].strip(" \t\u3000（(【[〔") == ""):
            return None
        if self._quoted(doc, hit.start, hit.end):
            return None
        word = doc.text[hit.start:hit.end]
        return self._finding(
            doc, "secret:internal", "high", start, end,
            f"文件标有“{word}”等内部标志，属不宜公开的内部材料",
            "核实是否已解除内部限制并经审批公开，否则撤下", 0.85,
        )

    # -- helpers ------------------------------------------------------------------------------
    @staticmethod
    def _line(doc: Document, start: int, end: int) -> tuple[int, int]:
        """The line around a span, kept inside the span's segment."""
        text = doc.text
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        if line_end < 0:
            line_end = len(text)
        seg = doc.segment_at(start)
        if seg is not None:
            line_start, line_end = max(line_start, seg.start), min(line_end, seg.end)
        return line_start, line_end

    @staticmethod
    def _only_markings(folded: str, start: int, end: int) -> bool:
        return end - start <= 60 and _MARK_LINE.fullmatch(folded, start, end) is not None

    @staticmethod
    def _at_head(doc: Document, line_start: int) -> bool:
        """The line is among the first few non-blank lines of the document or of its segment."""
        seg = doc.segment_at(line_start)
        region = seg.start if seg is not None else 0
        for origin in dict.fromkeys((region, 0)):
            if line_start - origin > HEAD_CHARS:
                continue
            before = doc.text[origin:line_start]
            if sum(1 for ln in before.split("\n") if ln.strip()) < HEAD_LINES:
                return True
        return False

    @staticmethod
    def _quoted(doc: Document, start: int, end: int) -> bool:
        text = doc.text
        return start > 0 and text[start - 1] in _QUOTES_OPEN and end < len(text) and text[end] in _QUOTES_CLOSE

    @staticmethod
    def _finding(
        doc: Document, rule: str, severity: str, start: int, end: int, message: str, suggestion: str, confidence: float,
    ) -> Finding:
        return Finding(
            category="secret", rule=rule, severity=severity, start=start, end=end, text=doc.text[start:end],
            message=message, suggestion=suggestion, confidence=confidence,
        )
