"""Check family ``spam``: gambling, porn and illegal-ad content, and the marks of a hacked page.

Lexicon words come from ``data/packs/spam-*.yaml`` (tags ``gambling``, ``porn``, ``ads``: rule ids
``spam:<tag>``). On top of the words, the HTML segments tell how the spam got there:

* ``spam:title-tampered`` (veto): a spam word in the ``<title>`` or a meta description/keywords —
  the usual SEO hack ("思思久久99热只有精品_heyzo…", "重庆市璧bet·365_…人民政府办公室");
* ``spam:seo-stuffing`` (veto): a title/meta made of several "_"/"|"/"-" separated chunks of which
  two or more carry spam words (or three spam words in all); ``spam:keyword-stuffing`` (medium):
  the same chunk repeated three or more times without known spam words;
* ``spam:dark-link`` (veto): a hidden element holding links to non-government sites or spam words;
* ``spam:script-link`` (veto): a suspicious script (document.write, eval/atob, redirects,
  injected iframes) that writes links to non-government sites or spam words;
* ``spam:zero-width`` (high): zero-width characters stuffed into visible text.

Context words of pack entries (``unless_near``/``only_near``) are looked for inside the hit's own
link, hidden block, script or meta line, and inside its "_"/"|"-separated chunk of a title
(see :func:`link.context_span`), so the gambling brand in 华体会体育官网_XX县公安局 is not
excused by the police office's name. A guarded gambling word (a bare brand such as 开云 or 米乐)
also counts when it fills a source or dateline slot: 来源：开云, 【米乐讯】. The SEO template of
the platforms' own pages, "XX体育(中国)官方网站-IOS/安卓通用版/手机APP下载", is found whatever
the brand (``spam:gambling``).

Plain text (one body segment) gets only the lexicon and the zero-width rule.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..base import GAP_CONFIDENCE, Recognizer
from ..document import Document, Segment
from ..findings import SEVERITY_RANK, Finding
from ..lexicon import Hit
from ..normalize import fold
from ..packs import Entry, RuleSet
from .link import DomainLists, entry_context, host_of, urls_in

TAG_LABELS = {"gambling": "博彩", "porn": "色情", "ads": "违法广告"}
FIX_TAMPERING = "删除该内容并排查网站篡改（模板、数据库、服务器文件）"
FIX_DARK_LINK = "删除暗链并排查网站篡改（模板、数据库、服务器文件）"

_CHUNK = re.compile(r"[^_|｜\-—–,，、/\\;；\s]+")

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_ZW_RUN = re.compile(f"[{ZERO_WIDTH}]+")
_SCRIPT_REASONS = {
    "document.write": "document.write 写入",
    "eval-atob": "eval/atob 解码执行",
    "fromCharCode": "fromCharCode 编码",
    "location": "脚本跳转",
    "iframe": "注入的 iframe",
}


# A guarded word standing alone as the value of a source field, or as the agency of a dateline.
_SOURCE_BEFORE = re.compile(r"(?:来源|稿源|出处|转载自|来源于|消息来源|信息来源|文章来源|供稿)\s*[:：]?\s*$")
_SOURCE_AFTER = re.compile(
    r"^\s*(?:体育|娱乐|电竞|官网|网)?\s*(?:$|[\s|｜/【\[（(]|发布|时间|日期|作者|编辑|浏览|点击|阅读|字号|责任|审核)"
)
_DATELINE_BEFORE = re.compile(r"^[\s【\[（(“]{0,2}$")
_DATELINE_AFTER = re.compile(r"^\s*(?:体育|娱乐|电竞)?\s*(?:网)?(?:讯|消息|报道|快讯|[】\]）)”])")

# The platforms' own page title: "半岛·体育(中国)官方网站-IOS/安卓通用版/手机APP下载",
# "开云(中国)Kaiyun·官方网站-登录入口", "华体会体育(中国)HTH·官方网站". A "(中国)" company name
# (耐克体育（中国）有限公司) has no 官方网站 tail, and the tail alone is not enough.
_KIND = r"(?:体育|娱乐|电竞|棋牌|彩票|真人|游戏|平台)"
_TEMPLATE = re.compile(
    r"(?P<brand>[\u4e00-\u9fff]{2,5}|[a-z][a-z0-9]{1,11})[\s·.]*(?P<kind>" + _KIND + r")?[\s·.]*"
    r"[(（]\s*中国\s*[)）][\s·.]*(?:[a-z][a-z0-9]{0,11}[\s·.]*)?(?:官方网站|官方网|官网|官方)"
    r"(?P<tail>[\s·.\-—_|/]*(?:ios|安卓|android|app|手机|登录|登陆|入口|网页版|下载|注册|在线|综合))?"
)
_TEMPLATE_CUE = re.compile(r"中国\s*[)）]")
_TEMPLATE_UNLESS = ("打击", "违法", "非法", "赌博", "诈骗", "警惕", "谨防")


def _in_slot(doc: Document, hit: Hit, seg: Segment | None) -> bool:
    """A word that is the whole value of a source field (来源：开云) or a dateline's agency (米乐讯)."""
    lo = seg.start if seg is not None else 0
    hi = seg.end if seg is not None else len(doc.text)
    folded = doc.folded
    line_start = max(folded.rfind("\n", lo, hit.start) + 1, lo, hit.start - 40)
    before = folded[line_start:hit.start]
    after = folded[hit.end:min(hi, hit.end + 12)]
    if _SOURCE_BEFORE.search(before[-14:]) and _SOURCE_AFTER.match(after):
        return True
    return bool(_DATELINE_BEFORE.match(before) and _DATELINE_AFTER.match(after))


def _drop_contained(findings: list[Finding]) -> list[Finding]:
    """Keep 亚洲中文字幕 and drop the 中文字幕 inside it (unless the inner word is more severe)."""
    if len(findings) < 2:
        return findings
    findings.sort(key=lambda f: (f.start, -f.end))
    kept: list[Finding] = []
    for f in findings:
        outer = next((k for k in reversed(kept[-4:]) if k.start <= f.start and f.end <= k.end), None)
        if outer is not None and SEVERITY_RANK[outer.severity] <= SEVERITY_RANK[f.severity]:
            continue
        kept.append(f)
    return kept


def _is_letter(ch: str) -> bool:
    """A Chinese character or ASCII/full-width letter or digit: the text spam hides in."""
    o = ord(ch)
    return (ch.isascii() and ch.isalnum()) or 0x3400 <= o <= 0x9FFF or 0xFF10 <= o <= 0xFF5A or 0xF900 <= o <= 0xFAFF


def _other_script(ch: str) -> bool:
    """Letters of scripts that use ZWJ/ZWNJ/ZWSP legitimately (Arabic, Tibetan, Indic…), and emoji."""
    return bool(ch) and ((ch.isalpha() and not _is_letter(ch)) or ord(ch) >= 0x1F000)


class SpamRecognizer(Recognizer):
    family = "spam"

    def __init__(self, rules: RuleSet):
        super().__init__(rules)
        self.lists = DomainLists.load(rules)

    # -- lexicon words, graded by where they stand ---------------------------------------------
    def entry_finding(self, doc: Document, hit: Hit, entry: Entry) -> Finding | None:
        seg = doc.segment_at(hit.start)
        why_not = entry_context(doc, hit.start, hit.end, entry, seg)
        if why_not == "unless" or (why_not == "only" and not (entry.tag == "gambling" and _in_slot(doc, hit, seg))):
            return None
        finding = Finding(
            category=entry.category, rule=entry.rule_for(hit.word), severity=entry.severity, start=hit.start,
            end=hit.end, text=doc.text[hit.start:hit.end], message=entry.message, suggestion=entry.suggestion,
            confidence=round(entry.confidence * GAP_CONFIDENCE.get(hit.gap, 0.8), 3),
        )
        return self._graded(doc, finding, entry.tag, seg)

    @staticmethod
    def _graded(doc: Document, finding: Finding, tag: str | None, seg: Segment | None) -> Finding:
        """The finding of a spam word, graded by the segment it stands in."""
        label = TAG_LABELS.get(tag or "", "违规")
        rule = f"spam:{tag}" if tag in TAG_LABELS else finding.rule
        kind = seg.kind if seg is not None else "body"
        severity, message, suggestion = finding.severity, finding.message, finding.suggestion
        if kind in ("title", "meta"):
            rule, severity = "spam:title-tampered", "veto"
            where = "网页标题" if kind == "title" else f"网页 meta {seg.attrs.get('name') or ''}".rstrip()
            message = f"{where}中出现{label}词语“{finding.text}”，标题/关键词疑似被篡改（SEO 黑帽）"
            suggestion = "恢复被篡改的标题、描述和关键词，并排查网站篡改（模板、数据库、服务器文件）"
        elif kind in ("hidden", "script"):
            severity = "veto"
            where = "隐藏内容" if kind == "hidden" else "可疑脚本"
            message = f"{where}中出现{label}词语“{finding.text}”，属暗链/挂马内容"
            suggestion = FIX_DARK_LINK
        return Finding(
            category="spam", rule=rule, severity=severity, start=finding.start, end=finding.end,
            text=finding.text, message=message, suggestion=suggestion, confidence=finding.confidence,
        )

    def _templates(self, doc: Document) -> Iterable[Finding]:
        folded = doc.folded
        if "中国" not in folded or "官" not in folded:
            return
        seen_end = -1
        # The "(中国)" is rare in prose: look for the template only around it (one pass is slow).
        for cue in _TEMPLATE_CUE.finditer(folded):
            m = next((m for m in _TEMPLATE.finditer(folded, max(0, cue.start() - 24), cue.end() + 48)
                      if m.start() < cue.start() and m.end() > cue.end()), None)
            if m is None or m.end() <= seen_end or not (m.group("kind") or m.group("tail")):
                continue
            seen_end = m.end()
            start, end = m.start("brand"), m.end()
            seg = doc.segment_at(start)
            if len(doc.segments) > 1 and (seg is None or end > seg.end):
                continue
            if any(w in folded[max(0, start - 16):start] for w in _TEMPLATE_UNLESS):
                continue
            finding = Finding(
                category="spam", rule="spam:gambling", severity="veto", start=start, end=end,
                text=doc.text[start:end],
                message="博彩平台网页的“XX体育(中国)官方网站/APP下载”标题模板，政府网站不应出现，疑似网页被篡改",
                suggestion="删除该内容并排查网站篡改（模板、数据库、服务器文件）", confidence=0.85,
            )
            yield self._graded(doc, finding, "gambling", seg)

    def analyze(self, doc: Document, hits: list[Hit]) -> Iterable[Finding]:
        words = _drop_contained([*super().analyze(doc, hits), *self._templates(doc)])
        yield from words
        if len(doc.segments) > 1 or (doc.segments and doc.segments[0].kind != "body"):
            by_segment: dict[int, list[Finding]] = {}
            for f in words:
                seg = doc.segment_at(f.start)
                if seg is not None:
                    by_segment.setdefault(seg.start, []).append(f)
            site = self._site_host(doc)
            for seg in doc.segments:
                if seg.kind in ("title", "meta"):
                    finding = self._stuffing(doc, seg, by_segment.get(seg.start, []))
                elif seg.kind in ("hidden", "script"):
                    finding = self._dark_link(doc, seg, by_segment.get(seg.start, []), site)
                else:
                    continue
                if finding is not None:
                    yield finding
        yield from self._zero_width(doc)

    # -- titles and metas ---------------------------------------------------------------------
    def _stuffing(self, doc: Document, seg: Segment, words: list[Finding]) -> Finding | None:
        text = doc.text[seg.start:seg.end]
        chunks = [(m.start() + seg.start, m.end() + seg.start, m.group(0)) for m in _CHUNK.finditer(text)]
        where = "网页标题" if seg.kind == "title" else "网页 meta 信息"
        if words:
            spam_chunks = sum(1 for s, e, _ in chunks if any(s <= f.start < e for f in words))
            if len(chunks) >= 3 and (spam_chunks >= 2 or len(words) >= 3):
                shown = "、".join(dict.fromkeys(f.text for f in words))
                return self._segment_finding(
                    doc, seg, "spam:seo-stuffing", "veto",
                    f"{where}由 {len(chunks)} 段关键词拼接，其中 {spam_chunks} 段含博彩/色情词语（{shown}），"
                    "属 SEO 关键词堆砌，网页已被篡改",
                    "恢复被篡改的标题、描述和关键词，并排查网站篡改（模板、数据库、服务器文件）",
                )
            return None
        if len(chunks) >= 4:
            counts = Counter(fold(c) for _, _, c in chunks if len(c) >= 2)
            if counts:
                chunk, n = counts.most_common(1)[0]
                if n >= 3:
                    return self._segment_finding(
                        doc, seg, "spam:keyword-stuffing", "medium",
                        f"{where}中同一关键词“{chunk}”重复 {n} 次，疑似 SEO 关键词堆砌", "核实标题和关键词是否被篡改",
                        confidence=0.7,
                    )
        return None

    # -- hidden elements and scripts ----------------------------------------------------------
    @staticmethod
    def _site_host(doc: Document) -> str | None:
        source = doc.extracted.source or ""
        return host_of(source) if source.lower().startswith(("http://", "https://")) else None

    def _outside_hosts(self, doc: Document, seg: Segment, site: str | None) -> list[str]:
        hosts: list[str] = []
        for url in urls_in(seg, doc.text):
            host = host_of(url)
            if host is None or host in hosts or self.lists.trusted(host):
                continue
            if site is not None and (host == site or host.endswith("." + site)):
                continue
            hosts.append(host)
        return hosts

    def _dark_link(self, doc: Document, seg: Segment, words: list[Finding], site: str | None) -> Finding | None:
        hosts = self._outside_hosts(doc, seg, site)
        if not hosts and not words:
            return None
        parts = []
        if hosts:
            more = f"等 {len(hosts)} 个" if len(hosts) > 1 else ""
            parts.append(f"指向 {'、'.join(hosts[:3])}{more}非政府网站的链接")
        if words:
            parts.append(f"博彩/色情词语（{'、'.join(dict.fromkeys(f.text for f in words))}）")
        content = "及".join(parts)
        reason = str(seg.attrs.get("reason") or "")
        if seg.kind == "hidden":
            how = f"（{reason}）" if reason else ""
            return self._segment_finding(
                doc, seg, "spam:dark-link", "veto", f"隐藏内容{how}中含{content}，属暗链，网页疑似被篡改",
                FIX_DARK_LINK,
            )
        how = _SCRIPT_REASONS.get(reason, "可疑脚本")
        return self._segment_finding(
            doc, seg, "spam:script-link", "veto", f"脚本（{how}）输出{content}，属脚本暗链/挂马，网页疑似被篡改",
            "删除恶意脚本并排查网站篡改（模板、数据库、服务器文件）",
        )

    @staticmethod
    def _segment_finding(
        doc: Document, seg: Segment, rule: str, severity: str, message: str, suggestion: str,
        confidence: float = 0.95,
    ) -> Finding:
        return Finding(
            category="spam", rule=rule, severity=severity, start=seg.start, end=seg.end,
            text=doc.text[seg.start:seg.end], message=message, suggestion=suggestion, confidence=confidence,
        )

    # -- zero-width stuffing ------------------------------------------------------------------
    def _zero_width(self, doc: Document) -> Iterable[Finding]:
        text = doc.text
        if not any(ch in text for ch in ZERO_WIDTH):
            return
        n = len(text)
        runs: list[tuple[int, int]] = []
        for m in _ZW_RUN.finditer(text):
            s, e = m.span()
            before = text[s - 1] if s > 0 else ""
            after = text[e] if e < n else ""
            if _other_script(before) or _other_script(after):
                continue
            if (before and _is_letter(before)) or (after and _is_letter(after)):
                runs.append((s, e))
        cluster: list[tuple[int, int]] = []
        for run in [*runs, (n + 10, n + 10)]:
            if cluster and run[0] - cluster[-1][1] > 4:
                finding = self._zw_cluster(doc, cluster)
                if finding is not None:
                    yield finding
                cluster = []
            cluster.append(run)

    def _zw_cluster(self, doc: Document, cluster: list[tuple[int, int]]) -> Finding | None:
        count = sum(e - s for s, e in cluster)
        if len(cluster) < 3 and count < 8:
            return None  # a few stray ones come from copy and paste
        text = doc.text
        start, end = cluster[0][0], cluster[-1][1]
        if start > 0 and _is_letter(text[start - 1]):
            start -= 1
        if end < len(text) and _is_letter(text[end]):
            end += 1
        seg = doc.segment_at(cluster[0][0])
        if seg is not None and seg.kind in ("hidden", "script"):
            return None
        return Finding(
            category="spam", rule="spam:zero-width", severity="high", start=start, end=end, text=text[start:end],
            message=f"可见文字中插入了 {count} 个零宽字符（U+200B 等），常用于隐藏关键词、规避审查，疑似内容被篡改",
            suggestion="删除零宽字符并核实该段文字的来源", confidence=0.85,
        )
